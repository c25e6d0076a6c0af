"""Online sources (CBS OData v3, CBS bulk download, PDOK) against a local loopback server.

The real cbsodata client and the real download code talk HTTP to a server that
speaks the CBS protocol (padded keys, paging, third-party catalog); nothing is
mocked. The demo gemeente's raw tables are served, so the online build must
reproduce the offline demo build's indicators.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.ingest import demo
from pipeline.ingest.prognose import raw_85171ned
from tests.e2e.conftest import make_workdir, snakemake, write_config
from tests.support.odata_server import (
    Dimension,
    ODataServer,
    Table,
    bulk_03759ned,
    dimension_of,
)

pytestmark = pytest.mark.e2e
GM = demo.DEMO_GEMEENTE


def _tables() -> list[Table]:
    kwb = demo.kwb_table().drop(columns=["ID"])
    names = dict(zip(kwb["WijkenEnBuurten"], kwb.pop("Naam"), strict=True))
    # A second gemeente in the same table: the server-side filter must leave it out.
    other = kwb.iloc[[0]].copy()
    other["WijkenEnBuurten"] = "GM9998    "
    names["GM9998    "] = "Andergem"
    kwb = pd.concat([kwb, other], ignore_index=True)
    t_kwb = Table(
        "85984NED",
        kwb,
        [dimension_of("WijkenEnBuurten", kwb["WijkenEnBuurten"], "GeoDetail", names)],
    )

    prog, prog_dim = raw_85171ned(_demo_totals(1.0))
    prog = prog.drop(columns=["ID"])
    t_prog = Table(
        "85171NED",
        prog,
        [
            dimension_of("Geslacht", prog["Geslacht"]),
            Dimension("Leeftijd", prog_dim[["Key", "Title"]]),
            dimension_of("RegioIndeling2021", prog["RegioIndeling2021"], "GeoDimension"),
            dimension_of("Perioden", prog["Perioden"], "TimeDimension"),
        ],
    )
    return [t_kwb, t_prog]


def _demo_totals(factor: float) -> pd.DataFrame:
    """The demo forecast as gemeente totals (x factor), rounded to hundreds as CBS does."""
    fc = demo.prognose_primos(2024, [2030, 2035, 2040])
    totals = fc.groupby("Jaar", as_index=False)["Aantal personen"].sum()
    return pd.DataFrame(
        {
            "gemeentecode": GM,
            "jaar": totals["Jaar"],
            "geslacht": "totaal",
            "leeftijd_van": 0,
            "leeftijd_tot": pd.array([pd.NA] * len(totals), dtype="Int64"),
            "aantal": (totals["Aantal personen"] * factor).round(-2),
        }
    )


def _bulk_03759ned() -> bytes:
    """03759ned as CBS serves it since August 2023: only as a bulk zip, no OData query."""
    rows, leeftijd = demo.bevolking_raw(2024)
    return bulk_03759ned(rows, leeftijd)


def _table_85173ned(factor: float) -> Table:
    """The interval table with all gemeenten; MW00000 = the forecast (x factor here)."""
    frames = []
    for key, f in (("MW00000", factor), ("MOG0067", factor * 0.95), ("MBG0067", factor * 1.05)):
        prog, prog_dim = raw_85171ned(_demo_totals(f))
        frames.append(prog.drop(columns=["ID"]).assign(PrognoseInterval=key))
    prog = pd.concat(frames, ignore_index=True)
    prog = prog[["PrognoseInterval", *[c for c in prog.columns if c != "PrognoseInterval"]]]
    return Table(
        "85173NED",
        prog,
        [
            dimension_of("PrognoseInterval", prog["PrognoseInterval"]),
            dimension_of("Geslacht", prog["Geslacht"]),
            Dimension("Leeftijd", prog_dim[["Key", "Title"]]),
            dimension_of("RegioIndeling2021", prog["RegioIndeling2021"], "GeoDimension"),
            dimension_of("Perioden", prog["Perioden"], "TimeDimension"),
        ],
    )


def _health_table() -> Table:
    g = demo.gezondheid_raw().drop(columns=["ID"])
    dims = [
        dimension_of("Leeftijd", g["Leeftijd"]),
        dimension_of("Marges", g["Marges"]),
        dimension_of("WijkenEnBuurten", g["WijkenEnBuurten"], "GeoDetail"),
        dimension_of("Perioden", g["Perioden"], "TimeDimension"),
    ]
    return Table("50150NED", g, dims, catalog="RIVM")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    gpkg = tmp_path_factory.mktemp("pdok") / "gebiedsindelingen.gpkg"
    demo.write_geometry(gpkg)
    with ODataServer(_tables()) as cbs, ODataServer([_health_table()]) as derden:
        cbs.add_file("/pdok/2024/gebiedsindelingen.gpkg", gpkg.read_bytes())
        cbs.add_bulk("03759ned", _bulk_03759ned())
        yield cbs, derden


def _online_config(cbs: ODataServer, derden: ODataServer) -> dict:
    host = cbs.url.split("://", 1)[1]
    return {
        "gemeenten": [GM],
        "bronnen": {
            k: {"type": "cbs"}
            for k in ("kwb", "geometrie", "bevolking", "prognose", "gezondheidsmonitor")
        },
        "cbs": {
            "api_url": host,
            "derden_url": derden.url.split("://", 1)[1],
            "https": False,
            "timeout": 5,
            "pogingen": 3,
            "bulk_url": cbs.url + "/csv/CBS/nl/{tabel}",
        },
        "pdok": {"url": cbs.url + "/pdok/{jaar}/gebiedsindelingen.gpkg"},
        "vouwkaart": {"formaten": ["A3"]},
    }


def test_online_build_matches_offline_demo(servers, demo_build, tmp_path):
    cbs, derden = servers
    cbs.inject("drop", times=2, path_contains="UntypedDataSet")  # CBS does drop connections
    wd = make_workdir(tmp_path / "online")
    cfg = write_config(wd, "online.yaml", _online_config(cbs, derden))
    res = snakemake(wd, configfile=cfg)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    raw = wd / "data/raw/cbs"
    assert (raw / f"kwb_85984NED_2024_{GM}.csv").is_file()
    kwb = pd.read_csv(raw / f"kwb_85984NED_2024_{GM}.csv", dtype=str)
    assert not kwb["WijkenEnBuurten"].str.contains("GM9998").any()  # filtered server-side
    assert kwb["WijkenEnBuurten"].str.endswith(" ").any()  # keys kept as CBS pads them
    online = pd.read_csv(wd / f"reports/{GM}/indicatoren_{GM}.csv", dtype={"code": str})
    offline = pd.read_csv(demo_build / f"reports/{GM}/indicatoren_{GM}.csv", dtype={"code": str})
    cols = [
        "inwoners",
        "aantal_65plus",
        "aantal_85plus",
        "mantelzorgpotentieel",
        "eenzaam_pct",
        "dementie_aantal",
    ]
    a = online[online.jaar == 2024].set_index("code")[cols]
    b = offline[offline.jaar == 2024].set_index("code")[cols]
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index())
    # 85171NED has totals only: the horizon totals follow the published forecast's growth
    # from its own 2024 figure, applied to the counted 2024 population.
    g = online[(online.niveau == "gemeente")].set_index("jaar")
    table = _demo_totals(1.0).set_index("jaar")["aantal"]
    pop = pd.read_parquet(wd / f"data/processed/{GM}/bevolking_gemeente.parquet")
    counted = pop.loc[pop["geslacht"].isin(["man", "vrouw"]), "aantal"].sum()
    assert g.loc[2040, "inwoners"] == pytest.approx(table[2040] * counted / table[2024], abs=2.5)
    assert any("UntypedDataSet" in r.path for r in cbs.requests)
    # 03759ned came from the bulk download (the OData route no longer exists for it).
    assert any(r.path.lower() == "/csv/cbs/nl/03759ned" for r in cbs.requests)
    assert not any("03759ned" in r.path and "odata" in r.path.lower() for r in cbs.requests)
    bs = pd.read_parquet(wd / f"data/processed/{GM}/bevolking_gemeente_bs.parquet")
    gem = pd.read_parquet(wd / f"data/processed/{GM}/bevolking_gemeente.parquet")
    assert set(bs["burgerlijke_staat"]) == {"ongehuwd", "gehuwd", "gescheiden", "verweduwd"}
    assert bs["aantal"].sum() == gem.loc[gem.geslacht != "totaal", "aantal"].sum()
    from pipeline.model import provenance

    meta = json.loads((wd / f"data/processed/{GM}/bronnen.json").read_text())[GM]
    assert provenance.tables(meta)["prognose"].startswith("85171NED")


def test_forecast_falls_back_to_85173ned(tmp_path):
    """A gemeente outside the 88 of 85171NED gets the MW00000 variant of 85173NED."""

    t_kwb, t_prog = _tables()
    # 85171NED with another gemeente only (GM9999 is not one of its 88 gemeenten).
    other = t_prog.data.copy()
    other["RegioIndeling2021"] = "GM0150"
    t_prog = Table("85171NED", other, [
        dimension_of("Geslacht", other["Geslacht"]),
        t_prog.dimensions[1],
        dimension_of("RegioIndeling2021", other["RegioIndeling2021"], "GeoDimension"),
        dimension_of("Perioden", other["Perioden"], "TimeDimension"),
    ])  # fmt: skip
    gpkg = tmp_path / "g.gpkg"
    demo.write_geometry(gpkg)
    with ODataServer([t_kwb, t_prog, _table_85173ned(1.1)]) as cbs, ODataServer() as derden:
        cbs.add_file("/pdok/2024/gebiedsindelingen.gpkg", gpkg.read_bytes())
        cbs.add_bulk("03759ned", _bulk_03759ned())
        wd = make_workdir(tmp_path / "fallback")
        # The build step needs every source; this server has no loneliness table.
        online = _online_config(cbs, derden)
        online["bronnen"]["gezondheidsmonitor"] = {"type": "geen"}
        cfg = write_config(wd, "online.yaml", online)
        target = f"data/processed/{GM}/prognose_gemeente.parquet"
        res = snakemake(wd, target, configfile=cfg)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
        assert any("85173NED" in r.path for r in cbs.requests)
    from pipeline.model import provenance

    meta = json.loads((wd / f"data/processed/{GM}/bronnen.json").read_text())[GM]
    # Provenance names the table the numbers really came from.
    assert provenance.tables(meta)["prognose"].startswith("85173NED")
    raw = pd.read_csv(wd / f"data/raw/cbs/prognose_85171NED_2024_{GM}.csv", dtype=str)
    assert set(raw["PrognoseInterval"].str.strip()) == {"MW00000"}
    fc = pd.read_parquet(wd / target)
    got = fc.loc[fc["jaar"] == 2040, "aantal"]
    got = got[fc.loc[fc["jaar"] == 2040, "geslacht"].isin(["man", "vrouw"])].sum()
    # The 85173NED figures (x 1.1) are used for their growth from their own 2024 figure,
    # applied to the counted 2024 population (forecast.gemeente_forecast); the report
    # names the 10% by which the table's 2024 missed the count.
    table = _demo_totals(1.1).set_index("jaar")["aantal"]
    pop = pd.read_parquet(wd / f"data/processed/{GM}/bevolking_gemeente.parquet")
    counted = pop.loc[pop["geslacht"].isin(["man", "vrouw"]), "aantal"].sum()
    assert got == pytest.approx(table[2040] * counted / table[2024], rel=1e-6)
    assert any("De prognose (85173NED" in w and "CBS telde" in w for w in meta["waarschuwingen"])


def test_unknown_gemeente_online_lists_codes(servers, tmp_path):
    cbs, derden = servers
    wd = make_workdir(tmp_path / "onbekend")
    cfg = _online_config(cbs, derden)
    cfg["gemeenten"] = ["GM9990"]
    res = snakemake(wd, configfile=write_config(wd, "online.yaml", cfg))
    assert res.returncode != 0
    err = res.stdout + res.stderr
    assert "GM9990 komt niet voor in CBS-tabel 85984NED" in err
    assert "GM9999" in err  # a close existing code is suggested
    assert not list((wd / "data/raw").rglob("*GM9990*.csv"))


def test_outage_keeps_last_good_download(servers, tmp_path):
    cbs, derden = servers
    wd = make_workdir(tmp_path / "storing")
    cfg = write_config(wd, "online.yaml", _online_config(cbs, derden))
    target = f"data/raw/cbs/kwb_85984NED_2024_{GM}.csv"
    assert snakemake(wd, target, configfile=cfg).returncode == 0
    good = (wd / target).read_bytes()
    cbs.inject("http500", times=None, path_contains="85984NED")
    try:
        res = snakemake(wd, target, "--forcerun", "fetch_kwb", configfile=cfg)
    finally:
        cbs.clear_faults()
    assert res.returncode != 0
    assert "laatste goede versie is bewaard" in res.stdout + res.stderr
    kept = wd / "data/raw/cbs/.bewaard" / f"kwb_85984NED_2024_{GM}.csv"
    assert kept.read_bytes() == good
    assert not (wd / target).exists() or (wd / target).read_bytes() == good
