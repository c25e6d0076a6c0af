"""Reading KWB files: StatLine CSV and CBS workbook, damaged files refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import schemas
from pipeline.errors import WijkscanError
from pipeline.ingest import demo, kwb, kwb_kolommen, kwb_lezen
from tests.support.kwb_werkboek import (
    SHARED_KWB,
    demo_csv,
    fixture_rows,
    regiocodes,
    workbook,
    write_workbook,
)


@pytest.mark.parametrize("content", ["", "not,a\nkwb,file\n", "\x00\x01garbage"])
def test_empty_or_corrupt_csv_gives_clear_error(tmp_path, content):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(WijkscanError):
        kwb_lezen.read_kwb(path)


def test_semicolon_statline_export_is_read(tmp_path):
    path = tmp_path / "kwb_semicolon.csv"
    demo.kwb_table().to_csv(path, index=False, sep=";")
    reg = kwb.normalize_kwb(kwb_lezen.read_kwb(path), "GM9999", path.name)
    assert (reg.niveau == "buurt").sum() == len(demo.BUURTEN)


def test_odata_prefixes_match_real_85984ned_metadata():
    meta_path = SHARED_KWB / "85984NED_DataProperties.json"
    if not meta_path.is_file():
        pytest.skip(f"CBS metadata not found at {meta_path} (../shared absent)")
    import json

    props = json.loads(meta_path.read_text(encoding="utf-8"))
    keys = [p["Key"] for p in props if p.get("Key")]
    titles = {p["Key"]: p["Title"].strip() for p in props if p.get("Key")}
    for col in kwb_kolommen.KWB_COLUMNS:
        # Every prefix must find exactly one 85984NED key (a prefix that matched two
        # keys would silently take the first).
        hits = [k for k in keys if kwb_kolommen.find_column([k], col.prefix)]
        assert len(hits) == 1, (col.prefix, hits)
    for short, key in kwb_lezen.WORKBOOK_KEYS.items():
        assert key in keys, (short, key)
    expected = {
        "Ongehuwd_13": "Ongehuwd",
        "Gehuwd_14": "Gehuwd",
        "Gescheiden_15": "Gescheiden",
        "Verweduwd_16": "Verweduwd",
        "Mannen_6": "Mannen",
        "Vrouwen_7": "Vrouwen",
        "k_15Tot25Jaar_9": "15 tot 25 jaar",
        "k_45Tot65Jaar_11": "45 tot 65 jaar",
        "HuishoudensTotaal_29": "Huishoudens totaal",
        "Eenpersoonshuishoudens_30": "Eenpersoonshuishoudens",
    }
    for key, title in expected.items():
        assert titles[key] == title
    assert set(kwb_kolommen.MARITAL_COLUMNS) <= {c.name for c in kwb_kolommen.KWB_COLUMNS}
    assert set(kwb_kolommen.MARITAL_COLUMNS) <= set(kwb_kolommen.COUNT_COLUMNS)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_workbook_layout_fixture_reads_like_statline(tmp_path, suffix):
    path = write_workbook(tmp_path / f"kwb-2023{suffix}", workbook(fixture_rows()))
    raw = kwb_lezen.read_kwb(path)
    assert {"WijkenEnBuurten", "AantalInwoners_5", "Ongehuwd_13", "Naam"} <= set(raw.columns)
    assert "NL01" in set(raw["WijkenEnBuurten"])  # NL00 becomes StatLine's NL01
    reg = kwb.normalize_kwb(raw, "GM9990", path.name).set_index("code")
    schemas.validate(reg.reset_index(), schemas.REGIOS, path.name)
    assert list(reg.index) == ["GM9990", "WK999001", "BU99900101", "BU99900102", "BU99900103"]
    b = reg.loc["BU99900101"]
    assert (b.ongehuwd, b.gehuwd, b.gescheiden, b.verweduwd) == (505, 350, 100, 40)
    assert (b.inwoners, b.mannen, b.k_15_24, b.huishoudens, b.afstand_huisarts) == (
        1000,
        500,
        100,
        500,
        0.9,
    )
    assert reg.loc["BU99900102", "naam"] == "Noord" and b.niveau == "buurt"
    tiny = reg.loc["BU99900103"]
    assert tiny.inwoners == 10
    assert np.isnan(tiny.ongehuwd) and np.isnan(tiny.mannen)  # '.' is secret, not zero


def test_workbook_xlsx_and_csv_twin_give_the_same_raw_table(tmp_path):
    df = workbook(fixture_rows())
    a = kwb_lezen.read_kwb(write_workbook(tmp_path / "kwb.xlsx", df))
    b = kwb_lezen.read_kwb(write_workbook(tmp_path / "kwb.csv", df))
    pd.testing.assert_frame_equal(a, b)


def test_workbook_with_title_row_and_bare_codes(tmp_path):
    # Older workbooks: gwb_code only, digits without GM/WK/BU; a user's title row above.
    df = workbook(fixture_rows()).drop(columns=["gwb_code_10"])
    df["gwb_code"] = df["gwb_code_8"]
    path = tmp_path / "kwb-2019.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame([["Kerncijfers wijken en buurten"]]).to_excel(
            xw, sheet_name="toelichting", header=False, index=False
        )
        df.to_excel(xw, sheet_name="data", index=False, startrow=1)
    raw = kwb_lezen.read_kwb(path)
    assert {"GM9990", "WK999001", "BU99900101"} <= set(raw["WijkenEnBuurten"])


def test_xlsx_without_kwb_header_is_a_clear_error(tmp_path):
    path = tmp_path / "iets.xlsx"
    pd.DataFrame({"a": [1], "b": [2]}).to_excel(path, index=False)
    with pytest.raises(WijkscanError, match="gwb_code_10"):
        kwb_lezen.read_kwb(path)
    broken = tmp_path / "kapot.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(WijkscanError, match="niet te lezen"):
        kwb_lezen.read_kwb(broken)


def test_text_in_a_count_cell_names_file_column_region_and_line(tmp_path):
    df = demo.kwb_table()
    row = int(np.flatnonzero(regiocodes(df) == "BU99990102")[0])
    df.loc[df.index[row], "AantalInwoners_5"] = "abc"
    path = demo_csv(tmp_path, df)
    with pytest.raises(WijkscanError) as exc:
        kwb_lezen.read_kwb(path)
    e = exc.value
    assert "'abc'" in e.wat and "AantalInwoners_5" in e.wat
    assert str(path) in e.waar and "BU99990102" in e.waar and f"regel {row + 2}" in e.waar
    assert "'.'" in e.oplossing  # says how CBS writes a secret cell


@pytest.mark.parametrize("secret", [".", "", "-99997"])
def test_secret_marks_in_a_count_are_missing_never_a_number(tmp_path, secret):
    df = demo.kwb_table()
    df.loc[regiocodes(df) == "BU99990102", "k_65JaarOfOuder_12"] = secret
    reg = kwb.normalize_kwb(kwb_lezen.read_kwb(demo_csv(tmp_path, df)), "GM9999", "t")
    assert np.isnan(reg.loc[reg.code == "BU99990102", "k_65plus"].iloc[0])


def test_csv_cut_off_mid_row_is_refused(tmp_path):
    path = demo_csv(tmp_path, demo.kwb_table())
    text = path.read_text(encoding="utf-8")
    last = text.rstrip("\n").rsplit("\n", 1)[1]
    # Cut in the middle of the last record's fields: the tail of the row is lost.
    cut = text[: len(text.rstrip("\n")) - len(last) + len(last) // 2]
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(WijkscanError) as exc:
        kwb_lezen.read_kwb(path)
    assert "afgebroken" in exc.value.wat
    assert f"regel {len(cut.splitlines())}" in exc.value.waar
    assert "opnieuw" in exc.value.oplossing
