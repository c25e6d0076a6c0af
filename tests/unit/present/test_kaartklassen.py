"""Tests of pipeline.present.kaartklassen (map classes, labels, palette) and of the
interval-aware breaks and rank groups of pipeline.present.klassen it builds on."""

from __future__ import annotations

import itertools

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest

from pipeline.present import kaartklassen, kaartlegenda, klassen


# --- numbers and classification -----------------------------------------------------
def test_class_labels_print_a_break_as_the_report_text_does():
    # A legend break of 4,25 reads "4,3" like the same number in the report text (half-up),
    # not "4,2" (Python's half-even rounding, as the legend once did).
    from pipeline.present import fmt

    labels, d = kaartklassen._labels([4.25, 1234.5], 1, "")
    assert labels == ["4,3 – 1.234,5"] and d == 1
    assert labels[0].split(" – ")[0] == fmt.getal(4.25, 1)
    assert kaartklassen._labels([2.5, 2.5], 0, "%")[0] == ["3 %"]


def test_classify_nan_is_minus_one_and_labels_are_dutch():
    s = pd.Series([12.5, 18.0, np.nan, 22.25, 30.0, 14.0], index=list("abcdef"))
    c = kaartklassen.classify(s, "equal_interval", 3, decimals=1, unit="%")
    assert c.classes["c"] == -1
    assert (c.classes.drop("c") >= 0).all()
    assert c.k == 3
    # A class is labelled with the values it holds: a class of one value is that value.
    assert c.labels == ["12,5 – 18,0 %", "22,3 %", "30,0 %"]
    assert all("," in lab and lab.endswith(" %") for lab in c.labels)
    # Class bounds follow mapclassify: upper bound inclusive.
    assert c.classes["a"] == 0 and c.classes["e"] == 2


def test_classify_with_fewer_unique_values_than_k():
    c = kaartklassen.classify(pd.Series([1.0, 1.0, 2.0, np.nan]), "quantiles", 5)
    assert 1 <= c.k <= 2
    assert c.classes.iloc[3] == -1
    one = kaartklassen.classify(pd.Series([4.0, 4.0]), "fisher_jenks", 5, decimals=0)
    assert one.k == 1 and one.labels == ["4"] and list(one.classes) == [0, 0]
    empty = kaartklassen.classify(pd.Series([np.nan, np.nan]), "quantiles", 5)
    assert empty.k == 0 and list(empty.classes) == [-1, -1]


def test_classify_widens_decimals_when_breaks_would_print_the_same():
    c = kaartklassen.classify(
        pd.Series([4.31, 4.34, 4.38, 4.42, 4.47, 4.9]), "quantiles", 5, decimals=1
    )
    assert len(set(c.labels)) == c.k


@pytest.mark.parametrize("scheme", kaartklassen.SCHEMES)
def test_all_schemes_are_deterministic(scheme):
    y = pd.Series(np.random.default_rng(3).lognormal(2, 0.6, 80))
    a = kaartklassen.classify(y, scheme, 5)
    b = kaartklassen.classify(y, scheme, 5)
    assert a.edges == b.edges and a.k == 5
    assert (a.classes >= 0).all()


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval"])
def test_numpy_schemes_equal_mapclassify(scheme):
    # quantiles/equal_interval are computed without importing mapclassify (start-up time);
    # they must give mapclassify's class edges, ties and rounding included.
    import warnings

    import mapclassify

    cls = {"quantiles": mapclassify.Quantiles, "equal_interval": mapclassify.EqualInterval}
    rng = np.random.default_rng(7)
    for trial in range(300):
        n = int(rng.integers(2, 60))
        y = (
            np.round(rng.gamma(2.0, 10.0, n), 1)
            if trial % 2
            else rng.integers(0, 5, n).astype(float)
        )
        k_eff = min(int(rng.integers(2, 10)), np.unique(y).size)
        if k_eff < 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            bins = cls[scheme](y, k=k_eff).bins
        expected = np.unique(np.concatenate([[y.min()], bins]))
        expected[-1] = max(expected[-1], y.max())
        assert kaartklassen._edges(y, scheme, k_eff) == pytest.approx(list(expected)), (y, k_eff)


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="classificatie"):
        kaartklassen.classify(pd.Series([1.0, 2.0, 3.0]), "kwantielen", 3)


def test_shared_bins_give_identical_breaks_for_now_and_future():
    now = pd.Series([10.0, 12, 15, 20, 22, 30], index=list("abcdef"))
    future = now * 1.4
    edges = kaartklassen.shared_bins([now, future], "quantiles", 4)
    c_now = kaartklassen.classify(now, bins=edges, decimals=0, unit="%")
    c_fut = kaartklassen.classify(future, bins=edges, decimals=0, unit="%")
    assert c_now.edges == c_fut.edges == edges
    assert c_now.labels == c_fut.labels
    assert edges[0] == 10.0 and edges[-1] == pytest.approx(42.0)
    # The point of sharing: the future map is darker than the base-year map.
    assert c_fut.classes.mean() > c_now.classes.mean()
    # ...which independent classifications would hide.
    assert (
        kaartklassen.classify(future, "quantiles", 4).classes.tolist()
        == kaartklassen.classify(now, "quantiles", 4).classes.tolist()
    )


def test_palette_is_sequential_in_greyscale_and_reversed_for_lower_is_worse():
    cols = kaartklassen.palette(5, 1)
    lum = [np.dot(mpl.colors.to_rgb(c), [0.299, 0.587, 0.114]) for c in cols]
    assert all(a > b for a, b in itertools.pairwise(lum)), "darker = larger task"
    assert kaartklassen.palette(5, -1) == cols[::-1]
    hatch_faces = {s["facecolor"] for s in kaartlegenda.STATUS_STYLE.values()}
    assert not hatch_faces & set(kaartklassen.palette(9, 1))


# --- interval-aware classes (pipeline.present.klassen) --------------------------------------------
def _split_pairs(cls: kaartklassen.Classification, v, lo, hi) -> list[tuple[int, int]]:
    """Pairs of buurten in different classes where one value lies inside the other's
    interval (must be empty), written out pair by pair."""
    c = cls.classes.to_numpy()
    out = []
    for i, j in itertools.combinations(range(len(c)), 2):
        if c[i] < 0 or c[j] < 0 or c[i] == c[j]:
            continue
        if lo[i] <= v[j] <= hi[i] or lo[j] <= v[i] <= hi[j]:
            out.append((i, j))
    return out


def test_interval_breaks_never_split_overlapping_intervals():
    # Hand-made: buurt 3 (value 4) has a wide interval reaching down to 0, so nothing
    # below it may be split off; 5..10 are exact and may be split as usual.
    v = np.arange(1.0, 11.0)
    lo, hi = v.copy(), v.copy()
    lo[3] = 0.0
    cls = kaartklassen.classify(pd.Series(v), "quantiles", 5, lo=pd.Series(lo), hi=pd.Series(hi))
    assert cls.marges
    assert len(set(cls.classes.iloc[:4])) == 1  # 1-4 share a class
    assert _split_pairs(cls, v, lo, hi) == []
    assert cls.k >= 3  # the exact buurten above are still split
    # One interval spanning everything: one class, never a split.
    lo2, hi2 = v.copy(), v.copy()
    lo2[0], hi2[0] = 0.0, 11.0
    one = kaartklassen.classify(pd.Series(v), "quantiles", 5, lo=pd.Series(lo2), hi=pd.Series(hi2))
    assert one.k == 1 and set(one.classes) == {0}


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval"])
def test_interval_breaks_property_on_random_intervals(scheme):
    rng = np.random.default_rng(3)
    for _ in range(40):
        n = int(rng.integers(3, 40))
        v = rng.normal(20, 6, n)
        w = rng.uniform(0, 4, n) * (rng.uniform(size=n) < 0.7)
        lo, hi = v - w, v + rng.uniform(0, 4, n) * (w > 0)
        cls = kaartklassen.classify(pd.Series(v), scheme, 5, lo=pd.Series(lo), hi=pd.Series(hi))
        assert _split_pairs(cls, v, lo, hi) == []
        assert 1 <= cls.k <= 5


def test_disjoint_intervals_are_split_where_the_scheme_splits():
    # Three tight groups far apart: quantiles with k=3 split exactly between them.
    v = np.array([1.0, 1.2, 1.4, 10.0, 10.2, 10.4, 20.0, 20.2, 20.4])
    cls = kaartklassen.classify(
        pd.Series(v), "quantiles", 3, lo=pd.Series(v - 0.5), hi=pd.Series(v + 0.5)
    )
    assert list(cls.classes) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    # Intervals that overlap only between the groups (13-14.4) leave them apart ...
    lo = pd.Series(v - np.where(v > 15, 7, 4))  # the top group reaches down to 13
    apart = kaartklassen.classify(pd.Series(v), "quantiles", 3, lo=lo, hi=pd.Series(v + 4))
    assert list(apart.classes) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    # ... but once the top group's intervals reach the middle values, two classes remain.
    lo = pd.Series(v - np.where(v > 15, 10.5, 4))  # down to 9.5: holds 10-10.4
    wide = kaartklassen.classify(pd.Series(v), "quantiles", 3, lo=lo, hi=pd.Series(v + 4))
    assert list(wide.classes) == [0, 0, 0, 1, 1, 1, 1, 1, 1]


@pytest.mark.parametrize("scheme", kaartklassen.SCHEMES)
def test_zero_width_intervals_give_the_old_breaks(scheme):
    rng = np.random.default_rng(5)
    v = pd.Series(np.round(rng.gamma(3, 5, 60), 1), index=[f"BU{i:08d}" for i in range(60)])
    v.iloc[[3, 9]] = np.nan
    old = kaartklassen.classify(v, scheme, 5)
    nan = pd.Series(np.nan, index=v.index)
    for lo, hi in ((nan, nan), (v, v), (None, nan)):
        new = kaartklassen.classify(v, scheme, 5, lo=lo, hi=hi)
        assert new.edges == old.edges and new.labels == old.labels
        assert new.classes.equals(old.classes) and not new.marges


def test_shared_bins_with_intervals_do_not_split_overlaps_across_years():
    now = pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd"))
    later = pd.Series([2.5, 6.0, 7.0, 8.0], index=list("abcd"))
    plain = kaartklassen.shared_bins([now, later], "quantiles", 4)
    # 'later' a (2.5) reaches down to 1.5: it overlaps now b, so no break between them.
    edges = kaartklassen.shared_bins(
        [now, later], "quantiles", 4,
        intervals=[(None, None), (later.where(later.index != "a", 1.5), None)],
    )  # fmt: skip
    c_now = kaartklassen.classify(now, bins=edges).classes
    assert c_now["b"] == kaartklassen.classify(later, bins=edges).classes["a"]
    assert len(edges) <= len(plain)


def test_rank_scores_with_intervals_and_shared_places():
    from pipeline.present import klassen

    v = pd.Series([1.0, 2.0, 3.0, 10.0], index=list("abcd"))
    exact = klassen.rangscores(v)
    assert exact["rs"].tolist() == exact["rs_min"].tolist() == exact["rs_max"].tolist()
    assert exact["rs"].tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    rs = klassen.rangscores(v, v - 1.5, v + 1.5)
    # a overlaps b and c (above it): it could rank as high as c
    assert rs.loc["a", "rs_min"] == 0 and rs.loc["a", "rs_max"] == pytest.approx(2 / 3)
    assert rs.loc["d", "rs_min"] == rs.loc["d", "rs_max"] == 1  # clearly apart
    score = pd.Series([0.9, 0.8, 0.5, 0.45, 0.1], index=list("vwxyz"))
    g = klassen.rang_groepen(score, score - 0.06, score + 0.06)
    # v-w: neither value inside the other's interval, apart; x-y: 0.45 + 0.06 > 0.5, shared.
    assert g["van"].tolist() == [1, 2, 3, 3, 5] and g["tot"].tolist() == [1, 2, 4, 4, 5]
    g = klassen.rang_groepen(score, score - 0.1, score + 0.1)  # 0.8 + 0.1 reaches 0.9
    assert g["van"].tolist() == [1, 1, 3, 3, 5] and g["tot"].tolist() == [2, 2, 4, 4, 5]
    exact_g = klassen.rang_groepen(score)
    assert exact_g["van"].tolist() == exact_g["tot"].tolist() == [1, 2, 3, 4, 5]


def test_buurtsignaal_defaults_to_signal_for_old_tables():
    from pipeline.present import klassen

    assert klassen.buurtsignaal({}, "x").signaal is True
    assert klassen.buurtsignaal(None, "x") == klassen.Signaal()
    meta = {"buurtsignaal": {"x": {"signaal": False, "marges": ["leeftijd"], "uitleg": "BRP"}}}
    s = klassen.buurtsignaal(meta, "x")
    assert (s.signaal, s.marges, s.uitleg) == (False, ("leeftijd",), "BRP")
    assert klassen.zonder_signaal([{}, meta], ["y", "x"]) == ["x"]


def test_fixed_scheme_colours_only_values_whose_interval_stays_in_one_class():
    edges = (0.2, 0.4, 0.6, 0.8)
    v = np.array([0.1, 0.5, 0.5, 0.9, np.nan, 0.39, 0.8])
    lo = np.array([0.0, 0.45, 0.3, np.nan, np.nan, 0.2, 0.8])
    hi = np.array([0.15, 0.55, 0.55, np.nan, np.nan, 0.4, 0.95])
    got = klassen.zekere_klassen(v, lo, hi, edges)
    # exact 0.9 keeps its class; 0.3-0.55 crosses 0.4; 0.2-0.4 reaches into the next class
    # (a class holds [lower break, upper break)); no value, no class
    assert got.tolist() == [0, 2, -1, 4, -1, -1, 4]
    assert klassen.zekere_klassen(v, None, None, edges).tolist() == [0, 2, 2, 4, -1, 1, 4]


def test_fixed_scheme_never_colours_indistinguishable_values_differently():
    rng = np.random.default_rng(11)
    edges = (0.2, 0.4, 0.6, 0.8)
    for _ in range(200):
        n = int(rng.integers(2, 30))
        v = rng.uniform(0, 1, n)
        lo = v - rng.uniform(0, 0.3, n) * (rng.uniform(size=n) < 0.8)
        hi = v + rng.uniform(0, 0.3, n) * (rng.uniform(size=n) < 0.8)
        k = klassen.zekere_klassen(v, lo, hi, edges)
        bad = klassen.indistinguishable(v, lo, hi)
        both = (k[:, None] >= 0) & (k[None, :] >= 0)
        assert not (bad & both & (k[:, None] != k[None, :])).any()
        # and a value whose interval lies inside one class does get that class
        inside = np.searchsorted(edges, lo, "right") == np.searchsorted(edges, hi, "right")
        assert (k[inside] == np.searchsorted(edges, v[inside], "right")).all()


def test_neighbouring_class_labels_never_share_a_printed_value():
    """Real Deventer, aandeel 65-plussers: "15 – 24 %", "24 – 25 %", "25 – 54 %" left a
    buurt printed as 24 % or 25 % in either of two classes. Labels now give the values
    each class holds, with a decimal more where neighbours would print the same."""
    v = pd.Series([15.2, 18.0, 23.6, 24.3, 24.6, 25.3, 40.0, 54.0])
    c = kaartklassen.classify(v, "quantiles", 3, decimals=0, unit="%")
    assert c.labels == ["15,2 – 23,6 %", "24,3 – 24,6 %", "25,3 – 54,0 %"]
    far = kaartklassen.classify(pd.Series([4.0, 6.0, 15.0, 19.0]), "quantiles", 2, decimals=0)
    assert far.labels == ["4 – 6", "15 – 19"]  # apart already: the indicator's decimals
    # Shared bins (two years on one scale) keep the break labels: they cover both years.
    shared = kaartklassen.classify(v, bins=[15.0, 24.0, 54.0], decimals=0, unit="%")
    assert shared.labels == ["15 – 24 %", "24 – 54 %"]


def test_one_class_is_the_margins_doing_only_with_different_values():
    """A review: one buurt with a value (or all equal) gave one class with margins, and
    the legend then claimed every break would split buurten inside each other's margin."""
    from pipeline.model.registry import build_registry
    from pipeline.present import texts

    ind = build_registry("85984NED", 2024, (50, 64), 85, "t", "50150NED", "demo", "demo")[
        "aandeel_75plus"
    ]
    een = kaartklassen.classify(pd.Series([5.0, np.nan, np.nan]), lo=pd.Series([3.0] * 3),
                                hi=pd.Series([7.0] * 3))  # fmt: skip
    assert een.k == 1 and een.marges and not een.samengevoegd
    assert texts.marges_noot(ind, een) == ""
    v = pd.Series([5.0, 6.0, 7.0])
    samen = kaartklassen.classify(v, lo=v - 5, hi=v + 5)
    assert samen.k == 1 and samen.samengevoegd
    assert texts.marges_noot(ind, samen).startswith("Alle buurten hebben één kleur")
