"""National indicators in one pass, checked against the per-gemeente path on the real KWB subset."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.errors import WijkscanError
from pipeline.ingest import demo, demo_herschaling, kwb, kwb_lezen
from pipeline.ingest.gemeentebevolking import parse_03759ned
from pipeline.ingest.prevalentie import read_prevalentie
from pipeline.ingest.primos import read_primos
from pipeline.model import estimate, forecast, indicators, intervals, national, project, registry

REPO = Path(__file__).resolve().parents[3]
#: Duiven (the brief's example), Amsterdam (largest, letters in its codes), Groningen (first
#: by code) and Almere (a buurt whose known bands exceed its inwoners: rest band clipped).
COMPARED = ["GM0226", "GM0363", "GM0014", "GM0034"]


@pytest.fixture(scope="module")
def setup(real_kwb_path):
    cfg = national.load_config(REPO / "config" / "config.yaml")
    cfg["bronnen"]["bevolking"] = {"type": "demo"}
    cfg["bronnen"]["prognose"] = {"type": "demo"}
    cfg["bronnen"]["gezondheidsmonitor"] = {"type": "geen"}
    prev = read_prevalentie(REPO / cfg["indicatoren"]["dementie_prevalentie"])
    reg = registry.registry_from_config(cfg, cfg["indicatoren"]["dementie_bron"])
    s = indicators.settings_from_config(cfg)
    raw = kwb_lezen.read_kwb(real_kwb_path)
    return cfg, raw, prev, reg, s


@pytest.fixture(scope="module")
def table(setup):
    cfg, raw, prev, reg, s = setup
    return national.national_indicators(
        raw, None, prev, reg, s, horizon=cfg["horizon"], source="kwb"
    )


def per_gemeente(setup, gemeente: str, tmp: Path) -> pd.DataFrame:
    """The per-gemeente path: the functions the job steps call, in the same order."""
    cfg, raw, prev, reg, s = setup
    jaar, horizon = int(cfg["jaar"]), list(cfg["horizon"])
    # fetch_kwb + prepare_regions
    regios = kwb.normalize_kwb(kwb.select_gemeente(raw, gemeente, "kwb"), gemeente, "kwb")
    # fetch_population (demo) + prepare_population
    rows, dim = demo.bevolking_raw(jaar)
    rows["RegioS"] = gemeente
    gem = parse_03759ned(rows, dim, jaar, [gemeente], bron="demo")
    gem = demo_herschaling.rescale_to_kwb(gem, regios)
    # fetch_forecast (demo, stored as CSV) + prepare_forecast
    fc_rows = demo.prognose_primos(jaar, horizon)
    fc_rows["Gemeente"] = gemeente
    fc_path = tmp / f"prognose_{gemeente}.csv"
    fc_rows.to_csv(fc_path, index=False)
    fc = demo_herschaling.apply_demo_growth(read_primos(fc_path, [gemeente]), gem, jaar)
    prognose, _ = forecast.gemeente_forecast(fc, gem, jaar, horizon)
    # estimate_population + project_population
    buurten = regios[regios["niveau"] == "buurt"]
    base = estimate.estimate_buurt_ages(buurten, gem).copy()
    marges = base.attrs["diagnostiek"].marges
    base.attrs = {}
    bev = project.project_buurten(base, prognose, jaar, horizon)
    bev.attrs = {}
    # compute_indicators (source 'geen': an empty loneliness table)
    bev_gem = pd.concat([gem, prognose], ignore_index=True)
    q = indicators.assemble(regios, bev, bev_gem, None, prev, s)
    table = indicators.publish(indicators.derive(q, s), reg, s)
    return table.assign(marges=intervals.marges_column(table["code"], marges, "ipf"))


def test_normalize_all_equals_per_gemeente(setup):
    _, raw, *_ = setup
    regios = kwb.normalize_all(raw, "kwb")
    parts = [kwb.normalize_kwb(raw, g, "kwb") for g in kwb.gemeente_codes(raw)]
    pd.testing.assert_frame_equal(regios, pd.concat(parts, ignore_index=True))


def test_one_sex_partition_keeps_sexes_else_totaal():
    bev = pd.DataFrame(
        {
            "code": ["A", "A", "A", "B", "B", "C", "C", "D"],
            "jaar": [2024, 2024, 2024, 2024, 2030, 2024, 2024, 2030],
            "geslacht": ["man", "vrouw", "totaal", "totaal", "totaal", "man", "totaal", "totaal"],
            "aantal": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    kept = indicators.one_sex_partition(bev)
    # A: both sexes -> no totaal; B: only totaal (both years); C: a sex -> no totaal.
    assert kept["aantal"].tolist() == [1.0, 2.0, 4.0, 5.0, 6.0, 8.0]


def test_every_buurt_once_and_kwb_65plus_kept(setup, table):
    cfg, raw, *_ = setup
    regios = kwb.normalize_all(raw, "kwb")
    kwb_buurten = regios[regios["niveau"] == "buurt"].set_index("code")
    assert len(kwb_buurten) == 14_574
    assert table["gemeentecode"].nunique() == 342
    for jaar, part in table.groupby("jaar"):
        buurten = part[part["niveau"] == "buurt"]
        assert not buurten["code"].duplicated().any(), jaar
        assert set(buurten["code"]) == set(kwb_buurten.index), jaar
    base = table[(table["jaar"] == int(cfg["jaar"])) & (table["niveau"] == "buurt")]
    base = base.set_index("code")
    measured = kwb_buurten["k_65plus"].dropna()
    # Every published buurt 65+ of the base year is CBS's own number, in every gemeente.
    np.testing.assert_array_equal(
        base.loc[measured.index, "aantal_65plus"].to_numpy(), measured.to_numpy()
    )
    assert (
        base.loc[measured.index, "gemeentecode"] == kwb_buurten.loc[measured.index, "gemeentecode"]
    ).all()


@pytest.mark.parametrize("gemeente", COMPARED)
def test_gemeente_equals_per_gemeente_path(setup, table, gemeente, tmp_path):
    expected = per_gemeente(setup, gemeente, tmp_path)
    got = table[table["gemeentecode"] == gemeente].reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    # Same functions, bigger arrays: sums over groups may round differently in the last
    # bit (measured: at most 7e-16 relative). Anything beyond that is a real difference.
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=0)


def test_base_year_only_is_the_base_rows_of_the_full_table(setup, table):
    cfg, raw, prev, reg, s = setup
    base_only = national.national_indicators(raw, None, prev, reg, s, source="kwb")
    full_base = table[table["jaar"] == int(cfg["jaar"])].reset_index(drop=True)
    assert base_only["jaar"].unique().tolist() == [int(cfg["jaar"])]
    pd.testing.assert_frame_equal(
        base_only.reset_index(drop=True), full_base, check_exact=False, rtol=1e-12
    )


def test_command_line_writes_parquet(real_kwb_path, tmp_path, capsys):
    out = tmp_path / "nl.parquet"
    assert national.main(["--kwb", str(real_kwb_path), "--uit", str(out)]) == 0
    t = pd.read_parquet(out)
    assert t["gemeentecode"].nunique() == 342
    assert "342 gemeenten" in capsys.readouterr().out


def _regios(buurten: dict[str, list[str]]) -> pd.DataFrame:
    rows = []
    for gm, codes in buurten.items():
        rows.append({"code": gm, "niveau": "gemeente", "naam": f"Gem {gm}", "gemeentecode": gm})
        rows += [
            {"code": c, "niveau": "buurt", "naam": f"Data {c}", "gemeentecode": gm} for c in codes
        ]
    return pd.DataFrame(rows)


def _geo(codes: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": codes, "naam": [f"Kaart {c}" for c in codes]},
        geometry=[box(i, 0, i + 1, 1) for i in range(len(codes))],
        crs="EPSG:28992",
    )


def test_geometry_per_gemeente_splits_and_checks():
    regios = _regios({"GM0001": ["BU00010001", "BU00010002"], "GM0002": ["BU00020001"]})
    geo = _geo(["BU00010001", "BU00010002", "BU00020001", "BU00020009", "BU00030001"])
    parts = national.geometry_per_gemeente(geo, regios, 2024, "waarschuwing", "nl.gpkg")
    assert list(parts) == ["GM0001", "GM0002"]
    gdf1, ctl1 = parts["GM0001"]
    assert gdf1["code"].tolist() == ["BU00010001", "BU00010002"]
    # Names come from the data table, as in prepare_geometry.
    assert gdf1["naam"].tolist() == ["Data BU00010001", "Data BU00010002"]
    assert ctl1 == {"ontbreekt_in_geometrie": [], "ontbreekt_in_data": [], "waarschuwingen": []}
    gdf2, ctl2 = parts["GM0002"]
    assert ctl2["ontbreekt_in_data"] == ["BU00020009"] and len(ctl2["waarschuwingen"]) == 1
    assert gdf2.loc[gdf2.code == "BU00020009", "naam"].item() == "Kaart BU00020009"
    with pytest.raises(WijkscanError, match="BU00020009") as exc:
        national.geometry_per_gemeente(geo, regios, 2024, "fout", "nl.gpkg")
    assert "GM0002" in str(exc.value) and "1 gemeente" in str(exc.value)
    with pytest.raises(WijkscanError, match="GM0002"):
        national.geometry_per_gemeente(geo.iloc[:2], regios, 2024, "waarschuwing", "nl.gpkg")


def test_population_all_refuses_per_gemeente_sources():
    regios = _regios({"GM0001": ["BU00010001"]})
    with pytest.raises(WijkscanError, match="per_gemeente"):
        national.population_all("brp", regios, 2024)


def test_loneliness_all_names_missing_gemeenten():
    assert national.loneliness_all(None, ["GM0001"], "x.csv") is None
    rows = pd.DataFrame(
        {"WijkenEnBuurten": ["GM0001", "BU00010001"], "Perioden": ["2022JJ00"] * 2}
    ).assign(Eenzaam_27=["40", "45"])
    with pytest.raises(WijkscanError, match="GM0002") as exc:
        national.loneliness_all(rows, ["GM0001", "GM0002"], "50150NED.csv")
    assert "50150NED.csv" in str(exc.value)


def test_forecast_all_expands_totals_per_gemeente(real_kwb_path):
    # 85171NED has totals only: the cohort model must use each gemeente's own base year,
    # exactly as the per-gemeente rule (gemeente_forecast on one gemeente) does.
    from pipeline.ingest.prognose import parse_85171ned
    from pipeline.ingest.statline import lees_cbs_csv

    pair = ["GM0226", "GM0293"]
    raw = kwb_lezen.read_kwb(real_kwb_path)
    regios = kwb.normalize_all(raw, "kwb")
    regios = regios[regios["gemeentecode"].isin(pair)]
    base = national.population_all("demo", regios, 2024)
    path = REPO / "tests" / "fixtures" / "cbs_85171ned_GM0226_GM0293.csv"
    tidy = parse_85171ned(lees_cbs_csv(path), gemeenten=pair, bron=path.name)
    table, methods = national.forecast_all("lokaal", base, 2024, [2030, 2040], tidy)
    assert methods == dict.fromkeys(pair, "totaal_met_cohortmodel")
    for gm in pair:
        one, _ = forecast.gemeente_forecast(
            tidy[tidy["gemeentecode"] == gm], base[base["gemeentecode"] == gm], 2024, [2030, 2040]
        )
        got = table[table["gemeentecode"] == gm].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one.reset_index(drop=True))
    with pytest.raises(WijkscanError, match="GM0293"):
        national.forecast_all("lokaal", base, 2024, [2030], tidy[tidy["gemeentecode"] == "GM0226"])


def test_loneliness_all_without_region_column_is_a_clear_error():
    rows = pd.DataFrame({"Regio": ["GM0001"], "Eenzaam_27": ["40"]})
    with pytest.raises(WijkscanError, match="WijkenEnBuurten"):
        national.loneliness_all(rows, ["GM0001"], "verkeerd.csv")
