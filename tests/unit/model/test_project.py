"""Tests for pipeline.model.project: cohort ageing and scaling to the gemeente forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.model import ages
from pipeline.model.estimate import estimate_buurt_ages
from pipeline.model.project import age_cohorts, project_buurten

STD = ages.standard_bands()
J = len(STD)


def base_frame(data: dict[str, dict[str, dict[str, float]]]) -> pd.DataFrame:
    """Base table from {code: {geslacht: {klasse: aantal}}}; unspecified classes are 0."""
    rows = []
    for code, by_sex in data.items():
        for sex, cells in by_sex.items():
            df = STD.copy()
            df["aantal"] = [float(cells.get(k, 0.0)) for k in STD["klasse"]]
            df["code"] = code
            df["geslacht"] = sex
            df["geschat"] = True
            rows.append(df)
    out = pd.concat(rows, ignore_index=True)
    return out[["code", "geslacht", "leeftijd_van", "leeftijd_tot", "klasse", "aantal", "geschat"]]


def forecast_frame(
    gm: str, jaar: int, sex: str, classes: list[tuple[int, int | None]], values: list[float]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gemeentecode": gm,
            "jaar": jaar,
            "geslacht": sex,
            "leeftijd_van": [a for a, _ in classes],
            "leeftijd_tot": pd.array([b for _, b in classes], dtype="Int64"),
            "aantal": np.asarray(values, dtype=float),
        }
    )


def get(out: pd.DataFrame, code: str, jaar: int, klasse: str, sex: str = "totaal") -> float:
    sel = out[(out.code == code) & (out.jaar == jaar) & (out.klasse == klasse)]
    sel = sel[sel.geslacht == sex]
    assert len(sel) == 1
    return float(sel["aantal"].iloc[0])


# --------------------------------------------------------------------- ageing


def test_cohort_shift_five_years_is_exact():
    base = base_frame(
        {"BU00010001": {"totaal": {"60-64": 10.0, "85-89": 4.0, "90+": 7.0, "0-4": 3.0}}}
    )
    aged = age_cohorts(base, 5).set_index("klasse")["aantal"]
    assert aged["65-69"] == pytest.approx(10.0)
    assert aged["60-64"] == pytest.approx(0.0)
    assert aged["5-9"] == pytest.approx(3.0)
    assert aged["0-4"] == 0.0  # born after the base year: nobody in the raw ageing step
    assert aged["90+"] == pytest.approx(4.0 + 7.0)  # 85-89 moves into 90+, 90+ stays
    assert aged.sum() == pytest.approx(base["aantal"].sum() - 0.0)


def test_cohort_shift_six_years_splits_uniformly():
    base = base_frame({"BU00010001": {"totaal": {"60-64": 10.0}}})
    aged = age_cohorts(base, 6).set_index("klasse")["aantal"]
    assert aged["65-69"] == pytest.approx(8.0)  # ages 66..69 of 66..70
    assert aged["70-74"] == pytest.approx(2.0)
    assert age_cohorts(base, 0)["aantal"].tolist() == base["aantal"].tolist()


# --------------------------------------------------------------------- hand example


def test_hand_projection_scaling_and_new_cohorts():
    """A: 5 aged 0-4, 10 aged 60-64; B: 15 and 30. Forecast 2029 (totaal):
    0-4 = 40 (new cohort: base shares 5:15 -> 10, 30), 5-64 = 100 (aged 0-4 -> 5-9,
    5:15 -> 25, 75), 65-69 = 80 (aged 10:30 -> 20, 60), 70+ = 0.
    """
    base = base_frame(
        {
            "BU00010001": {"totaal": {"0-4": 5.0, "60-64": 10.0}},
            "BU00010002": {"totaal": {"0-4": 15.0, "60-64": 30.0}},
        }
    )
    fc = forecast_frame(
        "GM0001", 2029, "totaal", [(0, 4), (5, 64), (65, 69), (70, None)], [40, 100, 80, 0]
    )
    out = project_buurten(base, fc, 2024, [2029])
    assert get(out, "BU00010001", 2029, "0-4") == pytest.approx(10.0)
    assert get(out, "BU00010002", 2029, "0-4") == pytest.approx(30.0)
    assert get(out, "BU00010001", 2029, "5-9") == pytest.approx(25.0)
    assert get(out, "BU00010002", 2029, "5-9") == pytest.approx(75.0)
    assert get(out, "BU00010001", 2029, "65-69") == pytest.approx(20.0)
    assert get(out, "BU00010002", 2029, "65-69") == pytest.approx(60.0)
    p = out[out.jaar == 2029]
    assert p["aantal"].sum() == pytest.approx(220.0)
    assert p["geschat"].all()
    # Base year included unchanged.
    b = out[out.jaar == 2024].drop(columns="jaar").reset_index(drop=True)
    pd.testing.assert_frame_equal(b, base, check_dtype=False)


def test_class_mixing_new_and_aged_cohorts():
    """0-19 six years on holds ages 0-5 (new: base counts) and 6-19 (aged 0-13).

    Base: 2 per single year 0..19. Aged: 14 years x 2 = 28; new: 6 x 2 = 12; total 40.
    Forecast 0-19 = 80 gives factor 2: 0-4 = 5 x 2 x 2 = 20, 5-9 = 20, 20-24 = 0 + aged.
    """
    base = base_frame(
        {"BU00010001": {"totaal": {"0-4": 10.0, "5-9": 10.0, "10-14": 10.0, "15-19": 10.0}}}
    )
    fc = forecast_frame("GM0001", 2030, "totaal", [(0, 19), (20, None)], [80.0, 12.0])
    out = project_buurten(base, fc, 2024, [2030])
    assert get(out, "BU00010001", 2030, "0-4") == pytest.approx(20.0)
    assert get(out, "BU00010001", 2030, "5-9") == pytest.approx(20.0)
    assert get(out, "BU00010001", 2030, "15-19") == pytest.approx(20.0)
    assert get(out, "BU00010001", 2030, "20-24") == pytest.approx(10.0)  # 6 aged 20..25 -> 5/6
    assert get(out, "BU00010001", 2030, "25-29") == pytest.approx(2.0)


def test_empty_class_falls_back_to_total_population_share():
    base = base_frame(
        {
            "BU00010001": {"totaal": {"20-24": 10.0}},
            "BU00010002": {"totaal": {"30-34": 30.0}},
        }
    )
    fc = forecast_frame("GM0001", 2029, "totaal", [(0, 79), (80, None)], [40.0, 8.0])
    out = project_buurten(base, fc, 2024, [2029])
    a80 = ages.custom_band_total(out[out.jaar == 2029], 80, None, by=["code"])
    assert a80.to_dict() == pytest.approx({"BU00010001": 2.0, "BU00010002": 6.0})
    assert out.attrs["diagnostiek"]["terugval"] == [("GM0001", 2029, "totaal", "80+")]


# --------------------------------------------------------------------- properties


def _random_base(rng: np.random.Generator, n_gem: int = 2) -> pd.DataFrame:
    kwb_rows, pops = [], []
    for g in range(n_gem):
        code = f"{g + 1:04d}"
        nb = int(rng.integers(2, 7))
        for b in range(nb):
            inw = float(rng.integers(50, 2000))
            kwb_rows.append(
                {
                    "code": f"BU{code}{b:04d}",
                    "inwoners": inw,
                    "k_0_14": np.round(inw * rng.uniform(0.05, 0.3)),
                    "k_65plus": np.round(inw * rng.uniform(0.05, 0.4)),
                }
            )
        for sex in ("man", "vrouw"):
            pops.append(
                STD.drop(columns="klasse").assign(
                    gemeentecode=f"GM{code}", geslacht=sex, aantal=rng.gamma(3.0, 50.0, J)
                )
            )
    return estimate_buurt_ages(pd.DataFrame(kwb_rows), pd.concat(pops, ignore_index=True))


def _forecast(rng, gms, years, sexes, classes):
    rows = []
    for gm in gms:
        for y in years:
            for s in sexes:
                rows.append(
                    forecast_frame(gm, y, s, classes, rng.uniform(10, 500, size=len(classes)))
                )
    return pd.concat(rows, ignore_index=True)


FIVE = list(zip(STD["leeftijd_van"], [None if pd.isna(t) else int(t) for t in STD["leeftijd_tot"]],
                strict=True))  # fmt: skip
COARSE = [(0, 19), (20, 64), (65, 79), (80, None)]
SINGLE = [(a, a) for a in range(100)] + [(100, None)]
TOTAL = [(0, None)]


@pytest.mark.parametrize(
    ("classes", "sexes"),
    [
        (FIVE, ("man", "vrouw")),
        (COARSE, ("man", "vrouw")),
        (COARSE, ("totaal",)),
        (SINGLE, ("man", "vrouw")),
        (TOTAL, ("totaal",)),
    ],
    ids=["5jaar_mv", "grof_mv", "grof_totaal", "enkeljaar_mv", "alleen_totaal"],
)
@pytest.mark.parametrize("seed_no", range(5))
def test_buurten_sum_to_forecast(classes, sexes, seed_no):
    rng = np.random.default_rng(seed_no)
    base = _random_base(rng)
    gms = sorted({"GM" + c[2:6] for c in base["code"]})
    years = [2030, 2035, 2041]
    fc = _forecast(rng, gms, years, sexes, classes)
    out = project_buurten(base, fc, 2024, years)

    assert set(out["jaar"]) == {2024, *years}
    assert len(out) == len(base) * (1 + len(years))
    assert (out["aantal"] >= 0).all()
    # Base year unchanged.
    b = out[out.jaar == 2024].drop(columns="jaar").reset_index(drop=True)
    pd.testing.assert_frame_equal(b, base.reset_index(drop=True), check_dtype=False)
    # Buurten add up to the forecast for every gemeente, year, class and forecast sex.
    proj = out[out.jaar != 2024].assign(gemeentecode="GM" + out["code"].str[2:6])
    if sexes == ("totaal",):
        keys = ["gemeentecode", "jaar", "code", "leeftijd_van", "leeftijd_tot"]
        proj = proj.groupby(keys, as_index=False, dropna=False)["aantal"].sum()
        proj = proj.assign(geslacht="totaal")
    fc_bands = pd.DataFrame(
        {"leeftijd_van": [a for a, _ in classes],
         "leeftijd_tot": pd.array([b for _, b in classes], dtype="Int64")}
    )  # fmt: skip
    if classes is SINGLE:
        # Single-year forecast: compare in the output's 5-year bands.
        fc = ages.to_bands(fc, STD, by=["gemeentecode", "jaar", "geslacht"])
        fc_bands = STD
    got = ages.to_bands(
        proj[
            ["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal", "code"]
        ],
        fc_bands,
        by=["gemeentecode", "jaar", "geslacht"],
    )
    m = got.merge(fc, on=["gemeentecode", "jaar", "geslacht", "leeftijd_van"], suffixes=("", "_f"))
    assert len(m) == len(fc)
    np.testing.assert_allclose(m["aantal"], m["aantal_f"], rtol=1e-9, atol=1e-6)
    assert out.attrs["diagnostiek"]["max_fout"] < 1e-6


def test_nan_buurt_stays_nan_and_gets_no_share():
    base = base_frame(
        {
            "BU00010001": {"man": {"30-34": 10.0}, "vrouw": {"30-34": 10.0}},
            "BU00010002": {"man": {"30-34": 30.0}, "vrouw": {"30-34": 30.0}},
        }
    )
    base.loc[base.code == "BU00010002", "aantal"] = np.nan
    fc = forecast_frame("GM0001", 2030, "totaal", TOTAL, [50.0])
    out = project_buurten(base, fc, 2024, [2030])
    assert out.loc[out.code == "BU00010002", "aantal"].isna().all()
    a = out[(out.code == "BU00010001") & (out.jaar == 2030)]
    assert a["aantal"].sum() == pytest.approx(50.0)
    # Aged 6 years: 30-34 -> 36..40, i.e. 4/5 in 35-39 and 1/5 in 40-44, per sex 25.
    assert get(out, "BU00010001", 2030, "35-39", "man") == pytest.approx(20.0)
    assert get(out, "BU00010001", 2030, "40-44", "vrouw") == pytest.approx(5.0)


def test_missing_forecast_class_gives_nan_only_there():
    base = base_frame({"BU00010001": {"totaal": {"20-24": 10.0, "80-84": 5.0}}})
    fc = forecast_frame("GM0001", 2029, "totaal", [(0, 79), (80, None)], [30.0, np.nan])
    out = project_buurten(base, fc, 2024, [2029])
    p = out[out.jaar == 2029].set_index("klasse")["aantal"]
    assert p["25-29"] == pytest.approx(30.0)
    assert p[["80-84", "85-89", "90+"]].isna().all()
    assert p.drop(["80-84", "85-89", "90+"]).notna().all()


def test_age_cohorts_nan_class_spreads_only_where_its_people_go():
    base = base_frame({"BU00010001": {"totaal": {"20-24": 10.0}}})
    base.loc[base.klasse == "60-64", "aantal"] = np.nan
    aged = age_cohorts(base, 5).set_index("klasse")["aantal"]
    assert np.isnan(aged["65-69"])
    assert aged["25-29"] == pytest.approx(10.0)
    assert aged["60-64"] == 0.0


def test_sex_specific_forecast_scales_each_sex():
    base = base_frame(
        {
            "BU00010001": {"man": {"70-74": 10.0}, "vrouw": {"70-74": 10.0}},
            "BU00010002": {"man": {"70-74": 30.0}, "vrouw": {"70-74": 10.0}},
        }
    )
    fc = pd.concat(
        [
            forecast_frame("GM0001", 2029, "man", [(0, 74), (75, None)], [0.0, 20.0]),
            forecast_frame("GM0001", 2029, "vrouw", [(0, 74), (75, None)], [0.0, 40.0]),
        ]
    )
    out = project_buurten(base, fc, 2024, [2029])
    assert get(out, "BU00010001", 2029, "75-79", "man") == pytest.approx(5.0)
    assert get(out, "BU00010002", 2029, "75-79", "man") == pytest.approx(15.0)
    assert get(out, "BU00010001", 2029, "75-79", "vrouw") == pytest.approx(20.0)
    assert get(out, "BU00010002", 2029, "75-79", "vrouw") == pytest.approx(20.0)


def test_totaal_base_with_sex_forecast_adds_sexes():
    base = base_frame({"BU00010001": {"totaal": {"10-14": 4.0}}})
    fc = pd.concat(
        [
            forecast_frame("GM0001", 2029, "man", TOTAL, [3.0]),
            forecast_frame("GM0001", 2029, "vrouw", TOTAL, [5.0]),
        ]
    )
    out = project_buurten(base, fc, 2024, [2029])
    assert get(out, "BU00010001", 2029, "15-19") == pytest.approx(8.0)


def test_projection_errors():
    base = base_frame({"BU00010001": {"totaal": {"10-14": 4.0}}})
    fc = forecast_frame("GM0001", 2030, "totaal", TOTAL, [5.0])
    with pytest.raises(WijkscanError, match="Geen prognose"):
        project_buurten(base, fc, 2024, [2035])
    with pytest.raises(WijkscanError, match="voor het basisjaar"):
        project_buurten(base, fc, 2024, [2020])
    gap = forecast_frame("GM0001", 2030, "totaal", [(0, 4), (10, None)], [1.0, 2.0])
    with pytest.raises(WijkscanError, match="dekken niet"):
        project_buurten(base, gap, 2024, [2030])
    only_men = forecast_frame("GM0001", 2030, "man", TOTAL, [5.0])
    with pytest.raises(WijkscanError, match="geslacht"):
        project_buurten(base, only_men, 2024, [2030])
    with pytest.raises(WijkscanError, match="Kolommen"):
        project_buurten(base, fc.drop(columns="jaar"), 2024, [2030])


def test_estimate_then_project_on_base_year_only():
    base = _random_base(np.random.default_rng(3), n_gem=1)
    out = project_buurten(base, _forecast(np.random.default_rng(0), ["GM0001"], [2024],
                                          ("man", "vrouw"), COARSE), 2024, [2024])  # fmt: skip
    assert set(out["jaar"]) == {2024}
    assert out["aantal"].tolist() == base["aantal"].tolist()
