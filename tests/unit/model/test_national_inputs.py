"""Tests of pipeline.model.national_inputs: national sources into the per-gemeente layouts."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.errors import WijkscanError
from pipeline.ingest import kwb, kwb_lezen
from pipeline.model import forecast, national_inputs

REPO = Path(__file__).resolve().parents[3]


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
    parts = national_inputs.geometry_per_gemeente(geo, regios, 2024, "waarschuwing", "nl.gpkg")
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
        national_inputs.geometry_per_gemeente(geo, regios, 2024, "fout", "nl.gpkg")
    assert "GM0002" in str(exc.value) and "1 gemeente" in str(exc.value)
    with pytest.raises(WijkscanError, match="GM0002"):
        national_inputs.geometry_per_gemeente(geo.iloc[:2], regios, 2024, "waarschuwing", "nl.gpkg")


def test_population_all_refuses_per_gemeente_sources():
    regios = _regios({"GM0001": ["BU00010001"]})
    with pytest.raises(WijkscanError, match="per_gemeente"):
        national_inputs.population_all("brp", regios, 2024)


def test_loneliness_all_names_missing_gemeenten():
    assert national_inputs.loneliness_all(None, ["GM0001"], "x.csv") is None
    rows = pd.DataFrame(
        {"WijkenEnBuurten": ["GM0001", "BU00010001"], "Perioden": ["2022JJ00"] * 2}
    ).assign(Eenzaam_27=["40", "45"])
    with pytest.raises(WijkscanError, match="GM0002") as exc:
        national_inputs.loneliness_all(rows, ["GM0001", "GM0002"], "50150NED.csv")
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
    base = national_inputs.population_all("demo", regios, 2024)
    path = REPO / "tests" / "fixtures" / "cbs_85171ned_GM0226_GM0293.csv"
    tidy = parse_85171ned(lees_cbs_csv(path), gemeenten=pair, bron=path.name)
    table, methods = national_inputs.forecast_all("lokaal", base, 2024, [2030, 2040], tidy)
    assert methods == dict.fromkeys(pair, "totaal_met_cohortmodel")
    for gm in pair:
        one, _ = forecast.gemeente_forecast(
            tidy[tidy["gemeentecode"] == gm], base[base["gemeentecode"] == gm], 2024, [2030, 2040]
        )
        got = table[table["gemeentecode"] == gm].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one.reset_index(drop=True))
    with pytest.raises(WijkscanError, match="GM0293"):
        national_inputs.forecast_all(
            "lokaal", base, 2024, [2030], tidy[tidy["gemeentecode"] == "GM0226"]
        )


def test_loneliness_all_without_region_column_is_a_clear_error():
    rows = pd.DataFrame({"Regio": ["GM0001"], "Eenzaam_27": ["40"]})
    with pytest.raises(WijkscanError, match="WijkenEnBuurten"):
        national_inputs.loneliness_all(rows, ["GM0001"], "verkeerd.csv")
