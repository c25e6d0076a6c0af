"""Session workbook (issue 15): layout, writing, reading back and every refusal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pipeline import codes
from pipeline.errors import WijkscanError
from pipeline.ingest import sessie_cellen, sessie_lezen
from pipeline.present import fmt, report, sessie, sessie_bestanden
from tests.unit.present.test_report import meta
from tests.unit.present.test_texts import BUURTEN, GEMEENTE, registry, voorbeeld_tabel

GM, NAAM = GEMEENTE
CODES = [b[0] for b in BUURTEN]


def _schrijf(tmp_path: Path, tabel: pd.DataFrame | None = None, m: dict | None = None) -> Path:
    t = voorbeeld_tabel() if tabel is None else tabel
    reg = registry()
    w = report.rapport_config(None, reg)["weging"]
    xlsx = tmp_path / "reports" / GM / f"sessie_{GM}.xlsx"
    sessie_bestanden.write_session_files(t, reg, m or meta(), w, xlsx, xlsx.with_suffix(".csv"))
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


def test_session_sheet_shows_margins_reasons_whole_numbers_and_fictief(tmp_path):
    """The tables see what the report shows (real Deventer sheets lacked it): the margin
    of an estimate beside it, why a cell is empty, ``155`` not ``155.0`` in the CSV, and
    the FICTIEF mark on every CSV row and printed sheet, not only in the Toelichting."""
    t = voorbeeld_tabel()
    key = "aandeel_75plus"
    b = (t["niveau"] == "buurt") & (t["jaar"] == t["jaar"].min())
    t.loc[b, key + "_laag"] = t.loc[b, key] - 2.0
    t.loc[b, key + "_hoog"] = t.loc[b, key] + 3.0
    t.loc[b, "mantelzorgpotentieel_laag"] = t.loc[b, "mantelzorgpotentieel"] - 1.25
    t.loc[b, "mantelzorgpotentieel_hoog"] = t.loc[b, "mantelzorgpotentieel"] + 1012.5
    weinig = t["code"] == CODES[0]
    t[codes.reden_kolom(key)] = ""
    t.loc[b & weinig, key] = np.nan
    t.loc[b & weinig, codes.reden_kolom(key)] = codes.REDEN_OP_GEHEIM
    xlsx = _schrijf(tmp_path, tabel=t)
    rows = pd.read_csv(xlsx.with_suffix(".csv"), dtype=str).set_index("Buurtcode")
    kop = next(c for c in rows.columns if c.startswith("Aandeel 75-plussers") and "marge" not in c)
    marge = rows[kop + sessie.MARGE_ACHTER]
    tweede = t[b & (t["code"] == CODES[1])].iloc[0]
    ind = registry()[key]
    assert marge[CODES[1]] == fmt.marge(tweede[key + "_laag"], tweede[key + "_hoog"], ind)
    # One file, one decimal separator: the numbers have a point, so their margins too
    # (the workbook keeps the Dutch text).
    mz = next(c for c in rows.columns if c.startswith("Mantelzorg") and c.endswith("(90%)"))
    mz_ind = registry()["mantelzorgpotentieel"]
    nl = fmt.marge(tweede["mantelzorgpotentieel_laag"], tweede["mantelzorgpotentieel_hoog"], mz_ind)
    assert "," in nl and "." in nl, nl  # e.g. '3,6–1.017,4'
    assert rows.loc[CODES[1], mz] == nl.replace(".", "").replace(",", "."), rows[mz]
    blad = pd.read_excel(xlsx, sheet_name="Buurten", dtype=str)
    assert nl in blad[mz].tolist()
    assert rows.loc[CODES[0], kop] == codes.REDEN_OP_GEHEIM
    aantal = next(c for c in rows.columns if c.startswith("Aantal inwoners"))
    assert rows[aantal].dropna().str.fullmatch(r"\d+").all(), rows[aantal]
    assert rows["let_op"].str.startswith("FICTIEF").all()
    wb = openpyxl.load_workbook(xlsx)
    assert "FICTIEF" in wb["Buurten"].oddHeader.center.text
    # The extra columns do not disturb reading a filled sheet back.
    gevuld = vul(xlsx, tmp_path / "gevuld.xlsx", {CODES[1]: {"zorgen": "veel alleen"}})
    assert _lees(gevuld)["inbreng"][0]["zorgen"] == "veel alleen"


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
    assert fmt.editie_tekst(res) == "na de sessies van 12 maart 2025 en 19 maart 2025"
    assert fmt.editie_tekst(_lees(a)) == "na de sessie van 19 maart 2025"
    assert fmt.editie_tekst(None) == ""


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
        # A period or a date next to a number is not a phone number (issue 15 review) ...
        ("van 01-02-2025 - 03-04-2025 elke week", False),
        ("2025-02-01 - 2025-04-03", False),
        ("op 01-02-2025 14 deelnemers", False),
        # ... but a number written in pairs still is.
        ("06-12-34-56-78", True),
        ("bel 01-02-2025 of 06-12345678", True),
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
        ("3/12/26", dt.date(2026, 12, 3)),  # d/m/jj: day first, 20jj
        ("12 mrt 2025", dt.date(2025, 3, 12)),
        ("12 mrt. 2025", dt.date(2025, 3, 12)),
        ("12 Sept 2025", dt.date(2025, 9, 12)),
        ("maandag 12 maart 2025", dt.date(2025, 3, 12)),
        ("Woensdag, 12 maart 2025", dt.date(2025, 3, 12)),
        ("12-3-2025 19:30", dt.date(2025, 3, 12)),
        ("12-03-2025 19.30 uur", dt.date(2025, 3, 12)),
        ("2025-03-12 00:00:00", dt.date(2025, 3, 12)),
        ("31-02-2025", None),
        ("maart", None),
        ("12 maartje 2025", None),
        ("3/12", None),
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


def test_session_date_cells_as_excel_writes_them():
    w = "x"
    assert sessie_cellen.datum_van(dt.datetime(2025, 3, 12, 19, 30), w) == dt.date(2025, 3, 12)
    assert sessie_cellen.datum_van(dt.date(2025, 3, 12), w) == dt.date(2025, 3, 12)
    # A date cell that lost its format shows Excel's day number.
    assert sessie_cellen.datum_van(45728, w) == dt.date(2025, 3, 12)
    with pytest.raises(WijkscanError, match="geen geldige datum"):
        sessie_cellen.datum_van(14, w)


# ----------------------------------------------------------------- review of issue 15


def test_every_validation_shows_its_prompt_and_refuses_or_warns(tmp_path):
    wb = openpyxl.load_workbook(_schrijf(tmp_path))
    ws, s = wb["Buurten"], wb["Sessie"]
    kop = {c.value: c.column_letter for c in ws[1]}
    dvs = [*ws.data_validations.dataValidation, *s.data_validations.dataValidation]
    assert len(dvs) == 7
    for dv in dvs:
        # openpyxl's default (False) makes Excel and LibreOffice accept anything silently.
        assert dv.showErrorMessage is True and dv.showInputMessage is True, dv.sqref
        assert dv.error and dv.errorTitle and dv.prompt and dv.promptTitle, dv.sqref
        assert len(dv.errorTitle) <= 32 and len(dv.prompt) <= 255
    stijl = {str(dv.sqref).split(":")[0]: dv.errorStyle for dv in dvs}
    assert stijl[f"{kop['Proefbuurt (ja/nee)']}2"] == "stop"
    # Several kinds in one cell are allowed: Excel warns, wijkscan checks each part.
    assert stijl[f"{kop['Soort initiatief']}2"] == "warning"
    assert stijl[f"{kop['Organisaties aan tafel']}2"] == "warning"
    datum = next(dv for dv in dvs if dv.type == "date")
    assert datum.errorStyle == "stop" and "12-03-2025" in datum.error
    assert next(dv for dv in dvs if dv.type == "textLength").errorStyle == "stop"


def test_toelichting_is_honest_about_names_and_explains_ranges(tmp_path):
    wb = openpyxl.load_workbook(_schrijf(tmp_path))
    tekst = " ".join(str(c.value) for c in wb["Toelichting"]["A"] if c.value)
    assert "niet betrouwbaar herkennen" in tekst and "controleer de teksten" in tekst
    assert "'1–13'" in tekst and sessie.KOL_PLAATS in tekst
    assert "puntkomma" in tekst and "_ingevuld_" in tekst


def test_organisations_and_kinds_as_a_facilitator_writes_them(tmp_path):
    xlsx = _schrijf(tmp_path)
    doel = vul(
        xlsx,
        tmp_path / "s.xlsx",
        {
            CODES[0]: {
                "initiatieven": "Koffie en klusjes",
                "soort": "ontmoetingsplek; buurthulp",
                "aan_tafel": "Huisarts, welzijn; gemeente Testdorp",
            }
        },
    )
    wb = openpyxl.load_workbook(doel)
    s = wb["Sessie"]
    r = next(r for r in range(1, s.max_row + 1) if s.cell(r, 1).value.startswith("Organisaties"))
    s.cell(r, 2, "huisartsenpraktijk")
    wb.save(doel)
    res = _lees(doel)
    (rij,) = res["inbreng"]
    assert rij["soorten"] == ["ontmoetingsplek", "buurthulp of vrijwilligers"]
    assert rij["soort"] == "ontmoetingsplek, buurthulp of vrijwilligers"
    assert rij["aan_tafel"] == [
        "huisarts of praktijkondersteuner",
        "welzijnsorganisatie",
        "gemeente",
    ]
    assert res["sessies"][0]["organisaties"] == ["huisarts of praktijkondersteuner"]
    # Both kinds get their symbol on the map.
    from pipeline.present import sessie_kaart

    assert sessie_kaart.initiatieven(res) == {
        CODES[0]: ["ontmoetingsplek", "buurthulp of vrijwilligers"]
    }
    # Text that fits several options is refused with those options.
    doel = vul(xlsx, tmp_path / "z.xlsx", {CODES[0]: {"soort": "zorg"}})
    with pytest.raises(WijkscanError, match="past bij meer dan één soort initiatief") as exc:
        _lees(doel)
    assert "mantelzorgondersteuning" in exc.value.oplossing
    assert "zorg of wijkverpleging" in exc.value.oplossing


def test_buurt_name_in_code_column_and_a_wijk_row(tmp_path):
    xlsx = _schrijf(tmp_path)
    doel = vul(xlsx, tmp_path / "n.xlsx", {CODES[0]: {"Buurtcode": "centrum", "zorgen": "x"}})
    assert [r["code"] for r in _lees(doel)["inbreng"]] == [CODES[0]]
    doel = vul(
        xlsx, tmp_path / "w.xlsx", {CODES[0]: {"Buurtcode": None, "Buurt": "Zuid", "zorgen": "x"}}
    )
    with pytest.raises(WijkscanError) as exc:
        _lees(doel)
    assert "'Zuid' is een wijk, geen buurt" in exc.value.wat
    for naam in ("Zorghof {0}", "Nieuwbouw-Zuid", "Bedrijventerrein"):
        assert naam in exc.value.wat
    assert "Centrum" not in exc.value.wat and "één regel per buurt" in exc.value.oplossing
    assert "kolom 'Buurt'" in exc.value.waar
    doel = vul(xlsx, tmp_path / "k.xlsx", {CODES[0]: {"Buurtcode": "WK000101", "zorgen": "x"}})
    with pytest.raises(WijkscanError, match="is een wijk, geen buurt: wijk Noord") as exc:
        _lees(doel)
    assert "kolom 'Buurtcode'" in exc.value.waar


@pytest.mark.parametrize(
    "tekst,fragmenten",
    [
        ("Bel Jan de Vries even over de bank", ["Bel Jan de Vries"]),
        ("vraag bij mevrouw Jansen", ["mevrouw Jansen"]),
        ("Overleg met Piet Bakker en met dhr. Smit", ["met Piet Bakker", "dhr. Smit"]),
        ("Samen met de buren", []),
        ("Koffie bij 't Kruispunt op maandag", []),
        ("Gesprek met Wijkteam Noord", ["met Wijkteam Noord"]),  # a false alarm: only a warning
    ],
)
def test_text_that_may_name_a_person(tekst, fragmenten):
    assert sessie_cellen.mogelijke_namen(tekst) == fragmenten


def test_possible_names_are_warned_with_file_row_and_column(tmp_path):
    doel = vul(
        _schrijf(tmp_path),
        tmp_path / "s.xlsx",
        {CODES[2]: {"zorgen": "Vraag Anna Visser van de buurtvereniging"}},
        plaats="bij mevrouw Jansen thuis",
    )
    meldingen = sessie_cellen.mogelijke_namen_meldingen(_lees(doel))
    assert len(meldingen) == 2
    assert "s.xlsx, blad 'Sessie', Plaats: 'mevrouw Jansen'" in meldingen[0]
    assert "s.xlsx, blad 'Buurten', rij" in meldingen[1]
    assert "kolom 'Zorgen': 'Vraag Anna Visser'" in meldingen[1]
    assert all("controleer de tekst" in m for m in meldingen)


def test_a_csv_with_letters_in_its_buurt_codes_belongs_to_its_gemeente(tmp_path):
    # Amsterdam's buurt codes hold letters (BU0363AF08): a filled CSV twin must still be
    # recognised as Amsterdam's, or check_config would refuse it as nobody's.
    t = pd.read_csv(_schrijf(tmp_path).with_suffix(".csv"), dtype=str)
    t[sessie_lezen.KOL_CODE] = ["BU0363AF08"] + ["BU0363AF09"] * (len(t) - 1)
    doel = tmp_path / "amsterdam.csv"
    t.to_csv(doel, index=False)
    assert sessie_lezen.bestand_gemeenten(doel) == frozenset({"GM0363"})
