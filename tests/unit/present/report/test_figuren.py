"""Ranked bars of a theme chapter (pipeline.present.report.figuren): where the cut may fall."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model.registry import build_registry
from pipeline.present.report import figuren


def _waarden(n: int) -> pd.Series:
    return pd.Series(np.linspace(10.0, 27.0, n), index=[f"Buurt {i}" for i in range(n)])


def test_bars_are_cut_only_between_distinguishable_buurten():
    v = _waarden(66)

    def n(*args: object) -> int:
        return len(figuren._bars_order(*args)[0])

    # Exact values: the first 25 are a ranking of their own.
    assert n(v, v, v, 1) == 25
    # Margins that tie every buurt: no cut at 25 is honest, so no ranking at all.
    assert n(v, v - 20, v + 20, 1) == 0
    # The ten highest stand apart from the rest (exact), the rest overlap each other.
    lo, hi = v - 20, v + 20
    top = v.sort_values(ascending=False).index[:10]
    lo[top], hi[top] = v[top] + 30, v[top] + 30
    bumped = v.copy()
    bumped[top] = v[top] + 30
    assert n(bumped, lo, hi, 1) == 10
    # Few buurten: all are shown, whatever the margins.
    assert n(v.iloc[:12], v.iloc[:12] - 20, v.iloc[:12] + 20, 1) == 12
    # Lower is worse: the cut is counted from the lowest values.
    assert figuren._bars_order(v, v, v, -1)[0][:2] == ["Buurt 0", "Buurt 1"]


def test_bars_of_buurten_that_share_a_place_go_by_name():
    v = pd.Series({"Zuid": 30.0, "Noord": 20.0, "Centrum": 10.0, "Oost": 19.0})
    # Exact values: by value, each buurt a place of its own.
    assert figuren._bars_order(v, v, v, 1) == (["Zuid", "Noord", "Oost", "Centrum"], "rang")
    # Noord and Oost overlap: they share the second place and go by name.
    lo, hi = v.copy(), v.copy()
    lo[["Noord", "Oost"]], hi[["Noord", "Oost"]] = 18.0, 21.0
    assert figuren._bars_order(v, lo, hi, 1) == (["Zuid", "Noord", "Oost", "Centrum"], "deels")
    hi["Oost"], lo["Noord"] = 22.0, 17.0
    v2 = v.copy()
    v2["Oost"] = 21.0  # now above Noord by value, still inside its margin
    assert figuren._bars_order(v2, lo, hi, 1) == (["Zuid", "Noord", "Oost", "Centrum"], "deels")
    # Every margin overlaps every other: no order at all, only names.
    wide = figuren._bars_order(v, v - 15, v + 15, 1)
    assert wide == (["Centrum", "Noord", "Oost", "Zuid"], "geen")
    # The caption and the alt text say what the order is.
    assert "op naam" in figuren._VOLGORDE["geen"][0]
    assert "gerangschikt" not in figuren._VOLGORDE["geen"][0]
    reg = build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")
    ind = reg["aandeel_75plus"]
    alt = figuren._alt_staaf("X", ind, 2024, v, None, 4, v - 15, v + 15, wide[0], wide[1])
    assert "op naam" in alt and "van hoogste naar laagste" not in alt
    assert alt.index("Centrum") < alt.index("Noord") < alt.index("Zuid")


def test_the_bar_caption_states_the_rule_the_order_follows():
    """Real Duiven, dementia: West 80 (50-120) and Zuidoost 80 (45-115) stand above
    Zuidwest 40 (20-75) although the margins overlap (each value lies outside the other's
    margin). The caption said "waar ze overlappen, is het verschil niet zeker"; it now
    names the rule the bars follow."""
    v = pd.Series({"West": 80.0, "Zuidoost": 80.0, "Zuidwest": 40.0, "Oud Zuid": 40.0})
    lo = pd.Series({"West": 50.0, "Zuidoost": 45.0, "Zuidwest": 20.0, "Oud Zuid": 20.0})
    hi = pd.Series({"West": 120.0, "Zuidoost": 115.0, "Zuidwest": 75.0, "Oud Zuid": 60.0})
    volgorde, soort = figuren._bars_order(v, lo, hi, 1)
    assert volgorde == ["West", "Zuidoost", "Oud Zuid", "Zuidwest"] and soort == "deels"
    assert "overlap" not in figuren._STREEPJES
    assert "binnen het streepje van een andere" in figuren._STREEPJES
