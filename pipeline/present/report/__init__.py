"""The council report: one self-contained HTML file per gemeente and an A4 PDF of it.

:func:`render_html` is pure: published indicator table + buurt geometry + registry +
meta + report config in, HTML text out. Every number it prints is a cell of the
indicator table, formatted by :mod:`pipeline.present.fmt`; every label, unit, definition and
source comes from the registry; every generated sentence comes from
:mod:`pipeline.present.texts`. Figures are drawn by :mod:`pipeline.present.charts` (and
:mod:`pipeline.present.maps`) and embedded as ``data:`` URIs, the CSS is inlined, so the
HTML opens from disk without any external resource and without JavaScript.

:func:`html_to_pdf` turns the HTML into an A4 PDF with WeasyPrint (running header,
page numbers, table of contents with page numbers). WeasyPrint may only read
``data:`` and ``file:`` URLs, so a PDF build never touches the network.

The modules, one responsibility each:

- :mod:`~pipeline.present.report.instellingen`: the ``rapport`` settings, checked, with defaults;
- :mod:`~pipeline.present.report.rangorde`: the "Buurten in beeld" ranking (:func:`buurt_scores`);
- :mod:`~pipeline.present.report.tabellen`, :mod:`~pipeline.present.report.figuren`,
  :mod:`~pipeline.present.report.buurten_in_beeld`,
  :mod:`~pipeline.present.report.verantwoording`: the parts of the template context;
- :mod:`~pipeline.present.report.context`: the whole template context (:func:`build_context`);
- :mod:`~pipeline.present.report.sjablonen`: the template directory and the Jinja2 environment;
- :mod:`~pipeline.present.report.html_pdf`: HTML and PDF files.
- :mod:`~pipeline.present.report.pdf_versnelling`: slow spots of the PDF libraries, removed
  without changing the PDF.
"""

from pipeline.present.report.context import build_context
from pipeline.present.report.figuren import HOOFDSTUKKEN
from pipeline.present.report.html_pdf import houd_samen, html_to_pdf, render_html, write_html
from pipeline.present.report.instellingen import DEFAULT_RAPPORT, rapport_config
from pipeline.present.report.rangorde import buurt_scores, plaats_tekst, score_marge
from pipeline.present.report.sjablonen import (
    CSS,
    CSS_SESSIES,
    TEMPLATE,
    TEMPLATE_DIR,
    make_environment,
)
from pipeline.present.report.tabellen import dementie_vergelijking

__all__ = [
    "houd_samen",
    "CSS",
    "CSS_SESSIES",
    "DEFAULT_RAPPORT",
    "HOOFDSTUKKEN",
    "TEMPLATE",
    "TEMPLATE_DIR",
    "build_context",
    "buurt_scores",
    "score_marge",
    "dementie_vergelijking",
    "html_to_pdf",
    "make_environment",
    "plaats_tekst",
    "rapport_config",
    "render_html",
    "write_html",
]
