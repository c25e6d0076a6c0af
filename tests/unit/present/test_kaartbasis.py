"""Geometry helpers of the label placer (pipeline/present/kaartbasis.py)."""

import numpy as np
from matplotlib.transforms import Bbox

from pipeline.present.kaartbasis import _segment_crosses_box, _segment_hits

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
