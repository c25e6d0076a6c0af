"""The "Buurten in beeld" ranking: rank scores, direction, intervals, buurt signal."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.present.report import instellingen, rangorde
from tests.unit.present.test_report import tabel_met_marges
from tests.unit.present.test_texts import registry, voorbeeld_tabel


@pytest.fixture(scope="module")
def reg():
    return registry()


def test_rank_scores_are_transparent_and_respect_direction(reg):
    t = pd.DataFrame(
        {
            "code": ["A", "B", "C", "D"],
            "naam": ["a", "b", "c", "d"],
            "niveau": "buurt",
            "wijkcode": "W",
            "jaar": 2024,
            "status": ["", "", "", "te weinig inwoners"],
            "aandeel_75plus": [10.0, 20.0, 30.0, float("nan")],
            "mantelzorgpotentieel": [5.0, float("nan"), 15.0, float("nan")],
        }
    )
    s, out = rangorde.buurt_scores(
        t, reg, {"aandeel_75plus": 1.0, "mantelzorgpotentieel": 3.0}, 2024
    )
    s = s.set_index("code")
    assert list(out["code"]) == ["D"]
    assert s.loc[["A", "B", "C"], "rs_aandeel_75plus"].tolist() == [0.0, 0.5, 1.0]
    # lower mantelzorgpotentieel = larger task
    assert s.loc["A", "rs_mantelzorgpotentieel"] == 1.0
    assert s.loc["C", "rs_mantelzorgpotentieel"] == 0.0
    assert s.loc["A", "score"] == pytest.approx((1 * 0.0 + 3 * 1.0) / 4)
    assert s.loc["C", "score"] == pytest.approx((1 * 1.0 + 3 * 0.0) / 4)
    assert s.loc["B", "score"] == pytest.approx(0.5)  # only the indicator it has
    assert s.loc["B", "n_indicatoren"] == 1
    assert list(s.index) == ["A", "B", "C"]  # sorted by score (ties by name)


def test_scores_leave_out_an_indicator_without_signal(reg):
    t = tabel_met_marges()
    weging = instellingen.DEFAULT_RAPPORT["weging"]
    s, _ = rangorde.buurt_scores(t, reg, weging, 2024, zonder_signaal=["mantelzorgpotentieel"])
    assert "rs_mantelzorgpotentieel" not in s
    keys = [k for k in weging if k != "mantelzorgpotentieel"]
    expect = s[[f"rs_{k}" for k in keys]].mean(axis=1, skipna=True)
    assert s["score"].tolist() == pytest.approx(expect.tolist())
    # With the signal, the same table does use it (the test can fail).
    s2, _ = rangorde.buurt_scores(t, reg, weging, 2024)
    assert "rs_mantelzorgpotentieel" in s2 and not s2["score"].equals(s["score"])


def test_intervals_give_shared_places_and_exact_values_do_not(reg):
    t = tabel_met_marges()
    w = {"aandeel_75plus": 1.0}
    s, _ = rangorde.buurt_scores(t, reg, w, 2024)
    assert (s["plaats_tot"] > s["plaats_van"]).any()  # overlapping buurten share a place
    assert (s["score_min"] <= s["score"]).all() and (s["score"] <= s["score_max"]).all()
    exact, _ = rangorde.buurt_scores(voorbeeld_tabel(), reg, w, 2024)
    assert exact["plaats_van"].tolist() == exact["plaats_tot"].tolist() == exact["rang"].tolist()


def test_buurten_sharing_a_place_are_listed_by_name_not_by_score(reg):
    s, _ = rangorde.buurt_scores(tabel_met_marges(), reg, {"aandeel_75plus": 1.0}, 2024)
    assert s["plaats_van"].is_monotonic_increasing
    for _, groep in s.groupby("plaats_van"):
        assert groep["naam"].tolist() == sorted(groep["naam"])
    # The fixture's scores inside a shared place are not in name order: by score, the
    # table would still rank them (the test can fail).
    gedeeld = s[s["plaats_tot"] > s["plaats_van"]]
    assert (
        gedeeld.sort_values("score", ascending=False)["naam"].tolist() != gedeeld["naam"].tolist()
    )
    # Exact scores: one buurt per place, highest first.
    exact, _ = rangorde.buurt_scores(voorbeeld_tabel(), reg, {"aandeel_75plus": 1.0}, 2024)
    assert exact["score"].is_monotonic_decreasing


def test_printed_range_of_a_total_score():
    r = pd.Series({"score_min": 0.401, "score_max": 0.949})
    assert rangorde.score_marge(r) == "0,40–0,95"
    assert rangorde.score_marge(pd.Series({"score_min": 0.5, "score_max": 0.501})) == ""
    assert rangorde.score_marge(pd.Series({"score_min": float("nan"), "score_max": 1.0})) == ""
