"""Buurt numbers on the maps: inside the buurt where they fit, else callouts.

A crowd of small buurten gets its numbers on a ring around it, matched in angular
order so the leader lines fan out without crossing; single buurten get the cheapest
free spot nearby; crossing leaders are repaired by swapping their ends. Also the
gemeente-wide numbering and the detection of crowds that need an enlarged inset.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.transforms import Bbox

from pipeline.present.kaartbasis import (
    BLACK,
    _anchor,
    _crossing_mask,
    _crossings,
    _Ctx,
    _edge_point,
    _hits,
    _hits_any,
    _measure,
    _Placed,
    _polys,
    _renderer,
    _segment_crosses_box,
    _segment_hits,
    _segments_cross_boxes,
)

# Cost (in text heights) of a leader line crossing another leader, and of a number box
# covering another buurt's leader dot: large enough that a longer leader is preferred.
_KRUIS_KOSTEN = 6.0
_STIP_KOSTEN = 4.0
# A leader through another label (in text heights): it crosses out part of a name.
_DOOR_KOSTEN = 40.0


def _place_numbers(
    ctx: _Ctx,
    todo: list[tuple[str, str, Any, tuple[float, float]]],
    nummer: dict[str, int],
    placed: _Placed,
    size: float,
) -> list[tuple[int, str, str]]:
    """Numbers: first every one that fits inside its buurt, then the rest as callouts."""
    ax = ctx.ax
    kw = {"fontweight": "bold", **ctx.text_kw}
    # Numbers keep a small gap to other labels, so two numbers never read as one.
    sizes = {c: _measure(ax, ctx.renderer, str(nummer[c]), size, **kw) for c, *_ in todo}
    gap = 0.12 * max((h for _w, h in sizes.values()), default=0.0)
    dots = {c: tuple(ctx.to_disp.transform(a)) for c, _n, _g, a in todo}
    done: dict[str, bool] = {}

    # Where each number goes: centre and box in pixels, and its leader (None: no leader).
    pos: dict[str, tuple[float, float, Bbox]] = {}
    lead: dict[str, tuple[float, float, float, float]] = {}

    def leader_of(code: str, bb: Bbox) -> tuple[float, float, float, float] | None:
        dx, dy = dots[code]
        if bb.x0 < dx < bb.x1 and bb.y0 < dy < bb.y1:
            return None  # the dot is under the number: it is in (or on) its own buurt
        ex, ey = _edge_point(bb, dx, dy)
        return (dx, dy, ex, ey)

    def reserve(code: str, cx: float, cy: float, bb: Bbox, leader: bool) -> None:
        pos[code] = (cx, cy, bb)
        seg = leader_of(code, bb) if leader else None
        if seg is not None:
            lead[code] = seg
            placed.leaders.append(seg)
        placed.add(code, bb)
        done[code] = True

    # Pass 1: inside the own buurt, no leader (larger buurten first, they have the room).
    rest = []
    for code, _naam, geom, anchor in sorted(todo, key=lambda r: (-r[2].area, r[0])):
        w, h = sizes[code]
        area = ctx.fits_inside(geom, 0.2 * h)
        cands = ctx.interior_points(geom, anchor, h / 3, limit=200)
        disp = ctx.to_disp.transform(np.asarray(cands, dtype=float))
        j = ctx.first_fit(disp, w, h, placed, area, gap)
        if j is not None:
            cx, cy = disp[j]
            reserve(code, cx, cy, ctx.disp_box(cx, cy, w, h), leader=False)
        else:
            rest.append((code, geom))

    # Pass 2a: a crowd of three or more buurten gets its numbers on a ring around it, in
    # the angular order of the buurten, so that the leader lines fan out without crossing.
    hmax = max((h for _w, h in sizes.values()), default=0.0)
    singles = []
    for members in _clusters([dots[c] for c, _g in rest], 3 * hmax):
        codes = [rest[i][0] for i in members]
        ring = _ring(ctx, codes, dots, sizes, placed, gap) if len(codes) >= 3 else None
        if ring is None:
            singles += [rest[i] for i in members]
            continue
        for code, (cx, cy, bb) in ring.items():
            reserve(code, cx, cy, bb, leader=True)
    rest = sorted(singles, key=lambda r: r[0])

    # Pass 2b: single callouts. Outermost buurten first, so the inner ones find room
    # further out along their own direction; leaders prefer to point away from the crowd.
    if rest:
        pts = np.array([dots[c] for c, _g in rest])
        centre = pts.mean(axis=0)
        rest.sort(key=lambda r: (-float(np.hypot(*(np.array(dots[r[0]]) - centre))), r[0]))
    diag = math.hypot(ctx.axbox.width, ctx.axbox.height)
    for code, _geom in rest:
        w, h = sizes[code]
        x0, y0 = dots[code]
        out = np.array([x0, y0]) - centre
        out_len = float(np.hypot(*out))
        boxes = placed.box_array(gap)
        labels = placed.label_array()
        segs = placed.leader_array()
        pending = np.array([dots[c] for c, _g in rest if not done.get(c) and c != code])
        radii = [0.0, *[h * f for f in (0.9, 1.4, 2.0, 2.7, 3.5, 4.5, 6.0, 8.0)]]
        while radii[-1] < diag:
            radii.append(radii[-1] * 1.25)
        best: tuple[float, float, float, Bbox] | None = None
        for r in radii:
            if best is not None and best[0] <= r:
                break  # every further ring costs at least its radius
            n_ang = 1 if r == 0 else max(16, int(2 * math.pi * r / max(w, h)))
            angles = [2 * math.pi * j / n_ang + math.pi / 2 for j in range(n_ang)]
            centres = np.array([(x0 + r * math.cos(a), y0 + r * math.sin(a)) for a in angles])
            for j in _free_spots(ctx, centres, w, h, boxes, segs):
                a = angles[j]
                cx, cy = float(centres[j, 0]), float(centres[j, 1])
                bb = ctx.disp_box(cx, cy, w, h)
                ex, ey = _edge_point(bb, x0, y0)
                # A leader through another label crosses out a name: only as a last resort.
                through = int(_segment_hits(labels, (x0, y0), (ex, ey)).sum()) if r > 0 else 0
                cost = r + _KRUIS_KOSTEN * h * _crossings(segs, (x0, y0), (ex, ey))
                cost += _DOOR_KOSTEN * h * through
                if len(pending):
                    covered = (
                        (pending[:, 0] > bb.x0) & (pending[:, 0] < bb.x1)
                        & (pending[:, 1] > bb.y0) & (pending[:, 1] < bb.y1)
                    )  # fmt: skip
                    cost += _STIP_KOSTEN * h * int(covered.sum())
                if r > 0 and out_len > 0:
                    # Half a text height extra for pointing back into the crowd.
                    cosang = (math.cos(a) * out[0] + math.sin(a) * out[1]) / out_len
                    cost += 0.5 * h * (1 - cosang)
                if best is None or cost < best[0]:
                    best = (cost, cx, cy, bb)
        if best is None:  # pathological crowding: accept the dot itself (still in the key)
            best = (0.0, x0, y0, ctx.disp_box(x0, y0, w, h))
        _cost, cx, cy, bb = best
        reserve(code, cx, cy, bb, leader=True)
    _uncross(ctx, pos, lead, placed, sizes, leader_of, gap)

    for code, (cx, cy, _bb) in pos.items():
        px, py = ctx.to_data.transform((cx, cy))
        ax.text(px, py, str(nummer[code]), fontsize=size, ha="center", va="center", zorder=7,
                gid=f"buurtnummer-{code}", **kw)  # fmt: skip
        if code in lead:
            # Leader from a dot inside the buurt to the number's box edge.
            dx, dy, ex, ey = lead[code]
            (lx0, ly0), (lx1, ly1) = ctx.to_data.transform([[dx, dy], [ex, ey]])
            ax.plot([lx0, lx1], [ly0, ly1], color=BLACK, lw=0.5, zorder=6.5,
                    solid_capstyle="round", gid=f"leider-{code}")  # fmt: skip
            ax.plot([lx0], [ly0], "o", color=BLACK, ms=1.5, zorder=6.5, gid=f"stip-{code}")
    return sorted((nummer[c], c, n) for c, n, _g, _a in todo)


def _free_spots(
    ctx: _Ctx, centres: np.ndarray, w: float, h: float, boxes: np.ndarray, segs: np.ndarray
) -> np.ndarray:
    """Indices of the candidate centres whose w x h box is free, in candidate order.

    Free: inside the axes, on no placed box (``boxes``, already grown by the gap) and on no
    leader line. The same tests as :meth:`_Ctx.inside_axes`, :func:`_hits` and
    :func:`_segment_crosses_box` box by box, here for a whole ring of candidates at once
    (Tilburg and Amsterdam try ~300,000 spots per report).
    """
    cand, ok = ctx.disp_boxes(centres, w, h)
    ok &= ~_hits_any(boxes, cand)
    idx = np.flatnonzero(ok)
    if len(idx) and len(segs):
        idx = idx[~_segments_cross_boxes(segs, cand[idx])]
    return idx


def _clusters(points: Sequence[tuple[float, float]], link: float) -> list[list[int]]:
    """Single-linkage groups of points closer than ``link`` (indices, in input order)."""
    n = len(points)
    if n == 0:
        return []
    pts = np.asarray(points, dtype=float)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    d = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    for i, j in zip(*np.nonzero(np.triu(d < link, k=1)), strict=True):
        parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda m: m[0])


def _ring(
    ctx: _Ctx,
    codes: list[str],
    dots: dict[str, tuple[float, float]],
    sizes: dict[str, tuple[float, float]],
    placed: _Placed,
    gap: float,
) -> dict[str, tuple[float, float, Bbox]] | None:
    """Numbers of a crowd on free slots of a circle around it, matched in angular order.

    Matching buurten and slots in the same angular order (an order-preserving assignment
    that minimises the total leader length) makes radial leader lines that do not cross.
    The circle grows until there are enough free slots; None when it would leave the map.
    """
    pts = np.array([dots[c] for c in codes])
    centre = pts.mean(axis=0)
    w = max(sizes[c][0] for c in codes)
    h = max(sizes[c][1] for c in codes)
    slot = math.hypot(w, h) + 2 * gap + 2 * ctx.pad
    n = len(codes)
    radius = max(float(np.hypot(*(pts - centre).T).max()) + 1.2 * h, n * slot / (2 * math.pi))
    limit = math.hypot(ctx.axbox.width, ctx.axbox.height) / 2
    boxes = placed.box_array(gap)
    segs = placed.leader_array()
    slots: list[tuple[float, float, float]] = []
    while radius < limit:
        m = max(int(2 * math.pi * radius / (slot / 4)), 4 * n)
        free = []
        for k in range(m):
            phi = 2 * math.pi * k / m
            x, y = centre[0] + radius * math.cos(phi), centre[1] + radius * math.sin(phi)
            bb = ctx.disp_box(x, y, w, h)
            if not ctx.inside_axes(bb) or _hits(boxes, bb.x0, bb.y0, bb.x1, bb.y1).any():
                continue
            if len(segs) and _segment_crosses_box(segs, bb):
                continue
            free.append((phi, x, y))
        # Greedy: slots at least one slot width apart along the circle.
        step = slot / radius
        slots = []
        for phi, x, y in free:
            if slots and phi - slots[-1][0] < step:
                continue
            if slots and 2 * math.pi - (phi - slots[0][0]) < step:
                continue
            slots.append((phi, x, y))
        if len(slots) >= n:
            break
        radius += 1.2 * h
    if len(slots) < n:
        return None
    # Cut the circle in the widest empty sector between the buurten, then assign in order.
    theta = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0]) % (2 * math.pi)
    order = np.argsort(theta, kind="stable")
    ts = theta[order]
    gaps = np.diff(np.append(ts, ts[0] + 2 * math.pi))
    cut = (ts[int(np.argmax(gaps))] + gaps.max() / 2) % (2 * math.pi)
    order = sorted(range(n), key=lambda i: (theta[i] - cut) % (2 * math.pi))
    sl = sorted(slots, key=lambda s_: (s_[0] - cut) % (2 * math.pi))
    m = len(sl)
    length = np.array(
        [[math.hypot(sl[j][1] - pts[i][0], sl[j][2] - pts[i][1]) for j in range(m)] for i in order]
    )
    # cost[i][j]: best total for the first i buurten using slots before j.
    cost = np.full((n + 1, m + 1), np.inf)
    cost[0, :] = 0.0
    for i in range(1, n + 1):
        for j in range(i, m + 1):
            cost[i, j] = min(cost[i, j - 1], cost[i - 1, j - 1] + length[i - 1, j - 1])
    out: dict[str, tuple[float, float, Bbox]] = {}
    j = m
    for i in range(n, 0, -1):
        while cost[i, j] == cost[i, j - 1]:
            j -= 1
        code = codes[order[i - 1]]
        _phi, x, y = sl[j - 1]
        out[code] = (x, y, ctx.disp_box(x, y, *sizes[code]))
        j -= 1
    return out


def _uncross(
    ctx: _Ctx,
    pos: dict[str, tuple[float, float, Bbox]],
    lead: dict[str, tuple[float, float, float, float]],
    placed: _Placed,
    sizes: dict[str, tuple[float, float]],
    leader_of: Any,
    gap: float,
) -> None:
    """Swap the places of two numbers whose leader lines cross.

    For two crossing straight leaders, exchanging their ends removes the crossing and
    shortens the pair (triangle inequality), so the repeated swaps end. A swap is only
    made when both numbers fit at their new places and the new leaders do not cross.
    """
    # Amsterdam has ~400 leaders: the pairs are tested against each other's boxes tens of
    # thousands of times, so the tests use arrays (one crossing test per `a` against all
    # later leaders, the placed boxes from the placer's cached array) instead of reading
    # every Bbox again; per pair the arithmetic and the answers are the same as one by one.
    grow = np.array([-gap, -gap, gap, gap])
    row = {c: k for k, c in enumerate(placed.boxes)}
    for _round in range(4 * len(lead) + 1):
        swapped = False
        codes = sorted(lead)
        for i, a in enumerate(codes):
            later = codes[i + 1 :]
            cross: np.ndarray | None = None
            for j, b in enumerate(later):
                if a not in lead or b not in lead:
                    continue  # an earlier swap brought one of them home: no leader now
                sa = lead[a]
                if cross is None:
                    # After a swap the leaders changed: test again against the rest.
                    rows = [lead.get(c, (np.nan,) * 4) for c in later]
                    cross = _crossing_mask(np.array(rows, dtype=float), sa[:2], sa[2:])
                if not cross[j]:
                    continue
                sb = lead[b]
                (ax_, ay, _ba), (bx, by, _bb) = pos[a], pos[b]
                new_a = ctx.disp_box(bx, by, *sizes[a])
                new_b = ctx.disp_box(ax_, ay, *sizes[b])
                # Rows of box_array: the labels (placed.boxes, in order), then the others.
                # A swap replaces two boxes in place; only a new label would move the rows.
                if len(row) != len(placed.boxes):
                    row = {c: k for k, c in enumerate(placed.boxes)}
                every = placed.box_array()
                keep = np.ones(len(every), dtype=bool)
                keep[[row[a], row[b]]] = False
                arr = every[keep] + grow
                if any(_hits(arr, q.x0, q.y0, q.x1, q.y1).any() for q in (new_a, new_b)):
                    continue
                if new_a.overlaps(new_b) or not (ctx.inside_axes(new_a) and ctx.inside_axes(new_b)):
                    continue
                la, lb = leader_of(a, new_a), leader_of(b, new_b)
                if (
                    la is not None
                    and lb is not None
                    and _crossings(np.array([lb]), (la[0], la[1]), (la[2], la[3]))
                ):
                    continue
                labels = every[: len(row)][keep[: len(row)]]

                def through(seg: Any, lab: np.ndarray = labels) -> int:
                    if seg is None:
                        return 0
                    return int(_segment_hits(lab, (seg[0], seg[1]), (seg[2], seg[3])).sum())

                # Uncrossing may not send a leader through a name or number instead, nor put
                # a number on a third leader.
                if through(la) + through(lb) > through(sa) + through(sb):
                    continue
                third = np.array([v for c, v in lead.items() if c not in (a, b)]).reshape(-1, 4)
                if _segment_crosses_box(third, new_a) or _segment_crosses_box(third, new_b):
                    continue
                pos[a], pos[b] = (bx, by, new_a), (ax_, ay, new_b)
                for code, seg, bb in ((a, la, new_a), (b, lb, new_b)):
                    placed.add(code, bb)
                    if seg is None:
                        lead.pop(code, None)
                    else:
                        lead[code] = seg
                placed.leaders = list(lead.values())
                swapped = True
                cross = None
        if not swapped:
            return


def buurt_nummers(codes: Iterable[Any]) -> dict[str, int]:
    """Buurt code -> number: its place (from 1) in the sorted codes of the gemeente.

    Parameters
    ----------
    codes
        All buurt codes of the gemeente.

    Returns
    -------
    dict
        The same number for a buurt on every map of the report and the vouwkaart.
    """
    return {code: i for i, code in enumerate(sorted({str(c) for c in codes}), start=1)}


def crowded_extent(
    ax: Axes,
    buurten: Any,
    *,
    number_size: float,
    window: tuple[float, float],
    min_buurten: int = 6,
) -> tuple[float, float, float, float] | None:
    """The window of the map with the most buurten too small to hold even their number.

    Such a crowd (a city centre) cannot be labelled legibly at the map's scale, however
    the numbers are moved: it needs an enlarged inset. A buurt is "too small" when the
    largest circle inside it is narrower than a two-digit number. Windows of the given
    size centred on each small buurt are compared; the best is re-centred on the small
    buurten it holds.

    Parameters
    ----------
    ax
        Map axes with final limits.
    buurten
        GeoDataFrame with ``code`` and geometry.
    number_size
        Size of the buurt numbers in points.
    window
        Width and height of the window on the map, in display pixels (the inset's size
        divided by its enlargement).
    min_buurten
        Fewest small buurten that make an inset worthwhile.

    Returns
    -------
    tuple or None
        ``(x0, y0, x1, y1)`` in data coordinates, or None when no window holds
        ``min_buurten`` small buurten.
    """
    renderer = _renderer(ax.get_figure())
    _w, h = _measure(ax, renderer, "88", number_size, fontweight="bold")
    ctx = _Ctx(ax, renderer, pad=0.0, text_kw={})
    px = ctx.px_to_data(1.0)
    small = []
    for geom in buurten.geometry:
        parts = _polys(geom)
        if not parts:
            continue
        poly = max(parts, key=lambda p: p.area)
        x, y = _anchor(poly)
        if poly.exterior.distance(shapely.Point(x, y)) / px < 0.8 * h:
            small.append(ctx.to_disp.transform((x, y)))
    if len(small) < min_buurten:
        return None
    pts = np.array(small)
    ww, wh = window
    inside = (np.abs(pts[:, None, 0] - pts[None, :, 0]) < ww / 2) & (
        np.abs(pts[:, None, 1] - pts[None, :, 1]) < wh / 2
    )
    counts = inside.sum(axis=1)
    best = int(np.argmax(counts))  # first of the ties: deterministic
    if counts[best] < min_buurten:
        return None
    cx, cy = pts[inside[best]].mean(axis=0)
    (x0, y0), (x1, y1) = ctx.to_data.transform(
        [[cx - ww / 2, cy - wh / 2], [cx + ww / 2, cy + wh / 2]]
    )
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
