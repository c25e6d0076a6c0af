"""Tests of pipeline.maps: classification, palette, choropleth drawing and label placement."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from shapely.geometry import box

from pipeline import demo, maps
from pipeline.registry import build_registry

REAL = (
    Path(__file__).resolve().parents[3] / "shared/data/real/nl2024/buurt_2024_gegeneraliseerd.gpkg"
)


@pytest.fixture(scope="module")
def registry():
    return build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")


@pytest.fixture(scope="module")
def demo_buurten() -> gpd.GeoDataFrame:
    g = demo.buurt_geometry().rename(columns={"statcode": "code", "statnaam": "naam"})
    return g[["code", "naam", "geometry"]].reset_index(drop=True)


def _real(prefix: str) -> gpd.GeoDataFrame:
    if not REAL.exists():
        pytest.skip("real buurt geometry (shared/data/real/nl2024) not available")
    g = gpd.read_file(REAL, layer="buurt_gegeneraliseerd", where=f"statcode LIKE '{prefix}%'")
    return g.rename(columns={"statcode": "code", "statnaam": "naam"})[["code", "naam", "geometry"]]


def _no_overlaps(boxes) -> list[tuple[str, str]]:
    items = list(boxes.items())
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(items, 2) if ba.overlaps(bb)]


# --- numbers and classification -----------------------------------------------------
def test_fmt_nl_uses_decimal_comma_and_thousands_dot():
    assert maps.fmt_nl(1234.5, 1) == "1.234,5"
    assert maps.fmt_nl(12.0, 0) == "12"
    assert maps.fmt_nl(float("nan"), 1) == "–"


def test_classify_nan_is_minus_one_and_labels_are_dutch():
    s = pd.Series([12.5, 18.0, np.nan, 22.25, 30.0, 14.0], index=list("abcdef"))
    c = maps.classify(s, "equal_interval", 3, decimals=1, unit="%")
    assert c.classes["c"] == -1
    assert (c.classes.drop("c") >= 0).all()
    assert c.k == 3
    assert c.labels[0] == "12,5 – 18,3 %"
    assert all("," in lab and lab.endswith(" %") and " – " in lab for lab in c.labels)
    # Class bounds follow mapclassify: upper bound inclusive.
    assert c.classes["a"] == 0 and c.classes["e"] == 2


def test_classify_with_fewer_unique_values_than_k():
    c = maps.classify(pd.Series([1.0, 1.0, 2.0, np.nan]), "quantiles", 5)
    assert 1 <= c.k <= 2
    assert c.classes.iloc[3] == -1
    one = maps.classify(pd.Series([4.0, 4.0]), "fisher_jenks", 5, decimals=0)
    assert one.k == 1 and one.labels == ["4"] and list(one.classes) == [0, 0]
    empty = maps.classify(pd.Series([np.nan, np.nan]), "quantiles", 5)
    assert empty.k == 0 and list(empty.classes) == [-1, -1]


def test_classify_widens_decimals_when_breaks_would_print_the_same():
    c = maps.classify(pd.Series([4.31, 4.34, 4.38, 4.42, 4.47, 4.9]), "quantiles", 5, decimals=1)
    assert len(set(c.labels)) == c.k


@pytest.mark.parametrize("scheme", maps.SCHEMES)
def test_all_schemes_are_deterministic(scheme):
    y = pd.Series(np.random.default_rng(3).lognormal(2, 0.6, 80))
    a = maps.classify(y, scheme, 5)
    b = maps.classify(y, scheme, 5)
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
        assert maps._edges(y, scheme, k_eff) == pytest.approx(list(expected)), (y, k_eff)


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="classificatie"):
        maps.classify(pd.Series([1.0, 2.0, 3.0]), "kwantielen", 3)


def test_shared_bins_give_identical_breaks_for_now_and_future():
    now = pd.Series([10.0, 12, 15, 20, 22, 30], index=list("abcdef"))
    future = now * 1.4
    edges = maps.shared_bins([now, future], "quantiles", 4)
    c_now = maps.classify(now, bins=edges, decimals=0, unit="%")
    c_fut = maps.classify(future, bins=edges, decimals=0, unit="%")
    assert c_now.edges == c_fut.edges == edges
    assert c_now.labels == c_fut.labels
    assert edges[0] == 10.0 and edges[-1] == pytest.approx(42.0)
    # The point of sharing: the future map is darker than the base-year map.
    assert c_fut.classes.mean() > c_now.classes.mean()
    # ...which independent classifications would hide.
    assert (
        maps.classify(future, "quantiles", 4).classes.tolist()
        == maps.classify(now, "quantiles", 4).classes.tolist()
    )


def test_palette_is_sequential_in_greyscale_and_reversed_for_lower_is_worse():
    cols = maps.palette(5, 1)
    lum = [np.dot(mpl.colors.to_rgb(c), [0.299, 0.587, 0.114]) for c in cols]
    assert all(a > b for a, b in itertools.pairwise(lum)), "darker = larger task"
    assert maps.palette(5, -1) == cols[::-1]
    hatch_faces = {s["facecolor"] for s in maps.STATUS_STYLE.values()}
    assert not hatch_faces & set(maps.palette(9, 1))


# --- drawing ----------------------------------------------------------------------------
def _figure() -> tuple[Figure, object]:
    fig = Figure(figsize=(8, 6), dpi=100)
    ax = fig.add_axes([0.02, 0.02, 0.7, 0.9])
    return fig, ax


def test_draw_choropleth_hatches_no_value_buurten_and_lists_them(demo_buurten, registry):
    codes = demo_buurten["code"].tolist()
    values = pd.Series(np.linspace(10, 40, len(codes)), index=codes)
    values.iloc[0] = np.nan  # te weinig inwoners
    values.iloc[1] = np.nan  # no status: geen gegevens
    status = pd.Series("", index=codes)
    status.iloc[0] = maps.TE_WEINIG
    fig, ax = _figure()
    res = maps.draw_choropleth(ax, demo_buurten, values, registry["aandeel_65plus"],
                               status=status, k=4, labels="names")  # fmt: skip
    assert res.statuses == [maps.TE_WEINIG, maps.GEEN_GEGEVENS]
    hatched = [c for c in ax.collections if isinstance(c, PatchCollection) and c.get_hatch()]
    assert {c.get_hatch() for c in hatched} == {"////", "xx"}
    pal = {mpl.colors.to_hex(c) for c in maps.palette(res.classification.k, 1)}
    for c in hatched:
        assert mpl.colors.to_hex(c.get_facecolor()[0]) not in pal
    legend_texts = [t.get_text() for t in res.legend.get_texts()]
    assert legend_texts[-2:] == [maps.TE_WEINIG, maps.GEEN_GEGEVENS]
    assert legend_texts[:-2] == res.classification.labels
    assert not ax.axison
    assert ax.get_aspect() == 1.0


def test_wijk_boundaries_heavier_than_buurt_boundaries(demo_buurten, registry):
    wijken = demo_buurten.assign(w=demo_buurten["code"].str[:8]).dissolve("w")
    fig, ax = _figure()
    values = pd.Series(1.0, index=demo_buurten["code"])
    maps.draw_choropleth(ax, demo_buurten, values, registry["aandeel_65plus"], wijken=wijken)
    outlines = [c for c in ax.collections if len(c.get_facecolor()) == 0]
    widths = sorted(float(c.get_linewidths()[0]) for c in outlines)
    assert len(widths) == 2 and widths[1] >= 3 * widths[0]


def test_all_text_is_pure_black(demo_buurten, registry):
    fig, ax = _figure()
    values = pd.Series(np.arange(len(demo_buurten), dtype=float), index=demo_buurten["code"])
    maps.draw_choropleth(ax, demo_buurten, values, registry["mantelzorgpotentieel"],
                         labels="names", title="Titel", scalebar=True, north=True)  # fmt: skip
    texts = [t for t in fig.findobj(Text) if t.get_text().strip()]
    assert len(texts) > len(demo_buurten)
    assert {mpl.colors.to_hex(t.get_color()) for t in texts} == {"#000000"}


def test_labels_do_not_overlap_on_demo_and_numbers_get_a_key(demo_buurten, registry):
    fig, ax = _figure()
    values = pd.Series(np.arange(len(demo_buurten), dtype=float), index=demo_buurten["code"])
    res = maps.draw_choropleth(ax, demo_buurten, values, registry["aandeel_65plus"],
                               labels="names", label_size=9)  # fmt: skip
    assert set(res.label_boxes) == set(demo_buurten["code"])  # every buurt is labelled
    assert _no_overlaps(res.label_boxes) == []
    # A number is the buurt's place in the code order of ALL buurten: the same buurt
    # gets the same number on every map, however many names fit (issue 14).
    order = {c: i for i, c in enumerate(sorted(demo_buurten["code"]), start=1)}
    assert [nr for nr, _c, _n in res.numbered] == [order[c] for _nr, c, _n in res.numbered]
    fig2, ax2 = _figure()
    small = maps.draw_choropleth(ax2, demo_buurten, values, registry["aandeel_65plus"],
                                 labels="names", label_size=14)  # fmt: skip
    assert len(small.numbered) > len(res.numbered)  # bigger names: more buurten numbered
    assert {c: nr for nr, c, _ in res.numbered}.items() <= {
        c: nr for nr, c, _ in small.numbered
    }.items()


def test_crowded_labels_fall_back_to_numbers_without_overlap(demo_buurten, registry):
    fig = Figure(figsize=(2.5, 2), dpi=100)  # far too small for the names
    ax = fig.add_axes([0, 0, 1, 1])
    values = pd.Series(1.0, index=demo_buurten["code"])
    res = maps.draw_choropleth(ax, demo_buurten, values, registry["aandeel_65plus"],
                               labels="names", label_size=8, legend=False)  # fmt: skip
    assert len(res.numbered) > len(demo_buurten) // 2
    assert _no_overlaps(res.label_boxes) == []


@pytest.mark.parametrize(("prefix", "n"), [("BU0226", 14), ("BU0150", 69)])
def test_labels_do_not_overlap_on_real_geometry(prefix, n, registry):
    g = _real(prefix)
    assert len(g) == n
    values = pd.Series(np.random.default_rng(1).uniform(5, 40, n), index=g["code"])
    fig = Figure(figsize=(11.7, 8.3), dpi=72)  # A3-ish
    ax = fig.add_axes([0.02, 0.02, 0.72, 0.96])
    res = maps.draw_choropleth(ax, g, values, registry["aandeel_65plus"], labels="names",
                               label_size=7, scalebar=True, north=True)  # fmt: skip
    assert set(res.label_boxes) == set(g["code"])
    assert _no_overlaps(res.label_boxes) == []
    axbox = ax.get_window_extent()
    assert all(axbox.contains(b.x0, b.y0) and axbox.contains(b.x1, b.y1)
               for b in res.label_boxes.values())  # fmt: skip
    named = len(g) - len(res.numbered)
    assert named >= min(n, 10), "buurten with room should carry their name"


def test_labels_keep_clear_of_avoid_boxes(demo_buurten, registry):
    fig, ax = _figure()
    maps.setup_map_axes(ax, demo_buurten)
    # Forbid the whole left half of the map.
    ab = ax.get_window_extent()
    forbidden = mpl.transforms.Bbox.from_extents(ab.x0, ab.y0, (ab.x0 + ab.x1) / 2, ab.y1)
    values = pd.Series(1.0, index=demo_buurten["code"])
    res = maps.draw_choropleth(ax, demo_buurten, values, registry["aandeel_65plus"],
                               labels="names", avoid=[forbidden])  # fmt: skip
    assert not any(b.overlaps(forbidden) for b in res.label_boxes.values())


def test_scale_bar_uses_round_rd_lengths():
    fig = Figure(figsize=(6, 4), dpi=72)
    ax = fig.add_axes([0, 0, 1, 1])
    g = gpd.GeoSeries([box(150000, 450000, 160000, 456000)], crs=28992)
    maps.setup_map_axes(ax, g)
    maps.scale_bar(ax)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["0", "1", "2 km"]
    assert maps._dist_label(2500) == "2,5 km" and maps._dist_label(1250) == "1,25 km"


def test_dissolve_wijken_uses_table_wijkcode(demo_buurten):
    table = pd.DataFrame({"code": demo_buurten["code"], "niveau": "buurt",
                          "wijkcode": ["WKX"] * 3 + ["WKY"] * (len(demo_buurten) - 3)})  # fmt: skip
    w = maps.dissolve_wijken(demo_buurten, table)
    assert sorted(w["wijkcode"]) == ["WKX", "WKY"]


def test_buurt_values_defaults_to_base_year():
    t = pd.DataFrame({"code": ["B1", "B1", "W1"], "niveau": ["buurt", "buurt", "wijk"],
                      "jaar": [2040, 2024, 2024], "schatting": ["projectie", "basisjaar", "basisjaar"],
                      "status": ["", "te weinig inwoners", ""], "x": [2.0, np.nan, 5.0]})  # fmt: skip
    v, st = maps.buurt_values(t, "x")
    assert np.isnan(v["B1"]) and st["B1"] == "te weinig inwoners" and list(v.index) == ["B1"]
    assert maps.buurt_values(t, "x", 2040)[0]["B1"] == 2.0


def test_maps_never_imports_pyplot():
    tree = ast.parse(Path(maps.__file__).read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not any("pyplot" in n for n in names)


# --- interval-aware classes (pipeline.klassen) --------------------------------------------
def _split_pairs(cls: maps.Classification, v, lo, hi) -> list[tuple[int, int]]:
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
    cls = maps.classify(pd.Series(v), "quantiles", 5, lo=pd.Series(lo), hi=pd.Series(hi))
    assert cls.marges
    assert len(set(cls.classes.iloc[:4])) == 1  # 1-4 share a class
    assert _split_pairs(cls, v, lo, hi) == []
    assert cls.k >= 3  # the exact buurten above are still split
    # One interval spanning everything: one class, never a split.
    lo2, hi2 = v.copy(), v.copy()
    lo2[0], hi2[0] = 0.0, 11.0
    one = maps.classify(pd.Series(v), "quantiles", 5, lo=pd.Series(lo2), hi=pd.Series(hi2))
    assert one.k == 1 and set(one.classes) == {0}


@pytest.mark.parametrize("scheme", ["quantiles", "equal_interval"])
def test_interval_breaks_property_on_random_intervals(scheme):
    rng = np.random.default_rng(3)
    for _ in range(40):
        n = int(rng.integers(3, 40))
        v = rng.normal(20, 6, n)
        w = rng.uniform(0, 4, n) * (rng.uniform(size=n) < 0.7)
        lo, hi = v - w, v + rng.uniform(0, 4, n) * (w > 0)
        cls = maps.classify(pd.Series(v), scheme, 5, lo=pd.Series(lo), hi=pd.Series(hi))
        assert _split_pairs(cls, v, lo, hi) == []
        assert 1 <= cls.k <= 5


def test_disjoint_intervals_are_split_where_the_scheme_splits():
    # Three tight groups far apart: quantiles with k=3 split exactly between them.
    v = np.array([1.0, 1.2, 1.4, 10.0, 10.2, 10.4, 20.0, 20.2, 20.4])
    cls = maps.classify(pd.Series(v), "quantiles", 3, lo=pd.Series(v - 0.5), hi=pd.Series(v + 0.5))
    assert list(cls.classes) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    # Intervals that overlap only between the groups (13-14.4) leave them apart ...
    lo = pd.Series(v - np.where(v > 15, 7, 4))  # the top group reaches down to 13
    apart = maps.classify(pd.Series(v), "quantiles", 3, lo=lo, hi=pd.Series(v + 4))
    assert list(apart.classes) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    # ... but once the top group's intervals reach the middle values, two classes remain.
    lo = pd.Series(v - np.where(v > 15, 10.5, 4))  # down to 9.5: holds 10-10.4
    wide = maps.classify(pd.Series(v), "quantiles", 3, lo=lo, hi=pd.Series(v + 4))
    assert list(wide.classes) == [0, 0, 0, 1, 1, 1, 1, 1, 1]


@pytest.mark.parametrize("scheme", maps.SCHEMES)
def test_zero_width_intervals_give_the_old_breaks(scheme):
    rng = np.random.default_rng(5)
    v = pd.Series(np.round(rng.gamma(3, 5, 60), 1), index=[f"BU{i:08d}" for i in range(60)])
    v.iloc[[3, 9]] = np.nan
    old = maps.classify(v, scheme, 5)
    nan = pd.Series(np.nan, index=v.index)
    for lo, hi in ((nan, nan), (v, v), (None, nan)):
        new = maps.classify(v, scheme, 5, lo=lo, hi=hi)
        assert new.edges == old.edges and new.labels == old.labels
        assert new.classes.equals(old.classes) and not new.marges


def test_shared_bins_with_intervals_do_not_split_overlaps_across_years():
    now = pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd"))
    later = pd.Series([2.5, 6.0, 7.0, 8.0], index=list("abcd"))
    plain = maps.shared_bins([now, later], "quantiles", 4)
    # 'later' a (2.5) reaches down to 1.5: it overlaps now b, so no break between them.
    edges = maps.shared_bins(
        [now, later], "quantiles", 4,
        intervals=[(None, None), (later.where(later.index != "a", 1.5), None)],
    )  # fmt: skip
    c_now = maps.classify(now, bins=edges).classes
    assert c_now["b"] == maps.classify(later, bins=edges).classes["a"]
    assert len(edges) <= len(plain)


def test_rank_scores_with_intervals_and_shared_places():
    from pipeline import klassen

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
    from pipeline import klassen

    assert klassen.buurtsignaal({}, "x").signaal is True
    assert klassen.buurtsignaal(None, "x") == klassen.Signaal()
    meta = {"buurtsignaal": {"x": {"signaal": False, "marges": ["leeftijd"], "uitleg": "BRP"}}}
    s = klassen.buurtsignaal(meta, "x")
    assert (s.signaal, s.marges, s.uitleg) == (False, ("leeftijd",), "BRP")
    assert klassen.zonder_signaal([{}, meta], ["y", "x"]) == ["x"]


def test_neutral_map_has_one_fill_no_classes_and_says_why(demo_buurten, registry):
    codes = demo_buurten["code"].tolist()
    values = pd.Series(np.linspace(10, 40, len(codes)), index=codes)
    values.iloc[0] = np.nan
    status = pd.Series("", index=codes)
    status.iloc[0] = maps.TE_WEINIG
    fig, ax = _figure()
    res = maps.draw_choropleth(ax, demo_buurten, values, registry["aandeel_65plus"],
                               status=status, neutraal="geen klassen: alleen model")  # fmt: skip
    fills = [c for c in ax.collections if isinstance(c, PatchCollection) and not c.get_hatch()
             and len(c.get_facecolor()) and c.get_facecolor()[0][3] > 0]  # fmt: skip
    faces = {mpl.colors.to_hex(f) for c in fills for f in c.get_facecolor()}
    assert faces == {maps.NEUTRAAL}
    assert not faces & set(maps.palette(5, 1))
    texts_ = [t.get_text() for t in res.legend.get_texts()]
    assert texts_ == ["geen klassen: alleen model", maps.TE_WEINIG]  # no class labels
    assert res.classification.k == 0 and res.neutraal
