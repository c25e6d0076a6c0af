"""The report as files: HTML rendered with Jinja2, and an A4 PDF of it (WeasyPrint).

:func:`render_html` is pure and self-contained: figures are ``data:`` URIs and the CSS is
inlined, so the HTML opens from disk without any external resource and without
JavaScript. :func:`html_to_pdf` turns the HTML into an A4 PDF (running header, page
numbers, table of contents with page numbers); WeasyPrint may only read ``data:`` and
``file:`` URLs, so a PDF build never touches the network.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.io import atomic_path, write_text
from pipeline.model.registry import Indicator
from pipeline.present import lettertype
from pipeline.present.report import pdf_versnelling
from pipeline.present.report.context import build_context
from pipeline.present.report.sjablonen import TEMPLATE, TEMPLATE_DIR, shared_environment

log = logging.getLogger("wijkscan")


def render_html(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    rapport_cfg: dict[str, Any] | None,
    refs: pd.DataFrame | None = None,
    *,
    template_dir: Path = TEMPLATE_DIR,
    sessies: dict[str, Any] | None = None,
    volgende_ronde: Sequence[str] = (),
) -> str:
    """Render the council report of one gemeente as self-contained HTML (pure).

    Parameters
    ----------
    indicatoren
        Published indicator table (long by year) of one gemeente.
    buurten
        GeoDataFrame ``code, naam, geometry`` (EPSG:28992).
    registry
        Indicator registry (:func:`pipeline.model.registry.build_registry`).
    meta
        ``bronnen.json`` content (gemeentenaam, fictief, bronnen, waarschuwingen, ...).
    rapport_cfg
        ``rapport`` config (``weging``, ``vragen``) plus optionally ``min_inwoners``
        and ``afronding``; missing keys get :data:`DEFAULT_RAPPORT`.
    refs
        Optional region/NL rows (``niveau`` 'regio'/'nederland', indicator columns,
        optionally ``naam`` and ``jaar``); ``None`` prints "n.b.".
    template_dir
        Directory with the templates and ``rapport.css``.
    sessies
        Validated session input (:func:`pipeline.ingest.sessie_lezen.lees_sessies`): a second
        edition, "na de sessies van ...", with the chapter "Data en lokale kennis" filled
        per buurt, a map of proposals and initiatives, and "Cijfers en tafels naast
        elkaar". None (default): the first edition, unchanged.
    volgende_ronde
        Questions for the next round (second edition only).

    Returns
    -------
    str
        The HTML document.
    """
    ctx = build_context(
        indicatoren, buurten, registry, meta, rapport_cfg, refs, template_dir=template_dir,
        sessies=sessies, volgende_ronde=volgende_ronde,
    )  # fmt: skip
    env = shared_environment(Path(template_dir).resolve())
    return houd_samen(env.get_template(TEMPLATE).render(**ctx))


#: Age-group words with a hyphen after a number ("85-plussers", "0-14-jarigen").
_LEEFTIJDSWOORD = re.compile(r"(?<![\w-])\d+(?:-\d+)?-(?:plussers?|jarigen|jarige)\b")
#: Text between tags (not inside one: attributes such as alt texts stay plain).
_TEKST = re.compile(r">([^<]+)<")


def houd_samen(html: str) -> str:
    """Keep age-group words on one line in the rendered HTML.

    A line may break after a hyphen, so "naar schatting 2.180 85-" ended a line and
    "plussers" began the next: a number and a dangling "85-" read as a range. Each such
    word is wrapped in ``<span class="heel">`` (``white-space: nowrap`` in the CSS). Only
    text between tags is touched; the words are plain text, so nothing needs escaping.

    Parameters
    ----------
    html
        The rendered report.

    Returns
    -------
    str
        The same document with those words wrapped.
    """

    def wrap(text: re.Match[str]) -> str:
        inner = _LEEFTIJDSWOORD.sub(r'<span class="heel">\g<0></span>', text.group(1))
        return f">{inner}<"

    return _TEKST.sub(wrap, html)


def write_html(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    rapport_cfg: dict[str, Any] | None,
    refs: pd.DataFrame | None = None,
    *,
    path: Path,
    template_dir: Path = TEMPLATE_DIR,
    sessies: dict[str, Any] | None = None,
    volgende_ronde: Sequence[str] = (),
) -> None:
    """Render the report (:func:`render_html`) and write it atomically to ``path``."""
    html = render_html(
        indicatoren, buurten, registry, meta, rapport_cfg, refs, template_dir=template_dir,
        sessies=sessies, volgende_ronde=volgende_ronde,
    )  # fmt: skip
    write_text(html, path)


def html_to_pdf(html_path: Path, pdf_path: Path) -> int:
    """Print the HTML report to an A4 PDF with WeasyPrint, atomically.

    Only ``data:`` and ``file:`` URLs may be fetched, so the PDF build is offline.

    Parameters
    ----------
    html_path
        The HTML written by :func:`write_html`.
    pdf_path
        Destination PDF.

    Returns
    -------
    int
        Number of pages.
    """
    import weasyprint

    # Library fixes that leave the PDF's pixels as they are (see pdf_versnelling).
    pdf_versnelling.install()
    html_path = Path(html_path)
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data", "file"})
    with pdf_versnelling.paused_gc():
        doc = weasyprint.HTML(
            filename=str(html_path), base_url=str(html_path.parent), url_fetcher=fetcher
        )
        # The pinned report font, embedded: the page count does not depend on system fonts.
        fonts = lettertype.pdf_render_kwargs(fetcher)
        with atomic_path(pdf_path) as tmp:
            try:
                # Tagged PDF (PDF/UA-1): headings, tables and alt texts reach screen readers.
                # The variant also sets layout options, so render() needs it too.
                rendered = doc.render(pdf_variant="pdf/ua-1", **fonts)
                rendered.write_pdf(str(tmp), pdf_variant="pdf/ua-1")
            except Exception:  # pragma: no cover - older WeasyPrint without this variant
                log.warning("PDF/UA niet gelukt; gewone PDF gemaakt", exc_info=True)
                rendered = doc.render(**fonts)
                rendered.write_pdf(str(tmp))
    return len(rendered.pages)
