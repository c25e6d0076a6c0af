"""Text on a vouwkaart sheet in millimetres: measured and fitted titles, wrapped
paragraphs, the FICTIEF banner, writing lines and the numbered key.

Split off from :mod:`pipeline.present.vouwkaart`. Texts are measured rather than
guessed, so that a long gemeente name or indicator label never runs over a fold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from pipeline.present import kaartlegenda
from pipeline.present.grafiektekst import regels
from pipeline.present.kaartbasis import BLACK, _renderer
from pipeline.present.vouwblad import Sheet

_GRID = "#9b9b9b"  # writing lines and fold/crop marks that must not dominate


def _fit_text(
    fig: Figure,
    sheet: Sheet,
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    max_w: float,
    min_size: float | None = None,
    max_lines: int = 3,
    ha: str = "left",
    va: str = "top",
    **kw: Any,
) -> Text:
    """Place text at (x, y) mm, shrinking and then wrapping it to fit ``max_w`` mm.

    Big titles must never run over a fold: rather than guessing widths per gemeente
    name or indicator label, the text is measured and fitted.
    """
    r = _renderer(fig)
    min_size = min_size or size
    limit = sheet.px(max_w)
    kw = {"color": BLACK, **kw}
    t = fig.text(sheet.fx(x), sheet.fy(y), text, fontsize=size, ha=ha, va=va, **kw)
    sizes = [size]
    while sizes[-1] > min_size:
        sizes.append(max(min_size, sizes[-1] - 1))
    # Prefer one line at a smaller size (down to min_size) over wrapping...
    for s in sizes:
        t.set_fontsize(s)
        if t.get_window_extent(r).width <= limit:
            return t
    # ...then wrap, at the largest size that fits in max_lines...
    for s in sizes:
        t.set_fontsize(s)
        t.set_text(text)
        full = t.get_window_extent(r).width
        start = min(len(text), int(len(text) * limit / max(full, 1.0)) + 2)
        for width in range(max(start, 6), 5, -1):
            cand = "\n".join(regels(text, width))
            if cand.count("\n") + 1 > max_lines:
                break
            t.set_text(cand)
            if t.get_window_extent(r).width <= limit:
                return t
    # ...and as a last resort wrap at the smallest size until it fits.
    for width in range(max(len(text), 10), 3, -1):
        t.set_text("\n".join(regels(text, width)))
        if t.get_window_extent(r).width <= limit:
            break
    return t


def _paragraph(
    fig: Figure,
    sheet: Sheet,
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    max_w: float,
    **kw: Any,
) -> Text:
    """Wrapped paragraph at fixed size within ``max_w`` mm; returns the Text."""
    r = _renderer(fig)
    t = fig.text(sheet.fx(x), sheet.fy(y), text, fontsize=size, ha="left", va="top",
                 color=BLACK, linespacing=1.3, **kw)  # fmt: skip
    # Start from a width estimated from the unwrapped extent (measuring every candidate
    # width of a long source line is slow), then narrow until it fits.
    full = t.get_window_extent(r).width
    longest = max(len(p) for p in text.split("\n")) or 1
    start = min(longest, int(longest * sheet.px(max_w) / max(full, 1.0)) + 2)
    for width in range(max(start, 11), 10, -1):
        # Wrap each given line on its own: explicit line breaks are kept.
        t.set_text("\n".join("\n".join(regels(p, width)) or "" for p in text.split("\n")))
        if t.get_window_extent(r).width <= sheet.px(max_w):
            break
    return t


def _bottom_mm(fig: Figure, sheet: Sheet, t: Text) -> float:
    """Lower edge of a Text in trim mm (to stack blocks)."""
    bb = t.get_window_extent(_renderer(fig))
    ph = sheet.px(sheet.page_mm[1])
    return (ph - bb.y0) / 72 * 25.4 - sheet.bleed


def _move_down(fig: Figure, sheet: Sheet, texts: Sequence[Text], mm: float) -> None:
    """Shift already placed texts ``mm`` down the sheet (to stack a block after measuring)."""
    if mm <= 0:
        return
    dy = sheet.fy(0.0) - sheet.fy(mm)
    for t in texts:
        x, y = t.get_position()
        t.set_position((x, y - dy))


def _banner(
    fig: Figure, sheet: Sheet, x: float, y: float, w: float, size: float, tekst: str
) -> float:
    """FICTIEF banner (framed, black on light grey); returns its bottom y in mm."""
    h = size / 72 * 25.4 * 1.9
    fig.add_artist(
        Rectangle((sheet.fx(x), sheet.fy(y + h)), w / sheet.page_mm[0], h / sheet.page_mm[1],
                  transform=fig.transFigure, facecolor="#d9d9d9", edgecolor=BLACK,
                  linewidth=1.5, hatch="", zorder=5)
    )  # fmt: skip
    _fit_text(fig, sheet, x + w / 2, y + h / 2, tekst, size=size,
              max_w=w - 4, min_size=8, ha="center", va="center", fontweight="bold", zorder=6)  # fmt: skip
    return y + h


def _bottom_of(sheet: Sheet, bb: Bbox) -> float:
    """Lower edge (trim mm) of a display box."""
    return (sheet.px(sheet.page_mm[1]) - bb.y0) / 72 * 25.4 - sheet.bleed


def _ruled(
    fig: Figure, sheet: Sheet, x: float, y: float, w: float, h: float, title: str, size: float,
    spacing: float = 11.0,
) -> None:  # fmt: skip
    """A titled area of writing lines (skipped when there is no room for two lines)."""
    if h < 2 * spacing + size / 72 * 25.4:
        return
    t = _fit_text(fig, sheet, x, y, title, size=size, max_w=w, fontweight="bold")
    ly = _bottom_mm(fig, sheet, t) + spacing
    while ly <= y + h:
        fig.add_artist(Line2D([sheet.fx(x), sheet.fx(x + w)], [sheet.fy(ly)] * 2, color=_GRID,
                              lw=0.6, transform=fig.transFigure))  # fmt: skip
        ly += spacing


def _fit_key(
    fig: Figure, sheet: Sheet, x: float, y: float, w: float, h: float,
    key: Sequence[tuple[int, str]], size: float, min_size: float, title: str,
) -> float:  # fmt: skip
    """Numbered key in a mm box (largest size, fewest columns that fit); returns bottom mm."""
    if not key:
        return y
    r = _renderer(fig)
    probe = fig.text(0, 0, "", fontsize=size)
    s = size
    while True:
        probe.set_fontsize(s)
        widest = 0.0
        for nr, naam in key:
            probe.set_text(f"{nr:>2}  {naam}")
            widest = max(widest, probe.get_window_extent(r).width)
        line_mm = 1.45 * s / 72 * 25.4
        rows = max(1, int((h - 1.6 * line_mm) // line_mm))
        ncols = math.ceil(len(key) / rows)
        colw_mm = widest / 72 * 25.4 + 4
        if ncols * colw_mm <= w or s <= min_size:
            break
        s -= 0.5
    probe.remove()
    ncols = max(1, min(ncols, int(w // colw_mm) or 1))
    ax = fig.add_axes(sheet.rect(x, y, w, h))
    ax.set_axis_off()
    arts = kaartlegenda.draw_key(ax, key, fontsize=s, ncols=ncols, title=title)
    return max(_bottom_mm(fig, sheet, a) for a in arts)
