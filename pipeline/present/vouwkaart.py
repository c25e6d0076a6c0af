"""Vouwkaarten: large fold-out maps for workshops with wonen/welzijn/zorg partners.

Three products, all vector PDF with embedded TrueType fonts and pure black text:

* **A1** landscape (841 x 594 mm), folding to 8 panels of 210 x 297 mm (4 columns x 2
  rows). Folding: the bottom half goes backwards (printed side out), then the four
  columns are folded as a harmonica starting from the right, so the top-right panel is
  the cover. Panel layout (column, row; row 0 = top)::

      +-----------+-----------+-------------+------------+
      |  main map (2 x 2 panels)            | vergrijzing| cover      |
      |  title, names, wijk boundaries,     | + dementie |            |
      |  north arrow, scale bar             +------------+------------+
      |  legend (col 0) | key + sources (1) | mantelzorg | werkruimte |
      |                 |                   | + eenzaam  | (vragen)   |
      +-----------+-----------+-------------+------------+

  Every text stays at least :data:`~pipeline.present.vouwblad.FOLD_SAFE_MM` from a fold
  line; the map labels are placed with the fold strips as obstacles.
* **A3** landscape (420 x 297 mm): the main map with title, legend and source line.
* **A4** portrait, one page per indicator of the registry that has values.

Nothing here is specific to one gemeente: names, years, indicators and questions come
from the data, the registry, ``bronnen.json`` (``meta``) and the vouwkaart config.

Estimated indicators are classed with their 90 % intervals (overlapping buurten share a
class, :mod:`pipeline.present.klassen`); an indicator without buurt signal
(``meta["buurtsignaal"]``) is drawn in one neutral grey with a note instead of classes,
also when it is the hoofdindicator.

The sheet and its folds live in :mod:`pipeline.present.vouwblad`, the fitted texts in
:mod:`pipeline.present.vouwtekst`, the data of a sheet in :mod:`pipeline.present.vouwgegevens`
and the blocks (maps, legend, cover, colophon, workspace) in
:mod:`pipeline.present.vouwpanelen`; this module lays them out per format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from pipeline.io import atomic_path
from pipeline.model.registry import Indicator
from pipeline.present import fmt, kaartlegenda, maps, sessie_kaart, texts
from pipeline.present.kaartbasis import BLACK
from pipeline.present.texts import fictief_tekst
from pipeline.present.vouwblad import Sheet, _fold_and_crop_marks, _sheet
from pipeline.present.vouwgegevens import _Data, _has_values, _prepare, main_indicators
from pipeline.present.vouwpanelen import (
    _colophon,
    _cover,
    _legend,
    _main_map,
    _small_multiple,
    _uit_de_sessies,
    _workspace,
)
from pipeline.present.vouwtekst import (
    _banner,
    _bottom_mm,
    _bottom_of,
    _fit_key,
    _fit_text,
    _move_down,
    _paragraph,
    _ruled,
)

__all__ = ["build_figure", "build_pages", "render_vouwkaart"]

# Small multiples on the A1: (indicator candidates in order of preference, compare with
# the last horizon year on shared breaks?). The first candidate with values is used.
_SMALL_MULTIPLES: list[tuple[tuple[str, ...], bool]] = [
    (("aandeel_75plus", "aandeel_85plus"), True),
    (("dementie_per_100_65plus",), False),
    (("mantelzorgpotentieel",), True),
    (("eenzaam_pct",), False),
]


def _aspect(gdf: Any) -> float:
    """Width / height of the data extent."""
    x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
    return (x1 - x0) / max(y1 - y0, 1.0)


def _label_size(n: int, big: float, small: float, per: float) -> float:
    """Label size that shrinks with the number of buurten (more buurten, less room)."""
    return float(min(big, max(small, big + 2 - per * n)))


def _a1(d: _Data, sheet: Sheet) -> Figure:
    fig = sheet.figure()
    pw, ph = sheet.width / 4, sheet.height / 2  # panel 210.25 x 297
    m = 12.0  # margin from sheet edges and folds: well over FOLD_SAFE_MM
    ind = d.registry[d.cfg["hoofdindicator"]]

    # --- main map block: columns 0-1, both rows ---
    t = _fit_text(fig, sheet, m, m, f"{ind.label} in {d.jaar}", size=36, max_w=pw - 2 * m,
                  min_size=24, max_lines=2, fontweight="bold")  # fmt: skip
    t2 = _fit_text(fig, sheet, m, _bottom_mm(fig, sheet, t) + 3,
                   f"Wijkscan {d.gemeente} — buurten en wijken", size=16, max_w=pw - 2 * m,
                   min_size=12)  # fmt: skip
    if d.editie:
        t2 = _fit_text(fig, sheet, m, _bottom_mm(fig, sheet, t2) + 2, d.editie, size=16,
                       max_w=pw - 2 * m, min_size=12, fontweight="bold")  # fmt: skip
    top = _bottom_mm(fig, sheet, t2) + 4
    if d.fictief:
        _banner(fig, sheet, pw + m, m, pw - 2 * m, 22, fictief_tekst(d.meta))
    # Map height from the gemeente's shape; the rest of the block is the info band, which
    # always starts below the horizontal fold so that no legend text sits on it.
    aspect = _aspect(d.buurten)
    map_w = 2 * pw - 2 * 6.0
    # A second edition needs room under the map for what the tables said.
    band_min = 180.0 if d.sessies else 125.0
    map_h = min(sheet.height - top - band_min - 6, map_w / aspect * 1.04)
    if top + map_h < ph + 20:
        # Keep a short map (and its scale bar) entirely above the horizontal fold.
        map_h = ph - 8 - top
    size = _label_size(len(d.buurten), 15, 10, 0.08)
    res = _main_map(fig, sheet, d, "A1", (6.0, top, map_w, map_h), label_size=size,
                    number_size=size - 1, line_scale=2.2)  # fmt: skip
    band_y = max(top + map_h + 8, ph + m)
    bottom = sheet.height - m

    # Column 0 of the band: legend, reading aid, notes.
    cw = pw - 2 * m
    lax = fig.add_axes(sheet.rect(m, band_y, cw, bottom - band_y))
    yy = _bottom_of(sheet, _legend(lax, res, ind, size=16)) + 6
    note = "Dikke lijnen zijn wijkgrenzen."
    if res.key:
        note += " Buurten met een nummer staan in de lijst rechts."
    if kaartlegenda.soort_marker(ind):
        note += f" De cijfers zijn {kaartlegenda.soort_marker(ind)}; zie de bronnen rechtsonder."
    if res.classification.marges:
        note += f" {texts.marges_noot(ind, res.classification)}"
    if res.neutraal:
        note = f"{d.zonder_tekst(d.cfg['hoofdindicator'])} {note}"
    t = _paragraph(fig, sheet, m, yy, note, size=12, max_w=cw)
    yy = _bottom_mm(fig, sheet, t) + 8
    _ruled(fig, sheet, m, yy, cw, bottom - yy, "Aantekeningen bij de kaart", size=16)

    # Column 1 of the band: numbered key, notes, and the sources at the bottom.
    col_x = pw + m
    bron_h = 36.0
    yy = _fit_key(fig, sheet, col_x, band_y, cw, bottom - bron_h - 4 - band_y, res.key,
                  size=size, min_size=7, title="Genummerde buurten")  # fmt: skip
    yy = yy + 8 if res.key else band_y
    if d.sessies:
        # Second edition: what the tables said (with its legend) first, writing lines after it.
        yy = _uit_de_sessies(fig, sheet, d, col_x, yy, cw, bottom - bron_h - 6, size=11) + 8
    _ruled(fig, sheet, col_x, yy, cw, bottom - bron_h - 6 - yy, "Wat valt op?", size=16)
    # The key explains the markers of the maps drawn, not of a panel that says "not loaded".
    used = [
        d.registry[k]
        for keys, _ in _SMALL_MULTIPLES
        for k in keys
        if k in d.registry and _has_values(d.indicatoren, k, d.jaar)
    ]
    _colophon(fig, sheet, d, col_x, bottom - bron_h, cw, 8, [ind, *used])

    # --- column 2: small multiples, two themes per panel ---
    cx = 2 * pw + m
    for i, (keys, compare) in enumerate(_SMALL_MULTIPLES):
        row, half = divmod(i, 2)
        bh = (ph - 2 * m - 10) / 2
        by = row * ph + m + half * (bh + 10)
        _small_multiple(fig, sheet, d, cx, by, cw, bh, keys, compare)

    # --- column 3: cover (top) and workspace (bottom) ---
    _cover(fig, sheet, d, 3 * pw, 0.0, pw, ph)
    vragen = d.cfg["vragen_volgende_ronde"] if d.sessies else d.cfg["vragen"]
    _workspace(fig, sheet, vragen, 3 * pw + m, ph + m, cw, ph - 2 * m)
    _fold_and_crop_marks(fig, sheet, "A1")
    return fig


def _a3(d: _Data, sheet: Sheet) -> Figure:
    fig = sheet.figure()
    m = 10.0
    side = 118.0
    ind = d.registry[d.cfg["hoofdindicator"]]
    mw, avail = sheet.width - side - 2 * m, sheet.height - 2 * m
    # Fit the axes to the gemeente's shape so north arrow and scale bar sit next to it.
    mh = min(avail, mw / _aspect(d.buurten) * 1.04)
    map_box = (m, m + (avail - mh) / 2, mw, mh)
    res = _main_map(fig, sheet, d, "A3", map_box, label_size=7.5, number_size=7, line_scale=1.3)
    sx, sw = sheet.width - side - m + 4, side - 4
    t = _fit_text(fig, sheet, sx, m, f"{ind.label} in {d.jaar}", size=20, max_w=sw,
                  min_size=12, max_lines=2, fontweight="bold")  # fmt: skip
    t = _fit_text(fig, sheet, sx, _bottom_mm(fig, sheet, t) + 2, f"Wijkscan {d.gemeente}",
                  size=12, max_w=sw, min_size=9)  # fmt: skip
    if d.editie:
        t = _fit_text(fig, sheet, sx, _bottom_mm(fig, sheet, t) + 1.5, d.editie, size=10,
                      max_w=sw, min_size=7, max_lines=2, fontweight="bold")  # fmt: skip
    yy = _bottom_mm(fig, sheet, t) + 4
    if d.fictief:
        yy = _banner(fig, sheet, sx, yy, sw, 12, fictief_tekst(d.meta)) + 4
    lax = fig.add_axes(sheet.rect(sx, yy, sw, 62))
    extra = sessie_kaart.legend_handles(d.sessies, 7) if d.sessies else []
    leg_bottom = _bottom_of(sheet, _legend(lax, res, ind, size=9, extra=extra))
    note = d.zonder_tekst(d.cfg["hoofdindicator"]) or texts.marges_noot(ind, res.classification)
    if note:
        t = _paragraph(fig, sheet, sx, leg_bottom + 4, note, size=8, max_w=sw)
        yy = max(yy + 66, _bottom_mm(fig, sheet, t) + 4)
    else:
        yy += 66
    bron_h = 40.0
    _fit_key(fig, sheet, sx, yy, sw, sheet.height - m - bron_h - yy - 3, res.key, size=7.5,
             min_size=5.5, title="Genummerde buurten")  # fmt: skip
    _colophon(fig, sheet, d, sx, sheet.height - m - bron_h, sw, 6.5, [ind])
    _fold_and_crop_marks(fig, sheet, "A3")
    return fig


def _a4(d: _Data, sheet: Sheet, key: str, page: int, pages: int) -> Figure:
    fig = sheet.figure()
    m = 12.0
    ind = d.registry[key]
    vals, status = d.values(key)
    t = _fit_text(fig, sheet, m, m, ind.label, size=20, max_w=sheet.width - 2 * m, min_size=13,
                  max_lines=2, fontweight="bold")  # fmt: skip
    sub = f"Wijkscan {d.gemeente} — {d.jaar}"
    if kaartlegenda.soort_marker(ind):
        sub += f" — {kaartlegenda.soort_marker(ind)}"
    if d.editie:
        sub += f" — {d.editie}"
    t = _fit_text(fig, sheet, m, _bottom_mm(fig, sheet, t) + 2, sub, size=11,
                  max_w=sheet.width - 2 * m, min_size=8)  # fmt: skip
    yy = _bottom_mm(fig, sheet, t) + 3
    if d.fictief:
        yy = _banner(fig, sheet, m, yy, sheet.width - 2 * m, 11, fictief_tekst(d.meta)) + 3
    map_h = min(150.0, (sheet.width - 2 * m) / _aspect(d.buurten) * 1.04)
    ax = fig.add_axes(sheet.rect(m, yy, sheet.width - 2 * m, map_h))
    cls = d.classify(key, vals)
    avoid: list[Bbox] = []
    if d.sessies:
        maps.setup_map_axes(ax, d.buurten, pad=0.02)
        avoid = sessie_kaart.marker_boxes(ax, d.buurten, d.sessies, 6)
    res = maps.draw_choropleth(ax, d.buurten, vals, ind, classification=cls, status=status,
                               wijken=d.wijken, labels="names", label_size=5.5, number_size=5.5,
                               legend=False, pad=0.02, neutraal=d.neutraal(key), avoid=avoid,
                               scalebar={"fontsize": 6}, north={"fontsize": 8})  # fmt: skip
    extra = []
    if d.sessies:
        sessie_kaart.overlay(ax, d.buurten, d.sessies, line_width=1.2, size=6)
        extra = sessie_kaart.legend_handles(d.sessies, 6)
    yy += map_h + 4
    half = (sheet.width - 2 * m) / 2
    lax = fig.add_axes(sheet.rect(m, yy, half - 4, 50))
    _legend(lax, res, ind, size=8, extra=extra)
    # The text block goes under legend and key; measured first, so that the key may use
    # whatever height is left above it instead of shrinking to an unreadable size.
    note = d.zonder_tekst(key) or texts.marges_noot(ind, res.classification)
    block = [(note, "bold" if res.neutraal else "normal")] if note else []
    block += [(f"Definitie: {ind.definitie}", "normal"),
              (f"Bron: {ind.bron_van(d.jaar, d.jaar)}", "normal")]  # fmt: skip
    top = yy + 54
    paragraphs = []
    for tekst, weight in block:
        t = _paragraph(fig, sheet, m, top, tekst, size=8, max_w=sheet.width - 2 * m,
                       fontweight=weight)  # fmt: skip
        paragraphs.append(t)
        top = _bottom_mm(fig, sheet, t) + 1.5
    colophon_y = sheet.height - m - 16
    room = max(50.0, colophon_y - 4 - (top - yy - 54) - 4 - yy)
    key_bottom = _fit_key(fig, sheet, m + half, yy, half, room, res.key, size=7, min_size=4.5,
                          title="Genummerde buurten")  # fmt: skip
    _move_down(fig, sheet, paragraphs, max(0.0, key_bottom + 4 - (yy + 54)))
    _colophon(fig, sheet, d, m, colophon_y, sheet.width - 2 * m - 18, 6, [ind])
    fig.text(sheet.fx(sheet.width - m), sheet.fy(sheet.height - m), f"{page}/{pages}",
             ha="right", va="bottom", fontsize=8, color=BLACK)  # fmt: skip
    _fold_and_crop_marks(fig, sheet, "A4")
    return fig


def build_pages(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    cfg: dict[str, Any] | None,
    formaat: str,
    sessies: dict[str, Any] | None = None,
) -> list[Figure]:
    """All pages of one format (one for A1 and A3, one per indicator for A4).

    Parameters
    ----------
    indicatoren, buurten, registry, meta, cfg, formaat, sessies
        As in :func:`render_vouwkaart`.

    Returns
    -------
    list of matplotlib.figure.Figure
    """
    d = _prepare(indicatoren, buurten, registry, meta, cfg, sessies)
    sheet = _sheet(formaat, d.cfg)
    if d.cfg["hoofdindicator"] not in registry:
        raise KeyError(f"hoofdindicator {d.cfg['hoofdindicator']!r} staat niet in het register")
    with mpl.rc_context(maps.PRINT_RC):
        if formaat == "A1":
            return [_a1(d, sheet)]
        if formaat == "A3":
            return [_a3(d, sheet)]
        keys = main_indicators(indicatoren, registry)
        return [_a4(d, sheet, k, i, len(keys)) for i, k in enumerate(keys, start=1)]


def build_figure(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    cfg: dict[str, Any] | None,
    formaat: str,
    indicator: str | None = None,
    sessies: dict[str, Any] | None = None,
) -> Figure:
    """Build one page as a Figure, without writing anything (pure).

    Parameters
    ----------
    indicatoren, buurten, registry, meta, cfg, formaat
        As in :func:`render_vouwkaart`.
    indicator
        A4 only: the indicator of the page (default: the configured hoofdindicator).
    sessies
        Session input (second edition), as in :func:`render_vouwkaart`.

    Returns
    -------
    matplotlib.figure.Figure
        Exactly the paper size (plus bleed when ``afloopmarge``).
    """
    if formaat != "A4":
        return build_pages(indicatoren, buurten, registry, meta, cfg, formaat, sessies)[0]
    d = _prepare(indicatoren, buurten, registry, meta, cfg, sessies)
    key = indicator or d.cfg["hoofdindicator"]
    keys = main_indicators(indicatoren, registry)
    page = keys.index(key) + 1 if key in keys else 1
    with mpl.rc_context(maps.PRINT_RC):
        return _a4(d, _sheet("A4", d.cfg), key, page, len(keys))


def render_vouwkaart(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    cfg: dict[str, Any] | None,
    formaat: str,
    out_pdf: Path,
    sessies: dict[str, Any] | None = None,
) -> None:
    """Render one vouwkaart format to a vector PDF, atomically.

    Parameters
    ----------
    indicatoren
        Published indicator table (long by year).
    buurten
        GeoDataFrame ``code, naam, geometry`` (EPSG:28992).
    registry
        Indicator registry (every label comes from here).
    meta
        ``bronnen.json`` contents (gemeentenaam, jaar, horizon, fictief, bronnen, ...).
    cfg
        Validated ``vouwkaart`` config section (missing keys take
        :data:`~pipeline.present.vouwgegevens.DEFAULT_CFG`).
    formaat
        ``'A1'``, ``'A3'`` or ``'A4'``.
    out_pdf
        Destination; written via a temporary file and ``os.replace``.
    sessies
        Validated session input (:func:`pipeline.ingest.sessie_lezen.lees_sessies`): the second
        edition outlines the proposed proefbuurten, marks initiatives with symbols and asks
        the questions of the next round (``vragen_volgende_ronde``). None: first edition.
    """
    pages = build_pages(indicatoren, buurten, registry, meta, cfg, formaat, sessies)
    gm = meta.get("gemeentenaam", "")
    editie = fmt.editie_tekst(sessies)
    info = {
        "Title": f"Wijkscan {gm} — vouwkaart {formaat}"
        + (f" — tweede editie, {editie}" if editie else ""),
        "Author": "wijkscan",
        "Subject": "Vouwkaart voor het gesprek over zorgzame buurten"
        + (f" ({texts.fictief_kop(meta)})" if meta.get("fictief") else ""),
        "Creator": f"wijkscan {meta.get('versie', '')}".strip(),
    }
    with atomic_path(out_pdf) as tmp, mpl.rc_context(maps.PRINT_RC):
        with PdfPages(tmp, metadata=info) as pdf:
            for fig in pages:
                # No bbox_inches="tight": the page must keep the exact paper size.
                pdf.savefig(fig)
