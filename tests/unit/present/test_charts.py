"""Tests of pipeline.present.charts: no text collides with other text, insets of crowded centres."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from shapely.geometry import box

from pipeline.model.registry import build_registry
from pipeline.present import charts, maps

REAL = (
    Path(__file__).resolve().parents[4] / "shared/data/real/nl2024/buurt_2024_gegeneraliseerd.gpkg"
)


@pytest.fixture(scope="module")
def reg():
    return build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")


def _texts(fig: Figure) -> list[tuple[str, object]]:
    """(text, display bbox) of every visible, non-empty text artist in the figure."""
    fig.canvas.draw()  # final layout, as saved
    r = fig.canvas.get_renderer()
    # Tick labels of an axes drawn without axis (the maps) are never shown.
    hidden = {
        id(t)
        for ax in fig.axes
        if not ax.axison
        for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]
    }
    out = []
    for t in fig.findobj(Text):
        if id(t) in hidden or not t.get_visible() or not t.get_text().strip():
            continue
        out.append((t.get_text(), t.get_window_extent(r)))
    return out


def _collisions(fig: Figure) -> list[tuple[str, str]]:
    return [
        (a, b) for (a, ba), (b, bb) in itertools.combinations(_texts(fig), 2) if ba.overlaps(bb)
    ]


def _outside(fig: Figure) -> list[str]:
    w, h = fig.bbox.width, fig.bbox.height
    return [s for s, b in _texts(fig) if b.x0 < -0.5 or b.y0 < -0.5 or b.x1 > w + 0.5
            or b.y1 > h + 0.5]  # fmt: skip


def _title_gaps_mm(fig: Figure) -> list[float]:
    """Gap between each panel title's right end and the next panel's left edge (mm)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    axes = sorted(fig.axes, key=lambda a: a.get_window_extent(r).x0)
    gaps = []
    for a, b in itertools.pairwise(axes):
        t = next(c for c in a.get_children() if isinstance(c, Text)
                 and c.get_text() == a.get_title(loc="left") and c.get_ha() == "left")  # fmt: skip
        gaps.append((b.get_window_extent(r).x0 - t.get_window_extent(r).x1) / fig.dpi * 25.4)
    return gaps


def _panel(reg, key: str, base: float, refs: dict[str, float] | None = None):
    vals = {2024: base, 2030: base * 1.2, 2035: base * 1.35, 2040: base * 1.5}
    return charts.TrendPanel(reg[key], vals, refs or {})


# ---------------------------------------------------------------- chart titles
def test_trend_titles_do_not_collide_duiven_figure_9(reg):
    # Report figure 9 of Duiven: two panels in 120 mm, the first title ran into the second.
    panels = [_panel(reg, "dementie_aantal", 420), _panel(reg, "dementie_per_100_65plus", 7.7)]
    fig = charts.trend_chart(panels, 2024, width_mm=120)
    assert _collisions(fig) == []
    assert _outside(fig) == []
    # Not merely not overlapping: a title ends well before the next panel's title starts,
    # so the two never read as one line (the figure is printed enlarged).
    assert min(_title_gaps_mm(fig)) >= 2.5


@pytest.mark.parametrize("width", [170, 140])
def test_trend_titles_and_reference_legends_never_overlap(reg, width):
    # Four long titles, two with two reference lines (their legend sits above the panel).
    refs = {"Nederland 2024": 20.5, "Gelderland 2024": 21.3}
    panels = [
        _panel(reg, "ernstig_eenzaam_pct", 10.2, refs),
        _panel(reg, "dementie_per_100_65plus", 7.7, refs),
        _panel(reg, "aandeel_eenpersoonshuishoudens", 31.0),
        _panel(reg, "eenzaam_aantal", 5460),
    ]
    fig = charts.trend_chart(panels, 2024, width_mm=width)
    assert _collisions(fig) == []
    assert _outside(fig) == []
    assert min(_title_gaps_mm(fig)) >= 2.5
    # Titles keep their words: wrapping, not truncation.
    titles = " ".join(ax.get_title(loc="left").replace("\n", " ") for ax in fig.axes)
    for p in panels:
        assert p.indicator.label in titles


def test_small_multiple_titles_do_not_run_into_legends(reg):
    cells = [(i % 4, i // 4) for i in range(12)]
    g = gpd.GeoDataFrame(
        {
            "code": [f"BU0999{i:04d}" for i in range(12)],
            "naam": [f"Buurt {i}" for i in range(12)],
            "geometry": [box(x * 500, y * 500, x * 500 + 500, y * 500 + 500) for x, y in cells],
        },
        crs=28992,
    )
    vals = pd.Series(range(12), index=g["code"], dtype=float)
    keys = ["ernstig_eenzaam_pct", "aandeel_eenpersoonshuishoudens", "dementie_per_100_65plus",
            "emotioneel_eenzaam_pct"]  # fmt: skip
    fig, _res = charts.small_multiples(g, [(reg[k], vals) for k in keys])
    assert _collisions(fig) == []
    assert _outside(fig) == []


# ------------------------------------------------------------- crowded centres
def _grid_town() -> gpd.GeoDataFrame:
    """A 6 km town: eight rural buurten around a centre of 36 blocks of 150 m, plus the
    rest of the middle square (with the centre as a hole)."""
    rows = []
    for i in range(6):
        for j in range(6):
            x, y = 2550 + i * 150, 2550 + j * 150
            rows.append(box(x, y, x + 150, y + 150))
    centre = box(2550, 2550, 3450, 3450)
    for i in range(3):
        for j in range(3):
            cell = box(i * 2000, j * 2000, i * 2000 + 2000, j * 2000 + 2000)
            rows.append(cell.difference(centre) if (i, j) == (1, 1) else cell)
    codes = [f"BU0999{k // 10:02d}{k % 10:02d}" for k in range(len(rows))]
    return gpd.GeoDataFrame(
        {"code": codes, "naam": [f"Buurt nummer {k}" for k in range(len(rows))],
         "geometry": rows}, crs=28992,
    )  # fmt: skip


def test_overview_map_enlarges_a_crowded_centre_and_labels_each_buurt_once():
    g = _grid_town()
    wijken = g.assign(wijkcode="WK" + g["code"].str[2:8]).dissolve("wijkcode", as_index=False)
    fig, key = charts.overview_map(g, wijken, {}, height_mm=200)
    insets = [ax for ax in fig.axes if ax.get_title(loc="left").startswith("Uitsnede A")]
    assert len(insets) == 1
    labelled = Counter(
        (t.get_gid() or "").split("-", 1)[1]
        for ax in fig.axes
        for t in ax.texts
        if (t.get_gid() or "").startswith(("buurtnaam-", "buurtnummer-"))
    )
    assert set(labelled) == set(g["code"]) and max(labelled.values()) == 1
    # Inside the inset the centre's numbers fit in their own blocks: no leader lines there.
    assert not [ln for ln in insets[0].lines if (ln.get_gid() or "").startswith("leider-")]
    # The key lists every numbered buurt once, in number order, with the gemeente numbering.
    nummers = maps.buurt_nummers(g["code"])
    assert [nr for nr, _ in key] == sorted(nr for nr, _ in key)
    naam = dict(zip(g["code"], g["naam"], strict=True))
    assert all(naam[c] == n for c, nr in nummers.items() for k, n in key if k == nr)


def test_overview_map_without_crowd_has_no_inset():
    g = _grid_town().iloc[36:]  # only the large buurten
    wijken = g.assign(wijkcode="WK" + g["code"].str[2:8]).dissolve("wijkcode", as_index=False)
    fig, _key = charts.overview_map(g, wijken, {}, height_mm=120)
    assert not [ax for ax in fig.axes if ax.get_title(loc="left").startswith("Uitsnede")]


def test_real_arnhem_centre_gets_an_inset_and_no_number_collides():
    if not REAL.exists():
        pytest.skip("real buurt geometry (shared/data/real/nl2024) not available")
    g = gpd.read_file(REAL, layer="buurt_gegeneraliseerd", where="statcode LIKE 'BU0202%'")
    g = g.rename(columns={"statcode": "code", "statnaam": "naam"})[["code", "naam", "geometry"]]
    assert len(g) == 83
    wijken = g.assign(wijkcode="WK" + g["code"].str[2:8]).dissolve("wijkcode", as_index=False)
    names = {w: f"Wijk {w[-2:]}" for w in wijken["wijkcode"]}
    fig, key = charts.overview_map(g, wijken, names, height_mm=200)
    assert any(ax.get_title(loc="left").startswith("Uitsnede A") for ax in fig.axes)
    assert _collisions(fig) == []
    assert len(key) == len(set(key))
