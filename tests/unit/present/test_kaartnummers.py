"""Tests of pipeline.present.kaartnummers: crossing leaders swapped, free callout spots."""

from __future__ import annotations

import numpy as np
from matplotlib.transforms import Bbox

from pipeline.present import kaartbasis, kaartnummers
from tests.support.kaart import display_ctx as _ctx


def _setup(ctx, numbers, others=()):
    """Place numbers (code -> dot, centre, size) with leaders from dot to box edge."""
    placed = kaartbasis._Placed(others=[Bbox.from_extents(*o) for o in others])
    # A name that is not a number: its box stays where it is and must be kept clear of.
    placed.add("naam", Bbox.from_extents(0, 380, 40, 390))
    dots = {c: d for c, (d, _c, _s) in numbers.items()}
    sizes = {c: s for c, (_d, _c, s) in numbers.items()}

    def leader_of(code, bb):
        ex, ey = kaartbasis._edge_point(bb, *dots[code])
        return (*dots[code], ex, ey)

    pos, lead = {}, {}
    for code, (_dot, (cx, cy), size) in numbers.items():
        bb = ctx.disp_box(cx, cy, *size)
        pos[code] = (cx, cy, bb)
        lead[code] = leader_of(code, bb)
        placed.add(code, bb)
    placed.leaders = list(lead.values())
    return placed, pos, lead, sizes, leader_of


def _crossing_pairs(lead):
    codes = sorted(lead)
    return {
        (a, b)
        for i, a in enumerate(codes)
        for b in codes[i + 1 :]
        if kaartbasis._crossings(np.array([lead[b]]), lead[a][:2], lead[a][2:])
    }


def test_uncross_swaps_crossing_leaders_unless_the_new_place_is_taken():
    ctx = _ctx()
    numbers = {
        # a and b cross; equal sizes, nothing in the way: they swap.
        "a": ((100, 100), (300, 200), (20, 10)),
        "b": ((100, 200), (300, 100), (20, 10)),
        # c and d cross too, but c is wide and would land on the fixed box beside d.
        "c": ((100, 260), (300, 340), (80, 10)),
        "d": ((100, 340), (300, 260), (10, 10)),
    }
    # Beside d's place, clear of d itself (and of the other numbers and leaders).
    blocker = (320, 255, 330, 265)
    placed, pos, lead, sizes, leader_of = _setup(ctx, numbers, others=[blocker])
    assert _crossing_pairs(lead) == {("a", "b"), ("c", "d")}

    kaartnummers._uncross(ctx, pos, lead, placed, sizes, leader_of, gap=1.0)

    assert _crossing_pairs(lead) == {("c", "d")}
    assert (pos["a"][0], pos["a"][1]) == (300, 100) and (pos["b"][0], pos["b"][1]) == (300, 200)
    assert (pos["c"][0], pos["c"][1]) == (300, 340) and (pos["d"][0], pos["d"][1]) == (300, 260)
    # The placer's record follows the swap: boxes moved, the name kept, leaders current.
    assert placed.boxes["a"] == pos["a"][2] and placed.boxes["b"] == pos["b"][2]
    assert placed.boxes["naam"].bounds == (0, 380, 40, 10)
    assert sorted(placed.leaders) == sorted(lead.values())
    # Without the fixed box, c and d swap as well.
    placed, pos, lead, sizes, leader_of = _setup(ctx, numbers)
    kaartnummers._uncross(ctx, pos, lead, placed, sizes, leader_of, gap=1.0)
    assert _crossing_pairs(lead) == set()
    assert (pos["c"][0], pos["c"][1]) == (300, 260)


def test_free_spots_agrees_with_the_box_by_box_tests():
    # A ring of candidates against placed boxes and leaders: the array version must pick
    # exactly the candidates the one-box tests (inside the axes, no box, no leader) accept.
    ctx = _ctx()
    rnd = np.random.default_rng(7)
    xy = rnd.uniform(0, 380, size=(40, 2))
    boxes = np.column_stack([xy, xy + rnd.uniform(5, 30, size=(40, 2))])
    segs = rnd.uniform(0, 400, size=(25, 4))
    for r, (w, h) in [(0.0, (12.0, 8.0)), (30.0, (12.0, 8.0)), (150.0, (40.0, 9.0))]:
        angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        centres = np.column_stack([200 + r * np.cos(angles), 200 + r * np.sin(angles)])
        expected = []
        for j, (cx, cy) in enumerate(centres):
            bb = ctx.disp_box(cx, cy, w, h)
            if not ctx.inside_axes(bb) or kaartbasis._hits(boxes, *bb.extents).any():
                continue
            if kaartbasis._segment_crosses_box(segs, bb):
                continue
            expected.append(j)
        got = kaartnummers._free_spots(ctx, centres, w, h, boxes, segs)
        assert got.tolist() == expected
        assert 0 < len(expected) < len(centres) or r == 0.0
    # Nothing placed yet: every spot inside the axes is free.
    got = kaartnummers._free_spots(ctx, centres, 40.0, 9.0, boxes[:0], segs[:0])
    assert got.tolist() == list(range(len(centres)))
