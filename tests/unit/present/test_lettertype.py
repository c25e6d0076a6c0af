"""Tests of pipeline.present.lettertype: the pinned report font, embedded, independent of the system."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pipeline.present import lettertype

ROOT = Path(__file__).resolve().parents[3]
PDFFONTS = shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(PDFFONTS is None, reason="pdffonts (poppler-utils) ontbreekt")

# Renders an HTML file to PDF the way the report does, with the pinned font, and prints the
# page count; run in a child process so that its fontconfig environment can differ.
_RENDER = textwrap.dedent(
    """
    import sys, warnings
    sys.path.insert(0, {root!r})
    import weasyprint
    from pipeline.present import lettertype
    warnings.simplefilter("ignore")  # "No fonts configured in FontConfig": that is the point
    fetcher = weasyprint.URLFetcher(allowed_protocols={{"data", "file"}})
    doc = weasyprint.HTML(filename=sys.argv[1], url_fetcher=fetcher)
    kw = lettertype.pdf_render_kwargs(fetcher) if sys.argv[3] == "vast" else {{}}
    rendered = doc.render(**kw)
    rendered.write_pdf(sys.argv[2])
    print(len(rendered.pages))
    """
)


def _pdffonts(pdf: Path) -> list[dict[str, str]]:
    out = subprocess.run([PDFFONTS, str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object-id: the flags are the 5th-3rd last.
        rows.append({"name": parts[0], "emb": parts[-5], "type": " ".join(parts[1:-6])})
    return rows


def _empty_fontconfig(tmp: Path) -> dict[str, str]:
    """Environment in which fontconfig sees no system font at all."""
    conf = tmp / "leeg.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><cachedir>{tmp / 'fc-cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def _render(html: Path, pdf: Path, env: dict[str, str], mode: str = "vast") -> int:
    code = _RENDER.format(root=str(ROOT))
    res = subprocess.run([sys.executable, "-c", code, str(html), str(pdf), mode],
                         capture_output=True, text=True, env=env, check=True)  # fmt: skip
    return int(res.stdout.strip().splitlines()[-1])


def test_font_files_are_source_sans_truetype_in_four_styles():
    files = lettertype.font_files()
    assert set(files) == {("normal", "normal"), ("bold", "normal"), ("normal", "italic"),
                          ("bold", "italic")}  # fmt: skip
    styles = set()
    for path in files.values():
        font = TTFont(path)
        assert "glyf" in font  # TrueType outlines: embeddable as Type 42 / FontFile2
        assert font["name"].getDebugName(1) == lettertype.FAMILIE
        styles.add(font["name"].getDebugName(2))
        # The report's special characters are in the font itself, no fallback needed.
        cmap = font.getBestCmap()
        assert all(ord(c) in cmap for c in "≈–€ëé²≥")
    assert styles == {"Regular", "Bold", "Italic", "Bold Italic"}


def test_pdf_css_points_at_the_package_files_and_overrides_the_report_css():
    css = lettertype.pdf_font_css()
    for path in lettertype.font_files().values():
        assert f'url("{path.as_uri()}")' in css
    assert css.count("@font-face") == 8  # four styles, plus the DejaVu reserve
    assert f'font-family: "{lettertype.PDF_FAMILIE}"' in css and "!important" in css
    assert "sans-serif" not in css  # no generic family: that is the system lookup


@needs_poppler
def test_pdf_embeds_the_pinned_family_only(tmp_path):
    html = tmp_path / "t.html"
    html.write_text(
        "<html><head><style>body { font-family: 'Liberation Sans', Arial, sans-serif }"
        "</style></head><body><h1>Wijkscan Duiven</h1><p>Gewoon, <b>vet</b>, <i>cursief</i>"
        " en <b><i>beide</i></b>: ≈ 5.460 € 12,5%.</p></body></html>",
        encoding="utf-8",
    )
    pdf = tmp_path / "t.pdf"
    assert _render(html, pdf, dict(os.environ)) == 1
    fonts = _pdffonts(pdf)
    assert len(fonts) == 4, fonts  # the four styles, nothing from the system
    assert all(f["emb"] == "yes" for f in fonts)
    assert all("Wijkscan-Source-Sans" in f["name"] for f in fonts), fonts
    assert all("TrueType" in f["type"] for f in fonts)


@needs_poppler
def test_report_page_count_does_not_depend_on_system_fonts(tmp_path):
    from pipeline.present import report
    from tests.unit.present.test_report import geometrie, meta
    from tests.unit.present.test_texts import refs_tabel, registry, voorbeeld_tabel

    html = tmp_path / "rapport.html"
    report.write_html(voorbeeld_tabel(), geometrie(), registry(), meta(), None, refs_tabel(),
                      path=html)  # fmt: skip
    met = _render(html, tmp_path / "met.pdf", dict(os.environ))
    zonder = _render(html, tmp_path / "zonder.pdf", _empty_fontconfig(tmp_path))
    assert met > 5
    assert met == zonder
    # Not only the count: every line breaks the same way.
    text = [subprocess.run(["pdftotext", "-layout", str(tmp_path / f"{n}.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in ("met", "zonder")]  # fmt: skip
    assert text[0] == text[1]
    assert all("Wijkscan-Source-Sans" in f["name"] for f in _pdffonts(tmp_path / "zonder.pdf"))


def test_matplotlib_draws_and_embeds_the_same_family(tmp_path):
    import matplotlib as mpl
    from matplotlib import font_manager

    families = lettertype.register_fonts()
    assert families[0] == lettertype.FAMILIE
    found = font_manager.findfont(font_manager.FontProperties(family=families[0]),
                                  fallback_to_default=False)  # fmt: skip
    assert Path(found) == lettertype.font_files()[("normal", "normal")]
    with mpl.rc_context({"font.family": families, "pdf.fonttype": 42}):
        fig = Figure(figsize=(3, 1))
        FigureCanvasAgg(fig)
        fig.text(0.1, 0.5, "Keizerslanden ≈ 12,5 %", fontweight="bold")
        fig.savefig(tmp_path / "f.pdf")
    if PDFFONTS:
        names = [f["name"] for f in _pdffonts(tmp_path / "f.pdf")]
        assert names and all("SourceSansPro" in n for n in names), names


def test_charts_and_maps_use_the_pinned_family():
    from pipeline.present import figuur, maps

    assert maps.PRINT_RC["font.family"][0] == lettertype.FAMILIE
    assert figuur.RC["font.family"][0] == lettertype.FAMILIE
