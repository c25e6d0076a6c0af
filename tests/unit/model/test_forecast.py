from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.model import forecast


def _base():
    rows = []
    for sex in ("man", "vrouw"):
        for van in range(0, 95, 5):
            rows.append(("GM1", 2024, sex, van, van + 4, 100.0))
        rows.append(("GM1", 2024, sex, 95, None, 10.0))
    df = pd.DataFrame(
        rows, columns=["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
    )
    df["leeftijd_tot"] = df["leeftijd_tot"].astype("Int64")
    return df


def _totals(years_totals):
    return pd.DataFrame(
        {
            "gemeentecode": "GM1",
            "jaar": list(years_totals),
            "geslacht": "totaal",
            "leeftijd_van": 0,
            "leeftijd_tot": pd.array([pd.NA] * len(years_totals), dtype="Int64"),
            "aantal": list(years_totals.values()),
        }
    )


def test_totals_only_forecast_gets_age_structure_matching_totals():
    fc, method = forecast.gemeente_forecast(
        _totals({2030: 4000.0, 2040: 4200.0}), _base(), 2024, [2030, 2040]
    )
    assert method == "totaal_met_cohortmodel"
    sums = fc.groupby("jaar")["aantal"].sum()
    assert sums[2030] == pytest.approx(4000.0) and sums[2040] == pytest.approx(4200.0)
    assert (fc["aantal"] >= 0).all()
    # Cohort ageing: the people aged 60-64 in 2024 are 66-70 in 2030, so the 66-70 group
    # is (after survival and scaling) far larger than new 0-5 births would make it.
    y30 = fc[fc.jaar == 2030]
    assert y30[y30.leeftijd_van.between(66, 70)]["aantal"].sum() > 0


def test_forecast_with_age_detail_is_used_as_is():
    detailed = _base().assign(jaar=2030)
    fc, method = forecast.gemeente_forecast(detailed, _base(), 2024, [2030])
    assert method == "leeftijdsdetail"
    pd.testing.assert_frame_equal(fc.reset_index(drop=True), detailed.reset_index(drop=True))


def test_missing_horizon_year_is_an_error():
    with pytest.raises(WijkscanError, match="2035"):
        forecast.gemeente_forecast(_totals({2030: 4000.0}), _base(), 2024, [2030, 2035])
