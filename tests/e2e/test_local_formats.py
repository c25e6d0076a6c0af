"""All-local sources in their documented layouts: BRP per buurt, Primos XLSX, RIVM 50120NED."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline.ingest import demo
from pipeline.ingest.gezondheidsmonitor import raw_gezondheidsmonitor
from tests.e2e.conftest import REPO, make_workdir, snakemake, write_config

pytestmark = pytest.mark.e2e
GM = demo.DEMO_GEMEENTE


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    wd = make_workdir(tmp_path_factory.mktemp("lokaal"))
    files = wd / "invoer"
    files.mkdir()
    # StatLine export with ';' separator.
    demo.kwb_table().to_csv(files / "kwb.csv", index=False, sep=";")
    demo.write_geometry(files / "buurten.gpkg")
    truth = demo.true_population()
    brp = truth.rename(columns={"leeftijd": "leeftijd_raw"})
    brp["leeftijd"] = np.where(brp.leeftijd_raw >= 100, "100+", brp.leeftijd_raw.astype(str))
    brp[["buurtcode", "leeftijd", "geslacht", "aantal"]].to_csv(
        files / "brp.csv", index=False, sep=";"
    )
    demo.prognose_primos(2024, [2030, 2035, 2040]).to_excel(files / "primos.xlsx", index=False)
    # The 50120NED edition names its columns differently (suffixes, ErnstigZeerErnstig...).
    health = demo.gezondheid_raw()
    tidy = pd.DataFrame(
        {
            "code": health["WijkenEnBuurten"].str.strip(),
            "jaar": 2022,
            "eenzaam_pct": pd.to_numeric(health["Eenzaam_25"], errors="coerce"),
        }
    )
    raw_gezondheidsmonitor(tidy, suffixen="50120NED").to_csv(files / "rivm.csv", index=False)
    cfg = {
        "bronnen": {
            "kwb": {"type": "lokaal", "pad": str(files / "kwb.csv")},
            "geometrie": {"type": "lokaal", "pad": str(files / "buurten.gpkg")},
            "bevolking": {"type": "brp", "pad": str(files / "brp.csv")},
            "prognose": {"type": "primos", "pad": str(files / "primos.xlsx")},
            "gezondheidsmonitor": {"type": "lokaal", "pad": str(files / "rivm.csv")},
        },
        "vouwkaart": {"formaten": ["A3"]},
    }
    target = f"reports/{GM}/indicatoren_{GM}.csv"
    res = snakemake(wd, target, configfile=write_config(wd, "lokaal.yaml", cfg))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    return wd, truth, tidy


def test_brp_is_used_directly_not_estimated(local_build):
    wd, truth, _ = local_build
    t = pd.read_csv(wd / f"reports/{GM}/indicatoren_{GM}.csv", dtype={"code": str})
    b = t[(t.jaar == 2024) & (t.niveau == "buurt")].set_index("code")
    true85 = truth[truth.leeftijd >= 85].groupby("buurtcode")["aantal"].sum()
    for code, n in true85.items():
        if b.loc[code, "status"] == "te weinig inwoners":
            continue
        assert b.loc[code, "aantal_85plus"] == 5 * round(n / 5), code
    # A care-home buurt: the BRP shows what the KWB-based estimate cannot.
    assert b.loc["BU99990205", "aandeel_85plus"] > 20


def test_primos_xlsx_drives_the_horizon(local_build):
    wd, _, _ = local_build
    t = pd.read_csv(wd / f"reports/{GM}/indicatoren_{GM}.csv", dtype={"code": str})
    g = t[t.niveau == "gemeente"].set_index("jaar")
    primos = demo.prognose_primos(2024, [2040])
    expected = primos[primos.Jaar == 2040]["Aantal personen"].sum()
    assert abs(g.loc[2040, "inwoners"] - expected) <= 5


def test_loneliness_from_50120_layout(local_build):
    wd, _, tidy = local_build
    t = pd.read_csv(wd / f"reports/{GM}/indicatoren_{GM}.csv", dtype={"code": str})
    base = t[t.jaar == 2024].set_index("code")
    want = tidy.set_index("code")["eenzaam_pct"].dropna()
    for code, pct in want.items():
        assert base.loc[code, "eenzaam_pct"] == pytest.approx(pct), code
    assert (base["eenzaamheid_jaar"].dropna() == 2022).all()


def test_one_pass_reads_national_files_like_the_per_gemeente_rules(
    tmp_path, real_kwb_path, real_gpkg_path
):
    # 'berekening: in_een_keer' with real-layout files (03759ned, 85171NED totals only,
    # 50150NED): one batch reading the national files gives what a batch of one gemeente,
    # reading the fetch rules' extracts, gives.
    fixtures = REPO / "tests" / "fixtures"
    cfg = {
        "gemeenten": ["GM0226"],
        "bronnen": {
            "kwb": {"type": "lokaal", "pad": str(real_kwb_path)},
            "geometrie": {"type": "lokaal", "pad": str(real_gpkg_path)},
            "bevolking": {"type": "lokaal", "pad": str(fixtures / "cbs_03759ned_GM0226_2024.csv")},
            "prognose": {"type": "lokaal", "pad": str(fixtures / "cbs_85171ned_GM0226_GM0293.csv")},
            "gezondheidsmonitor": {
                "type": "lokaal",
                "pad": str(fixtures / "rivm_50150NED_GM0226.csv"),
            },
        },
    }
    targets = {
        "per_gemeente": [
            "data/processed/GM0226/indicatoren.parquet",
            "data/processed/GM0226/bronnen.json",
        ],
        "in_een_keer": [
            "data/processed/samen/indicatoren.parquet",
            "data/processed/samen/bronnen.json",
        ],
    }
    wds = {}
    for mode in ("per_gemeente", "in_een_keer"):
        wd = make_workdir(tmp_path / mode)
        path = write_config(wd, "fixtures.yaml", cfg | {"berekening": mode})
        res = snakemake(wd, *targets[mode], configfile=path)
        assert res.returncode == 0, mode + res.stdout[-3000:] + res.stderr[-5000:]
        wds[mode] = wd
    per, one = (pd.read_parquet(wds[m] / targets[m][0]) for m in ("per_gemeente", "in_een_keer"))
    pd.testing.assert_frame_equal(per, one, check_exact=False, rtol=1e-12, atol=0)
    assert one["eenzaam_pct"].notna().sum() >= 3  # loneliness really came through
    assert sorted(one["jaar"].unique()) == [2024, 2030, 2035, 2040]
    metas = [
        json.loads((wds[m] / targets[m][1]).read_text(encoding="utf-8"))["GM0226"]
        for m in ("per_gemeente", "in_een_keer")
    ]
    for key in ("prognose_methode", "waarschuwingen", "fictief", "gemeentenaam"):
        assert metas[0][key] == metas[1][key], key
    assert metas[1]["prognose_methode"] == "totaal_met_cohortmodel" and not metas[1]["fictief"]
