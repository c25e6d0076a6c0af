"""Tests of pipeline.present.charts: no chart text collides with other text."""

from __future__ import annotations

import itertools

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from pipeline.model.registry import build_registry
from pipeline.present import charts
from tests.support.figuurtekst import collisions, outside


@pytest.fixture(scope="module")
def reg():
    return build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")


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
    assert collisions(fig) == []
    assert outside(fig) == []
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
    assert collisions(fig) == []
    assert outside(fig) == []
    assert min(_title_gaps_mm(fig)) >= 2.5
    # Titles keep their words: wrapping, not truncation.
    titles = " ".join(ax.get_title(loc="left").replace("\n", " ") for ax in fig.axes)
    for p in panels:
        assert p.indicator.label in titles


def test_an_estimated_base_year_bar_keeps_its_marker(reg):
    """Deventer figure 4: "9.270" on the solid 2024 bar, "≈ 9.270" in every table."""
    panels = [_panel(reg, "aantal_75plus", 9270), _panel(reg, "aantal_65plus", 19910)]
    fig = charts.trend_chart(panels, 2024, width_mm=140)
    teksten = {t.get_text() for t in fig.findobj(Text)}
    assert "≈\u00a09.270" in teksten
    # A count CBS publishes for the base year is shown as published, without a marker.
    assert "19.910" in teksten


def test_ranked_bars_follow_the_given_order_top_first(reg):
    import pandas as pd

    v = pd.Series({"Zuid": 30.0, "Noord": 20.0, "Oost": 21.0, "Centrum": 10.0})

    def top_down(fig: Figure) -> list[str]:
        ax = fig.axes[0]
        ticks = sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True), reverse=True)
        return [t.get_text() for _, t in ticks]

    fig, n = charts.ranked_bar_chart(v, reg["aandeel_75plus"])
    assert (n, top_down(fig)) == (4, ["Zuid", "Oost", "Noord", "Centrum"])
    # Buurten that share a place go by name: the chart draws the order it is given.
    fig, n = charts.ranked_bar_chart(
        v, reg["aandeel_75plus"], volgorde=["Zuid", "Noord", "Oost", "Centrum"]
    )
    assert (n, top_down(fig)) == (4, ["Zuid", "Noord", "Oost", "Centrum"])


def test_trend_legend_does_not_give_the_estimate_mark_to_the_forecast_alone():
    """The legend said "prognose (≈)" while the solid base-year bar of 75+ carries ≈ too
    (an estimate): ≈ read as "prognose" in one place and "geschat" in the other."""
    labels = [p.get_label() for p in charts.legend_patches_projectie(2024)]
    assert labels == ["2024 (basisjaar)", "prognose"]
