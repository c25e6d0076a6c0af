"""Tests of pipeline.present.kaartfiguren: map titles and legends fit their grid cells."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from pipeline.model.registry import build_registry
from pipeline.present import kaartfiguren
from tests.support.figuurtekst import collisions, outside


@pytest.fixture(scope="module")
def reg():
    return build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")


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
    fig, _res = kaartfiguren.small_multiples(g, [(reg[k], vals) for k in keys])
    assert collisions(fig) == []
    assert outside(fig) == []


def test_a_long_cell_reason_in_a_small_legend_stays_on_the_page(reg):
    """Real Deventer, "Buurten in beeld": "minder dan 10 85-plussers (gesc" ran off the
    right edge of the figure; legend entries wrap to their cell like the legend title."""
    from pipeline import codes

    cells = [(i % 4, i // 4) for i in range(8)]
    g = gpd.GeoDataFrame(
        {
            "code": [f"BU0999{i:04d}" for i in range(8)],
            "geometry": [box(x * 500, y * 500, x * 500 + 500, y * 500 + 500) for x, y in cells],
        },
        crs=28992,
    )
    vals = pd.Series(range(8), index=g["code"], dtype=float)
    vals.iloc[0] = float("nan")
    status = pd.Series("", index=g["code"])
    status.iloc[0] = codes.reden_weinig_ouderen(10, 85)
    keys = ["aandeel_75plus", "mantelzorgpotentieel"]
    fig, res = kaartfiguren.small_multiples(
        g, [(reg[k], vals) for k in keys], status=[status, status]
    )
    legend = [t.get_text() for t in res[1].legend.get_texts()]
    assert any("85-plussers" in t for t in legend)
    assert outside(fig) == []


def test_a_long_cell_reason_in_a_theme_map_legend_stays_on_the_page(reg):
    """Real Duiven, figure 6 (mantelzorg, one map in the theme chapter): the legend entry
    "minder dan 10 85-plussers (geschat, vóó" was cut off at the figure's right edge."""
    from pipeline import codes

    g = gpd.GeoDataFrame(
        {
            "code": [f"BU0999{i:04d}" for i in range(6)],
            "naam": [f"Buurt {i}" for i in range(6)],
            "geometry": [box(i * 500, 0, i * 500 + 500, 500) for i in range(6)],
        },
        crs=28992,
    )
    vals = pd.Series([8.0, 9.0, float("nan"), 12.0, 15.0, 20.0], index=g["code"])
    status = pd.Series("", index=g["code"])
    status.iloc[2] = codes.reden_weinig_ouderen(10, 85)
    fig, res = kaartfiguren.map_figure(g, vals, reg["mantelzorgpotentieel"], status=status)
    legend = [t.get_text() for t in res.legend.get_texts()]
    assert any("85-plussers" in t for t in legend)
    assert outside(fig) == []


def test_long_names_in_a_two_column_key_wrap_inside_their_column():
    """Real Zutphen, figure 2: "Nieuwstad en Coehoornsingel" ran over the next column and
    "Deventerweg en Polbroek" off the figure. Long names wrap under themselves; short
    names stay one line."""
    import matplotlib

    matplotlib.use("Agg")
    from pipeline.present import kaartlegenda
    from pipeline.present.figuur import new_figure

    fig = new_figure(170, 105)
    ax = fig.add_axes((0.72, 0.0, 0.28, 0.45))
    ax.set_axis_off()
    lang = ["Nieuwstad en Coehoornsingel", "Zwanevlot en De Brink", "Deventerweg en Polbroek",
            "Moesmate en Tichelkamp", "Centrum", "De Hoven"]  # fmt: skip
    key = [(i + 1, lang[i % len(lang)]) for i in range(20)]
    arts = kaartlegenda.draw_key(ax, key, fontsize=6.5, ncols=2)
    assert collisions(fig) == []
    assert outside(fig) == []
    shown = [a.get_text() for a in arts]
    assert " 5  Centrum" in shown  # one line, as before
    # The long name is written under its number, line by line.
    assert "Coehoornsingel" in shown and " 1" in shown
