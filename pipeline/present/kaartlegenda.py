"""What the map legend shows: the no-value statuses and their hatching, the legend title
and patches, and the numbered key of buurten shown with a number.

Split off from :mod:`pipeline.present.maps` (which re-exports every public name here).
Buurten without a value never get a palette colour: "te weinig inwoners" and "geen
gegevens" get two different hatchings in light grey and their own legend entry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.patches import Patch

from pipeline.codes import STATUS_GEEN_GEGEVENS, STATUS_TE_WEINIG
from pipeline.model.registry import Indicator
from pipeline.present import grafiektekst
from pipeline.present.kaartbasis import BLACK, _measure, _renderer
from pipeline.present.kaartklassen import _SUFFIX_UNITS, Classification, palette

__all__ = [
    "NEUTRAAL",
    "STATUS_STYLE",
    "STYLE_REDEN",
    "draw_key",
    "legend_handles",
    "legend_title",
    "no_value_order",
    "soort_marker",
    "status_style",
]

#: Hatch styles for buurten without a value: light grey, distinct patterns, never a
#: palette colour. The face is a neutral grey so they also differ from the lightest class.
STATUS_STYLE: dict[str, dict[str, Any]] = {
    STATUS_TE_WEINIG: {"facecolor": "#eeeeee", "hatch": "////", "hatchcolor": "#9b9b9b"},
    STATUS_GEEN_GEGEVENS: {"facecolor": "#ffffff", "hatch": "xx", "hatchcolor": "#9b9b9b"},
}
#: Hatching of a buurt whose cell has its own reason to be empty (``reden_<key>``: a
#: secret CBS cell, too few of the oldest for a ratio): dots, unlike the two statuses.
STYLE_REDEN: dict[str, Any] = {"facecolor": "#ffffff", "hatch": "...", "hatchcolor": "#9b9b9b"}


def status_style(status: str) -> dict[str, Any]:
    """Hatch style of a buurt without a value: its status's, else that of a cell reason."""
    return STATUS_STYLE.get(status, STYLE_REDEN)


def no_value_order(statuses: Iterable[str]) -> list[str]:
    """The no-value statuses present, in legend order: too small, cell reasons, no data."""
    seen = set(statuses)
    redenen = sorted(seen - set(STATUS_STYLE))
    return (
        [STATUS_TE_WEINIG] * (STATUS_TE_WEINIG in seen)
        + redenen
        + [STATUS_GEEN_GEGEVENS] * (STATUS_GEEN_GEGEVENS in seen)
    )


#: Fill of every buurt on the map of an indicator without buurt signal (one neutral grey,
#: no classes: the buurt values differ only through the model).
NEUTRAAL = "#d4d4d4"


#: Soorts that a map shows as measured: every map (report, vouwkaart) is of the base year,
#: where a ``gemeten/geschat`` indicator holds CBS's own counts; only its later years are
#: estimated, and no map shows those. "[gemeten, latere jaren geschat]" under a map of
#: counted numbers made readers look for an estimate that was not there.
_GEMETEN_OP_KAART = frozenset({"gemeten", "gemeten/geschat"})


def soort_marker(indicator: Indicator) -> str:
    """How a base-year map marks its numbers: ``''`` when measured, else the soort.

    ``'geschat'``, ``'gemodelleerd'``, ...; see :data:`_GEMETEN_OP_KAART`.
    """
    return "" if indicator.soort in _GEMETEN_OP_KAART else indicator.soort


def legend_title(indicator: Indicator, jaar: int | None = None) -> str:
    """Legend title from the registry: label, unit where the classes lack it, soort.

    Parameters
    ----------
    indicator
        Registry entry.
    jaar
        Optional year appended to the first line.

    Returns
    -------
    str
        Two or three lines.
    """
    first = indicator.label + (f", {jaar}" if jaar is not None else "")
    lines = [first]
    if indicator.eenheid == "ratio":
        lines.append(indicator.kort)
    elif indicator.eenheid not in _SUFFIX_UNITS and indicator.eenheid not in indicator.label:
        lines.append(f"({indicator.eenheid})")
    marker = soort_marker(indicator)
    if marker:
        lines.append(f"[{marker}]")
    return "\n".join(lines)


def legend_handles(
    classification: Classification,
    richting: int = 1,
    statuses: Iterable[str] = (),
    neutraal: str = "",
) -> list[Patch]:
    """Legend patches: one per class (ascending) plus one per no-value status shown.

    Parameters
    ----------
    classification
        The map's classification.
    richting
        Indicator direction (palette orientation).
    statuses
        No-value statuses to list (the two row statuses and any cell reasons).
    neutraal
        Label of the single neutral patch of a map without classes (see
        :func:`pipeline.present.maps.draw_choropleth`); replaces the class patches.

    Returns
    -------
    list of matplotlib.patches.Patch
    """
    if neutraal:
        handles = [Patch(facecolor=NEUTRAAL, edgecolor="#6e6e6e", linewidth=0.4, label=neutraal)]
    else:
        cols = palette(classification.k, richting)
        handles = [
            Patch(facecolor=c, edgecolor="#6e6e6e", linewidth=0.4, label=lab)
            for c, lab in zip(cols, classification.labels, strict=True)
        ]
    for st in no_value_order(statuses):
        s = status_style(st)
        handles.append(
            Patch(
                facecolor=s["facecolor"],
                hatch=s["hatch"],
                hatchcolor=s["hatchcolor"],
                edgecolor="#6e6e6e",
                linewidth=0.4,
                label=st,
            )
        )
    return handles


def draw_key(
    ax: Axes,
    key: Sequence[tuple[int, str]],
    *,
    fontsize: float = 6,
    ncols: int = 1,
    title: str | None = "Genummerde buurten",
    x: float = 0.0,
    y: float = 1.0,
) -> list[Any]:
    """Write a numbered key (``number  naam``) into ``ax`` in axes coordinates.

    Parameters
    ----------
    ax
        Axes to write into (usually an axis-off panel, or the map itself).
    key
        ``[(number, naam), ...]``.
    fontsize
        Text size in points.
    ncols
        Columns.
    title
        Heading (``None`` for none).
    x, y
        Top-left corner in axes coordinates.

    Returns
    -------
    list
        The Text artists.
    """
    arts: list[Any] = []
    if not key:
        return arts
    fig = ax.get_figure()
    # Line height in axes fraction, from the axes' height in points.
    h_pt = ax.get_position().height * fig.get_size_inches()[1] * 72
    line = 1.45 * fontsize / h_pt
    if title:
        arts.append(
            ax.text(
                x,
                y,
                title,
                transform=ax.transAxes,
                fontsize=fontsize,
                fontweight="bold",
                va="top",
                ha="left",
                color=BLACK,
            )
        )
        y -= 1.6 * line
    colw = (1.0 - x) / ncols
    # A name longer than its column wraps under itself (real Zutphen: "Nieuwstad en
    # Coehoornsingel" ran over the next column, and the last column off the figure). The
    # extra lines may not fit the panel: then the entries get smaller, down to 1.5 pt less.
    size = fontsize
    while True:
        blocks = _key_blocks(ax, key, size, colw)
        cols = _split_columns([len(b[1]) for b in blocks], ncols)
        step = 1.45 * size / h_pt
        if max(sum(len(blocks[i][1]) for i in c) for c in cols) * step <= y or (
            size <= fontsize - 1.5
        ):
            break
        size -= 0.5
    kw = {"transform": ax.transAxes, "fontsize": size, "va": "top", "ha": "left",
          "color": BLACK}  # fmt: skip
    for c, items in enumerate(cols):
        row = 0
        for i in items:
            nr, lines, indent = blocks[i]
            x0 = x + c * colw
            if indent is None:  # one line, as it always was
                arts.append(ax.text(x0, y - row * step, f"{nr:>2}  {lines[0]}", **kw))
            else:
                arts.append(ax.text(x0, y - row * step, f"{nr:>2}", **kw))
                arts += [ax.text(x0 + indent, y - (row + k) * step, ln, **kw)
                         for k, ln in enumerate(lines)]  # fmt: skip
            row += len(lines)
    return arts


def _key_blocks(
    ax: Axes, key: Sequence[tuple[int, str]], size: float, colw: float
) -> list[tuple[int, list[str], float | None]]:
    """Per key entry: number, the lines of its name, and the name's indent in axes
    fraction (None for an entry on one line, written as ``nr  naam``)."""
    fig = ax.get_figure()
    r = _renderer(fig)
    size_px = size * fig.dpi / 72
    room_px = colw * ax.bbox.width - 0.6 * size_px
    out: list[tuple[int, list[str], float | None]] = []
    for nr, naam in key:
        text = f"{nr:>2}  {naam}"
        # Measuring costs a text layout; a short name surely fits (no glyph is wider
        # than 1 em), so only long ones are measured.
        if len(text) * size_px <= room_px or _measure(ax, r, text, size)[0] <= room_px:
            out.append((nr, [str(naam)], None))
            continue
        indent_px = _measure(ax, r, f"{nr:>2}  ", size)[0]
        wrapped, _ = grafiektekst.wrap_to_width(fig, str(naam), room_px - indent_px, size, size)
        out.append((nr, wrapped.split("\n"), indent_px / ax.bbox.width))
    return out


def _split_columns(heights: Sequence[int], ncols: int) -> list[list[int]]:
    """Entries (by index, in order) over ``ncols`` columns of about equal lines.

    With one line per entry this is the old split: ``ceil(n / ncols)`` entries a column.
    """
    target = math.ceil(sum(heights) / ncols)
    cols: list[list[int]] = [[]]
    filled = 0
    for i, h in enumerate(heights):
        if filled + h > target and cols[-1] and len(cols) < ncols:
            cols.append([])
            filled = 0
        cols[-1].append(i)
        filled += h
    return cols
