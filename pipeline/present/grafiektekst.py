"""Text that fits its figure: wrapping and shrinking chart titles and labels.

Widths are measured with the figure's renderer, not guessed from character counts,
because they depend on the font and the words; a text is wrapped at word boundaries
and shrunk to a minimum size, never cut.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pipeline.present.figuur import MM


def regels(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words.

    Not after a hyphen: "85-plussers" split as "85-" / "plussers" (seen on the A1) reads
    as two words. Only when a word is longer than the line itself is it broken, first
    after a hyphen ("85-" / "plussers" beats "85-plu" / "ssers"), then anywhere.
    """
    lines = textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)
    if any(len(line) > width for line in lines):
        return textwrap.wrap(text, width)
    return lines


def wrap(text: str, width: int) -> str:
    """Wrap ``text`` at ``width`` characters (tick labels, legend titles); never empty."""
    return "\n".join(regels(text, width)) or text


def fit_value_labels(fig: Figure, ax: Axes, labels: Sequence[Any], min_size: float = 5.5) -> None:
    """Shrink the bar value labels (all alike) until the widest fits the bar spacing."""
    if not labels:
        return
    r = fig.canvas.get_renderer()
    spacing = abs(ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0])
    room = spacing - 0.6 * MM * fig.dpi  # keep 0.6 mm between neighbouring labels
    widest = max(t.get_window_extent(r).width for t in labels)
    if widest <= room:
        return
    size = max(min_size, labels[0].get_fontsize() * room / widest)
    for t in labels:
        t.set_fontsize(size)


def wrap_to_width(
    fig: Figure, text: str, max_px: float, fontsize: float, min_size: float, **kw: Any
) -> tuple[str, float]:
    """Break ``text`` into lines no wider than ``max_px`` (measured with the renderer),
    shrinking the font when a single word is wider; at ``min_size`` a word that is still
    too wide stays whole (never cut).

    Returns
    -------
    (str, float)
        The wrapped text and the font size.
    """
    renderer = fig.canvas.get_renderer()

    def width(s: str, size: float) -> float:
        t = fig.text(0, 0, s, fontsize=size, **kw)
        w = t.get_window_extent(renderer).width
        t.remove()
        return w

    size = fontsize
    words = text.split()
    while True:
        lines: list[str] = []
        for word in words:
            trial = f"{lines[-1]} {word}" if lines else word
            if lines and width(trial, size) <= max_px:
                lines[-1] = trial
            else:
                lines.append(word)
        if size <= min_size or all(width(ln, size) <= max_px for ln in lines):
            return "\n".join(lines), size
        size = max(min_size, size - 0.5)


def fit_panel_titles(fig: Figure, axes: Sequence[Axes], titles: Sequence[str]) -> None:
    """Wrap each left-aligned panel title to the room up to the next panel, lift it clear
    of a reference legend above the panel, and lower the panels until every title fits
    inside the figure: no title touches another text (Duiven figure 9 had two titles
    running into each other) and none is cut off. Positions are measured, not guessed,
    because the text widths depend on the font and the words."""
    gap_px = 3 * MM * fig.dpi  # 3 mm between a title and the next panel
    extra = [0.0] * len(axes)  # measured correction of the pad, in points
    for _round in range(4):
        r = fig.canvas.get_renderer()
        boxes = [ax.get_window_extent(r) for ax in axes]
        arts = []
        for i, (ax, title) in enumerate(zip(axes, titles, strict=True)):
            right = boxes[i + 1].x0 - gap_px if i + 1 < len(axes) else fig.bbox.width - gap_px / 3
            text, size = wrap_to_width(fig, title, right - boxes[i].x0, 8, 6.0, fontweight="bold")
            leg = ax.get_legend()
            pad = 4.0 + extra[i]
            if leg is not None:
                pad += leg.get_window_extent(r).height * 72 / fig.dpi
            ax.set_title(text, fontsize=size, loc="left", fontweight="bold", pad=pad)
            arts.append(_left_title(ax))
        moved = False
        for i, (ax, art) in enumerate(zip(axes, arts, strict=True)):
            leg = ax.get_legend()
            if leg is None:
                continue
            clash = leg.get_window_extent(r).y1 + 1.0 - art.get_window_extent(r).y0
            if clash > 0:  # descenders of the title reach into the legend
                extra[i] += clash * 72 / fig.dpi + 1.0
                moved = True
        over = max(a.get_window_extent(r).y1 for a in arts) - (fig.bbox.height - MM * fig.dpi)
        if over > 0.5:
            fig.subplots_adjust(top=fig.subplotpars.top - over / fig.bbox.height)
        elif not moved:
            return


def _left_title(ax: Axes) -> Any:
    """The Text artist of the axes' left-aligned title (public API: among its children)."""
    from matplotlib.text import Text

    want = ax.get_title(loc="left")
    cands = [c for c in ax.get_children() if isinstance(c, Text) and c.get_text() == want]
    return next(c for c in cands if c.get_horizontalalignment() == "left")
