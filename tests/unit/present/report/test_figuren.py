"""Ranked bars of a theme chapter (pipeline.present.report.figuren): where the cut may fall."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.present.report import figuren


def _waarden(n: int) -> pd.Series:
    return pd.Series(np.linspace(10.0, 27.0, n), index=[f"Buurt {i}" for i in range(n)])


def test_bars_are_cut_only_between_distinguishable_buurten():
    v = _waarden(66)
    # Exact values: the first 25 are a ranking of their own.
    assert figuren._bars_cut(v, v, v, 1) == 25
    # Margins that tie every buurt: no cut at 25 is honest, so no ranking at all.
    assert figuren._bars_cut(v, v - 20, v + 20, 1) == 0
    # The ten highest stand apart from the rest (exact), the rest overlap each other.
    lo, hi = v - 20, v + 20
    top = v.sort_values(ascending=False).index[:10]
    lo[top], hi[top] = v[top] + 30, v[top] + 30
    bumped = v.copy()
    bumped[top] = v[top] + 30
    assert figuren._bars_cut(bumped, lo, hi, 1) == 10
    # Few buurten: all are shown, whatever the margins.
    assert figuren._bars_cut(v.iloc[:12], v.iloc[:12] - 20, v.iloc[:12] + 20, 1) == 25
    # Lower is worse: the cut is counted from the lowest values.
    assert figuren._bars_cut(v, v, v, -1) == 25
