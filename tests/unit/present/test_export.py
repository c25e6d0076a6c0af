"""Tests for pipeline.present.export: the interval columns travel with their indicator."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import zipfile

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
from shapely.geometry import box

from pipeline import codes
from pipeline.model.registry import build_registry
from pipeline.present import export

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


def test_toelichting_says_which_columns_this_build_left_empty(tmp_path):
    """A reviewer: the loneliness columns are described with their RIVM source but empty
    everywhere, with nothing saying they were not read."""
    path = tmp_path / "x.xlsx"
    export.write_xlsx(table(), REG, {"bronnen": []}, path)
    rows = list(openpyxl.load_workbook(path)["Toelichting"].iter_rows(values_only=True))
    head = rows[0]
    build = {r[head.index("Indicator (kolom)")]: r[head.index("In deze build")] for r in rows[1:]}
    assert build["aantal_85plus"] == "ja" and build["inwoners"] == "ja"
    assert build["eenzaam_pct"].startswith("nee: de kolom is leeg")


def test_toelichting_marks_only_what_rests_on_demo_parts(tmp_path):
    """A real CBS column is not stamped FICTIEF because the age profile is a demo."""
    path = tmp_path / "x.xlsx"
    m = {"bronnen": [], "fictief": True, "fictief_onderdelen": ["bevolking", "prognose"]}
    export.write_xlsx(table(), REG, m, path)
    rows = list(openpyxl.load_workbook(path)["Toelichting"].iter_rows(values_only=True))
    head = rows[0]
    let_op = {r[head.index("Indicator (kolom)")]: r[head.index("Let op")] for r in rows[1:]}
    assert not let_op["aandeel_0_14"] and not let_op["afstand_huisarts"]
    assert let_op["aantal_85plus"] == "FICTIEF: leeftijdsopbouw (demo)"
    assert let_op["aantal_65plus"] == "basisjaar echt (CBS); toekomstcijfers FICTIEF"
    assert let_op["inwoners"] == "basisjaar echt (CBS); toekomstcijfers FICTIEF"
    # A real forecast with a demo age profile: future totals are real, the age split not.
    m2 = m | {"fictief_onderdelen": ["bevolking"]}
    export.write_xlsx(table(), REG, m2, path)
    rows = list(openpyxl.load_workbook(path)["Toelichting"].iter_rows(values_only=True))
    let_op2 = {r[head.index("Indicator (kolom)")]: r[head.index("Let op")] for r in rows[1:]}
    assert not let_op2["inwoners"] and let_op2["aantal_65plus"].endswith("FICTIEF")
    assert not let_op["eenzaam_pct"]  # RIVM's share does not rest on the age profile
    export.write_xlsx(table(), REG, m | {"fictief_onderdelen": ["kwb", "bevolking"]}, path)
    rows = list(openpyxl.load_workbook(path)["Toelichting"].iter_rows(values_only=True))
    assert all(r[0] == "FICTIEF: demogegevens" for r in rows[1:] if r[1] in REG)


def test_toelichting_explains_every_column_of_the_workbook(tmp_path):
    """An analyst found "Let op", "Status", "Opmerking", "Basisjaar of projectie" and
    "Randvoorwaarden van de schatting" in the data sheets and nowhere explained."""
    path = tmp_path / "x.xlsx"
    t = table()
    t.loc[0, "aantal_85plus"] = np.nan
    t[codes.reden_kolom("aantal_85plus")] = ["", ""]
    t.loc[0, codes.reden_kolom("aantal_85plus")] = codes.REDEN_GEHEIM
    export.write_xlsx(t, REG, {"bronnen": [], "fictief": True}, path)
    wb = openpyxl.load_workbook(path)
    rows = list(wb["Toelichting"].iter_rows(values_only=True))
    head = rows[0]
    uitleg = {r[head.index("Naam")]: r[head.index("Definitie")] for r in rows[1:]}
    kolommen = [c.value for c in wb["Buurten"][1]]
    for kop in kolommen:
        # An interval column is explained with its indicator; a header adds the unit.
        basis = kop.split(" – ")[0]
        assert any(basis == n or basis.startswith(f"{n} (") for n in uitleg if uitleg[n]), kop
    assert codes.STATUS_TE_WEINIG in uitleg["Status"]
    assert "nooit 0" in uitleg["Opmerking"]
    assert "projectie" in uitleg["Basisjaar of projectie"]


def test_csv_and_gpkg_carry_the_fictief_warning_on_every_row(tmp_path):
    """A new user: "the demo's CSV and GeoPackage say nothing about being fictitious"."""
    geo = gpd.GeoDataFrame(
        {"code": ["BU00010001", "BU00010002"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs=28992,
    )  # the second buurt has a shape but no row in the table
    let_op = "FICTIEF: leeftijdsopbouw (75+, 85+, dementie, mantelzorg, toekomst)"
    export.write_csv(table(), tmp_path / "x.csv", let_op)
    export.write_gpkg(table(), geo, REG, 2024, tmp_path / "x.gpkg", let_op)
    csv = pd.read_csv(tmp_path / "x.csv")
    assert csv.columns[0] == export.LET_OP and (csv[export.LET_OP] == let_op).all()
    assert (gpd.read_file(tmp_path / "x.gpkg")[export.LET_OP] == let_op).all()
    # Real data: no such column.
    export.write_csv(table(), tmp_path / "echt.csv")
    assert export.LET_OP not in pd.read_csv(tmp_path / "echt.csv").columns


def test_csv_writes_counts_as_whole_numbers_and_keeps_gaps_empty(tmp_path):
    t = table()
    t.loc[1, "aantal_85plus"] = float("nan")
    export.write_csv(t, tmp_path / "x.csv", registry=REG)
    lines = (tmp_path / "x.csv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    i = head.index("aantal_85plus")
    assert lines[1].split(",")[i : i + 1] == ["20"]  # not 20.0
    assert lines[2].split(",")[i] == ""  # missing stays empty, never 0
    assert pd.read_csv(tmp_path / "x.csv")["inwoners"].tolist() == [100, 100]


def test_an_empty_cell_says_why_in_one_opmerking_column(tmp_path):
    """Deventer: 17 buurten with an empty mantelzorgpotentieel and nothing saying why.
    The ``reden_<key>`` columns of the table become one readable column beside ``status``
    (keys in the CSV and GeoPackage, labels in the workbook), and are not written as such."""
    t = table()
    t["mantelzorgpotentieel"] = float("nan")
    reden = codes.reden_weinig_ouderen(10, 85)
    t[codes.reden_kolom("mantelzorgpotentieel")] = [reden, ""]
    t[codes.reden_kolom("aantal_65plus")] = [codes.REDEN_GEHEIM, ""]
    export.write_csv(t, tmp_path / "x.csv", registry=REG)
    csv = pd.read_csv(tmp_path / "x.csv", keep_default_na=False)
    assert list(csv.columns).index(export.OPMERKING) == list(csv.columns).index("status") + 1
    assert csv[export.OPMERKING].tolist() == [
        f"aantal_65plus: {codes.REDEN_GEHEIM}; mantelzorgpotentieel: {reden}",
        "",
    ]
    assert not any(c.startswith("reden_") for c in csv.columns)
    export.write_xlsx(t, REG, {"bronnen": []}, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["Buurten"]
    head = [c.value for c in ws[1]]
    assert "Status" in head and not any(str(h).startswith("reden_") for h in head)
    opm = [c.value for c in ws[2]][head.index("Opmerking")]
    assert opm == f"Aantal 65-plussers: {codes.REDEN_GEHEIM}; Mantelzorgpotentieel: {reden}"
    geo = gpd.GeoDataFrame({"code": ["BU00010001"]}, geometry=[box(0, 0, 1, 1)], crs=28992)
    t.loc[1, codes.reden_kolom("mantelzorgpotentieel")] = reden  # 2030 too
    export.write_gpkg(t, geo, REG, 2024, tmp_path / "x.gpkg")
    g = gpd.read_file(tmp_path / "x.gpkg")
    assert g[export.OPMERKING].iloc[0].endswith(reden)
    assert g["opmerking_2030"].iloc[0] == f"mantelzorgpotentieel: {reden}"


def test_gpkg_says_what_it_holds(tmp_path):
    """A reviewer: one buurt layer without wijkcode, year or description."""
    geo = gpd.GeoDataFrame({"code": ["BU00010001"]}, geometry=[box(0, 0, 1, 1)], crs=28992)
    path = tmp_path / "x.gpkg"
    export.write_gpkg(table(), geo, REG, 2024, path)
    g = gpd.read_file(path)
    assert g.loc[0, "wijkcode"] == "WK000100" and g.loc[0, "jaar"] == 2024
    with sqlite3.connect(path) as con:
        (beschrijving,) = con.execute(
            "SELECT description FROM gpkg_contents WHERE table_name = 'indicatoren_buurt'"
        ).fetchone()
    assert "gelden voor 2024" in beschrijving and "nooit 0" in beschrijving


def test_gpkg_has_intervals_per_year(tmp_path):
    geo = gpd.GeoDataFrame({"code": ["BU00010001"]}, geometry=[box(0, 0, 1, 1)], crs=28992)
    path = tmp_path / "x.gpkg"
    export.write_gpkg(table(), geo, REG, 2024, path)
    got = gpd.read_file(path)
    assert got.loc[0, "aantal_85plus_laag"] == 10.0
    assert got.loc[0, "aantal_85plus_hoog_2030"] == 45.0
    assert got.loc[0, "marges"].startswith("leeftijd (KWB)")


HOSTILE = '=HYPERLINK("http://x","klik")'
EPOCH = "1700000000"  # 2023-11-14 22:13:20 UTC


def hostile_table() -> pd.DataFrame:
    t = table()
    t["naam"] = HOSTILE
    t["status"] = "@SUM(1+1)"
    return t


def test_xlsx_writes_a_formula_like_name_as_text(tmp_path):
    path = tmp_path / "x.xlsx"
    export.write_xlsx(hostile_table(), REG, {"bronnen": [{"bestand": "=1+1"}]}, path)
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = [c for c in cells if c.value == HOSTILE]
    assert len(names) == 2  # both years, text unchanged (no quote added to the value)
    assert all(c.data_type == "s" and c.quotePrefix for c in names)
    with zipfile.ZipFile(path) as zf:
        xml = "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets"))
    assert "<f>" not in xml and "<f " not in xml


def test_csv_neutralises_formula_like_text_but_not_numbers(tmp_path):
    path = tmp_path / "x.csv"
    t = hostile_table()
    t["inwoners"] = -5.0
    export.write_csv(t, path)
    got = pd.read_csv(path)
    assert (got["naam"] == "'" + HOSTILE).all()
    assert (got["status"] == "'@SUM(1+1)").all()
    assert (got["inwoners"] == -5.0).all()
    assert got["code"].iloc[0] == "BU00010001"


def test_xlsx_is_byte_identical_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    export.write_xlsx(table(), REG, {"bronnen": []}, a)
    with zipfile.ZipFile(a) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    props = openpyxl.load_workbook(a).properties
    assert props.created == props.modified == dt.datetime(2023, 11, 14, 22, 13, 20)
    time.sleep(2.1)  # zip times have 2 s resolution: a later save must not show
    export.write_xlsx(table(), REG, {"bronnen": []}, b)
    assert a.read_bytes() == b.read_bytes()


def test_gpkg_is_byte_identical_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    geo = gpd.GeoDataFrame({"code": ["BU00010001"]}, geometry=[box(0, 0, 1, 1)], crs=28992)
    a, b = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    export.write_gpkg(table(), geo, REG, 2024, a)
    with sqlite3.connect(a) as con:
        (last,) = con.execute("select last_change from gpkg_contents").fetchone()
    assert last.startswith("2023-11-14T22:13:20")
    time.sleep(1.1)
    export.write_gpkg(table(), geo, REG, 2024, b)
    assert a.read_bytes() == b.read_bytes()


def test_bronnen_sheet_has_dutch_headers_and_keeps_every_field(tmp_path):
    """A reviewer: the Bronnen sheet showed technical English names (invoer, type_label)."""
    m = {
        "bronnen": [
            {"invoer": "kwb", "onderwerp": "Kerncijfers wijken en buurten", "uitgever": "CBS",
             "tabel": "85984NED", "jaar": 2024, "type": "lokaal", "type_label": "lokaal bestand",
             "bestand": "data/raw/kwb.csv", "sha256": "ab12", "licentie": "CC BY 4.0",
             "invoerbestanden": [{"pad": "../kwb.csv", "sha256": "ab12"}]},
        ]
    }  # fmt: skip
    t = export.sources_table(m)
    assert list(t.columns[:4]) == ["Onderwerp", "Uitgever", "Tabel", "Jaar"]
    assert not {"invoer", "type_label", "type", "sha256"} & set(t.columns)
    row = t.iloc[0]
    assert row["Soort bron"] == "lokaal bestand" and row["Controlegetal (sha256)"] == "ab12"
    assert row["Eigen invoerbestanden (met sha256)"] == "../kwb.csv (sha256 ab12)"


def test_toelichting_calls_only_estimates_a_90_percent_interval(tmp_path):
    """A published base-year count has no bounds (shown as published), a published share
    only CBS's rounding; neither is a 90% interval. The table is shaped as the pipeline
    writes it: no bounds for the 2024 count, rounding bounds for the 2024 share."""
    t = table()
    basis = t["jaar"] == 2024
    t["inwoners_laag"] = np.where(basis, np.nan, 140.0)
    t["inwoners_hoog"] = np.where(basis, np.nan, 160.0)
    t["aandeel_65plus"], t["aandeel_65plus_laag"], t["aandeel_65plus_hoog"] = 20.0, 19.5, 20.5
    path = tmp_path / "x.xlsx"
    export.write_xlsx(t, REG, {"bronnen": []}, path)
    rows = list(openpyxl.load_workbook(path)["Toelichting"].iter_rows(values_only=True))
    head = rows[0]
    uitleg = {r[head.index("Indicator (kolom)")]: r[head.index("Interval")] for r in rows[1:]}
    assert uitleg["aantal_85plus"].startswith(
        "Voor buurten en wijken het 90%-interval van de schatting: "
    )
    assert uitleg["inwoners"].startswith(
        "Voor buurten en wijken in latere jaren het 90%-interval van de schatting (het "
        "basisjaar is het CBS-cijfer zoals gepubliceerd, zonder interval): "
    )
    assert uitleg["aandeel_65plus"].startswith(
        "Voor buurten en wijken in het basisjaar de marge die de afronding door CBS (op 5) "
        "openlaat, in latere jaren het 90%-interval van de schatting: "
    )
    assert uitleg["inwoners"].endswith("in de CSV inwoners_laag en inwoners_hoog")
    assert not uitleg["aandeel_0_14"]  # no interval columns, nothing to explain
    # The 0-14 share has only the base year: its bounds say nothing about later years.
    t["aandeel_0_14_laag"], t["aandeel_0_14_hoog"] = 14.5, 15.5
    export.write_xlsx(t, REG, {"bronnen": []}, path)
    rows = list(openpyxl.load_workbook(path)["Toelichting"].iter_rows(values_only=True))
    uitleg = {r[head.index("Indicator (kolom)")]: r[head.index("Interval")] for r in rows[1:]}
    assert uitleg["aandeel_0_14"].startswith(
        "Voor buurten en wijken in het basisjaar de marge die de afronding door CBS (op 5) "
        "openlaat: de twee kolommen ernaast"
    )


def test_workbook_data_sheets_are_formatted_and_carry_the_demo_mark(tmp_path):
    """A review of the real Deventer workbook: raw floats (16.94630872483221), headers cut
    off at a fixed width, no filter, "(per 100)" after "per 100 65-plussers", and no
    FICTIEF on the data sheets that get copied around."""
    t = table()
    t["aandeel_85plus"] = 16.94630872483221
    t["dementie_per_100_65plus"] = 7.3
    t["mantelzorgpotentieel"] = 9.87
    path = tmp_path / "x.xlsx"
    m = {"bronnen": [], "fictief": True, "fictief_onderdelen": ["bevolking", "prognose"]}
    export.write_xlsx(t, REG, m, path)
    ws = openpyxl.load_workbook(path)["Buurten"]
    head = [c.value for c in ws[1]]
    assert head[0] == "Let op" and ws["A2"].value.startswith("FICTIEF")
    assert "FICTIEF" in ws.oddHeader.center.text
    assert "Mensen met dementie per 100 65-plussers" in head
    assert "Mantelzorgpotentieel (50-64-jarigen per 85-plusser)" in head
    assert all(c.font.bold for c in ws[1]) and ws.auto_filter.ref
    assert ws.freeze_panes == f"{ws.cell(row=1, column=head.index('Naam') + 2).column_letter}2"
    cel = ws.cell(row=2, column=head.index("Aandeel 85-plussers (%)") + 1)
    assert cel.value == 16.94630872483221 and cel.number_format == "0.0"  # full value kept
    n85 = head.index("Aantal 85-plussers (personen)") + 1
    assert {ws.cell(row=2, column=n85 + i).number_format for i in range(3)} == {"#,##0"}
    # Without demo data: no mark column.
    export.write_xlsx(t, REG, {"bronnen": []}, path)
    assert openpyxl.load_workbook(path)["Buurten"]["A1"].value == "Code"
