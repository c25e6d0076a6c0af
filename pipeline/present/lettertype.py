"""The one typeface of every product: Source Sans Pro from a pinned Python package.

Why a pinned package instead of system fonts: WeasyPrint and matplotlib ask fontconfig
for "a sans-serif", and what comes back depends on the machine (Liberation Sans, Arial,
DejaVu Sans or nothing). Glyph widths decide the line breaks, so the same data gave a
report with a different page count, and a wide fallback pushed a table off its page. The
PDF and the figures therefore load the font files by path from ``font-source-sans-pro``
(a dependency pinned in ``pyproject.toml``, SIL OFL 1.1) and embed them.

Source Sans Pro is narrower than Arial/Liberation Sans, so nothing that fitted before
overflows. The few glyphs it lacks (e.g. ``✗``) come from DejaVu Sans as shipped inside
matplotlib (also a pinned dependency), never from whatever the system offers.

The HTML report keeps its own font list: it is read on screen, offline, and must not
reference local files. Only the print step (:func:`pdf_font_css`) overrides it.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import WijkscanError

log = logging.getLogger(__name__)

__all__ = [
    "FAMILIE",
    "MPL_FAMILIES",
    "PDF_FAMILIE",
    "font_files",
    "pdf_font_css",
    "pdf_render_kwargs",
    "register_fonts",
]

#: Family name as stored in the font files (what matplotlib and pdffonts report).
FAMILIE = "Source Sans Pro"
#: CSS family name of the print stylesheet. Deliberately not "Source Sans Pro": a system
#: copy of that name (another version, other widths) could then be chosen by fontconfig.
PDF_FAMILIE = "Wijkscan Source Sans"
_PDF_RESERVE = "Wijkscan DejaVu Sans"
#: Font family list for matplotlib rcParams: per-glyph fallback to matplotlib's own DejaVu.
MPL_FAMILIES = [FAMILIE, "DejaVu Sans"]

_PAKKET = "font_source_sans_pro"
# (css font-weight, css font-style) -> file in the package.
_BESTANDEN: dict[tuple[str, str], str] = {
    ("normal", "normal"): "SourceSansPro-Regular.ttf",
    ("bold", "normal"): "SourceSansPro-Bold.ttf",
    ("normal", "italic"): "SourceSansPro-It.ttf",
    ("bold", "italic"): "SourceSansPro-BoldIt.ttf",
}
_RESERVE: dict[tuple[str, str], str] = {
    ("normal", "normal"): "DejaVuSans.ttf",
    ("bold", "normal"): "DejaVuSans-Bold.ttf",
    ("normal", "italic"): "DejaVuSans-Oblique.ttf",
    ("bold", "italic"): "DejaVuSans-BoldOblique.ttf",
}


def _fout(detail: str) -> WijkscanError:
    return WijkscanError(
        f"Het lettertype van de rapporten (Source Sans Pro) ontbreekt: {detail}.",
        waar=f"Python-pakket '{_PAKKET.replace('_', '-')}'",
        oplossing="Installeer de afhankelijkheden opnieuw: '.venv/bin/pip install -e .' "
        "(of 'make install').",
    )


@functools.cache
def font_files() -> dict[tuple[str, str], Path]:
    """Paths of the four report font files (TrueType, so PDFs can embed them as Type 42).

    Returns
    -------
    dict
        ``(weight, style) -> Path`` for ``normal``/``bold`` x ``normal``/``italic``.

    Raises
    ------
    WijkscanError
        When the font package is not installed or a file is missing.
    """
    try:
        root = resources.files(_PAKKET) / "files"
    except ModuleNotFoundError as exc:
        raise _fout("het pakket is niet geïnstalleerd") from exc
    out = {key: Path(str(root / name)) for key, name in _BESTANDEN.items()}
    missing = [p.name for p in out.values() if not p.is_file()]
    if missing:
        raise _fout(f"bestand(en) {', '.join(missing)} niet gevonden in {root}")
    return out


def _reserve_files() -> dict[tuple[str, str], Path]:
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {key: ttf / name for key, name in _RESERVE.items()}


@functools.cache
def _register() -> tuple[str, ...]:
    from matplotlib import font_manager

    try:
        files = font_files()
    except WijkscanError as exc:
        # Figures still draw (in matplotlib's own DejaVu Sans), but the user is told; the
        # PDF report itself refuses to print without the pinned font (pdf_font_css).
        log.warning("%s", exc)
        return ("DejaVu Sans",)
    for path in files.values():
        font_manager.fontManager.addfont(str(path))
    return tuple(MPL_FAMILIES)


def register_fonts() -> list[str]:
    """Make the report font known to matplotlib (idempotent, cheap after the first call).

    matplotlib only finds fonts in its own folder and the system's; the pinned package
    lives in site-packages, so its files are added to the font manager explicitly.

    Returns
    -------
    list of str
        The family list for ``rcParams['font.family']``: :data:`MPL_FAMILIES`, or only
        ``'DejaVu Sans'`` (with a warning in the log) when the font package is missing.
    """
    return list(_register())


def pdf_font_css() -> str:
    """Print stylesheet that embeds the pinned font in the PDF (``@font-face`` by path).

    ``!important`` in this user stylesheet wins over the font lists of ``rapport.css``,
    so the report's own CSS (and the HTML read on screen) stays unchanged.

    Returns
    -------
    str
        CSS text: four ``@font-face`` rules for Source Sans Pro, four for the DejaVu
        reserve, and the rule that sets the family on every element and page margin box.
    """
    rules = []
    for fam, files in ((PDF_FAMILIE, font_files()), (_PDF_RESERVE, _reserve_files())):
        for (weight, style), path in files.items():
            rules.append(
                f'@font-face {{ font-family: "{fam}"; src: url("{path.as_uri()}"); '
                f"font-weight: {weight}; font-style: {style}; }}"
            )
    # No generic 'sans-serif' at the end: that is exactly the system lookup we avoid.
    family = f'font-family: "{PDF_FAMILIE}", "{_PDF_RESERVE}" !important;'
    rules += [f"html, body, body * {{ {family} }}", f"@page {{ {family} }}"]
    return "\n".join(rules)


def pdf_render_kwargs(url_fetcher: Any = None) -> dict[str, Any]:
    """Keyword arguments for WeasyPrint's ``Document.render`` that apply the pinned font.

    ``@font-face`` rules only reach the layout through the ``FontConfiguration`` that the
    stylesheet was parsed with, so both travel together.

    Parameters
    ----------
    url_fetcher
        The document's URL fetcher (it must allow ``file:`` URLs), or None for WeasyPrint's
        default.

    Returns
    -------
    dict
        ``{'stylesheets': [CSS], 'font_config': FontConfiguration}``.
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    kw: dict[str, Any] = {"string": pdf_font_css(), "font_config": font_config}
    if url_fetcher is not None:
        kw["url_fetcher"] = url_fetcher
    return {"stylesheets": [weasyprint.CSS(**kw)], "font_config": font_config}
