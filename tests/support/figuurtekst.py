"""Test helpers for figures: the texts a figure shows, and which of them collide or stick out."""

from __future__ import annotations

import itertools

from matplotlib.figure import Figure
from matplotlib.text import Text


def texts(fig: Figure) -> list[tuple[str, object]]:
    """(text, display bbox) of every visible, non-empty text artist in the figure."""
    fig.canvas.draw()  # final layout, as saved
    r = fig.canvas.get_renderer()
    # Tick labels of an axes drawn without axis (the maps) are never shown.
    hidden = {
        id(t)
        for ax in fig.axes
        if not ax.axison
        for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]
    }
    out = []
    for t in fig.findobj(Text):
        if id(t) in hidden or not t.get_visible() or not t.get_text().strip():
            continue
        out.append((t.get_text(), t.get_window_extent(r)))
    return out


def collisions(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap."""
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(texts(fig), 2) if ba.overlaps(bb)]


def outside(fig: Figure) -> list[str]:
    """Texts that reach beyond the figure's edge (half a pixel of tolerance)."""
    w, h = fig.bbox.width, fig.bbox.height
    return [s for s, b in texts(fig) if b.x0 < -0.5 or b.y0 < -0.5 or b.x1 > w + 0.5
            or b.y1 > h + 0.5]  # fmt: skip
