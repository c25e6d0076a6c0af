"""Tests for pipeline.model.intervals: intervals from the estimation's draws, and buurt signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.ingest.prevalentie import read_prevalentie
from pipeline.model import ages, indicators, intervals, project
from pipeline.model.estimate import estimate_with_draws
from pipeline.model.marges import BURGERLIJKE_STAAT
from pipeline.model.registry import build_registry
from tests.support.instellingen import settings

REPO = Path(__file__).resolve().parents[3]
REG = build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")
S = settings(basisjaar=2024)
STD = ages.standard_bands()
J = len(STD)
PROFILE = np.array(
    [880, 900, 990, 1060, 1150, 1200, 1150, 1100, 1050, 1100, 1250, 1300, 1200, 1050, 950,
     850, 520, 300, 140],
    dtype=float,
)  # fmt: skip
WIDOWED = np.array([0] * 11 + [0.02, 0.03, 0.05, 0.08, 0.14, 0.25, 0.42, 0.62])


def gemeente(total: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic gemeente population by sex x band, and its joint with burgerlijke staat."""
    rows = []
    for sex, share in (("man", 0.45), ("vrouw", 0.55)):
        rows.append(STD.assign(geslacht=sex, aantal=PROFILE / PROFILE.sum() * total * share))
    pop = pd.concat(rows, ignore_index=True).drop(columns="klasse")
    pop = pop.assign(gemeentecode="GM0001", jaar=2024)
    j = np.tile(np.arange(J), 2)
    married = np.where(np.arange(J) >= 5, 0.6 * (0.95 - WIDOWED), 0.0)[j]
    shares = {"verweduwd": WIDOWED[j], "gehuwd": married, "gescheiden": 0.05 * (j >= 5)}
    shares["ongehuwd"] = 1 - sum(shares.values())
    joint = pd.concat(
        [pop.assign(burgerlijke_staat=k, aantal=pop["aantal"] * v) for k, v in shares.items()],
        ignore_index=True,
    )
    return pop, joint


def regios(widowed: list[float]) -> pd.DataFrame:
    """One gemeente, one wijk, three buurten with equal bands but different widowhood."""
    rows = [
        {"code": "GM0001", "niveau": "gemeente", "inwoners": 3000.0, "k_0_14": 450.0,
         "k_65plus": 900.0},
        {"code": "WK000101", "niveau": "wijk", "inwoners": 3000.0, "k_0_14": 450.0,
         "k_65plus": 900.0},
    ]  # fmt: skip
    for i, w in enumerate(widowed):
        rows.append(
            {
                "code": f"BU0001010{i}",
                "niveau": "buurt",
                "inwoners": 1000.0,
                "k_0_14": 150.0,
                "k_65plus": 300.0,
                "ongehuwd": 400.0,
                "gehuwd": 550.0 - w,
                "gescheiden": 50.0,
                "verweduwd": w,
            }
        )
    df = pd.DataFrame(rows)
    df["naam"] = df["code"]
    df["gemeentecode"] = "GM0001"
    df["gemeentenaam"] = "Testgemeente"
    df["wijkcode"] = np.where(df["niveau"] == "gemeente", None, "WK000101")
    return df


def build(
    widowed: list[float], trekkingen: int = 40, wijk_65plus: float = 900.0
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    reg = regios(widowed)
    reg.loc[reg["niveau"] == "wijk", "k_65plus"] = wijk_65plus
    pop, joint = gemeente(3000.0)
    point, draws = estimate_with_draws(
        reg[reg["niveau"] == "buurt"], pop, gemeente_bs=joint, trekkingen=trekkingen,
        spreiding=0.3, rng_seed=1,
    )  # fmt: skip
    marges = point.attrs["diagnostiek"].marges
    prev = read_prevalentie(REPO / "config" / "dementie_prevalentie.csv")
    q = indicators.assemble(reg, point.assign(jaar=2024), pop, None, prev, S)
    derived = indicators.derive(q, S)
    table = indicators.publish(derived, REG, S)
    per_draw = intervals.draw_indicators(draws, q, prev, S)
    spread = intervals.spreiding_van(per_draw, REG)
    return intervals.attach_intervals(table, derived, spread, REG, S), per_draw, marges


def test_intervals_contain_the_value_and_have_width():
    table, per_draw, _ = build([30.0, 60.0, 120.0])
    b = table[table["niveau"] == "buurt"]
    for k in ("aantal_85plus", "dubbele_vergrijzing", "dementie_per_100_65plus"):
        assert (b[k + "_laag"] <= b[k]).all() and (b[k] <= b[k + "_hoog"]).all()
        assert (b[k + "_hoog"] - b[k + "_laag"] > 0).all()
        # The draws themselves (before any widening to the value) contain the estimate.
        q = per_draw.groupby("code")[k].quantile([0.05, 0.95]).unstack()
        est = b.set_index("code")[k]
        assert ((q.loc[est.index, 0.05] <= est) & (est <= q.loc[est.index, 0.95])).all(), k
    # A number CBS publishes has no interval: it is shown as published.
    assert b["aantal_65plus_laag"].isna().all()
    # Wijk rows get intervals from the summed draws; counts widen to the rounding step.
    w = table[table["niveau"] == "wijk"].iloc[0]
    assert w["aantal_85plus_laag"] % 5 == 0 and w["aantal_85plus_hoog"] % 5 == 0
    assert set(per_draw["trekking"]) == set(range(40))


def test_published_share_of_children_gets_the_margin_of_cbs_rounding():
    """Duiven's 0-14 map split Het Broek (25 of 155 children, 16%) from Loo (15,3%), though
    CBS's rounding to 5 leaves 23-27 children open; the 65+ share had that margin."""
    table, per_draw, _ = build([30.0, 60.0, 120.0])
    b = table[table["niveau"] == "buurt"].set_index("code")
    # Shown as published: the KWB count over the KWB inwoners, not a drawn number.
    assert (b["aandeel_0_14"] == 15.0).all()
    assert (b["aandeel_0_14_laag"] < 15.0).all() and (b["aandeel_0_14_hoog"] > 15.0).all()
    # About what the rounding leaves open (150 +- 2.5 of 1000 +- 2.5): a few tenths of a
    # percent point, not the spread of the age estimate.
    breedte = b["aandeel_0_14_hoog"] - b["aandeel_0_14_laag"]
    assert ((breedte > 0.1) & (breedte < 0.6)).all(), breedte
    # The draws' own 0-14 count varies: the numerator is drawn, not the published one.
    assert per_draw.groupby("code")["k_0_14"].nunique().min() > 1
    assert "aandeel_0_14" in intervals.interval_keys(REG)


def test_wijk_interval_belongs_to_the_published_wijk_count():
    """CBS rounds a wijk apart from its buurten: the shown 75+ is scaled to the published
    wijk 65+, and the draws must be scaled alike (not stretched to reach the value)."""
    table, per_draw, _ = build([30.0, 60.0, 120.0], wijk_65plus=780.0)
    w = table[(table["niveau"] == "wijk")].iloc[0]
    assert w["aantal_65plus"] == 780.0
    draws = per_draw[per_draw["code"] == w["code"]]
    for k in ("aantal_75plus", "aantal_85plus", "dementie_aantal"):
        raw_lo, raw_hi = draws[k].quantile(0.05), draws[k].quantile(0.95)
        # The shown count is rounded to 5: it may lie up to half a step outside the draws.
        half = S.afronding / 2
        assert raw_lo - half <= w[k] <= raw_hi + half, (k, raw_lo, w[k], raw_hi)
        assert draws[k].median() == pytest.approx(w[k], rel=0.15), k


def test_more_widowed_means_more_85plus_and_an_interval_that_moves_up():
    """Issue 16: '85+ binnen 65+' follows the widowed share; its interval moves with it.

    Half of the draws leave the marital margin out (model uncertainty, calibrated on
    Utrecht), so the intervals overlap: the difference is a signal, not yet a certainty.
    """
    table, _, _ = build([10.0, 60.0, 160.0])
    b = table[table["niveau"] == "buurt"].set_index("code")
    dv = b["dubbele_vergrijzing"]
    assert dv["BU00010100"] < dv["BU00010101"] < dv["BU00010102"]
    lo, hi = b["dubbele_vergrijzing_laag"], b["dubbele_vergrijzing_hoog"]
    assert hi["BU00010102"] > hi["BU00010100"] and lo["BU00010102"] >= lo["BU00010100"]


def test_buurtsignaal_needs_an_informative_margin():
    _, _, marges = build([30.0, 60.0, 120.0], trekkingen=2)
    sig = intervals.bepaal_buurtsignaal(REG, "ipf", marges)
    assert sig["dubbele_vergrijzing"]["signaal"] is True
    assert "burgerlijke staat (KWB)" in sig["dubbele_vergrijzing"]["marges"]
    only_age = {c: ["leeftijd (KWB)"] for c in marges}
    sig = intervals.bepaal_buurtsignaal(REG, "ipf", only_age)
    assert sig["dubbele_vergrijzing"]["signaal"] is False
    assert sig["dementie_per_100_65plus"]["signaal"] is False
    assert "BRP-extract" in sig["dubbele_vergrijzing"]["uitleg"]
    # Indicators that vary through a published band keep their buurt signal.
    assert sig["aandeel_85plus"]["signaal"] is True and sig["mantelzorgpotentieel"]["signaal"]
    # A BRP extract counts every age per buurt.
    assert intervals.bepaal_buurtsignaal(REG, "brp", {})["dubbele_vergrijzing"]["signaal"] is True
    # Too few buurten with the margin: still model-only, and the text says how many.
    part = dict(only_age)
    part[next(iter(part))] = ["leeftijd (KWB)", "burgerlijke staat (KWB 2023)"]
    sig = intervals.bepaal_buurtsignaal(REG, "ipf", part)
    assert sig["dubbele_vergrijzing"]["signaal"] is False
    assert "33% van de buurten" in sig["dubbele_vergrijzing"]["uitleg"]


def test_marges_column():
    codes = pd.Series(["GM0001", "BU00010100"])
    m = intervals.marges_column(codes, {"BU00010100": ["leeftijd (KWB)", "geslacht (KWB)"]}, "ipf")
    assert list(m) == ["", "leeftijd (KWB), geslacht (KWB)"]
    assert list(intervals.marges_column(codes, {}, "brp")) == ["", "BRP-extract"]


def test_burgerlijke_staat_names_match_kwb_columns():
    assert BURGERLIJKE_STAAT == ("ongehuwd", "gehuwd", "gescheiden", "verweduwd")


def test_marges_waarschuwingen_only_for_a_partial_margin():
    full = {"BU1": ["leeftijd (KWB)", "burgerlijke staat (KWB 2023)"]}
    none = {"BU1": ["leeftijd (KWB)"], "BU2": ["leeftijd (KWB)"]}
    assert intervals.marges_waarschuwingen(full) == []
    assert intervals.marges_waarschuwingen(none) == []  # the buurtsignaal text covers this
    part = {**full, "BU2": ["leeftijd (KWB)"]}
    (tekst,) = intervals.marges_waarschuwingen(part)
    assert tekst.startswith("Voor 1 van de 2 buurten ontbreekt de burgerlijke staat (BU2)")


def test_spread_per_part_put_together_gives_the_same_intervals():
    # The build reduces each gemeente's draws to their spread as soon as they are made;
    # quantiles per code make that equal to the spread of all draws at once.
    table, per_draw, _ = build([30.0, 60.0, 120.0])
    reg = regios([30.0, 60.0, 120.0])
    pop, joint = gemeente(3000.0)
    prev = read_prevalentie(REPO / "config" / "dementie_prevalentie.csv")
    point, _ = estimate_with_draws(reg[reg["niveau"] == "buurt"], pop, gemeente_bs=joint)
    q = indicators.assemble(reg, point.assign(jaar=2024), pop, None, prev, S)
    derived = indicators.derive(q, S)
    codes = sorted(per_draw["code"].unique())
    parts = [per_draw[per_draw["code"].isin(codes[:2])], per_draw[per_draw["code"].isin(codes[2:])]]
    spread = intervals.Spreiding.concat([intervals.spreiding_van(p, REG) for p in parts])
    together = intervals.attach_intervals(
        indicators.publish(derived, REG, S), derived, spread, REG, S
    )
    pd.testing.assert_frame_equal(together, table, check_exact=True)
    assert together.filter(like=intervals.LAAG).notna().any().any()


def _forecast(pop: pd.DataFrame, years: list[int], growth: float = 1.1) -> pd.DataFrame:
    """A gemeente forecast in the base classes: the base population times ``growth``."""
    return pd.concat(
        [pop.assign(jaar=j, aantal=pop["aantal"] * growth) for j in years], ignore_index=True
    )[["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]]


def _with_forecast(trekkingen: int, spreiding: float) -> tuple:
    """Three buurten, their point estimate and draws, and a forecast for 2030."""
    reg = regios([30.0, 60.0, 120.0])
    pop, joint = gemeente(3000.0)
    point, draws = estimate_with_draws(
        reg[reg["niveau"] == "buurt"], pop, gemeente_bs=joint, trekkingen=trekkingen,
        spreiding=spreiding, rng_seed=1,
    )  # fmt: skip
    return reg, pop, point, draws, _forecast(pop, [2030])


def test_projected_draws_are_projected_as_the_point_estimate_is():
    """A draw equal to the point estimate projects to the point projection, and every
    projected draw adds up to the gemeente forecast (each draw is its own gemeente)."""
    reg, pop, point, draws, fc = _with_forecast(trekkingen=5, spreiding=0.3)
    same = point[["code", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]]
    tweemaal = pd.concat([same.assign(trekking=0), draws[draws["trekking"] == 1]])
    got = intervals.project_draws(tweemaal, fc, 2024, [2030], 2)
    want = project.project_buurten(point, fc, 2024, [2030])
    want = want[want["jaar"] == 2030].set_index(["code", "geslacht", "leeftijd_van"])["aantal"]
    eerste = got[got["trekking"] == 0].set_index(["code", "geslacht", "leeftijd_van"])["aantal"]
    pd.testing.assert_series_equal(eerste.sort_index(), want.sort_index(), check_names=False)
    assert set(got["code"]) == set(point["code"]) and set(got["jaar"]) == {2030}
    per_draw = got.groupby("trekking")["aantal"].sum()
    assert per_draw.to_numpy() == pytest.approx([fc["aantal"].sum()] * 2)


def test_a_later_years_interval_holds_who_moves_into_the_group():
    """Real Deventer: 65+ in 2030 was 1.060 (1.055-1.065), the base year's relative width
    of a count CBS publishes exactly. Today's 59-64 (estimated) are tomorrow's 65+: the
    projected draws give 65+ in 2030 a real width; without them (``per_jaar`` empty) the
    old, too narrow width remains."""
    reg, pop, point, draws, fc = _with_forecast(trekkingen=30, spreiding=1.0)
    prev = read_prevalentie(REPO / "config" / "dementie_prevalentie.csv")
    bev = project.project_buurten(point, fc, 2024, [2030])
    q = indicators.assemble(reg, bev, pop, None, prev, S)
    derived = indicators.derive(q, S)
    table = indicators.publish(derived, REG, S)
    spread = intervals.spreiding_van(intervals.draw_indicators(draws, q, prev, S), REG)
    per_jaar = intervals.horizon_spreiding(draws, q, fc, prev, S, [2030], 30, REG)
    assert set(per_jaar) == {2030}
    oud = intervals.attach_intervals(table, derived, spread, REG, S)
    nieuw = intervals.attach_intervals(table, derived, spread, REG, S, per_jaar)

    def breedte(t: pd.DataFrame) -> pd.Series:
        b = t[(t["niveau"] == "buurt") & (t["jaar"] == 2030)].set_index("code")
        return b["aantal_65plus_hoog"] - b["aantal_65plus_laag"]

    assert (breedte(oud) <= 10).all()  # CBS's exact 65+ carried over: nearly no width
    assert (breedte(nieuw) >= 20).all()
    b = nieuw[nieuw["jaar"] == 2030]
    assert ((b["aantal_65plus_laag"] <= b["aantal_65plus"])
            & (b["aantal_65plus"] <= b["aantal_65plus_hoog"])).all()  # fmt: skip
    # The base year is untouched by the projected draws.
    base = nieuw["jaar"] == 2024
    pd.testing.assert_frame_equal(nieuw[base], oud[base])


def test_one_pass_over_the_horizon_years_equals_one_pass_per_year():
    """horizon_spreiding computes all years at once (year and draw in one number); that
    must give what each year alone gives, for two years."""
    reg, pop, point, draws, _ = _with_forecast(trekkingen=6, spreiding=1.0)
    fc = _forecast(pop, [2030, 2035])
    prev = read_prevalentie(REPO / "config" / "dementie_prevalentie.csv")
    q = indicators.assemble(reg, project.project_buurten(point, fc, 2024, [2030, 2035]), pop,
                            None, prev, S)  # fmt: skip
    samen = intervals.horizon_spreiding(draws, q, fc, prev, S, [2030, 2035], 6, REG)
    assert set(samen) == {2030, 2035}
    proj = intervals.project_draws(draws, fc, 2024, [2030, 2035], 6)
    for jaar in (2030, 2035):
        los = intervals.draw_indicators(proj[proj["jaar"] == jaar], q, prev, S, jaar=jaar)
        apart = intervals.spreiding_van(los, REG, intervals.NIVEAU)
        pd.testing.assert_frame_equal(samen[jaar].laag, apart.laag, check_names=False)
        pd.testing.assert_frame_equal(samen[jaar].hoog, apart.hoog, check_names=False)
    assert not samen[2030].hoog.equals(samen[2035].hoog)  # the years are not mixed up


def test_draws_in_parts_give_the_same_spread_as_all_at_once(monkeypatch):
    """A large gemeente's draws go through in parts (memory); the spread must be exactly
    what all draws at once give, base year and horizon years."""
    reg, pop, point, draws, _ = _with_forecast(trekkingen=12, spreiding=1.0)
    fc = _forecast(pop, [2030, 2035])
    prev = read_prevalentie(REPO / "config" / "dementie_prevalentie.csv")
    q = indicators.assemble(reg, project.project_buurten(point, fc, 2024, [2030, 2035]), pop,
                            None, prev, S)  # fmt: skip

    def spread() -> tuple[intervals.Spreiding, dict[int, intervals.Spreiding]]:
        return (
            intervals.base_spreiding(draws, q, prev, S, REG),
            intervals.horizon_spreiding(draws, q, fc, prev, S, [2030, 2035], 10, REG),
        )

    heel = spread()
    rows_per_draw = int((draws["trekking"] == 0).sum())
    # Five draws per base-year part, two per horizon part (two years): uneven last parts.
    monkeypatch.setattr(intervals, "RIJEN_PER_DEEL", 5 * rows_per_draw)
    assert [len(d["trekking"].unique()) for d in intervals._in_delen(draws)] == [5, 5, 2]
    assert len(intervals._in_delen(draws[draws["trekking"] < 10], 2)) == 5
    delen = spread()
    for a, b in [(heel[0], delen[0])] + [(heel[1][j], delen[1][j]) for j in (2030, 2035)]:
        for kant in ("laag", "hoog", "mediaan"):
            pd.testing.assert_frame_equal(getattr(a, kant), getattr(b, kant), check_exact=True)
    assert heel[0].laag.notna().any().any()
