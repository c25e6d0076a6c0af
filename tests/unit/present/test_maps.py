"""Tests of pipeline.present.maps and the map parts it re-exports (kaartlegenda, kaartrand,
kaartgegevens, kaartlabels): choropleth drawing, legend, scale bar, data helpers and label
placement. The classes and the palette are tested in test_kaartklassen.py."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from shapely.geometry import box

from pipeline import codes as status_codes
from pipeline.ingest import demo
from pipeline.model.registry import build_registry
from pipeline.present import (
    kaartbasis,
    kaartgegevens,
    kaartklassen,
    kaartlabels,
    kaartlegenda,
    kaartnummers,
    kaartrand,
    maps,
)

REAL = (
    Path(__file__).resolve().parents[4] / "shared/data/real/nl2024/buurt_2024_gegeneraliseerd.gpkg"
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
    values.iloc[2] = np.nan  # a cell's own reason (A1 Deventer: was "geen gegevens")
    status = pd.Series("", index=codes)
    status.iloc[0] = status_codes.STATUS_TE_WEINIG
    reden = status_codes.reden_weinig_ouderen(10, 85)
    status.iloc[2] = reden
    fig, ax = _figure()
    res = maps.draw_choropleth(ax, demo_buurten, values, registry["aandeel_65plus"],
                               status=status, k=4, labels="names")  # fmt: skip
    expected = [status_codes.STATUS_TE_WEINIG, reden, status_codes.STATUS_GEEN_GEGEVENS]
    assert res.statuses == expected
    hatched = [c for c in ax.collections if isinstance(c, PatchCollection) and c.get_hatch()]
    assert {c.get_hatch() for c in hatched} == {"////", "xx", "..."}
    pal = {mpl.colors.to_hex(c) for c in kaartklassen.palette(res.classification.k, 1)}
    for c in hatched:
        assert mpl.colors.to_hex(c.get_facecolor()[0]) not in pal
    legend_texts = [t.get_text() for t in res.legend.get_texts()]
    assert legend_texts[-3:] == expected
    assert legend_texts[:-3] == res.classification.labels
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
    kaartrand.scale_bar(ax)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["0", "1", "2 km"]
    assert kaartrand._dist_label(2500) == "2,5 km" and kaartrand._dist_label(1250) == "1,25 km"


def test_dissolve_wijken_uses_table_wijkcode(demo_buurten):
    table = pd.DataFrame({"code": demo_buurten["code"], "niveau": "buurt",
                          "wijkcode": ["WKX"] * 3 + ["WKY"] * (len(demo_buurten) - 3)})  # fmt: skip
    w = kaartgegevens.dissolve_wijken(demo_buurten, table)
    assert sorted(w["wijkcode"]) == ["WKX", "WKY"]


def test_buurt_values_defaults_to_base_year():
    t = pd.DataFrame({"code": ["B1", "B1", "W1"], "niveau": ["buurt", "buurt", "wijk"],
                      "jaar": [2040, 2024, 2024], "schatting": ["projectie", "basisjaar", "basisjaar"],
                      "status": ["", "te weinig inwoners", ""], "x": [2.0, np.nan, 5.0]})  # fmt: skip
    v, st = kaartgegevens.buurt_values(t, "x")
    assert np.isnan(v["B1"]) and st["B1"] == "te weinig inwoners" and list(v.index) == ["B1"]
    assert kaartgegevens.buurt_values(t, "x", 2040)[0]["B1"] == 2.0


@pytest.mark.parametrize("module", [maps, kaartklassen, kaartlegenda, kaartrand, kaartgegevens])
def test_maps_never_imports_pyplot(module):
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not any("pyplot" in n for n in names)


def test_neutral_map_has_one_fill_no_classes_and_says_why(demo_buurten, registry):
    codes = demo_buurten["code"].tolist()
    values = pd.Series(np.linspace(10, 40, len(codes)), index=codes)
    values.iloc[0] = np.nan
    status = pd.Series("", index=codes)
    status.iloc[0] = status_codes.STATUS_TE_WEINIG
    fig, ax = _figure()
    res = maps.draw_choropleth(ax, demo_buurten, values, registry["aandeel_65plus"],
                               status=status, neutraal="geen klassen: alleen model")  # fmt: skip
    fills = [c for c in ax.collections if isinstance(c, PatchCollection) and not c.get_hatch()
             and len(c.get_facecolor()) and c.get_facecolor()[0][3] > 0]  # fmt: skip
    faces = {mpl.colors.to_hex(f) for c in fills for f in c.get_facecolor()}
    assert faces == {kaartlegenda.NEUTRAAL}
    assert not faces & set(kaartklassen.palette(5, 1))
    texts_ = [t.get_text() for t in res.legend.get_texts()]
    assert texts_ == [
        "geen klassen: alleen model",
        status_codes.STATUS_TE_WEINIG,
    ]  # no class labels
    assert res.classification.k == 0 and res.neutraal


# --- crowded numbers and leader lines (issue 14: central Arnhem) ---------------------
def _grid(n: int, size: float, x0: float = 0.0, y0: float = 0.0) -> gpd.GeoDataFrame:
    cells = [box(x0 + i * size, y0 + j * size, x0 + (i + 1) * size, y0 + (j + 1) * size)
             for j in range(n) for i in range(n)]  # fmt: skip
    codes = [f"BU0999{k // 100:02d}{k % 100:02d}" for k in range(len(cells))]
    return gpd.GeoDataFrame({"code": codes, "naam": [f"Buurt {k}" for k in range(len(cells))],
                             "geometry": cells}, crs=28992)  # fmt: skip


def _leaders(ax) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Leader lines by buurt code, as (start, end) in display pixels."""
    out = {}
    for line in ax.lines:
        gid = line.get_gid() or ""
        if gid.startswith("leider-"):
            xy = ax.transData.transform(np.column_stack(line.get_data()))
            out[gid.split("-", 1)[1]] = (xy[0], xy[-1])
    return out


def _cross(p1, p2, q1, q2) -> bool:
    def orient(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    return (orient(q1, q2, p1) * orient(q1, q2, p2) < 0) and (
        orient(p1, p2, q1) * orient(p1, p2, q2) < 0
    )


def _through(p, q, bb) -> bool:
    """Does segment p-q pass through the interior of box bb (sampled)?"""
    for t in np.linspace(0.02, 0.98, 60):
        x, y = p + t * (q - p)
        if bb.x0 < x < bb.x1 and bb.y0 < y < bb.y1:
            return True
    return False


def _numbers_on(g: gpd.GeoDataFrame, extent: gpd.GeoDataFrame, inches: float, pad: float = 0.03):
    fig = Figure(figsize=(inches, inches), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    maps.setup_map_axes(ax, extent, pad=pad)
    boxes, numbered = kaartlabels.place_labels(ax, g, mode="numbers", fontsize=7)
    return ax, boxes, numbered


def _city(n: int, cell: float) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """n x n tiny blocks in the middle of a 2 km map (a city centre on a town map)."""
    g = _grid(n, cell, x0=1000 - n * cell / 2, y0=1000 - n * cell / 2)
    rand = gpd.GeoDataFrame({"code": ["BU09999999"], "naam": ["Rand"],
                             "geometry": [box(0, 0, 2000, 2000)]}, crs=28992)  # fmt: skip
    return g, rand


def _check_labels(ax, g, boxes) -> dict:
    """The invariants of every numbered map; returns the leader lines."""
    assert set(boxes) == set(g["code"])
    assert _no_overlaps(boxes) == []
    leaders = _leaders(ax)
    # A number outside its own buurt always has a leader line (else it names the neighbour).
    cells = dict(zip(g["code"], g.geometry, strict=True))
    to_data = ax.transData.inverted()
    for code, bb in boxes.items():
        cx, cy = to_data.transform(((bb.x0 + bb.x1) / 2, (bb.y0 + bb.y1) / 2))
        if not cells[code].contains(shapely.Point(cx, cy)):
            assert code in leaders, code
    return leaders


@pytest.mark.parametrize("n", [4, 5, 6])
def test_numbers_of_a_dense_centre_fan_out_without_crossing_leaders(n):
    # None of these blocks can hold its number: every one becomes a callout.
    g, rand = _city(n, 30.0)
    ax, boxes, numbered = _numbers_on(g, rand, 3.0)
    assert len(numbered) == n * n
    leaders = _check_labels(ax, g, boxes)
    assert set(leaders) == set(g["code"])
    for (a, (p1, p2)), (b, (q1, q2)) in itertools.combinations(leaders.items(), 2):
        assert not _cross(p1, p2, q1, q2), f"leader lines of {a} and {b} cross"
    for code, (p, q) in leaders.items():
        assert not [c for c in boxes if c != code and _through(p, q, boxes[c])], code
    # The numbers stay near the centre: no leader longer than half the map (300 px).
    assert max(float(np.hypot(*(q - p))) for p, q in leaders.values()) < 150


@pytest.mark.parametrize(("n", "inches"), [(9, 2.2), (12, 3.2)])
def test_numbers_on_a_uniform_dense_grid_never_overlap(n, inches):
    # Two-digit numbers just fit a block, three-digit ones do not: a mix of numbers
    # inside and callouts, the hardest case for the placer.
    g = _grid(n, 40.0)
    ax, boxes, numbered = _numbers_on(g, g, inches, pad=0.25)  # room around for callouts
    assert len(numbered) == n * n
    assert _leaders(ax), "a grid this dense needs callouts"
    _check_labels(ax, g, boxes)


def test_numbers_that_fit_stay_inside_without_leader():
    g = _grid(4, 1000.0)  # big blocks: every number fits in its own block
    fig = Figure(figsize=(4, 4), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    maps.setup_map_axes(ax, g)
    boxes, numbered = kaartlabels.place_labels(ax, g, mode="numbers", fontsize=8)
    assert len(numbered) == 16 and _leaders(ax) == {}
    nummers = kaartnummers.buurt_nummers(g["code"])
    assert [nr for nr, _c, _n in numbered] == sorted(nummers[c] for c in g["code"])


def test_crowded_extent_finds_the_dense_centre_only():
    centre = _grid(6, 100.0, x0=5000, y0=5000)
    rural = gpd.GeoDataFrame(
        {"code": ["BU09990900", "BU09990901"], "naam": ["Oost", "West"],
         "geometry": [box(0, 0, 5000, 12000), box(5600, 0, 12000, 12000)]}, crs=28992,
    )  # fmt: skip
    g = pd.concat([centre, rural], ignore_index=True)
    fig = Figure(figsize=(4, 4), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    maps.setup_map_axes(ax, g)
    ext = kaartnummers.crowded_extent(ax, g, number_size=7, window=(60, 60))
    assert ext is not None
    x0, y0, x1, y1 = ext
    assert x0 < 5300 and x1 > 5300 and y0 < 5300 and y1 > 5300  # around the centre
    assert x1 - x0 < 2000  # a window, not the whole map
    assert kaartnummers.crowded_extent(ax, rural, number_size=7, window=(60, 60)) is None


# --- wijk names ----------------------------------------------------------------------
def _wijk_town() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Four wijken of 3 x 3 buurten, one tiny wijk of one buurt, one named like its buurt."""
    rows = []
    for w, (ox, oy) in enumerate([(0, 0), (3000, 0), (0, 3000), (3000, 3000)], start=1):
        for k in range(9):
            i, j = divmod(k, 3)
            rows.append((f"BU0999{w:02d}{k:02d}", f"Buurt {w}{k}",
                         box(ox + i * 1000, oy + j * 1000, ox + (i + 1) * 1000, oy + (j + 1) * 1000)))  # fmt: skip
    rows.append(("BU09990500", "Klein", box(6000, 0, 6150, 150)))  # too small for a name
    rows.append(("BU09990600", "Het Veld", box(6000, 3000, 9000, 6000)))  # wijk = buurt
    b = gpd.GeoDataFrame(rows, columns=["code", "naam", "geometry"], crs=28992)
    namen = {"WK099901": "Keizerslanden", "WK099902": "Colmschate-Zuid",
             "WK099903": "Rivierenwijk en Bergweide", "WK099904": "Binnenstad",
             "WK099905": "Heel Lange Wijknaam Die Nergens Past", "WK099906": "Het Veld"}  # fmt: skip
    w = b.assign(code="WK" + b["code"].str[2:8]).dissolve("code", as_index=False)[
        ["code", "geometry"]
    ]
    w["naam"] = w["code"].map(namen)
    return b, w


def test_wijk_names_fit_inside_their_wijk_clear_of_buurt_labels(registry):
    b, w = _wijk_town()
    fig = Figure(figsize=(8, 4), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    values = pd.Series(np.arange(len(b), dtype=float), index=b["code"])
    res = maps.draw_choropleth(ax, b, values, registry["aandeel_65plus"], labels="names",
                               label_size=7, legend=False, scalebar=True)  # fmt: skip
    placed = kaartlabels.place_wijk_names(ax, w, fontsize=11, avoid=res.occupied,
                                   buurtnamen=b["naam"])  # fmt: skip
    assert set(placed) == {"WK099901", "WK099902", "WK099903", "WK099904"}
    texts = {t.get_gid(): t for t in ax.texts if (t.get_gid() or "").startswith("wijknaam-")}
    assert texts["wijknaam-WK099901"].get_text() == "KEIZERSLANDEN"
    assert texts["wijknaam-WK099903"].get_text().replace("\n", " ") == "RIVIERENWIJK EN BERGWEIDE"
    assert all(t.get_color() == kaartbasis.BLACK and t.get_path_effects() for t in texts.values())
    # Clear of every buurt label, of the scale bar and of each other.
    for code, bb in placed.items():
        assert not [c for c, lb in res.label_boxes.items() if bb.overlaps(lb)], code
        assert not any(bb.overlaps(f) for f in res.furniture)
    assert _no_overlaps(placed) == []
    # Inside the own wijk.
    to_data = ax.transData.inverted()
    geoms = dict(zip(w["code"], w.geometry, strict=True))
    for code, bb in placed.items():
        (x0, y0), (x1, y1) = to_data.transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
        assert geoms[code].buffer(60).contains(box(x0, y0, x1, y1)), code


def test_wijk_names_shrink_before_they_are_left_out():
    b, w = _wijk_town()
    fig = Figure(figsize=(8, 4), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    maps.setup_map_axes(ax, b)
    big = kaartlabels.place_wijk_names(ax, w, fontsize=40, min_size=40)
    sizes = {t.get_fontsize() for t in ax.texts}
    fig2 = Figure(figsize=(8, 4), dpi=100)
    ax2 = fig2.add_axes([0, 0, 1, 1])
    maps.setup_map_axes(ax2, b)
    flexible = kaartlabels.place_wijk_names(ax2, w, fontsize=40, min_size=10)
    assert len(flexible) > len(big)
    assert min(t.get_fontsize() for t in ax2.texts) < 40 <= min(sizes, default=40)


def test_wijk_names_on_real_deventer(registry):
    g = _real("BU0150")
    wijken = g.assign(code="WK" + g["code"].str[2:8]).dissolve("code", as_index=False)
    wijken["naam"] = "Wijk " + wijken["code"].str[-2:]
    fig = Figure(figsize=(11.7, 8.3), dpi=72)
    ax = fig.add_axes([0.02, 0.02, 0.72, 0.96])
    values = pd.Series(np.random.default_rng(2).uniform(5, 40, len(g)), index=g["code"])
    res = maps.draw_choropleth(ax, g, values, registry["aandeel_65plus"], labels="names",
                               label_size=7, scalebar=True, north=True)  # fmt: skip
    placed = kaartlabels.place_wijk_names(ax, wijken, fontsize=10, avoid=res.occupied)
    assert len(placed) >= len(wijken) // 2
    assert _no_overlaps({**res.label_boxes, **{f"w{k}": v for k, v in placed.items()}}) == []


def test_choropleth_names_dense_wijken_before_numbering_their_buurten(registry):
    # A wijk of 36 tiny buurten (all numbered) next to a rural wijk: the wijk name goes in
    # before the numbers, so the dense wijk is named too, and the numbers keep clear of it.
    g, rand = _city(6, 60.0)
    rand = rand.assign(geometry=[rand.geometry.iloc[0].difference(box(*g.total_bounds))])
    b = pd.concat([g, rand.assign(code="BU09990900", naam="Buitengebied")], ignore_index=True)
    w = b.assign(code="WK" + b["code"].str[2:8]).dissolve("code", as_index=False)
    w["naam"] = w["code"].map({"WK099900": "Keizerslanden", "WK099909": "Buiten"})
    fig = Figure(figsize=(5, 5), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    values = pd.Series(np.arange(len(b), dtype=float), index=b["code"])
    res = maps.draw_choropleth(ax, b, values, registry["aandeel_65plus"], labels="names",
                               label_size=7, legend=False, wijknamen=w)  # fmt: skip
    assert "WK099900" in res.wijk_boxes
    assert "WK099909" in res.wijk_boxes  # the rural wijk has room anyway
    everything = {**res.label_boxes, **{f"w{k}": v for k, v in res.wijk_boxes.items()}}
    assert _no_overlaps(everything) == []
    assert len(res.numbered) >= 30
    # A later text layer keeps clear of the wijk names too.
    assert all(any(bb is o for o in res.occupied) for bb in res.wijk_boxes.values())


def test_a_single_word_name_is_never_cut():
    from pipeline.present import kaartbasis

    assert kaartbasis._wraps("Keizerslanden") == ["Keizerslanden"]
    assert kaartbasis._wraps("Colmschate-Zuid") == ["Colmschate-Zuid", "Colmschate-\nZuid"]
    assert kaartbasis._wraps("Rivierenwijk en Bergweide")[1] == "Rivierenwijk\nen Bergweide"


def test_a_base_year_map_of_counted_numbers_has_no_estimate_marker(registry):
    # Every map shows the base year: 65+ there is CBS's count, even though its later years
    # are estimated. An estimate stays marked.
    assert registry["aandeel_65plus"].soort == "gemeten/geschat"
    assert (
        kaartlegenda.legend_title(registry["aandeel_65plus"], 2024) == "Aandeel 65-plussers, 2024"
    )
    assert kaartlegenda.legend_title(registry["aandeel_75plus"], 2024).endswith("\n[geschat]")
    assert kaartlegenda.soort_marker(registry["eenzaam_pct"]) == "gemodelleerd"
