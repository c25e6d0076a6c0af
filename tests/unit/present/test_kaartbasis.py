"""Geometry helpers of the label placer (pipeline/present/kaartbasis.py)."""

import numpy as np
from matplotlib.transforms import Bbox

from pipeline.present import kaartbasis
from pipeline.present.kaartbasis import _segment_crosses_box, _segment_hits
from tests.support.kaart import display_ctx

BOX = Bbox.from_extents(10.0, 10.0, 20.0, 20.0)


def _one_by_one(segs: np.ndarray, bb: Bbox) -> bool:
    """The per-segment Liang-Barsky test: the reference the vectorised one must equal."""
    one = np.array([[bb.x0, bb.y0, bb.x1, bb.y1]])
    return any(_segment_hits(one, (s[0], s[1]), (s[2], s[3]))[0] for s in segs)


def test_known_segments():
    through = np.array([[0.0, 15.0, 30.0, 15.0]])
    beside = np.array([[0.0, 25.0, 30.0, 25.0]])
    inside = np.array([[12.0, 12.0, 13.0, 13.0]])
    vertical_left = np.array([[5.0, 0.0, 5.0, 30.0]])  # dx == 0, left of the box
    vertical_through = np.array([[15.0, 0.0, 15.0, 30.0]])  # dx == 0, through the box
    ends_before = np.array([[0.0, 15.0, 9.0, 15.0]])
    assert _segment_crosses_box(through, BOX)
    assert not _segment_crosses_box(beside, BOX)
    assert _segment_crosses_box(inside, BOX)
    assert not _segment_crosses_box(vertical_left, BOX)
    assert _segment_crosses_box(vertical_through, BOX)
    assert not _segment_crosses_box(ends_before, BOX)
    assert not _segment_crosses_box(np.zeros((0, 4)), BOX)
    # Any one segment through the box is enough.
    assert _segment_crosses_box(np.vstack([beside, ends_before, through]), BOX)


def test_equals_the_per_segment_test_on_random_leaders():
    rng = np.random.default_rng(7)
    for _ in range(400):
        n = int(rng.integers(1, 6))
        segs = rng.uniform(0, 30, size=(n, 4)).round(int(rng.integers(0, 3)))
        # Some axis-parallel and zero-length segments (the d == 0 branch).
        k = rng.integers(0, 3)
        if k == 1:
            segs[:, 2] = segs[:, 0]
        elif k == 2:
            segs[:, 2:] = segs[:, :2]
        x0, y0 = rng.uniform(0, 25, size=2).round(1)
        bb = Bbox.from_extents(x0, y0, x0 + rng.uniform(0.5, 8), y0 + rng.uniform(0.5, 8))
        assert _segment_crosses_box(segs, bb) == _one_by_one(segs, bb), (segs, bb)


def test_crossing_mask_tests_each_segment_as_crossings_counts_them():
    segs = np.array([[0, 0, 10, 10], [0, 10, 10, 0], [20, 20, 30, 30], [0, 5, 10, 5]], float)
    mask = kaartbasis._crossing_mask(segs, (0, 10), (10, 0))
    # The second segment is the same line (no proper crossing); the third lies elsewhere.
    assert mask.tolist() == [True, False, False, True]
    assert kaartbasis._crossings(segs, (0, 10), (10, 0)) == 2
    assert kaartbasis._crossings(segs[:0], (0, 10), (10, 0)) == 0


def test_first_fit_picks_the_spot_the_one_by_one_loop_would_pick():
    # Candidates in trial order, placed boxes and leaders, and an area the label must lie in
    # (a disk in data coordinates): first_fit must return the first candidate for which
    # the per-box tests of the placers all pass (None when none does).
    import shapely
    from shapely.prepared import prep

    ctx = display_ctx()
    ctx.ax.set_xlim(0, 1000)
    ctx.ax.set_ylim(0, 1000)
    rnd = np.random.default_rng(11)
    placed = kaartbasis._Placed(others=[Bbox.from_extents(150, 150, 250, 170)])
    for k, (x, y) in enumerate(rnd.uniform(0, 380, size=(30, 2))):
        placed.add(f"c{k}", Bbox.from_extents(x, y, x + rnd.uniform(5, 25), y + 8))
    placed.leaders = [tuple(v) for v in rnd.uniform(0, 400, size=(12, 4))]
    area = prep(shapely.Point(500, 500).buffer(300))

    def one_by_one(disp, w, h, gap):
        for j, (cx, cy) in enumerate(disp):
            bb = ctx.disp_box(cx, cy, w, h)
            grown = Bbox.from_extents(bb.x0 - gap, bb.y0 - gap, bb.x1 + gap, bb.y1 + gap)
            if ctx.inside_axes(bb) and placed.free(grown) and area.contains(ctx.data_poly(bb)):
                return j
        return None

    seen = set()
    for trial in range(60):
        disp = rnd.uniform(-20, 420, size=(int(rnd.integers(1, 60)), 2))
        w, h, gap = float(rnd.uniform(5, 40)), float(rnd.uniform(5, 12)), [0.0, 1.5][trial % 2]
        expected = one_by_one(disp, w, h, gap)
        assert ctx.first_fit(disp, w, h, placed, area, gap) == expected
        seen.add(None if expected is None else min(expected, 8))
    # The trials cover: no fit, a fit among the first eight and one further down.
    assert {None, 8} <= seen and len(seen - {None, 8}) > 0
