"""Tests of pipeline.model.batch_inputs: the sources of a batch (files per gemeente or national)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.errors import WijkscanError
from pipeline.model import batch_inputs, forecast

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
    parts = batch_inputs.geometry_per_gemeente(geo, regios, 2024, "waarschuwing", "nl.gpkg")
    assert list(parts) == ["GM0001", "GM0002"]
    gdf1, ctl1 = parts["GM0001"]
    assert gdf1["code"].tolist() == ["BU00010001", "BU00010002"]
    # Names come from the data table: the geometry's names can lag a renaming.
    assert gdf1["naam"].tolist() == ["Data BU00010001", "Data BU00010002"]
    assert ctl1 == {"ontbreekt_in_geometrie": [], "ontbreekt_in_data": [], "waarschuwingen": []}
    gdf2, ctl2 = parts["GM0002"]
    assert ctl2["ontbreekt_in_data"] == ["BU00020009"] and len(ctl2["waarschuwingen"]) == 1
    assert gdf2.loc[gdf2.code == "BU00020009", "naam"].item() == "Kaart BU00020009"
    with pytest.raises(WijkscanError, match="BU00020009") as exc:
        batch_inputs.geometry_per_gemeente(geo, regios, 2024, "fout", "nl.gpkg")
    assert "GM0002" in str(exc.value) and "1 gemeente" in str(exc.value)
    with pytest.raises(WijkscanError, match="GM0002"):
        batch_inputs.geometry_per_gemeente(geo.iloc[:2], regios, 2024, "waarschuwing", "nl.gpkg")


def test_geometry_of_one_gemeente_keeps_the_per_gemeente_message():
    regios = _regios({"GM0002": ["BU00020001"]})
    geo = _geo(["BU00020001", "BU00020009"])
    with pytest.raises(WijkscanError) as exc:
        batch_inputs.geometry_per_gemeente(geo, regios, 2024, "fout", "g.gpkg")
    # geometry.check_codes' own text (the batch message counts gemeenten).
    assert "BU00020009" in str(exc.value) and "gemeente(n)" not in str(exc.value)


def _write_loneliness(path: Path, rows: pd.DataFrame) -> str:
    rows.to_csv(path, sep=";", index=False)
    return str(path)


def test_read_loneliness_names_missing_gemeenten(tmp_path):
    assert batch_inputs.read_loneliness([]).empty
    rows = pd.DataFrame(
        {"WijkenEnBuurten": ["GM0001", "BU00010001"], "Perioden": ["2022JJ00"] * 2}
    ).assign(Eenzaam_27=["40", "45"])
    path = _write_loneliness(tmp_path / "50150NED.csv", rows)
    with pytest.raises(WijkscanError, match="GM0002") as exc:
        batch_inputs.read_loneliness([(path, ["GM0001", "GM0002"])])
    assert "50150NED.csv" in str(exc.value)


def test_read_forecast_expands_totals_per_gemeente(real_kwb_path):
    # 85171NED has totals only: the cohort model must use each gemeente's own base year,
    # exactly as gemeente_forecast on that gemeente alone does.
    from pipeline.ingest.prognose import parse_85171ned
    from pipeline.ingest.statline import lees_cbs_csv

    pair = ["GM0226", "GM0293"]
    regios = batch_inputs.read_regions([(str(real_kwb_path), pair)])
    base, _, _ = batch_inputs.read_population("demo", [], regios, 2024, "fout")
    path = REPO / "tests" / "fixtures" / "cbs_85171ned_GM0226_GM0293.csv"
    tidy = parse_85171ned(lees_cbs_csv(path), gemeenten=pair, bron=path.name)
    table, methods, herkomst, _ = batch_inputs.read_forecast(
        "lokaal", [(str(path), pair)], base, 2024, [2030, 2040]
    )
    assert methods == dict.fromkeys(pair, "totaal_met_cohortmodel")
    assert {gm: h[0] for gm, h in herkomst.items()} == dict.fromkeys(pair, str(path))
    for gm in pair:
        one, _ = forecast.gemeente_forecast(
            tidy[tidy["gemeentecode"] == gm], base[base["gemeentecode"] == gm], 2024, [2030, 2040]
        )
        got = table[table["gemeentecode"] == gm].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one.reset_index(drop=True))
    with pytest.raises(WijkscanError, match="GM0307"):
        batch_inputs.read_forecast(
            "lokaal", [(str(path), ["GM0307"])], base.assign(gemeentecode="GM0307"), 2024, [2030]
        )


def test_read_regions_names_missing_gemeenten(real_kwb_path):
    with pytest.raises(WijkscanError, match="GM0001") as exc:
        batch_inputs.read_regions([(str(real_kwb_path), ["GM0226", "GM0001"])])
    assert "1 gemeente(n)" in str(exc.value)
    # One gemeente: the per-gemeente message with close existing codes.
    with pytest.raises(WijkscanError, match="komt niet voor"):
        batch_inputs.read_regions([(str(real_kwb_path), ["GM0001"])])


def test_read_loneliness_without_region_column_is_a_clear_error(tmp_path):
    rows = pd.DataFrame({"Regio": ["GM0001"], "Eenzaam_27": ["40"]})
    path = _write_loneliness(tmp_path / "verkeerd.csv", rows)
    with pytest.raises(WijkscanError, match="WijkenEnBuurten"):
        batch_inputs.read_loneliness([(path, ["GM0001", "GM0002"])])


REAL = REPO.parent / "shared" / "data" / "real"
P85171 = REAL / "prognose_85171ned" / "85171NED_NL_en_88_gemeenten_odata_keys.csv"
P84527 = REAL / "prognose_84527ned" / "84527NED_prognose_NL_en_5_gemeenten_odata_keys.csv"


@pytest.fixture(scope="module")
def forecast_files() -> list[str]:
    if not (P85171.is_file() and P84527.is_file()):
        pytest.skip(f"real forecast extracts not found under {REAL}")
    return [str(P85171), str(P84527)]


def test_each_gemeente_comes_from_the_first_forecast_file_that_has_it(
    forecast_files, real_kwb_path
):
    # Deventer is among the 88 gemeenten of 85171NED; Duiven only in the older 84527NED.
    pair = ["GM0150", "GM0226"]
    regios = batch_inputs.read_regions([(str(real_kwb_path), pair)])
    base, _, _ = batch_inputs.read_population("demo", [], regios, 2024, "fout")
    files = [(f, pair) for f in forecast_files]
    table, _, herkomst, aansluiting = batch_inputs.read_forecast(
        "lokaal", files, base, 2024, [2030]
    )
    assert herkomst["GM0150"] == (forecast_files[0], "85171NED")
    assert herkomst["GM0226"] == (forecast_files[1], "84527NED, middenvariant")
    # The 2019-based 84527NED put Duiven at 24,300 in 2024; CBS counted 24,872 (PROVENANCE
    # 6c). Its totals are scaled to the count: the forecast's growth, from the count.
    eigen, geteld = aansluiting["GM0226"]
    assert eigen == pytest.approx(24_300) and geteld == pytest.approx(24_872)
    duiven_2030 = table.loc[table["gemeentecode"] == "GM0226", "aantal"].sum()
    assert duiven_2030 == pytest.approx(23_900 * 24_872 / 24_300)
    assert aansluiting["GM0150"][0] == pytest.approx(103_300)  # 85171NED: 0.1% off
    # The same rows as a batch of that gemeente alone, read from its own file.
    for gm, f in (("GM0150", forecast_files[0]), ("GM0226", forecast_files[1])):
        one, *_ = batch_inputs.read_forecast(
            "lokaal", [(f, [gm])], base[base["gemeentecode"] == gm], 2024, [2030]
        )
        got = table[table["gemeentecode"] == gm].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one)
    with pytest.raises(WijkscanError, match="GM0226"):
        batch_inputs.read_forecast("lokaal", files[:1], base, 2024, [2030])
