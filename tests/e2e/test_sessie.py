"""Issue 15, end to end on real Duiven (and Westervoort): from session workbook to second edition.

The first build makes the session workbook; a facilitator (this test) fills it in with
awkward text, a second session comes as CSV, and the rebuild must show it verbatim in the
report (HTML and PDF), the vouwkaart and the region report; make-style reruns and a bad
workbook (clear Dutch error, no product touched) are checked on copies of that build.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from pipeline.present import sessie
from tests.e2e.conftest import make_workdir, snakemake, write_config
from tests.e2e.test_real_local import real_config

pytestmark = pytest.mark.e2e

DUIVEN, WESTERVOORT = "GM0226", "GM0293"
GEMEENTEN = [DUIVEN, WESTERVOORT]
CENTRUM, NOORD, GROESSEN = "BU02260303", "BU02260307", "BU02260501"
LANG = (
    "Er is een levendig café op de hoek waar ouderen elkaar treffen, maar de coördinatie van "
    "vrijwilligers hangt aan één persoon. Na de verbouwing van het winkelcentrum is de "
    "ontmoetingsruimte weggevallen; bewoners zeggen: „we zien elkaar alleen nog bij de "
    "apotheek”. De huisartsenpraktijk merkt meer vragen over geheugen en eenzaamheid, en de "
    "woningcorporatie ziet dat veel flats zonder lift bewoond worden door 80-plussers. "
) * 3
SIGNAAL = (
    'Bewoners zeggen "het is hier stil geworden" <b>sinds 2023</b> 👵🏼 en \'t Kruispunt sluit'
)
INITIATIEF = "Rollatorbank ($0 per jaar, $ subsidie) en koffieochtend ☕ in 't Kruispunt"
ZORG = "Veel alleenstaande 80-plussers; trap zonder lift & weinig mantelzorg <i>nabij</i>"
CSV_REDEN = "Groessen is een dorp apart: ééntje met eigen verenigingen (zó belangrijk)"


def _sessie_config(real_kwb_path, real_gpkg_path, pad=None) -> dict:
    cfg = real_config(real_kwb_path, real_gpkg_path)
    cfg["gemeenten"] = list(GEMEENTEN)
    if pad is not None:
        cfg["bronnen"]["sessies"] = {"type": "lokaal", "pad": pad}
    return cfg


def vul_werkboek(bron: Path, doel: Path, datum, rijen: dict[str, dict[str, str]], **sessie_velden):
    """Fill a copy of the generated workbook as a facilitator would (openpyxl, text cells)."""
    wb = openpyxl.load_workbook(bron)
    ws = wb[sessie.BLAD_BUURTEN]
    kop = {c.value: c.column for c in ws[1]}
    for r in range(2, ws.max_row + 1):
        code = ws.cell(r, kop[sessie.KOL_CODE]).value
        for key, waarde in rijen.get(code, {}).items():
            ws.cell(r, kop[sessie.INVULKOLOMMEN[key]], waarde)
    s = wb[sessie.BLAD_SESSIE]
    rij = {s.cell(r, 1).value: r for r in range(1, s.max_row + 1)}
    s.cell(rij[sessie.SESSIE_LABELS["datum"]], 2, datum)
    for key in ("plaats", "deelnemers"):
        if key in sessie_velden:
            s.cell(rij[sessie.SESSIE_LABELS[key]], 2, sessie_velden[key])
    for i, org in enumerate(sessie_velden.get("organisaties", [])):
        s.cell(rij[sessie.SESSIE_LABELS["organisaties"]] + i, 2, org)
    doel.parent.mkdir(parents=True, exist_ok=True)
    wb.save(doel)


DUIVEN_RIJEN = {
    CENTRUM: {
        "signalen": SIGNAAL,
        "initiatieven": INITIATIEF,
        "soort": "ontmoetingsplek",
        "proefbuurt": "ja",
        "waarom": LANG,
        "aan_tafel": "wijkteam, bewoners",
    },
    NOORD: {"zorgen": ZORG, "proefbuurt": "ja", "waarom": "Zorgen over eenzaamheid"},
    GROESSEN: {
        "initiatieven": "Dorpsraad & buurthulp",
        "soort": "buurthulp of vrijwilligers",
        "aan_tafel": "bewoners",
    },
}


@pytest.fixture(scope="module")
def eerste(tmp_path_factory, real_kwb_path, real_gpkg_path) -> Path:
    """Real Duiven and Westervoort, first edition (no session input)."""
    wd = make_workdir(tmp_path_factory.mktemp("sessie") / "wd")
    cfg = write_config(wd, "eerste.yaml", _sessie_config(real_kwb_path, real_gpkg_path))
    res = snakemake(wd, configfile=cfg)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    return wd


@pytest.fixture(scope="module")
def tweede(eerste, real_kwb_path, real_gpkg_path) -> tuple[Path, str]:
    """Filled sessions (an XLSX and a CSV for Duiven, an XLSX for Westervoort), rebuilt.

    Returns the workdir and the plan (``-n``) Snakemake made before the rebuild.
    """
    wd = eerste
    vul_werkboek(
        wd / f"reports/{DUIVEN}/sessie_{DUIVEN}.xlsx",
        wd / "sessies/duiven_12maart.xlsx",
        dt.datetime(2025, 3, 12),
        DUIVEN_RIJEN,
        plaats="Dorpshuis 't Kruispunt",
        deelnemers=14,
        organisaties=["wijkteam", "huisarts of praktijkondersteuner", "bewoners"],
    )
    csv = pd.read_csv(wd / f"reports/{DUIVEN}/sessie_{DUIVEN}.csv", dtype=str)
    i = csv.index[csv[sessie.KOL_CODE] == GROESSEN][0]
    csv.loc[i, sessie.INVULKOLOMMEN["proefbuurt"]] = "ja"
    csv.loc[i, sessie.INVULKOLOMMEN["waarom"]] = CSV_REDEN
    csv.loc[csv.index[0], sessie.CSV_SESSIE["datum"]] = "19-03-2025"
    csv.loc[csv.index[0], sessie.CSV_SESSIE["organisaties"]] = "woningcorporatie, gemeente"
    csv.to_csv(wd / "sessies/duiven_19maart.csv", index=False)
    westervoort = pd.read_csv(wd / f"reports/{WESTERVOORT}/sessie_{WESTERVOORT}.csv", dtype=str)
    eerste_buurt = str(westervoort[sessie.KOL_CODE].iloc[1])
    vul_werkboek(
        wd / f"reports/{WESTERVOORT}/sessie_{WESTERVOORT}.xlsx",
        wd / "sessies/westervoort.xlsx",
        "20-03-2025",
        {eerste_buurt: {"proefbuurt": "ja", "waarom": "Westervoort-reden"}},
    )
    pads = ["sessies/duiven_12maart.xlsx", "sessies/duiven_19maart.csv", "sessies/westervoort.xlsx"]
    cfg = write_config(wd, "tweede.yaml", _sessie_config(real_kwb_path, real_gpkg_path, pads))
    plan = snakemake(wd, "-n", configfile=cfg)
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    res = snakemake(wd, configfile=cfg)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    return wd, plan.stdout


def _planned(out: str) -> set[str]:
    return set(re.findall(r"^(?:local)?rule (\w+):", out, flags=re.M)) - {"all"}


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _flat(text: str) -> str:
    """Text without any whitespace: a PDF line may break anywhere, even inside '</b>'."""
    return re.sub(r"\s+", "", text)


# ----------------------------------------------------------------- the workbook


def test_workbook_has_every_buurt_key_figures_and_validated_empty_columns(eerste):
    t = pd.read_csv(eerste / f"reports/{DUIVEN}/indicatoren_{DUIVEN}.csv", dtype={"code": str})
    buurten = t[(t.niveau == "buurt") & (t.jaar == 2024)].set_index("code")
    wb = openpyxl.load_workbook(eerste / f"reports/{DUIVEN}/sessie_{DUIVEN}.xlsx")
    assert {"Buurten", "Sessie", "Toelichting"} <= set(wb.sheetnames)
    ws = wb["Buurten"]
    kop = [c.value for c in ws[1]]
    rows = [dict(zip(kop, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    assert {r["Buurtcode"] for r in rows} == set(buurten.index)  # 14 real buurten
    assert len(rows) == 14
    kolom_75 = next(k for k in kop if k.startswith("Aandeel 75-plussers"))
    assert kolom_75.endswith("≈")  # estimated: marked as in the report
    for r in rows:
        v = buurten.loc[r["Buurtcode"], "aandeel_75plus"]
        if pd.isna(v):
            assert r[kolom_75] in (None, "te weinig inwoners")
        else:
            assert r[kolom_75] == pytest.approx(round(v, 0))
        assert all(r[h] is None for h in sessie.INVULKOLOMMEN.values())
    ranges = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    lists = [dv for dv in ranges.values() if dv.type == "list"]
    assert len(lists) == 3 and all("Lijsten!" in dv.formula1 for dv in lists)
    # Excel and LibreOffice only speak when the flags are set (openpyxl's default is off).
    assert all(dv.showErrorMessage and dv.showInputMessage and dv.error for dv in ranges.values())
    toelichting = " ".join(str(c.value) for c in wb["Toelichting"]["A"] if c.value)
    assert "geen namen" in toelichting and "telefoonnummers" in toelichting
    assert wb["Sessie"]["B1"].value == DUIVEN
    twin = pd.read_csv(eerste / f"reports/{DUIVEN}/sessie_{DUIVEN}.csv", dtype=str)
    assert set(twin["Buurtcode"]) == set(buurten.index)
    assert {*sessie.INVULKOLOMMEN.values(), *sessie.CSV_SESSIE.values()} <= set(twin.columns)


def test_first_edition_says_nothing_about_sessions(eerste):
    page = (eerste / f"reports/{DUIVEN}/wijkscan_{DUIVEN}.html").read_text(encoding="utf-8")
    assert "Tweede editie" not in page and "Werkblad: waar beginnen we?" in page


def test_workbook_filled_in_place_survives_a_rebuild(eerste, tmp_path):
    """Review of issue 15: the facilitator fills reports/<GM>/sessie_<GM>.xlsx itself."""
    wd = tmp_path / "wd"
    shutil.copytree(eerste, wd, symlinks=True)
    werkboek = wd / f"reports/{DUIVEN}/sessie_{DUIVEN}.xlsx"
    vul_werkboek(werkboek, werkboek, dt.datetime(2025, 3, 12), DUIVEN_RIJEN, plaats="Dorpshuis")
    # A report setting the workbook does not use leaves it alone ...
    cfg = yaml.safe_load((wd / "config/eerste.yaml").read_text(encoding="utf-8"))
    cfg["rapport"] = {**(cfg.get("rapport") or {}), "vragen": ["Wie mist er aan tafel?"]}
    plan = snakemake(wd, "-n", configfile=write_config(wd, "vragen.yaml", cfg))
    assert plan.returncode == 0, plan.stderr[-2000:]
    assert "render_report" in _planned(plan.stdout)
    assert "session_workbook" not in _planned(plan.stdout), plan.stdout[-2000:]
    # ... and a rebuild of it (new data, other weights, new code) keeps the notes aside.
    res = snakemake(wd, "--forcerun", "session_workbook", configfile=wd / "config/eerste.yaml")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    assert _planned(out) == {"session_workbook"}, out[-2000:]
    bewaard = sorted((wd / f"reports/{DUIVEN}").glob(f"sessie_{DUIVEN}_ingevuld_*"))
    assert [p.suffix for p in bewaard] == [".xlsx"], bewaard  # the CSV twin was not filled
    assert re.fullmatch(rf"sessie_{DUIVEN}_ingevuld_\d{{8}}-\d{{6}}\.xlsx", bewaard[0].name)
    oud = openpyxl.load_workbook(bewaard[0])
    kop = {c.value: c.column for c in oud["Buurten"][1]}
    r = next(
        r
        for r in range(2, oud["Buurten"].max_row + 1)
        if oud["Buurten"].cell(r, 1).value == CENTRUM
    )
    assert oud["Buurten"].cell(r, kop["Signalen"]).value == SIGNAAL
    assert oud["Buurten"].cell(r, kop["Waarom proefbuurt"]).value == LANG
    assert oud["Sessie"]["B4"].value == "Dorpshuis"
    # A fresh, empty workbook in its place; Westervoort's (not filled) is just rebuilt.
    nieuw = pd.read_excel(werkboek, sheet_name="Buurten", dtype=str)
    assert nieuw[list(sessie.INVULKOLOMMEN.values())].isna().all().all()
    assert not list((wd / f"reports/{WESTERVOORT}").glob("*_ingevuld_*"))
    assert f"LET OP ({DUIVEN})" in out and f"reports/{DUIVEN}/{bewaard[0].name}" in out, out[-3000:]
    assert "bronnen.sessies" in out and "niet overschreven" in out
    # A second rebuild finds nothing filled: the kept copy stays as it was, no new copy.
    voor = bewaard[0].stat().st_mtime_ns
    res = snakemake(wd, "--forcerun", "session_workbook", configfile=wd / "config/eerste.yaml")
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    assert sorted((wd / f"reports/{DUIVEN}").glob("*_ingevuld_*")) == bewaard
    assert bewaard[0].stat().st_mtime_ns == voor


# ----------------------------------------------------------------- second edition


def test_adding_sessions_plans_only_the_session_and_render_jobs(tweede):
    _, plan = tweede
    assert _planned(plan) == {
        "prepare_sessions",
        "render_report",
        "render_vouwkaart",
        "render_region_report",
    }, plan[-2000:]


def test_report_html_shows_the_tables_verbatim_and_escaped(tweede):
    wd, _ = tweede
    page = (wd / f"reports/{DUIVEN}/wijkscan_{DUIVEN}.html").read_text(encoding="utf-8")
    # Age words ("80-plussers") sit in a no-break span (html_pdf.houd_samen): read around it.
    text = html.unescape(re.sub(r'<span class="heel">([^<]*)</span>', r"\1", page))
    assert "Tweede editie, na de sessies van 12 maart 2025 en 19 maart 2025" in text
    for fragment in (SIGNAAL, INITIATIEF, ZORG, LANG.strip(), CSV_REDEN, "Dorpsraad & buurthulp"):
        assert fragment in text, fragment[:60]
    # Escaped, never markup: the facilitator's <b> is text.
    assert "<b>sinds 2023</b>" not in page and "&lt;b&gt;sinds 2023&lt;/b&gt;" in page
    assert "<i>nabij</i>" not in page
    # The chapters of the second edition, and the blank worksheet is gone.
    for kop in ("Voorgestelde proefbuurten", "Per buurt: de cijfers en wat de tafels zagen",
                "Cijfers en tafels naast elkaar", "Vragen voor de volgende ronde"):  # fmt: skip
        assert kop in text, kop
    assert "Werkblad: waar beginnen we?" not in text
    # The map's alt text names the proposals; the figure is embedded.
    alt = re.search(r'<img src="data:image/png;base64,[^"]+" alt="(Kaart van de buurten van '
                    r'Duiven met wat de tafels[^"]*)"', page)  # fmt: skip
    assert alt, "no map of the sessions"
    assert "Centrum" in alt.group(1) and "Groessen" in alt.group(1) and "Noord" in alt.group(1)
    # Buurten nobody wrote about are listed as 'niet besproken' (no buurt is invented).
    niet = re.search(r"Over deze buurten schreven de tafels niets op: ([^<]+)\.</p>", text)
    assert niet and "Zuidwest" in niet.group(1) and "Centrum" not in niet.group(1)


def test_report_pdf_text_shows_the_second_edition(tweede):
    wd, _ = tweede
    text = _flat(_pdftotext(wd / f"reports/{DUIVEN}/wijkscan_{DUIVEN}.pdf"))
    for fragment in ("Tweede editie, na de sessies van 12 maart 2025 en 19 maart 2025",
                     SIGNAAL, INITIATIEF, ZORG, LANG.strip(), CSV_REDEN,
                     "Cijfers en tafels naast elkaar"):  # fmt: skip
        assert _flat(fragment) in text, fragment[:60]


def test_vouwkaart_shows_proposals_initiatives_and_next_questions(tweede):
    wd, _ = tweede
    pdf = wd / f"reports/{DUIVEN}/vouwkaart_{DUIVEN}_A1.pdf"
    text = _flat(_pdftotext(pdf))
    for fragment in (
        "Tweede editie, na de sessies van 12 maart 2025 en 19 maart 2025",
        "Uit de sessies",
        "Voorgesteld als proefbuurt: Centrum, Groessen, Noord.",
        "voorgesteld als proefbuurt",  # legend
        "Wie moet er de volgende keer aan tafel zitten?",
        # '$0 ... $' printed as text, not as matplotlib mathtext; the text verbatim.
        "Centrum (ontmoetingsplek): Rollatorbank ($0 per jaar, $ subsidie)",
        "Groessen (buurthulp of vrijwilligers): Dorpsraad & buurthulp",
    ):
        assert _flat(fragment) in text, fragment
    png = wd / "vouwkaart.png"
    subprocess.run(["pdftoppm", "-png", "-r", "20", "-singlefile", str(pdf), str(png)[:-4]],
                   check=True)  # fmt: skip
    from PIL import Image

    img = Image.open(png).convert("L")
    lo, hi = img.getextrema()
    assert hi - lo > 100  # not a blank page


def test_region_report_puts_the_proposals_side_by_side(tweede):
    wd, _ = tweede
    page = html.unescape(
        (wd / "reports/regio/testregio_oost/wijkscan_regio_testregio_oost.html").read_text(
            encoding="utf-8"
        )
    )
    sectie = page[page.index("Voorstellen uit de sessies") :]
    for fragment in ("Duiven", "Westervoort", "Centrum", "Groessen", "Westervoort-reden",
                     "12 maart 2025 en 19 maart 2025", "20 maart 2025"):  # fmt: skip
        assert fragment in sectie, fragment


def test_rerun_without_changes_does_nothing(tweede):
    wd, _ = tweede
    res = snakemake(wd, "-n", configfile=wd / "config/tweede.yaml")
    assert res.returncode == 0 and not _planned(res.stdout), res.stdout[-2000:]


def test_changing_one_cell_rebuilds_only_that_gemeente(tweede, tmp_path):
    wd, _ = tweede
    kopie = tmp_path / "wd"
    shutil.copytree(wd, kopie, symlinks=True)
    pad = kopie / "sessies/duiven_12maart.xlsx"
    wb = openpyxl.load_workbook(pad)
    ws = wb["Buurten"]
    kop = {c.value: c.column for c in ws[1]}
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == NOORD)
    ws.cell(r, kop["Zorgen"], "Andere zorg")
    wb.save(pad)
    res = snakemake(kopie, "-n", configfile=kopie / "config/tweede.yaml")
    assert res.returncode == 0, res.stderr[-2000:]
    assert _planned(res.stdout) == {
        "prepare_sessions",
        "render_report",
        "render_vouwkaart",
        "render_region_report",
    }, res.stdout[-2000:]
    assert set(re.findall(r"gemeente=(GM\d{4})", res.stdout)) == {DUIVEN}, res.stdout[-2000:]


# ----------------------------------------------------------------- bad workbooks


def _snapshot(wd: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(wd)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in (wd / "reports").rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def fout_wd(tweede, tmp_path_factory) -> Path:
    """A copy of the second-edition build that the bad workbooks are tried on."""
    wd, _ = tweede
    kopie = tmp_path_factory.mktemp("sessie_fout") / "wd"
    shutil.copytree(wd, kopie, symlinks=True)
    return kopie


def _xlsx(wd: Path, wijzig) -> Path:
    """The good Duiven workbook with one change applied (``wijzig(workbook)``)."""
    wb = openpyxl.load_workbook(wd / "goed/duiven_12maart.xlsx")
    wijzig(wb)
    doel = wd / "sessies/duiven_12maart.xlsx"
    wb.save(doel)
    return doel


def _cel(wb, code: str, kolom: str, waarde) -> None:
    ws = wb["Buurten"]
    kop = {c.value: c.column for c in ws[1]}
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == code)
    ws.cell(r, kop[kolom]).value = waarde


def _sessie(wb, label_key: str, waarde) -> None:
    s = wb["Sessie"]
    r = next(
        r for r in range(1, s.max_row + 1) if s.cell(r, 1).value == sessie.SESSIE_LABELS[label_key]
    )
    s.cell(r, 2).value = waarde


def _dubbel(wb) -> None:
    ws = wb["Buurten"]
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == CENTRUM)
    ws.append([c.value for c in ws[r]])


def _kapot(wd: Path) -> None:
    (wd / "sessies/duiven_12maart.xlsx").write_bytes(b"PK\x03\x04 dit is geen werkboek")


def _csv_twee_datums(wd: Path) -> None:
    p = wd / "sessies/duiven_19maart.csv"
    t = pd.read_csv(wd / "goed/duiven_19maart.csv", dtype=str)
    t.loc[t.index[3], sessie.CSV_SESSIE["datum"]] = "26-03-2025"
    t.to_csv(p, index=False)


def _hernoem(wb) -> None:
    ws = wb["Buurten"]
    for c in ws[1]:
        if c.value == "Signalen":
            c.value = "Signaal"


BAD = {
    "onbekende_code": (
        lambda wb: _cel(wb, CENTRUM, "Buurtcode", "BU02269999"),
        ("Onbekende buurtcode 'BU02269999'", "rij", "kolom 'Buurtcode'"),
    ),
    "andere_gemeente": (
        lambda wb: _cel(wb, CENTRUM, "Buurtcode", "BU02930101"),
        ("andere gemeente (GM0293)", "kolom 'Buurtcode'"),
    ),
    "onbekende_naam": (
        lambda wb: (_cel(wb, CENTRUM, "Buurt", "Centrumm"), _cel(wb, CENTRUM, "Buurtcode", None)),
        ("Onbekende buurt 'Centrumm'", "bedoelt u 'Centrum'"),
    ),
    "code_en_naam": (lambda wb: _cel(wb, CENTRUM, "Buurt", "Noord"), ("hoort bij 'Centrum'",)),
    "dubbele_rij": (_dubbel, ("staat twee keer in dit bestand",)),
    "soort": (
        lambda wb: _cel(wb, CENTRUM, "Soort initiatief", "speeltuin"),
        ("geen geldige soort initiatief", "kolom 'Soort initiatief'"),
    ),
    "ja_nee": (
        lambda wb: _cel(wb, NOORD, "Proefbuurt (ja/nee)", "misschien"),
        ("'misschien' is geen geldige keuze (ja/nee)",),
    ),
    "datum": (
        lambda wb: _sessie(wb, "datum", "31-02-2025"),
        ("geen geldige datum", "blad 'Sessie'"),
    ),
    "datum_leeg": (lambda wb: _sessie(wb, "datum", None), ("datum van de sessie ontbreekt",)),
    "email": (
        lambda wb: _cel(wb, NOORD, "Signalen", "mail naar j.jansen@example.nl"),
        ("e-mailadres", "kolom 'Signalen'"),
    ),
    "telefoon": (
        lambda wb: _cel(wb, NOORD, "Zorgen", "bel mevrouw op 06-12345678"),
        ("telefoonnummer", "kolom 'Zorgen'"),
    ),
    "organisatie": (
        lambda wb: _cel(wb, CENTRUM, "Organisaties aan tafel", "wijkteam, buurman"),
        ("'buurman' is geen geldige soort organisatie",),
    ),
    "deelnemers": (lambda wb: _sessie(wb, "deelnemers", "veel"), ("aantal deelnemers",)),
    "formule": (
        lambda wb: _cel(wb, NOORD, "Zorgen", '=HYPERLINK("http://x","klik")'),
        ("formule",),
    ),
    "te_lang": (lambda wb: _cel(wb, NOORD, "Zorgen", "zorg " * 500), ("tekens lang",)),
    "kolom_hernoemd": (_hernoem, ("Onbekende kolom 'Signaal'", "bedoelt u 'Signalen'")),
    "geen_blad": (lambda wb: wb.remove(wb["Buurten"]), ("geen blad 'Buurten'",)),
    "kapot": (_kapot, ("geen leesbaar Excel-werkboek",)),
    "csv_twee_datums": (_csv_twee_datums, ("'Sessiedatum' heeft verschillende waarden",)),
}


@pytest.mark.parametrize("geval", BAD)
def test_bad_workbook_gives_a_clear_error_and_touches_no_product(fout_wd, geval):
    wd = fout_wd
    (wd / "goed").mkdir(exist_ok=True)
    for naam in ("duiven_12maart.xlsx", "duiven_19maart.csv"):
        goed = wd / "goed" / naam
        if not goed.exists():
            shutil.copy(wd / "sessies" / naam, goed)
        shutil.copy(goed, wd / "sessies" / naam)
    voor = _snapshot(wd)
    wijzig, fragments = BAD[geval]
    if wijzig in (_kapot, _csv_twee_datums):
        wijzig(wd)
    else:
        _xlsx(wd, wijzig)
    res = snakemake(wd, configfile=wd / "config/tweede.yaml")
    err = res.stdout + res.stderr
    assert res.returncode != 0, err[-3000:]
    assert "Traceback (most recent call last)" not in err, err[-3000:]
    assert "Waar:" in err and "Oplossing:" in err, err[-3000:]
    for fragment in fragments:
        assert fragment in err, (fragment, err[-3000:])
    assert _snapshot(wd) == voor  # nothing deleted, half written or rewritten
