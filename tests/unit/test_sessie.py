"""Session workbook (issue 15): layout, writing, reading back and every refusal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import report, sessie, sessie_cellen, sessie_lezen
from pipeline.errors import WijkscanError
from tests.unit.test_report import meta
from tests.unit.test_texts import BUURTEN, GEMEENTE, registry, voorbeeld_tabel

GM, NAAM = GEMEENTE
CODES = [b[0] for b in BUURTEN]


def _schrijf(tmp_path: Path, tabel: pd.DataFrame | None = None, m: dict | None = None) -> Path:
    t = voorbeeld_tabel() if tabel is None else tabel
    reg = registry()
    w = report.rapport_config(None, reg)["weging"]
    xlsx = tmp_path / "reports" / GM / f"sessie_{GM}.xlsx"
    sessie.write_session_files(t, reg, m or meta(), w, xlsx, xlsx.with_suffix(".csv"))
    return xlsx


def vul(bron: Path, doel: Path, rijen: dict[str, dict], datum="12-03-2025", **velden) -> Path:
    """Fill a copy of the workbook (``rijen``: code -> {internal key: value})."""
    wb = openpyxl.load_workbook(bron)
    ws = wb[sessie.BLAD_BUURTEN]
    kop = {c.value: c.column for c in ws[1]}
    for r in range(2, ws.max_row + 1):
        for key, v in rijen.get(ws.cell(r, 1).value, {}).items():
            col = kop[sessie.INVULKOLOMMEN[key]] if key in sessie.INVULKOLOMMEN else kop[key]
            ws.cell(r, col).value = v
    s = wb[sessie.BLAD_SESSIE]
    rij = {s.cell(r, 1).value: r for r in range(1, s.max_row + 1)}
    s.cell(rij[sessie.SESSIE_LABELS["datum"]], 2, datum)
    for key, v in velden.items():
        s.cell(rij[sessie.SESSIE_LABELS[key]], 2, v)
    wb.save(doel)
    return doel


def _lees(*paths: Path) -> dict:
    return sessie_lezen.lees_sessies(paths, voorbeeld_tabel(), GM, NAAM)


# ----------------------------------------------------------------- writing


def test_workbook_rows_headers_and_validation(tmp_path):
    xlsx = _schrijf(tmp_path)
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[:3] == ["Buurten", "Sessie", "Toelichting"]
    assert wb["Lijsten"].sheet_state == "hidden"
    ws = wb["Buurten"]
    kop = [c.value for c in ws[1]]
    assert kop[:3] == ["Buurtcode", "Buurt", "Wijk"]
    assert list(sessie.INVULKOLOMMEN.values()) == kop[-len(sessie.INVULKOLOMMEN) :]
    assert any(k.endswith("≈") for k in kop) and any(k.endswith("*") for k in kop)
    assert {ws.cell(r, 1).value for r in range(2, ws.max_row + 1)} == set(CODES)
    # A suppressed buurt shows its status, never a number or 0.
    kolom = kop.index(next(k for k in kop if k.startswith("Aandeel 75-plussers"))) + 1
    klein = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "BU00010006")
    assert ws.cell(klein, kolom).value == "te weinig inwoners"
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert sorted(dv.formula1.split("!")[1] for dv in lists) == [
        "$A$2:$A$9",
        "$B$2:$B$3",
        "$C$2:$C$12",
    ]
    s = wb["Sessie"]
    assert (s["A1"].value, s["B1"].value, s["B2"].value) == ("Gemeentecode", GM, NAAM)
    assert "FICTIEF" in wb["Toelichting"]["A1"].value  # demo data says so first


def test_places_in_the_workbook_are_the_reports(tmp_path):
    xlsx = _schrijf(tmp_path)
    reg = registry()
    scores, _ = report.buurt_scores(
        voorbeeld_tabel(), reg, report.rapport_config(None, reg)["weging"]
    )
    expected = {r["code"]: report.plaats_tekst(r)[0] for _, r in scores.iterrows()}
    t = pd.read_csv(xlsx.with_suffix(".csv"), dtype=str)
    got = dict(zip(t["Buurtcode"], t[sessie.KOL_PLAATS].fillna(""), strict=True))
    assert got == {c: expected.get(c, "") for c in CODES}


def test_model_only_indicator_is_not_in_the_workbook(tmp_path):
    m = meta() | {"buurtsignaal": {"aandeel_75plus": {"signaal": False, "marges": []}}}
    t = pd.read_csv(_schrijf(tmp_path, m=m).with_suffix(".csv"), dtype=str)
    assert not any(c.startswith("Aandeel 75-plussers") for c in t.columns)
    assert any(c.startswith("Aandeel 65-plussers") for c in t.columns)


def test_formula_like_names_stay_text_in_xlsx_and_csv(tmp_path):
    t = voorbeeld_tabel()
    t.loc[t["code"] == CODES[0], "naam"] = '=HYPERLINK("http://x","klik")'
    xlsx = _schrijf(tmp_path, t)
    ws = openpyxl.load_workbook(xlsx)["Buurten"]
    cel = next(ws.cell(r, 2) for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == CODES[0])
    assert cel.data_type == "s" and cel.quotePrefix
    csv = xlsx.with_suffix(".csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in csv


# ----------------------------------------------------------------- reading


def test_filled_workbook_reads_back_verbatim(tmp_path):
    xlsx = _schrijf(tmp_path)
    tekst = 'Zij zei "kom" <b>vet</b> 👵🏼 café\nnieuwe alinea  met  spaties'
    doel = vul(
        xlsx,
        tmp_path / "s.xlsx",
        {
            CODES[1]: {"signalen": tekst, "soort": "Ontmoetingsplek", "proefbuurt": "JA"},
            CODES[3]: {"zorgen": "$5 per rit", "aan_tafel": "wijkteam; bewoners"},
        },
        datum=dt.datetime(2025, 3, 12),
        plaats="Buurthuis",
        deelnemers=12,
    )
    res = _lees(doel)
    assert res["sessies"] == [
        {
            "bestand": str(doel),
            "datum": "2025-03-12",
            "plaats": "Buurthuis",
            "deelnemers": 12,
            "organisaties": [],
        }
    ]
    a, b = res["inbreng"]
    assert a["code"] == CODES[1] and a["signalen"] == tekst  # verbatim, also newlines
    assert a["soort"] == "ontmoetingsplek" and a["proefbuurt"] is True
    assert b["zorgen"] == "$5 per rit" and b["aan_tafel"] == ["wijkteam", "bewoners"]
    assert b["proefbuurt"] is None


def test_csv_twin_reads_back_also_as_excel_semicolon_cp1252(tmp_path):
    csv = _schrijf(tmp_path).with_suffix(".csv")
    t = pd.read_csv(csv, dtype=str)
    t.loc[2, "Zorgen"] = "Zorg om één café"
    t.loc[0, "Sessiedatum"] = "19 maart 2025"
    t.loc[0, "Organisaties aanwezig"] = "wijkteam, gemeente"
    doel = tmp_path / "s.csv"
    t.to_csv(doel, index=False, sep=";", encoding="cp1252", errors="replace")
    res = _lees(doel)
    assert res["sessies"][0]["datum"] == "2025-03-19"
    assert res["sessies"][0]["organisaties"] == ["wijkteam", "gemeente"]
    assert [r["zorgen"] for r in res["inbreng"]] == ["Zorg om één café"]


def test_sessions_are_ordered_by_date_and_labelled(tmp_path):
    xlsx = _schrijf(tmp_path)
    a = vul(xlsx, tmp_path / "a.xlsx", {CODES[0]: {"zorgen": "x"}}, datum="19-03-2025")
    b = vul(xlsx, tmp_path / "b.xlsx", {CODES[0]: {"zorgen": "y"}}, datum="2025-03-12")
    res = _lees(a, b)
    assert [s["datum"] for s in res["sessies"]] == ["2025-03-12", "2025-03-19"]
    assert [r["zorgen"] for r in res["inbreng"]] == ["y", "x"]  # same buurt, two sessions: fine
    assert sessie_lezen.editie_tekst(res) == "na de sessies van 12 maart 2025 en 19 maart 2025"
    assert sessie_lezen.editie_tekst(_lees(a)) == "na de sessie van 19 maart 2025"
    assert sessie_lezen.editie_tekst(None) == ""


FOUTEN = {
    "onbekende_code": ({CODES[0]: {"Buurtcode": "BU00019999", "zorgen": "x"}}, {},
                       "Onbekende buurtcode 'BU00019999'", "kolom 'Buurtcode'"),
    "andere_gemeente": ({CODES[0]: {"Buurtcode": "BU03630101", "zorgen": "x"}}, {},
                        "andere gemeente (GM0363)", "kolom 'Buurtcode'"),
    "naam": ({CODES[0]: {"Buurtcode": None, "Buurt": "Centrom", "zorgen": "x"}}, {},
             "bedoelt u 'Centrum'", "kolom 'Buurt'"),
    "soort": ({CODES[0]: {"soort": "speeltuin"}}, {}, "geen geldige soort", "kolom 'Soort initiatief'"),
    "ja_nee": ({CODES[0]: {"proefbuurt": "wellicht"}}, {}, "ja/nee", "kolom 'Proefbuurt (ja/nee)'"),
    "email": ({CODES[0]: {"signalen": "a.b@c.nl"}}, {}, "e-mailadres", "kolom 'Signalen'"),
    "telefoon": ({CODES[0]: {"waarom": "+31 6 1234 5678"}}, {}, "telefoonnummer",
                 "kolom 'Waarom proefbuurt'"),
    "telefoon_vast": ({CODES[0]: {"zorgen": "bel 026-3123456"}}, {}, "telefoonnummer", "rij"),
    "datum": ({CODES[0]: {"zorgen": "x"}}, {"datum": "volgende week"}, "geen geldige datum",
              "blad 'Sessie', rij 3, kolom 'B'"),
    "deelnemers": ({CODES[0]: {"zorgen": "x"}}, {"deelnemers": "12,5"}, "aantal deelnemers",
                   "blad 'Sessie'"),
    "leeg": ({}, {}, "Er is niets ingevuld", "blad 'Buurten'"),
    "organisatie": (
        {CODES[0]: {"aan_tafel": "wijkteam, buurman"}},
        {},
        "'buurman' is geen geldige soort organisatie",
        "kolom 'Organisaties aan tafel'",
    ),
    "formule": ({CODES[0]: {"zorgen": "=1+1"}}, {}, "formule", "kolom 'Zorgen'"),
    "privacy_in_extra_kolom": ({CODES[0]: {"zorgen": "x", "Wijk": "tel 0612345678"}}, {},
                               "telefoonnummer", "kolom 'Wijk'"),
}  # fmt: skip


@pytest.mark.parametrize("geval", FOUTEN)
def test_bad_input_names_file_sheet_row_column(tmp_path, geval):
    rijen, velden, wat, waar = FOUTEN[geval]
    doel = vul(_schrijf(tmp_path), tmp_path / "fout.xlsx", rijen, **velden)
    with pytest.raises(WijkscanError) as exc:
        _lees(doel)
    assert wat in exc.value.wat
    assert str(doel) in exc.value.waar and waar in exc.value.waar
    assert exc.value.oplossing


def test_duplicate_rows_and_other_gemeente_on_session_sheet(tmp_path):
    xlsx = _schrijf(tmp_path)
    doel = vul(xlsx, tmp_path / "d.xlsx", {CODES[0]: {"zorgen": "x"}})
    wb = openpyxl.load_workbook(doel)
    ws = wb["Buurten"]
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == CODES[0])
    ws.append([c.value for c in ws[r]])
    wb.save(doel)
    with pytest.raises(WijkscanError, match="twee keer"):
        _lees(doel)
    doel = vul(xlsx, tmp_path / "g.xlsx", {CODES[0]: {"zorgen": "x"}})
    wb = openpyxl.load_workbook(doel)
    wb["Sessie"]["B1"] = "GM0363"
    wb.save(doel)
    with pytest.raises(WijkscanError, match="van gemeente GM0363"):
        _lees(doel)


@pytest.mark.parametrize(
    "tekst,fout",
    [
        ("jan@example.nl", True),
        ("06-12345678", True),
        ("06 1234 5678", True),
        ("+31 (0)26 312 3456", True),
        ("0031263123456", True),
        ("+44 20 7946 0958", True),
        ("2024 en 2030", False),
        ("4.730 inwoners, 12,5%", False),
        ("BU02260303", False),
        ("1234 AB Duiven 12", False),
        ("@wijkteam op zaterdag", False),
    ],
)
def test_privacy_patterns(tekst, fout):
    if fout:
        with pytest.raises(WijkscanError):
            sessie_cellen.privacy(tekst, "x")
    else:
        sessie_cellen.privacy(tekst, "x")


@pytest.mark.parametrize(
    "tekst,datum",
    [
        ("12-03-2025", dt.date(2025, 3, 12)),
        ("1/3/2025", dt.date(2025, 3, 1)),
        ("2025-03-12", dt.date(2025, 3, 12)),
        ("12 maart 2025", dt.date(2025, 3, 12)),
        ("31-02-2025", None),
        ("maart", None),
    ],
)
def test_dates(tekst, datum):
    assert sessie_cellen.parse_datum(tekst) == datum


# ----------------------------------------------------------------- config and DAG


def test_check_config_refuses_missing_foreign_generated_and_wrong_type(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    xlsx = _schrijf(tmp_path)
    eigen = vul(xlsx, tmp_path / "eigen.xlsx", {CODES[0]: {"zorgen": "x"}})

    def cfg(pad):
        return {"bronnen": {"sessies": {"type": "lokaal", "pad": pad}}}

    sessie_lezen.check_config(cfg([str(eigen)]), [GM])
    assert sessie_lezen.sessie_bestanden(cfg(str(eigen)), GM) == [str(eigen)]
    assert sessie_lezen.sessie_bestanden(cfg(str(eigen)), "GM0363") == []
    assert sessie_lezen.sessie_bestanden({"bronnen": {}}, GM) == []
    gevallen = {
        "niet.xlsx": "niet gevonden",
        str(tmp_path / "x.ods"): "geen .xlsx of .csv",
        str(xlsx): "het werkboek dat wijkscan zelf maakt",
    }
    (tmp_path / "x.ods").write_text("x")
    for pad, wat in gevallen.items():
        with pytest.raises(WijkscanError, match=wat):
            sessie_lezen.check_config(cfg(pad), [GM])
    with pytest.raises(WijkscanError, match="staat niet in deze bouw"):
        sessie_lezen.check_config(cfg(str(eigen)), ["GM0363"])
    with pytest.raises(WijkscanError, match="geen werkboek opgegeven"):
        sessie_lezen.check_config(cfg(None), [GM])
    kapot = tmp_path / "kapot.xlsx"
    kapot.write_bytes(b"geen zip")
    with pytest.raises(WijkscanError, match="geen leesbaar Excel-werkboek"):
        sessie_lezen.check_config(cfg(str(kapot)), [GM])


def test_workbook_is_byte_identical_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a = _schrijf(tmp_path / "a")
    b = _schrijf(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    assert a.with_suffix(".csv").read_bytes() == b.with_suffix(".csv").read_bytes()
