"""Tests for pipeline.export: the interval columns travel with their indicator."""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import pandas as pd
from shapely.geometry import box

from pipeline import export
from pipeline.registry import build_registry

REG = build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")


def table() -> pd.DataFrame:
    rows = []
    for jaar, f in ((2024, 1.0), (2030, 1.5)):
        rows.append(
            {"code": "BU00010001", "naam": "=HYPERLINK(1)", "niveau": "buurt",
             "gemeentecode": "GM0001", "wijkcode": "WK000100", "jaar": jaar, "status": "",
             "schatting": "", "aantal_85plus": 20.0 * f, "aantal_85plus_laag": 10.0 * f,
             "aantal_85plus_hoog": 30.0 * f, "inwoners": 100.0,
             "marges": "leeftijd (KWB), burgerlijke staat (KWB 2023)"}
        )  # fmt: skip
    return pd.DataFrame(rows)


def test_xlsx_has_interval_and_margin_columns(tmp_path):
    path = tmp_path / "x.xlsx"
    export.write_xlsx(table(), REG, {"bronnen": []}, path)
    ws = openpyxl.load_workbook(path)["Buurten"]
    head = [c.value for c in ws[1]]
    i = head.index("Aantal 85-plussers (personen)")
    assert head[i + 1] == "Aantal 85-plussers (personen) – ondergrens interval"
    assert head[i + 2] == "Aantal 85-plussers (personen) – bovengrens interval"
    assert [c.value for c in ws[2]][i : i + 3] == [20, 10, 30]
    assert head[-1] == "Randvoorwaarden van de schatting"
    info = openpyxl.load_workbook(path)["Toelichting"]
    row = [r for r in info.iter_rows(values_only=True) if r[0] == "aantal_85plus"][0]
    assert "aantal_85plus_laag" in " ".join(str(v) for v in row)


def test_gpkg_has_intervals_per_year(tmp_path):
    geo = gpd.GeoDataFrame({"code": ["BU00010001"]}, geometry=[box(0, 0, 1, 1)], crs=28992)
    path = tmp_path / "x.gpkg"
    export.write_gpkg(table(), geo, REG, 2024, path)
    got = gpd.read_file(path)
    assert got.loc[0, "aantal_85plus_laag"] == 10.0
    assert got.loc[0, "aantal_85plus_hoog_2030"] == 45.0
    assert got.loc[0, "marges"].startswith("leeftijd (KWB)")
