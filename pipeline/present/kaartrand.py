"""Map furniture at the edge of a buurt map: the scale bar and the north arrow.

Split off from :mod:`pipeline.present.maps` (which re-exports :func:`scale_bar` and
:func:`north_arrow`). Both return their display extent, so that the labels placed
afterwards keep clear of them; :func:`_free_corner` picks the corner with the least map
underneath.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox
from shapely.geometry import box

from pipeline.present import fmt
from pipeline.present.kaartbasis import BLACK, _halo, _renderer

__all__ = ["north_arrow", "scale_bar"]


def _nice_length(span_m: float, frac: float = 0.22) -> float:
    target = span_m * frac
    nice = [10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000]
    return float(max([n for n in nice if n <= target] or [nice[0]]))


def _dist_label(m: float) -> str:
    if m < 1000:
        return f"{m:.0f} m"
    km = m / 1000
    d = 0 if km == int(km) else (1 if km * 10 == int(km * 10) else 2)
    return f"{fmt.getal(km, d)} km"


def scale_bar(
    ax: Axes,
    *,
    length: float | None = None,
    x: float = 0.04,
    y: float = 0.04,
    height_frac: float = 0.012,
    fontsize: float = 7,
    segments: int = 4,
) -> Bbox:
    """Draw an alternating black/white scale bar in RD metres.

    Parameters
    ----------
    ax
        Map axes in EPSG:28992 (metres), limits already set.
    length
        Bar length in metres (default: a round number near 22 % of the map width).
    x, y
        Lower-left corner in axes fraction.
    height_frac
        Bar height as a fraction of the axes height.
    fontsize
        Label size in points.
    segments
        Number of alternating segments.

    Returns
    -------
    matplotlib.transforms.Bbox
        Display-coordinate extent (to keep labels clear of it).
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = length or _nice_length(x1 - x0)
    bx = x0 + x * (x1 - x0)
    by = y0 + y * (y1 - y0)
    bh = height_frac * (y1 - y0)
    seg = length / segments
    arts = []
    for i in range(segments):
        arts.append(
            ax.add_patch(
                Rectangle(
                    (bx + i * seg, by),
                    seg,
                    bh,
                    facecolor=BLACK if i % 2 == 0 else "#ffffff",
                    edgecolor=BLACK,
                    linewidth=0.6,
                    zorder=8,
                )
            )
        )
    kw = {
        "fontsize": fontsize,
        "color": BLACK,
        "ha": "center",
        "va": "bottom",
        "zorder": 8,
        "path_effects": _halo(fontsize),
    }
    arts.append(ax.text(bx, by + bh * 1.4, "0", **kw))
    arts.append(ax.text(bx + length / 2, by + bh * 1.4, _dist_label(length / 2).split()[0], **kw))
    arts.append(ax.text(bx + length, by + bh * 1.4, _dist_label(length), **kw))
    r = _renderer(ax.get_figure())
    return Bbox.union([a.get_window_extent(r) for a in arts])


def north_arrow(
    ax: Axes, *, x: float = 0.95, y: float = 0.93, size: float = 0.06, fontsize: float = 9
) -> Bbox:
    """Draw a north arrow (RD grid north; within ~2° of true north in the Netherlands).

    Parameters
    ----------
    ax
        Map axes.
    x, y
        Position of the arrow tip in axes fraction.
    size
        Arrow length as a fraction of the axes height.
    fontsize
        Size of the "N".

    Returns
    -------
    matplotlib.transforms.Bbox
        Display-coordinate extent.
    """
    ann = ax.annotate(
        "N",
        xy=(x, y),
        xytext=(x, y - size),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="top",
        fontsize=fontsize,
        fontweight="bold",
        color=BLACK,
        zorder=8,
        arrowprops={
            "facecolor": BLACK,
            "edgecolor": BLACK,
            "width": fontsize * 0.25,
            "headwidth": fontsize * 0.9,
            "headlength": fontsize * 0.9,
        },
    )
    r = _renderer(ax.get_figure())
    return Bbox.union([ann.get_window_extent(r), ann.arrow_patch.get_window_extent(r)])


def _free_corner(
    ax: Axes, shape: Any, corners: Sequence[tuple[float, float]], w: float, h: float
) -> tuple[float, float]:
    """Of candidate lower-left corners (axes fraction) of a w x h box, the one that covers
    the least of ``shape`` (first wins ties), so map furniture does not hide buurten."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    best, best_area = corners[0], math.inf
    for cx, cy in corners:
        b = box(x0 + cx * (x1 - x0), y0 + cy * (y1 - y0),
                x0 + (cx + w) * (x1 - x0), y0 + (cy + h) * (y1 - y0))  # fmt: skip
        area = shape.intersection(b).area
        if area < best_area - 1e-6 * b.area:
            best, best_area = (cx, cy), area
    return best
