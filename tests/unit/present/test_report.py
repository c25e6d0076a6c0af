"""Council report: HTML structure, accessibility, self-containment, PDF, browser."""

from __future__ import annotations

import html as htmllib
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import jinja2
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline import codes
from pipeline.present import fmt, report, texts
from tests.unit.present.test_texts import BUURTEN, GEMEENTE, refs_tabel, registry, voorbeeld_tabel

CHROMIUM = Path("/usr/bin/chromium")
XSS = "<script>alert(1)</script>"
HOFJE = "'t Hofje & Co"


def meta(fictief: bool = True) -> dict:
    return {
        "gemeente": GEMEENTE[0],
        "gemeentenaam": GEMEENTE[1],
        "jaar": 2024,
        "horizon": [2030, 2040],
        "fictief": fictief,
        "fictief_onderdelen": ["kwb"] if fictief else [],
        "bronnen": [
            {
                "onderwerp": "Kerncijfers wijken en buurten",
                "uitgever": "CBS",
                "tabel": "85984NED",
                "jaar": 2024,
                "type": "demo",
                "licentie": "CC BY 4.0",
            },
        ],
        "waarschuwingen": ["Buurtcode BU00019999 heeft geen geometrie."],
        "versie": "0.1.0",
        "gebouwd": "2026-11-25",
    }


def geometrie() -> gpd.GeoDataFrame:
    rows = []
    for i, (code, naam, *_rest) in enumerate(BUURTEN):
        x, y = 150000 + (i % 3) * 800, 450000 + (i // 3) * 700
        rows.append({"code": code, "naam": naam, "geometry": box(x, y, x + 800, y + 700)})
    return gpd.GeoDataFrame(rows, crs=28992)


class Doc(HTMLParser):
    """Collects what the checks need from the HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[tuple[int, str]] = []
        self.tags: list[tuple[str, dict]] = []
        self._in: list[str] = []
        self._h: int | None = None
        self._buf: list[str] = []
        self.section_text: dict[str, list[str]] = {}
        self._sections: list[str] = []
        self.strong_in: dict[str, list[str]] = {}
        self._strong = False
        self._buf_strong: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if re.fullmatch(r"h[1-6]", tag):
            self._h, self._buf = int(tag[1]), []
        if tag == "section":
            self._sections.append(a.get("id", ""))
        if tag == "strong":
            self._strong = True
            self._buf_strong = []

    def handle_endtag(self, tag):
        if self._h is not None and tag == f"h{self._h}":
            self.headings.append((self._h, "".join(self._buf).strip()))
            self._h = None
        if tag == "section" and self._sections:
            self._sections.pop()
        if tag == "strong" and self._strong:
            self._strong = False
            for s in self._sections:
                self.strong_in.setdefault(s, []).append("".join(self._buf_strong))

    def handle_data(self, data):
        self.text.append(data)
        if self._h is not None:
            self._buf.append(data)
        if self._strong:
            self._buf_strong.append(data)
        for s in self._sections:
            self.section_text.setdefault(s, []).append(data)


def zonder_heel(html: str) -> str:
    """The HTML without the no-break spans around age words (``html_pdf.houd_samen``): the
    checks read text, and a span boundary is no word boundary."""
    return re.sub(r'<span class="heel">([^<]*)</span>', r"\1", html)


def parse(html: str) -> Doc:
    d = Doc()
    d.feed(zonder_heel(html))
    return d


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def reg():
    return registry()


@pytest.fixture(scope="module")
def tabel():
    return voorbeeld_tabel()


@pytest.fixture(scope="module")
def html(tabel, reg):
    return report.render_html(tabel, geometrie(), reg, meta(), None, None)


@pytest.fixture(scope="module")
def built(tmp_path_factory, tabel, reg):
    """HTML and PDF on disk (built once: the PDF takes a few seconds)."""
    d = tmp_path_factory.mktemp("rapport")
    h, p = d / "rapport.html", d / "rapport.pdf"
    report.write_html(tabel, geometrie(), reg, meta(), None, refs_tabel(), path=h)
    report.html_to_pdf(h, p)
    return h, p


# ------------------------------------------------------------------ HTML


def test_html_contains_every_buurt_name_as_text(html, tabel):
    text = "".join(parse(html).text)
    for naam in tabel.loc[tabel.niveau == "buurt", "naam"].unique():
        assert naam in text, naam


def test_hostile_names_are_escaped(html):
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert "&#39;t Hofje &amp; Co" in html or "'t Hofje &amp; Co" in html
    assert "Zorghof {0}" in html  # braces survive the sentence templates


def test_headings_in_order(html):
    d = parse(html)
    levels = [lvl for lvl, _ in d.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    for prev, cur in zip(levels, levels[1:], strict=False):
        assert cur <= prev + 1, d.headings
    h2 = [t for lvl, t in d.headings if lvl == 2]
    expected = [
        "Inhoud",
        "Samenvatting",
        "Zo leest u dit rapport",
        "Vergrijzing",
        "Mantelzorgpotentieel",
        "Dementie",
        "Eenzaamheid",
        "Wonen en voorzieningen",
        "Buurten in beeld",
        "Data en lokale kennis",
        "Verantwoording",
        "Bijlage: alle cijfers per buurt",
    ]
    assert h2 == expected


def test_accessibility_basics(html):
    d = parse(html)
    assert re.search(r'<html lang="nl">', html)
    imgs = [a for t, a in d.tags if t == "img"]
    assert len(imgs) >= 12
    for a in imgs:
        assert len(a.get("alt", "").strip()) > 40, a.get("alt")
    for t, a in d.tags:
        if t == "svg":
            assert a.get("role") == "img" and (a.get("aria-label") or a.get("aria-labelledby"))
        if t == "th":
            assert a.get("scope") in {"col", "row", "rowgroup", "colgroup"}, a
    alts = [a["alt"] for a in imgs]
    assert len(set(alts)) == len(alts)  # every figure described on its own


def test_no_external_resources_and_no_script(html):
    d = parse(html)
    for tag, a in d.tags:
        assert tag != "script"
        for attr in ("src", "href", "srcset", "data", "poster"):
            v = a.get(attr, "")
            assert not re.match(r"\s*(https?:)?//", v), (tag, attr, v[:80])
        if tag == "img":
            assert a["src"].startswith("data:image/")
        if tag == "a":
            assert a["href"].startswith("#")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "@import" not in html


def test_summary_numbers_come_from_the_table(html, tabel, reg):
    d = parse(html)
    names = GEMEENTE[1]
    scores, _ = report.buurt_scores(tabel, reg, report.DEFAULT_RAPPORT["weging"])
    found = texts.samenvatting(tabel, reg, names, scores=scores)
    allowed = {c.tekst: c for c in texts.alle_cijfers(found)}
    strong = d.strong_in["samenvatting"]
    assert len(strong) >= 10
    for s in strong:
        c = allowed[s]  # every bold number is a listed number ...
        if not c.afgeleid:  # ... printing exactly the table cell
            v = texts.opzoeken(tabel, c.code, c.jaar, c.key)
            assert c.waarde == v
            assert s == fmt.waarde(v, reg[c.key])
        else:  # a change in percent between two table cells
            a, z = (texts.opzoeken(tabel, b.code, b.jaar, b.key) for b in c.basis)
            assert s == fmt.procent(abs((z / a - 1) * 100))
    # and no other digit in the summary but years, labels, names and source letters
    text = " ".join(d.section_text["samenvatting"])
    for s in sorted(set(strong), key=len, reverse=True):
        text = text.replace(s, " ")
    for label in sorted(
        {x for i in reg.values() for x in (i.label, i.kort, i.bron, texts.wie_van(i))}
        | set(tabel["naam"]),
        key=len,
        reverse=True,
    ):
        text = text.replace(label, " ").replace(fmt.kleine_letter(label), " ")
    text = re.sub(r"\b(19|20)\d\d\b", " ", text)
    assert not re.search(r"\d", text), text


def test_fictief_banner_only_when_fictitious(tabel, reg, html):
    assert html.count("FICTIEF") >= 3
    echt = report.render_html(tabel, geometrie(), reg, meta(fictief=False), None, None)
    assert "FICTIEF" not in echt


def test_cover_says_what_is_made_up_and_what_is_real(tabel, reg):
    """Real Deventer with a demo age profile: the cover said "verzonnen gegevens
    (bevolking)", as if CBS's counts of inwoners and 65-plussers were made up too."""
    m = meta() | {"fictief_onderdelen": ["bevolking", "prognose"]}
    d = parse(report.render_html(tabel, geometrie(), reg, m, None, None))
    titel = " ".join(" ".join(d.text).split())
    assert "FICTIEF – deels demogegevens" in titel and "Verzonnen (demo): leeftijdsopbouw" in titel
    assert "Daarom zijn ook 75-plussers, 85-plussers, mantelzorgpotentieel, dementie" in titel
    assert "65-plussers, zijn echt" in titel
    assert "gemaakt met verzonnen gegevens" not in titel
    # The on-screen bar and the printed page header say the same, not "verzonnen demogegevens"
    # (a reviewer: the bar overstated what the cover says).
    page = report.render_html(tabel, geometrie(), reg, m, None, None)
    balk = page.split('class="fictief-balk"', 1)[1].split("</div>", 1)[0]
    assert "leeftijdsopbouw" in balk and "verzonnen demogegevens" not in balk
    assert 'content: "FICTIEF – deels demogegevens"' in page
    # All made up (the demo gemeente): the plain warning.
    m_alles = meta() | {"fictief_onderdelen": ["kwb", "bevolking", "prognose"]}
    alles = parse(report.render_html(tabel, geometrie(), reg, m_alles, None, None))
    assert "Dit rapport is gemaakt met verzonnen gegevens." in " ".join(alles.text)


def test_what_the_figures_do_not_say_is_on_the_title_page_once(html):
    """The leeswijzer repeated it under its own heading; in real Duiven that heading and
    two lines were all of page 5."""
    assert html.count("wat bewoners zelf nodig vinden") == 1
    titel = html.split('class="titel-tekst"', 1)[1].split("</p>", 1)[0]
    assert "wat bewoners zelf nodig vinden" in titel and 'href="#lokale-kennis"' in titel
    assert "Wat dit rapport wel en niet is" not in html


def test_verantwoording_names_the_kwb_age_groups_actually_read(tabel, reg, html):
    """The national KWB 2024 extract has only 0-14 and 65+ per buurt: the method text
    said all five CBS groups "precies kloppen" (seen in real Duiven)."""
    m = meta() | {"kwb_leeftijdsgroepen": ["k_0_14", "k_65plus"]}
    d = parse(report.render_html(tabel, geometrie(), reg, m, None, None))
    tekst = " ".join(" ".join(d.section_text["verantwoording"]).split())
    assert "staan daarvan alleen 0–14 en 65 jaar en ouder" in tekst
    assert "per ingelezen CBS-leeftijdsgroep precies kloppen" in tekst
    alle = " ".join(" ".join(parse(html).section_text["verantwoording"]).split())
    assert "staan daarvan alleen" not in alle  # no list in the metadata: all five


def test_missing_refs_print_nb_and_refs_are_shown(html, tabel, reg):
    assert "n.b." in html
    assert "Cijfers voor de regio en Nederland zijn niet meegeleverd" in html
    met = report.render_html(tabel, geometrie(), reg, meta(), None, refs_tabel())
    assert "Regio Testland" in met
    assert "13,7" in met  # NL mantelzorgpotentieel 13.66


def test_comparison_columns_only_for_built_references_and_a_missing_nl_says_why(tabel, reg):
    """A new user: a "Regio n.b." column without any regio configured, and "Nederland
    n.b." everywhere with the reason only in a log (a KWB file cut short)."""
    reden = "kwb.csv heeft geen landelijke rij (NL01) en bevat 54 gemeente(n), niet alle 342"
    nl = pd.DataFrame([{"niveau": "nederland", "naam": "Nederland", "reden": reden}])
    d = parse(report.render_html(tabel, geometrie(), reg, meta(), None, nl))
    hfd = " ".join(" ".join(d.section_text["thema-vergrijzing"]).split())
    assert "Vergrijzing: Testdorp en Nederland" in hfd and "Regio" not in hfd
    assert f"Geen cijfers voor Nederland: {reden}." in hfd
    met = parse(report.render_html(tabel, geometrie(), reg, meta(), None, refs_tabel()))
    hfd = " ".join(" ".join(met.section_text["thema-vergrijzing"]).split())
    assert "Vergrijzing: Testdorp, Regio Testland en Nederland" in hfd
    assert "Geen cijfers voor Nederland" not in hfd


def test_a_published_cbs_number_cites_the_kwb_alone(tabel, reg):
    """Real Deventer: "Aandeel 65-plussers (2024): het hoogst in Dorp Colmschate (54%)",
    a CBS count, cited the (demo) age profile and the forecast as its source."""
    html = zonder_heel(report.render_html(tabel, geometrie(), reg, meta(), None, None))
    hfd = html.split('id="thema-vergrijzing"', 1)[1].split("</section>", 1)[0]
    lijst = hfd.split('class="bronnenlijst"', 1)[1]

    def bron_van(fragment: str) -> str:
        zin = next(li for li in hfd.split("<li>") if fragment in li)
        letter = re.search(r'class="letter">([A-Z]+)<', zin).group(1)
        return re.search(rf"<li><span[^>]*>{letter}</span>\s*(.*?)</li>", lijst, re.S).group(1)

    gepubliceerd = bron_van("Aandeel 65-plussers (2024)")
    assert reg["aandeel_65plus"].bron_gemeten in gepubliceerd
    assert "leeftijdsverdeling" not in gepubliceerd
    # An estimate, and a change into the horizon, still cite the whole chain.
    assert "leeftijdsverdeling" in bron_van("75-plussers. In 2040")


def test_an_empty_cell_gives_its_reason_in_table_and_verantwoording(tabel, reg, html):
    """The Verantwoording claimed every ratio is withheld "(n.b.)" over few oldest; now it
    names the reasons that occur, and the appendix cell prints its own reason."""
    t = tabel.copy()
    key = "mantelzorgpotentieel"
    reden = codes.reden_weinig_ouderen(10, 85)
    t[codes.reden_kolom(key)] = ""
    rij = (t["code"] == BUURTEN[1][0]) & (t["jaar"] == t["jaar"].min())
    t.loc[rij, key] = float("nan")
    t.loc[rij, codes.reden_kolom(key)] = reden
    d = parse(report.render_html(t, geometrie(), reg, meta(), None, None))
    verantw = " ".join(" ".join(d.section_text["verantwoording"]).split())
    assert f"Leeg waar „{reden}” staat" in verantw and reg[key].label in verantw
    bijlage = " ".join(" ".join(d.section_text["bijlage"]).split())
    assert reden in bijlage
    zonder = " ".join(" ".join(parse(html).section_text["verantwoording"]).split())
    assert "Leeg waar" not in zonder  # no empty cell with a reason: nothing to explain


def test_verantwoording_mentions_rebasing_only_when_it_happened(tabel, reg, html):
    """The sentence on following the forecast's growth from the count appeared in every
    report, also for a Primos forecast that is used as delivered."""
    zin = "Wijkscan volgt de groei uit de prognose"
    assert zin not in html
    m = meta() | {"prognose_aansluiting": [24_300.0, 24_872.0]}
    assert zin in report.render_html(tabel, geometrie(), reg, m, None, None)


def test_weights_are_printed_and_suppressed_buurt_excluded(html):
    d = parse(html)
    text = " ".join(d.section_text["buurten-in-beeld"])
    assert "Gewicht" in text and "lager = grotere opgave" in text
    assert "Bedrijventerrein (te weinig inwoners)" in text
    rows = re.findall(r'<tr><td class="getal">(\d+)</td><th scope="row">([^<]*)</th>', html)
    assert "Bedrijventerrein" not in [n for _, n in rows]
    assert len(rows) == len(BUURTEN) - 1


def test_custom_weights_and_questions_change_the_report(tabel, reg):
    cfg = {"weging": {"aandeel_75plus": 2, "eenzaam_pct": 0.5}, "vragen": ["Wie kent de buurt?"]}
    h = report.render_html(tabel, geometrie(), reg, meta(), cfg, None)
    assert "Wie kent de buurt?" in h
    assert "80%" in h and "20%" in h  # shares of the weights
    assert h.count("score ") > 0


def test_buurt_without_geometry_is_named_and_still_in_tables(tabel, reg):
    geo = geometrie()
    geo = geo[geo["code"] != "BU00010005"]  # Nieuwbouw-Zuid has no boundary
    h = report.render_html(tabel, geo, reg, meta(), None, None)
    text = "".join(parse(h).text)
    assert "Niet op de kaarten (geen buurtgrens gevonden): Nieuwbouw-Zuid." in text
    assert text.count("Nieuwbouw-Zuid") > 3  # heat table, bars, appendix
    assert "Buurtcode BU00019999 heeft geen geometrie." in text  # meta warning


def test_geometry_in_other_crs_is_projected(tabel, reg, html):
    h = report.render_html(tabel, geometrie().to_crs(4326), reg, meta(), None, None)
    assert "Nieuwbouw-Zuid" in h and h.count("data:image/") == html.count("data:image/")


def test_base_year_only_table_renders(tabel, reg):
    basis = tabel[tabel["jaar"] == 2024].copy()
    h = report.render_html(basis, geometrie(), reg, meta(), None, None)
    d = parse(h)
    assert [t for lvl, t in d.headings if lvl == 2][1] == "Samenvatting"
    summary = " ".join(d.section_text["samenvatting"])
    assert "naar verwachting" not in summary  # no projections to talk about
    assert "Eenzaamheid" in summary and "Waar beginnen?" in summary
    assert len(re.findall(r'<article class="bevinding">', h)) >= 4


def test_rendering_is_deterministic(tabel, reg, html):
    again = report.render_html(tabel, geometrie(), reg, meta(), None, None)
    assert again == html  # same inputs, same bytes: the report can be rebuilt and diffed


def test_strict_undefined(tmp_path):
    env = report.make_environment(report.TEMPLATE_DIR)
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ niet_bestaand }}").render()
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("_inhoud.html.j2").render()  # 'inhoud' missing
    assert env.autoescape is True or env.autoescape(".html.j2")
    assert str(env.from_string("{{ x }}").render(x=XSS)) == htmllib.escape(XSS)


# ------------------------------------------------------------------ files and PDF


def test_write_html_is_atomic_and_self_contained(built):
    h, _ = built
    assert h.is_file()
    assert not list(h.parent.glob(".rapport.*"))  # no temporary files left
    assert h.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_pdf_is_a4_with_pages_and_text(built):
    pypdf = pytest.importorskip("pypdf")
    _, p = built
    r = pypdf.PdfReader(str(p))
    assert len(r.pages) > 5
    for page in r.pages:
        w, hgt = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(w - 595.28) < 1 and abs(hgt - 841.89) < 1
    text = "\n".join(page.extract_text() or "" for page in r.pages)
    assert "Samenvatting" in text
    assert "Nieuwbouw-Zuid" in text
    assert re.search(r"Pagina \d+ van \d+", text)
    assert "FICTIEF" in text
    root = r.trailer["/Root"]
    assert "/StructTreeRoot" in root and str(root.get("/Lang")) == "nl"  # tagged PDF


def test_pdf_glossary_puts_term_and_meaning_on_one_line(built):
    """Two lines per term made the glossary spill onto a nearly empty page (Duiven, p. 9)."""
    pypdf = pytest.importorskip("pypdf")
    _, p = built
    text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(p)).pages)
    assert "Wat betekenen deze cijfers?" in text
    assert re.search(r"^Aandeel 65-plussers +65-plussers als percentage", text, re.M)


def test_pdf_first_page_converts_to_png(built, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed")
    _, p = built
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(p), str(tmp_path / "p")],
        check=True,
        timeout=120,
    )
    pngs = list(tmp_path.glob("p*.png"))
    assert pngs and pngs[0].stat().st_size > 1000


def test_pdf_build_refuses_network(tmp_path):
    h = tmp_path / "x.html"
    h.write_text(
        '<html lang="nl"><body><p>Samenvatting</p>'
        '<img src="http://127.0.0.1:9/x.png" alt="x"></body></html>',
        encoding="utf-8",
    )
    report.html_to_pdf(h, tmp_path / "x.pdf")  # must not hang or fail: URL refused
    assert (tmp_path / "x.pdf").stat().st_size > 0


# ------------------------------------------------------------------ browser


def _png_is_not_blank(path: Path) -> bool:
    from PIL import Image

    im = Image.open(path).convert("L")
    lo, hi = im.getextrema()
    colours = im.resize((64, 64)).getcolors(4096) or []
    return hi - lo > 50 and len(colours) > 8


def _chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profiel'}",
        *args,
        url,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def _console_errors(stderr: str, page: str) -> list[str]:
    """Console errors and failed loads that Chromium logs for ``page``."""
    return [
        line
        for line in stderr.splitlines()
        if re.search(r"Uncaught|Failed to load resource|net::ERR_", line)
        and ("CONSOLE" in line or page in line)
    ]


@pytest.mark.browser
def test_renders_in_headless_chromium(built, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed")
    h, _ = built
    png = tmp_path / "shot.png"
    url = h.resolve().as_uri()
    shot = _chromium(
        tmp_path,
        url,
        f"--screenshot={png}",
        "--window-size=1280,2000",
        "--enable-logging=stderr",
        "--v=0",
    )
    assert png.is_file(), shot.stderr[-2000:]
    assert _png_is_not_blank(png)
    assert not _console_errors(shot.stderr, h.name)
    dom = _chromium(tmp_path, url, "--dump-dom").stdout
    assert "Samenvatting" in dom and "Nieuwbouw-Zuid" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # still text after parsing
    srcs = re.findall(r'<img[^>]* src="([^"]*)"', dom)
    assert srcs and all(s.startswith("data:image/") for s in srcs)


@pytest.mark.browser
def test_browser_check_detects_a_broken_page(tmp_path):
    """Negative control: the console check above does flag a script error."""
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed")
    bad = tmp_path / "kapot.html"
    bad.write_text(
        '<html><body><p>x</p><script>throw new Error("kapot")</script></body></html>',
        encoding="utf-8",
    )
    run = _chromium(
        tmp_path,
        bad.resolve().as_uri(),
        f"--screenshot={tmp_path / 'k.png'}",
        "--window-size=400,300",
        "--enable-logging=stderr",
        "--v=0",
    )
    assert _console_errors(run.stderr, bad.name)


# ------------------------------------------------------------------ honest presentation

UITLEG = "Een KWB-tabel met burgerlijke staat per buurt of een BRP-extract geeft detail per buurt."


def meta_zonder_signaal() -> dict:
    m = meta()
    m["buurtsignaal"] = {
        "mantelzorgpotentieel": {"signaal": False, "marges": ["leeftijd (KWB 2024)"],
                                 "uitleg": UITLEG},
        "aandeel_75plus": {"signaal": True, "marges": ["leeftijd (KWB 2024)"], "uitleg": ""},
    }  # fmt: skip
    return m


def tabel_met_marges() -> pd.DataFrame:
    """The example table with 90 % intervals: aandeel_75plus of the buurten overlaps
    widely (so places are shared), and the gemeente mantelzorgpotentieel has one."""
    t = voorbeeld_tabel()
    t["aandeel_75plus_laag"] = t["aandeel_75plus"] - 15.0
    t["aandeel_75plus_hoog"] = t["aandeel_75plus"] + 15.0
    t.loc[t["niveau"] != "buurt", ["aandeel_75plus_laag", "aandeel_75plus_hoog"]] = float("nan")
    t["mantelzorgpotentieel_laag"] = float("nan")
    t["mantelzorgpotentieel_hoog"] = float("nan")
    gm = (t["niveau"] == "gemeente") & (t["jaar"] == 2024)
    t.loc[gm, "mantelzorgpotentieel_laag"] = 7.1
    t.loc[gm, "mantelzorgpotentieel_hoog"] = 9.3
    # The published 65+ share: only CBS's rounding to 5 (narrow).
    buurt = t["niveau"] == "buurt"
    t["aandeel_65plus_laag"] = t["aandeel_65plus"].where(buurt) - 0.3
    t["aandeel_65plus_hoog"] = t["aandeel_65plus"].where(buurt) + 0.3
    return t


@pytest.fixture(scope="module")
def zonder(tmp_path_factory, reg):
    """Report (HTML text and PDF text) with mantelzorgpotentieel without buurt signal."""
    d = tmp_path_factory.mktemp("zonder")
    h, p = d / "rapport.html", d / "rapport.pdf"
    report.write_html(tabel_met_marges(), geometrie(), reg, meta_zonder_signaal(), None, path=h)
    report.html_to_pdf(h, p)
    pypdf = pytest.importorskip("pypdf")
    pdf_text = " ".join(" ".join(pg.extract_text() or "" for pg in pypdf.PdfReader(str(p)).pages)
                        .split())  # fmt: skip
    return h.read_text(encoding="utf-8"), pdf_text


def _heat_head(html: str) -> str:
    return zonder_heel(html).split('<table class="heat">', 1)[1].split("</thead>", 1)[0]


def test_report_shows_no_classes_rank_or_weight_without_signal(zonder, reg):
    html, _ = zonder
    d = parse(html)
    ind = reg["mantelzorgpotentieel"]
    bib = " ".join(" ".join(d.section_text["buurten-in-beeld"]).split())
    # the weight is listed, said not to count, and why
    assert "Gewicht van 'Mantelzorgpotentieel' telt niet mee" in bib
    assert "telt niet mee" in bib and UITLEG in bib
    assert "komen alleen uit het rekenmodel" in bib
    # the other three weights share 100%
    assert bib.count("33%") >= 3
    # not a column of the ranking table, not a panel of the small maps
    assert ind.kort not in _heat_head(html)
    assert reg["aandeel_75plus"].kort.split(" ")[0] in _heat_head(html)
    # the chapter: gemeente figure with its interval, the uitleg, a classless map, no bars
    hfd = " ".join(" ".join(d.section_text["thema-mantelzorg"]).split())
    assert "geen verschillen per buurt bekend" in hfd
    assert UITLEG in hfd and "in 2024 ≈ 8,1 (90%-marge 7,1–9,3)" in hfd
    assert "Buurten op een rij" not in hfd
    assert "het laagst in" not in hfd  # no sentence ranking the buurten on it
    alts = [a["alt"] for t, a in d.tags if t == "img" and "antelzorgpotentieel" in a.get("alt", "")]
    assert any("dezelfde grijze kleur" in a for a in alts)
    assert not any("klassen van" in a for a in alts)
    # appendix: the column is marked
    assert "†" in " ".join(d.section_text["bijlage"])


def test_report_with_signal_keeps_classes_and_bars(html, reg):
    d = parse(html)
    hfd = " ".join(d.section_text["thema-mantelzorg"])
    assert "Buurten op een rij" in hfd and "geen verschillen per buurt bekend" not in hfd
    assert reg["mantelzorgpotentieel"].kort in _heat_head(html)
    assert "telt niet mee" not in " ".join(d.section_text["buurten-in-beeld"])


def test_ageing_chapter_maps_the_published_65plus_share_before_the_estimate(zonder, reg):
    """The estimated 75+ share often has margins too wide to split buurten (real Deventer:
    one class); the CBS 65+ share beside it gives the chapter real buurt differences."""
    html, _ = zonder
    d = parse(html)
    hfd = d.section_text["thema-vergrijzing"]
    alts = [a["alt"] for t, a in d.tags if t == "img" and a.get("alt", "").startswith("Kaart")]
    eerst = [i for i, a in enumerate(alts) if "aandeel 65-plussers" in a]
    daarna = [i for i, a in enumerate(alts) if "aandeel 75-plussers" in a]
    assert eerst and daarna and eerst[0] < daarna[0]
    assert "klassen van" in alts[eerst[0]]  # published: classes
    caps = re.findall(r"<figcaption>(.*?)</figcaption>", zonder_heel(html), flags=re.S)
    cap65 = next(c for c in caps if "Aandeel 65-plussers per buurt" in c)
    # classed with its rounding margins, which the caption does not call an estimate's
    assert texts.MARGES_UITLEG_AFRONDING in " ".join(cap65.split())
    assert "van de schatting" not in cap65
    # one heading above the two maps, and a sentence on the 65+ spread
    assert " ".join(hfd).count("Per buurt op de kaart") == 1
    assert "Aandeel 65-plussers (2024):" in " ".join(" ".join(hfd).split())


def test_alt_text_of_a_one_class_map_ranks_nothing(reg):
    """Real Duiven: "in 1 klassen van 5 tot 16 %. ... Hoogst: Noord (16%)" on a map whose
    margins left every buurt in one class."""
    t = tabel_met_marges()
    buurt = t["niveau"] == "buurt"
    t.loc[buurt, "aandeel_75plus_laag"] = 0.0
    t.loc[buurt, "aandeel_75plus_hoog"] = 100.0
    d = parse(report.render_html(t, geometrie(), reg, meta(), None, None))
    alts = [
        a["alt"] for t_, a in d.tags if t_ == "img" and "aandeel 75-plussers in" in a.get("alt", "")
    ]
    assert alts and all(
        "Alle buurten hebben één kleur: elke grens tussen klassen" in a for a in alts
    )
    assert not any("1 klassen" in a or "Hoogst" in a for a in alts)
    # The caption neither explains a dark end nor "only between classes" on a one-colour map.
    html = report.render_html(t, geometrie(), reg, meta(), None, None)
    caps = [
        " ".join(c.split())
        for c in re.findall(r"<figcaption>(.*?)</figcaption>", zonder_heel(html), re.S)
    ]
    cap = next(c for c in caps if "Aandeel 75-plussers per buurt" in c)
    assert "Alle buurten hebben één kleur" in cap
    assert "Donker" not in cap and "alleen tussen klassen" not in cap


def test_map_without_any_buurt_value_is_left_out_and_said(tabel, reg):
    """Real Deventer/Duiven from the KWB 2024 extract: no household shares at all. The map
    was all hatching; now the chapter says there is no map and why."""
    t = tabel.assign(aandeel_eenpersoonshuishoudens=float("nan"))
    d = parse(report.render_html(t, geometrie(), reg, meta(), None, None))
    hfd = " ".join(" ".join(d.section_text["thema-wonen"]).split())
    assert "Voor 'Aandeel eenpersoonshuishoudens' staat in de ingelezen gegevens" in hfd
    alts = [a["alt"] for t_, a in d.tags if t_ == "img" and a.get("alt", "").startswith("Kaart")]
    assert not any("eenpersoonshuishoudens" in a for a in alts)
    # With values the map is there and nothing is said.
    d2 = parse(report.render_html(tabel, geometrie(), reg, meta(), None, None))
    assert "staat in de ingelezen gegevens" not in " ".join(d2.section_text["thema-wonen"])
    alts2 = [a["alt"] for t_, a in d2.tags if t_ == "img" and a.get("alt", "").startswith("Kaart")]
    assert any("eenpersoonshuishoudens" in a for a in alts2)


def test_report_shows_shared_places_and_margins(zonder):
    html, _ = zonder
    bib = " ".join(" ".join(parse(html).section_text["buurten-in-beeld"]).split())
    assert "gedeeld" in bib and "Gedeelde plaats" in bib
    assert re.search(r"<td class=\"getal\">\d+–\d+<span class=\"rs\">gedeeld</span>", html)
    assert re.search(r"\(\d+%?–\d+%\)", bib)  # e.g. (15–45%) under a buurt value


def _heat_cells(html: str) -> list[str]:
    """The scored cells of the heat table's body (indicator cells and totals)."""
    body = html.split('<table class="heat">', 1)[1].split("</tbody>", 1)[0].split("<tbody>")[1]
    return re.findall(r"<td class=\"(?:getal|totaal)[^\"]*\"[^>]*>.*?</td>", body)


def test_heat_colours_and_order_do_not_rank_inside_the_margins(zonder, html):
    page, _ = zonder
    bib = " ".join(" ".join(parse(page).section_text["buurten-in-beeld"]).split())
    cellen = [c for c in _heat_cells(page) if "score " in c or "totaal" in c]
    wit = [c for c in cellen if "style=" not in c]
    # Wide margins: some rank scores and totals could lie in more than one colour.
    assert wit and len(wit) < len(cellen)
    assert "binnen de marges meer dan één kleur" in page and "Een witte cel" in bib
    assert "Buurten die een plaats delen, staan op alfabet" in bib
    assert re.search(r"\d,\d\d<span class=\"rs\">\(\d,\d\d–\d,\d\d\)</span>", page)
    # Exact figures: every score has its colour, ordered by total, no ranges.
    exact = " ".join(" ".join(parse(html).section_text["buurten-in-beeld"]).split())
    assert all("style=" in c for c in _heat_cells(html) if "score " in c or "totaal" in c)
    assert "Een witte cel" not in exact and "op volgorde van de totaalscore" in exact
    assert not re.search(r"<span class=\"rs\">\(\d,\d\d–", html)


def test_no_ranking_table_when_every_buurt_shares_first_place(reg):
    """Real Deventer: all 66 buurten "1–66 gedeeld", five pages of a table that looked
    precise and a note on a "dikke lijn" that was nowhere. Now one sentence instead."""
    t = tabel_met_marges()
    buurt = t["niveau"] == "buurt"
    for k in reg:
        if k in t and t[k].dtype.kind == "f":
            t.loc[buurt, k + "_laag"] = t.loc[buurt, k] - 1e4
            t.loc[buurt, k + "_hoog"] = t.loc[buurt, k] + 1e4
    d = parse(report.render_html(t, geometrie(), reg, meta(), None, None))
    bib = " ".join(" ".join(d.section_text["buurten-in-beeld"]).split())
    assert "alle " in bib and "buurten delen de eerste plaats" in bib
    assert "Er is dus geen volgorde" in bib and "dikke lijn" not in bib
    # The box under it does not go on to say the score puts the buurten in order.
    assert "De totaalscore zet buurten op volgorde" not in bib
    assert "zet de totaalscore de buurten niet op volgorde" in bib
    html = report.render_html(t, geometrie(), reg, meta(), None, None)
    assert '<table class="heat">' not in html
    # Nor do the bar charts of the chapters rank them: bars by name, and the caption says so.
    assert "gerangschikt; bovenaan" not in html
    assert re.search(r"per buurt, \d{4}, op naam: de cijfers van de buurten verschillen", html)
    # The numbers per buurt are still in the appendix.
    assert "Nieuwbouw-Zuid" in " ".join(d.section_text["bijlage"])


def test_dikke_lijn_is_mentioned_only_where_one_is_drawn(zonder):
    html, _ = zonder
    bib = " ".join(" ".join(parse(html).section_text["buurten-in-beeld"]).split())
    assert 'class="grens"' in html and "dikke lijn" in bib  # some places differ
    assert "delen de eerste plaats" not in bib


def test_pdf_of_report_without_signal_says_why(zonder):
    _, pdf = zonder
    assert "telt niet mee" in pdf
    assert UITLEG in pdf
    assert "geen verschillen per buurt bekend" in pdf


def test_loneliness_not_loaded_says_so_and_draws_no_empty_figures(tabel, reg):
    """Issue 14: with gezondheidsmonitor 'geen' the chapter says what was not loaded and
    how to get it, instead of an all-hatched map under a text about the data."""
    t = tabel.copy()
    for k, ind in reg.items():
        if ind.thema == "eenzaamheid" and k in t:
            t[k] = float("nan")
    m = meta()
    m["bronnen"] = [dict(b, invoer="kwb") for b in m["bronnen"]]  # no gezondheidsmonitor
    page = htmllib.unescape(report.render_html(t, geometrie(), reg, m, None, None))
    hoofdstuk = page.split('id="thema-eenzaamheid"', 1)[1].split("</section>", 1)[0]
    assert texts.NIET_GELADEN["eenzaamheid"] in hoofdstuk
    assert "<figure" not in hoofdstuk and "Per buurt op de kaart" not in hoofdstuk
    assert "bronnen.gezondheidsmonitor" not in page  # no setting names for a council
    # The title does not promise what is not there (real Duiven did).
    titel = page.split("</header>", 1)[0]
    assert "Vergrijzing, mantelzorg en dementie per buurt" in titel
    assert "hoe eenzaam mensen zich voelen" not in titel
    assert "Cijfers over eenzaamheid zijn voor dit rapport niet ingelezen" in titel
    assert (
        "hoe eenzaam mensen zich voelen"
        in report.render_html(tabel, geometrie(), reg, meta(), None, None).split("</header>", 1)[0]
    )
    # Loaded but empty for this gemeente: no claim that it was not loaded.
    m2 = meta()
    m2["bronnen"] = [dict(b, invoer="gezondheidsmonitor") for b in m2["bronnen"]]
    page2 = htmllib.unescape(report.render_html(t, geometrie(), reg, m2, None, None))
    assert texts.NIET_GELADEN["eenzaamheid"] not in page2


def test_two_buurten_with_one_name_are_told_apart(tabel, reg):
    # 24 gemeenten have two buurten of the same name in 2024 ('Verspreide huizen', GM0047);
    # the bar chart indexed by name failed on them ("duplicate labels") and no report came.
    dubbel = tabel.copy()
    codes = sorted(dubbel.loc[dubbel["niveau"] == "buurt", "code"].unique())[:2]
    dubbel.loc[dubbel["code"].isin(codes), "naam"] = "Verspreide huizen"
    h = report.render_html(dubbel, geometrie(), reg, meta(), None, None)
    text = "".join(parse(h).text)
    for code in codes:
        assert f"Verspreide huizen ({code})" in text
    # Every sentence that names one of them says which one.
    assert "Verspreide huizen:" not in text and "Verspreide huizen (20" not in text
    assert "Verspreide huizen en" not in text


def test_alt_texts_follow_the_classes_and_margins_not_a_single_highest(zonder):
    """Real Duiven: a map's alt text said "hoogst in Het Broek" and the bar chart's listed
    an order without margins, where the text said no buurt is surely the highest. A map's
    alt names its darkest class; a bar chart's gives each value's margin."""
    page, _ = zonder
    alts = [a["alt"] for t_, a in parse(page).tags if t_ == "img" and a.get("alt")]
    assert not any("Hoogst:" in a or ": hoogst in" in a for a in alts)
    kaarten = [a for a in alts if a.startswith("Kaart") and "klassen van" in a]
    assert kaarten and all("Donkerste klasse (" in a for a in kaarten)
    staven = [a for a in alts if a.startswith("Staafdiagram: aandeel 75-plussers")]
    assert staven and all("(marge " in a for a in staven), staven
    klein = [a for a in alts if "kleine kaarten" in a]
    assert klein and ("donkerste klasse (" in klein[0] or "geen klassen" in klein[0])


def test_appendix_gives_every_estimate_its_margin_and_skips_empty_columns(reg):
    """Deventer: the appendix printed "≈ 62,3" bare (the only place with every buurt), and
    2½ pages of "n.b." for loneliness, a source this build did not read."""
    t = tabel_met_marges()
    t["eenzaam_pct"] = float("nan")  # not read: no value anywhere
    html = report.render_html(t, geometrie(), reg, meta(), None, None)
    start = html.index('<section id="bijlage"')
    bijlage = html[start : html.index("</section>", start)]
    r = t[(t["niveau"] == "buurt") & (t["jaar"] == 2024)].iloc[0]
    ind = reg["aandeel_75plus"]
    marge = fmt.marge(r["aandeel_75plus_laag"], r["aandeel_75plus_hoog"], ind)
    assert marge and f'<span class="rs">({marge})</span>' in bijlage
    # A published 65+ share keeps its number alone: its bounds are only CBS's rounding.
    m65 = fmt.marge(r["aandeel_65plus_laag"], r["aandeel_65plus_hoog"], reg["aandeel_65plus"])
    assert m65 and f"({m65})" not in bijlage
    tekst = " ".join(" ".join(parse(html).section_text["bijlage"]).split())
    assert "Onder elke geschatte buurt- of wijkwaarde staat tussen haakjes de 90%-marge" in tekst
    assert "omdat er voor geen enkele buurt een cijfer is: eenzaam (18+)" in tekst
    # Duiven: wijk Buitengebied (CBS 65+: 25) and its one buurt Het Broek (30) disagreed
    # with no word why; a reader took the wijk row for the sum of its buurten.
    assert "Het CBS telt en rondt de wijken apart af" in tekst
    assert "ook bij een wijk met één buurt" in tekst
    # Without any interval in the table the appendix promises none.
    kaal = t.drop(columns=[c for c in t.columns if c.endswith(("_laag", "_hoog"))])
    kaal_html = report.render_html(kaal, geometrie(), reg, meta(), None, None)
    assert "90%-marge;" not in " ".join(" ".join(parse(kaal_html).section_text["bijlage"]).split())
    assert reg["eenzaam_pct"].kort not in bijlage.split("</p>", 1)[1]


def test_age_words_stay_on_one_line(html):
    """Deventer's summary: "naar schatting 2.180 85-" ended a line, "plussers" began the
    next, and the number with a dangling "85-" read as a range."""
    assert '<span class="heel">85-plussers</span>' in html
    assert '<span class="heel">50-64-jarigen</span>' in html
    # Attributes (alt texts) stay plain text.
    alts = re.findall(r'alt="([^"]*)"', html)
    assert alts and not any("<span" in a for a in alts)
    assert "span.heel { white-space: nowrap; }" in html


def test_small_maps_without_any_classes_do_not_explain_a_dark_end(reg):
    """Real Duiven figure 13: three one-colour panels under "Donker = grootste opgave ...
    alleen tussen klassen is het verschil echt"."""
    t = tabel_met_marges()
    buurt = t["niveau"] == "buurt"
    for key in ("aandeel_75plus", "mantelzorgpotentieel", "dementie_per_100_65plus", "eenzaam_pct"):
        t.loc[buurt, key + "_laag"] = 0.0
        t.loc[buurt, key + "_hoog"] = 1000.0
    html = zonder_heel(report.render_html(t, geometrie(), reg, meta(), None, None))
    caps = [" ".join(c.split()) for c in re.findall(r"<figcaption>(.*?)</figcaption>", html, re.S)]
    cap = next(c for c in caps if "De gewogen indicatoren per buurt" in c)
    assert "Geen van de kaarten heeft klassen" in cap
    assert "Donker" not in cap and "alleen tussen klassen" not in cap


def test_chapter_says_which_year_has_no_buurt_figure(reg):
    """Duiven: "staat in de ingelezen gegevens bij geen enkele buurt een cijfer" for
    eenpersoonshuishoudens, while the KWB of 2023 read beside it has them: it is 2024's
    KWB that lacks them, and the sentence says so."""
    t = tabel_met_marges()
    t["aandeel_eenpersoonshuishoudens"] = float("nan")
    tekst = " ".join(
        " ".join(parse(report.render_html(t, geometrie(), reg, meta(), None, None)).text).split()
    )
    assert "staat in de ingelezen gegevens van 2024 bij geen enkele buurt een cijfer" in tekst


def test_verantwoording_points_to_the_delivered_files_not_an_internal_one(html):
    """Real Duiven: "bestand indicatoren.parquet", a file in the build's working folder
    that the report's reader never receives; the delivered tables are Excel, CSV, GeoPackage."""
    tekst = " ".join(" ".join(parse(html).section_text["verantwoording"]).split())
    assert ".parquet" not in " ".join(parse(html).text)
    assert "indicatorbestanden die bij dit rapport horen (Excel, CSV en GeoPackage)" in tekst


def test_trend_caption_keeps_the_estimate_mark_for_estimates(html):
    tekst = " ".join(" ".join(parse(html).text).split())
    assert "Gearceerde staven zijn een prognose; ≈ staat bij elk geschat cijfer." in tekst
    assert "met ≈ zijn een prognose" not in tekst


def test_verantwoording_says_what_the_margins_were_tested_on(reg):
    """A reader asked how margins could be "tested on buurten whose age groups CBS does
    publish" when CBS publishes the same five groups everywhere. The text now says which
    groups were hidden and estimated, that 75+/85+ could not be tested, and states the
    rule the maps and rankings follow (a value inside another buurt's margin)."""
    html = report.render_html(tabel_met_marges(), geometrie(), reg, meta(), None, None)
    verantw = " ".join(" ".join(parse(html).section_text["verantwoording"]).split())
    assert "Elk geschat buurtcijfer heeft een marge" in verantw
    assert "de groepen 25-44 en 45-64 alsof ze ontbraken" in verantw
    assert "Voor 75- en 85-plussers telt het CBS per buurt niet" in verantw
    assert "marges overlappen" not in verantw
