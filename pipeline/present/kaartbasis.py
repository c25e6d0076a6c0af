"""Building blocks of the map text placers (:mod:`pipeline.present.kaartlabels`,
:mod:`pipeline.present.kaartnummers`): text measuring, label points, and fast geometry in
display pixels (box overlap, segment through box, segment crossings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patheffects import withStroke
from matplotlib.transforms import Bbox
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.ops import polylabel

BLACK = "#000000"


def _halo(fontsize: float) -> list[withStroke]:
    # A white outline proportional to the text size keeps black text legible on the
    # darkest classes without boxes that would hide the map.
    return [withStroke(linewidth=max(1.5, 0.28 * fontsize), foreground="#ffffff")]


def _polys(geom: Any) -> list[Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [g for part in getattr(geom, "geoms", []) for g in _polys(part)]


def _renderer(fig: Figure) -> Any:
    # Text extents need a renderer; a bare Figure() only has a base canvas.
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _wraps(name: str) -> list[str]:
    """Candidate texts for a name: one line, then the most balanced two-line split at a
    space or after a hyphen."""
    out = [name]
    if " " in name or "-" in name:
        best = None
        tokens = name.replace("-", "- ").split(" ")
        for i in range(1, len(tokens)):
            a = " ".join(tokens[:i]).replace("- ", "-")
            b = " ".join(tokens[i:]).replace("- ", "-")
            score = max(len(a), len(b))
            if best is None or score < best[0]:
                best = (score, f"{a}\n{b}")
        if best:
            out.append(best[1])
    # A single word is never cut ("KEIZERSLANDE" / "N"): it fits whole, shrunk, or not.
    return out


def _anchor(geom: Any) -> tuple[float, float]:
    """Pole of inaccessibility of the largest part: the most 'inside' point for a label."""
    parts = _polys(geom)
    if not parts:
        return (math.nan, math.nan)
    poly = max(parts, key=lambda p: p.area)
    try:
        p = polylabel(poly, tolerance=max(math.sqrt(poly.area) / 100, 0.5))
    except Exception:  # degenerate rings: fall back to a guaranteed interior point
        p = poly.representative_point()
    return (p.x, p.y)


def _measure(ax: Axes, renderer: Any, text: str, fontsize: float, **kw: Any) -> tuple[float, float]:
    t = ax.text(0, 0, text, fontsize=fontsize, ha="center", va="center", **kw)
    bb = t.get_window_extent(renderer)
    t.remove()
    return bb.width, bb.height


# ---------------------------------------------------------------------------
# vectorised geometry in display coordinates (pixels)
# ---------------------------------------------------------------------------
def _hits(arr: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Which boxes of ``arr`` (n x 4: x0, y0, x1, y1) overlap the box (open intervals)."""
    if not len(arr):
        return np.zeros(0, dtype=bool)
    return (arr[:, 0] < x1) & (arr[:, 2] > x0) & (arr[:, 1] < y1) & (arr[:, 3] > y0)


def _hits_any(arr: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Per row of ``boxes``: does it overlap any box of ``arr`` (:func:`_hits`, many at once)?"""
    if not len(arr):
        return np.zeros(len(boxes), dtype=bool)
    return (
        (arr[None, :, 0] < boxes[:, 2, None]) & (arr[None, :, 2] > boxes[:, 0, None])
        & (arr[None, :, 1] < boxes[:, 3, None]) & (arr[None, :, 3] > boxes[:, 1, None])
    ).any(axis=1)  # fmt: skip


def _segment_hits(arr: np.ndarray, p: tuple[float, float], q: tuple[float, float]) -> np.ndarray:
    """Which boxes of ``arr`` the segment p-q passes through (Liang-Barsky clipping)."""
    if not len(arr):
        return np.zeros(0, dtype=bool)
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0 = np.zeros(len(arr))
    t1 = np.ones(len(arr))
    miss = np.zeros(len(arr), dtype=bool)
    for d, dist in ((-dx, p[0] - arr[:, 0]), (dx, arr[:, 2] - p[0]),
                    (-dy, p[1] - arr[:, 1]), (dy, arr[:, 3] - p[1])):  # fmt: skip
        if d == 0:
            miss |= dist < 0
            continue
        r = dist / d
        if d < 0:
            t0 = np.maximum(t0, r)
        else:
            t1 = np.minimum(t1, r)
    return ~miss & (t0 < t1)


def _crossings(segs: np.ndarray, p: tuple[float, float], q: tuple[float, float]) -> int:
    """Number of segments in ``segs`` (n x 4) that properly cross the segment p-q."""
    if not len(segs):
        return 0
    return int(np.count_nonzero(_crossing_mask(segs, p, q)))


def _crossing_mask(segs: np.ndarray, p: tuple[float, float], q: tuple[float, float]) -> np.ndarray:
    """Which segments of ``segs`` (n x 4) properly cross the segment p-q."""
    ax_, ay, bx, by = segs[:, 0], segs[:, 1], segs[:, 2], segs[:, 3]

    def orient(x0: Any, y0: Any, x1: Any, y1: Any, x2: Any, y2: Any) -> Any:
        return (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0)

    d1 = orient(ax_, ay, bx, by, p[0], p[1])
    d2 = orient(ax_, ay, bx, by, q[0], q[1])
    d3 = orient(p[0], p[1], q[0], q[1], ax_, ay)
    d4 = orient(p[0], p[1], q[0], q[1], bx, by)
    return (d1 * d2 < 0) & (d3 * d4 < 0)


@dataclass
class _Placed:
    """Everything already on the map that new text must keep clear of (display pixels)."""

    boxes: dict[str, Bbox] = field(default_factory=dict)
    others: list[Bbox] = field(default_factory=list)
    leaders: list[tuple[float, float, float, float]] = field(default_factory=list)
    _arr: np.ndarray | None = None

    def add(self, code: str, bb: Bbox) -> None:
        self.boxes[code] = bb
        self._arr = None

    def box_array(self, gap: float = 0.0) -> np.ndarray:
        # Cached: the free-space test runs for thousands of candidate positions.
        if self._arr is None:
            bbs = [*self.boxes.values(), *self.others]
            self._arr = np.array([[b.x0, b.y0, b.x1, b.y1] for b in bbs], dtype=float).reshape(
                -1, 4
            )
        return self._arr + np.array([-gap, -gap, gap, gap]) if gap else self._arr

    def label_array(self) -> np.ndarray:
        """Only the labels (no furniture): what a leader line must not run through."""
        bbs = list(self.boxes.values())
        return np.array([[b.x0, b.y0, b.x1, b.y1] for b in bbs], dtype=float).reshape(-1, 4)

    def leader_array(self) -> np.ndarray:
        return np.array(self.leaders, dtype=float).reshape(-1, 4)

    def free(self, bb: Bbox) -> bool:
        return bool(self.free_mask(np.array([[bb.x0, bb.y0, bb.x1, bb.y1]]))[0])

    def free_mask(self, boxes: np.ndarray) -> np.ndarray:
        """Per box (rows x0, y0, x1, y1): on no placed box and on no leader line?"""
        free = ~_hits_any(self.box_array(), boxes)
        segs = self.leader_array()
        if free.any() and len(segs):
            rows = np.flatnonzero(free)
            free[rows] = ~_segments_cross_boxes(segs, boxes[rows])
        return free


def _segment_crosses_box(segs: np.ndarray, bb: Bbox) -> bool:
    """Does any leader segment (rows of ``segs``: x0, y0, x1, y1) pass through the box?

    The Liang-Barsky test of :func:`_segment_hits`, turned around: one box, all segments at
    once. The number placer asks this tens of thousands of times with hundreds of leaders
    (Tilburg, Amsterdam), so a loop over segments here cost minutes per report; the
    arithmetic is the same per segment, so the answers are identical.
    """
    if not len(segs):
        return False
    return bool(_segments_cross_boxes(segs, np.array([[bb.x0, bb.y0, bb.x1, bb.y1]]))[0])


def _segments_cross_boxes(segs: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Per box (rows of ``boxes``: x0, y0, x1, y1): does any segment of ``segs`` pass through it?

    :func:`_segment_crosses_box` for many candidate boxes at once (segments along the
    columns, boxes along the rows), with the same arithmetic per segment and box.
    """
    if not len(segs):
        return np.zeros(len(boxes), dtype=bool)
    px, py, qx, qy = (segs[None, :, k] for k in range(4))
    bx0, by0, bx1, by1 = (boxes[:, k, None] for k in range(4))
    dx, dy = qx - px, qy - py
    shape = (len(boxes), len(segs))
    t0 = np.zeros(shape)
    t1 = np.ones(shape)
    miss = np.zeros(shape, dtype=bool)
    for d, dist in ((-dx, px - bx0), (dx, bx1 - px),
                    (-dy, py - by0), (dy, by1 - py)):  # fmt: skip
        miss |= (d == 0) & (dist < 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = dist / d
        t0 = np.where(d < 0, np.maximum(t0, r), t0)
        t1 = np.where(d > 0, np.minimum(t1, r), t1)
    return (~miss & (t0 < t1)).any(axis=1)


def _edge_point(bb: Bbox, x: float, y: float) -> tuple[float, float]:
    """Point where the line from the box centre to (x, y) leaves the box."""
    cx, cy = (bb.x0 + bb.x1) / 2, (bb.y0 + bb.y1) / 2
    dx, dy = x - cx, y - cy
    if dx == 0 and dy == 0:
        return cx, cy
    sx = (bb.width / 2) / abs(dx) if dx else math.inf
    sy = (bb.height / 2) / abs(dy) if dy else math.inf
    s = min(sx, sy, 1.0)
    return cx + dx * s, cy + dy * s


# ---------------------------------------------------------------------------
# the placer
# ---------------------------------------------------------------------------
@dataclass
class _Ctx:
    """The axes' transforms, extent and text style, shared by the placement passes."""

    ax: Axes
    renderer: Any
    pad: float
    text_kw: dict[str, Any]

    @property
    def to_disp(self) -> Any:
        return self.ax.transData

    @property
    def to_data(self) -> Any:
        return self.ax.transData.inverted()

    @property
    def axbox(self) -> Bbox:
        return self.ax.get_window_extent(self.renderer)

    def px_to_data(self, px: float) -> float:
        t = self.to_data
        return abs(t.transform((px, 0))[0] - t.transform((0, 0))[0])

    def disp_box(self, cx: float, cy: float, w: float, h: float) -> Bbox:
        p = self.pad
        return Bbox.from_extents(cx - w / 2 - p, cy - h / 2 - p, cx + w / 2 + p, cy + h / 2 + p)

    def data_poly(self, bb: Bbox) -> Polygon:
        (x0, y0), (x1, y1) = self.to_data.transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
        return box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))

    def inside_axes(self, bb: Bbox) -> bool:
        a = self.axbox
        return bb.x0 >= a.x0 and bb.x1 <= a.x1 and bb.y0 >= a.y0 and bb.y1 <= a.y1

    def interior_points(
        self, geom: Any, start: tuple[float, float], step_px: float, limit: int = 400
    ) -> list[tuple[float, float]]:
        """``start`` plus grid points inside ``geom``, nearest to ``start`` first (data)."""
        step = self.px_to_data(max(step_px, 2.0))
        bx0, by0, bx1, by1 = geom.bounds
        xs = np.arange(bx0, bx1 + step, step)
        ys = np.arange(by0, by1 + step, step)
        cands = [start]
        if 0 < xs.size * ys.size <= 40000:
            gx, gy = np.meshgrid(xs, ys)
            gx, gy = gx.ravel(), gy.ravel()
            inside = shapely.contains_xy(geom, gx, gy)
            gx, gy = gx[inside], gy[inside]
            order = np.argsort((gx - start[0]) ** 2 + (gy - start[1]) ** 2, kind="stable")[:limit]
            cands += list(zip(gx[order].tolist(), gy[order].tolist(), strict=True))
        return cands

    def disp_boxes(self, centres: np.ndarray, w: float, h: float) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`disp_box` for many centres (rows x0, y0, x1, y1) and which lie inside the axes."""
        p = self.pad
        cx, cy = centres[:, 0], centres[:, 1]
        cand = np.column_stack([cx - w / 2 - p, cy - h / 2 - p, cx + w / 2 + p, cy + h / 2 + p])
        a = self.axbox
        inside = (cand[:, 0] >= a.x0) & (cand[:, 2] <= a.x1)
        inside &= (cand[:, 1] >= a.y0) & (cand[:, 3] <= a.y1)
        return cand, inside

    def first_fit(
        self,
        disp: np.ndarray,
        w: float,
        h: float,
        placed: _Placed,
        area: Any,
        gap: float = 0.0,
    ) -> int | None:
        """The first candidate where a w x h label fits, or None.

        The tests of the placers' loops (:meth:`disp_box`, :meth:`inside_axes`,
        ``placed.free`` of the box grown by ``gap``, ``area.contains`` of
        :meth:`data_poly`) on arrays: a buurt tries up to a few hundred spots and a report
        places thousands of labels. Same arithmetic per candidate, so the same answer.

        Parameters
        ----------
        disp
            Candidate centres (display pixels), in the order they are to be tried.
        w, h
            Text size (display pixels, without the padding).
        placed
            What is already on the map.
        area
            Prepared geometry (:meth:`fits_inside`) the label must lie in.
        gap
            Extra clearance to the placed labels and leaders.
        """
        # A few candidates first: the first spot (the anchor) usually fits.
        for lo, hi in ((0, 8), (8, len(disp))):
            hit = self._fit_in(disp[lo:hi], w, h, placed, area, gap)
            if hit is not None:
                return lo + hit
        return None

    def _fit_in(
        self, disp: np.ndarray, w: float, h: float, placed: _Placed, area: Any, gap: float
    ) -> int | None:
        if not len(disp):
            return None
        cand, ok = self.disp_boxes(disp, w, h)
        grown = cand + np.array([-gap, -gap, gap, gap]) if gap else cand
        idx = np.flatnonzero(ok)
        idx = idx[placed.free_mask(grown[idx])]
        if not len(idx):
            return None
        # data_poly of every remaining box: both corners to data coordinates, then a box.
        corners = self.to_data.transform(cand[idx].reshape(-1, 2)).reshape(-1, 4)
        x0, y0, x1, y1 = corners[:, 0], corners[:, 1], corners[:, 2], corners[:, 3]
        polys = shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1),
                            np.maximum(y0, y1))  # fmt: skip
        inside = np.flatnonzero(shapely.contains(area.context, polys))
        return int(idx[inside[0]]) if len(inside) else None

    def fits_inside(self, geom: Any, tol_px: float) -> Any:
        """Prepared ``geom`` grown by ``tol_px`` (a label may touch the boundary a little)."""
        return shapely.prepared.prep(geom.buffer(self.px_to_data(tol_px)))
