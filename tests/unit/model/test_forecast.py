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


def test_a_horizon_beyond_the_forecast_names_only_usable_years():
    """A new user set horizon [2030, 2060]: the fix listed 2020-2024 too, which the next
    run refused (a horizon year must lie after the peiljaar)."""
    f = pd.DataFrame({"jaar": range(2020, 2051), "gemeentecode": "GM0226", "aantal": 1.0})
    with pytest.raises(WijkscanError) as exc:
        forecast.gemeente_forecast(f, pd.DataFrame(), 2024, [2030, 2060])
    text = str(exc.value)
    assert "geen cijfers voor 2060" in text
    assert "van 2025 tot en met 2050" in text and "horizon: [2035, 2040, 2045, 2050]" in text
    assert "2020" not in text


def test_totals_start_from_the_counted_base_year_when_the_forecast_has_it():
    """84527NED (made in 2019) put Duiven at 24,300 in 2024 where CBS counted 24,872: its
    2030 total would build that 2.3% in and show a shrinking gemeente. Its growth is kept,
    from the count; the factor travels to the report."""
    base = _base()  # 3,820 counted
    fc, _ = forecast.gemeente_forecast(_totals({2024: 3800.0, 2030: 3990.0}), base, 2024, [2030])
    assert fc["aantal"].sum() == pytest.approx(3990.0 * 3820.0 / 3800.0)
    assert fc.attrs["aansluiting"] == (3800.0, 3820.0)
    # Without a forecast figure for the base year the totals are used as published.
    fc2, _ = forecast.gemeente_forecast(_totals({2030: 3990.0}), base, 2024, [2030])
    assert fc2["aantal"].sum() == pytest.approx(3990.0) and fc2.attrs["aansluiting"] is None


def test_report_names_a_forecast_that_started_elsewhere():
    from pipeline.model.provenance import report_warnings

    w = report_warnings([], "totaal_met_cohortmodel", (24_300.0, 24_872.0), "84527NED", 2024)
    assert any(
        "De prognose (84527NED) ging voor 2024 uit van 24.300 inwoners; CBS telde er 24.872 "
        "(2,4% meer)." in x
        for x in w
    )
    # Within half a percent (85171NED for Deventer: 0.1%) nothing is said.
    assert (
        len(report_warnings([], "totaal_met_cohortmodel", (103_300.0, 103_405.0), "x", 2024)) == 1
    )
