"""Tests for pipeline.model.ages: labels, standard bands, aggregation and splitting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.model import ages


def _classes(pairs: list[tuple[int, int | None]], values: list[float], **cols) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "leeftijd_van": [a for a, _ in pairs],
            "leeftijd_tot": pd.array([b for _, b in pairs], dtype="Int64"),
            "aantal": np.asarray(values, dtype=float),
        }
    )
    for k, v in cols.items():
        df[k] = v
    return df


def _five_year(values: np.ndarray, **cols) -> pd.DataFrame:
    std = ages.standard_bands()
    df = std.copy()
    df["aantal"] = np.asarray(values, dtype=float)
    for k, v in cols.items():
        df[k] = v
    return df


def test_label_formats():
    assert ages.label(0, 4) == "0-4"
    assert ages.label(85, 89) == "85-89"
    assert ages.label(90, None) == "90+"
    assert ages.label(90, pd.NA) == "90+"
    assert ages.label(7, 7) == "7"
    assert list(ages.labels([0, 90, 50], pd.array([4, None, 64], dtype="Int64"))) == [
        "0-4",
        "90+",
        "50-64",
    ]


def test_standard_bands_layout():
    std = ages.standard_bands()
    assert len(std) == 19
    assert std["klasse"].iloc[0] == "0-4"
    assert std["klasse"].iloc[-2] == "85-89"
    assert std["klasse"].iloc[-1] == "90+"
    assert str(std["leeftijd_tot"].dtype) == "Int64"
    assert pd.isna(std["leeftijd_tot"].iloc[-1])
    assert (std["leeftijd_tot"].iloc[:-1].to_numpy() - std["leeftijd_van"].iloc[:-1] == 4).all()


def test_to_bands_single_years_to_five_year_bands():
    # Single years 0..99 and 100+; the count at age a is a, at 100+ 1000.
    pairs = [(a, a) for a in range(100)] + [(100, None)]
    vals = list(range(100)) + [1000.0]
    df = _classes(pairs, vals, code="BU1")
    out = ages.to_bands(df, ages.standard_bands())
    assert len(out) == 19
    assert out.loc[out.klasse == "0-4", "aantal"].item() == 0 + 1 + 2 + 3 + 4
    assert out.loc[out.klasse == "85-89", "aantal"].item() == sum(range(85, 90))
    assert out.loc[out.klasse == "90+", "aantal"].item() == sum(range(90, 100)) + 1000
    assert out["aantal"].sum() == sum(vals)


def test_to_bands_sums_over_columns_left_out_of_by():
    df = pd.concat(
        [_five_year(np.ones(19), geslacht="man"), _five_year(2 * np.ones(19), geslacht="vrouw")]
    )
    coarse = ages.standard_bands().iloc[[0]]  # 0-4 only; other classes ignored
    out = ages.to_bands(df, coarse, by=[])
    assert out["aantal"].tolist() == [3.0]
    per_sex = ages.to_bands(df, coarse)
    assert per_sex.set_index("geslacht")["aantal"].to_dict() == {"man": 1.0, "vrouw": 2.0}


def test_to_bands_nan_propagates():
    vals = np.arange(19, dtype=float)
    vals[17] = np.nan  # 85-89 suppressed
    out = ages.custom_band_total(_five_year(vals, code="BU1"), 85, None)
    assert np.isnan(out.item())
    out = ages.custom_band_total(_five_year(vals, code="BU1"), 50, 64)
    assert out.item() == 10 + 11 + 12


def test_to_bands_straddling_class_is_an_error():
    df = _classes([(0, 14), (15, 64), (65, None)], [1, 2, 3])
    with pytest.raises(WijkscanError, match="passen niet"):
        ages.to_bands(df, ages.standard_bands())


def test_to_bands_split_is_uniform_and_keeps_total():
    df = _classes([(0, 14), (15, 64), (65, 89), (90, None)], [15.0, 50.0, 25.0, 7.0])
    out = ages.to_bands(df, ages.standard_bands(), split=True)
    assert out.loc[out.klasse == "5-9", "aantal"].item() == pytest.approx(5.0)
    assert out.loc[out.klasse == "20-24", "aantal"].item() == pytest.approx(5.0)
    assert out.loc[out.klasse == "85-89", "aantal"].item() == pytest.approx(5.0)
    assert out.loc[out.klasse == "90+", "aantal"].item() == pytest.approx(7.0)
    assert out["aantal"].sum() == pytest.approx(97.0)


def test_to_bands_gap_is_an_error():
    df = _classes([(0, 4), (10, 14), (15, None)], [1, 2, 3])  # 5-9 missing
    with pytest.raises(WijkscanError, match="niet volledig"):
        ages.to_bands(df, ages.standard_bands().iloc[:3])


def test_to_bands_overlap_is_an_error():
    df = _classes([(0, 4), (0, 14), (15, None)], [1, 2, 3])
    with pytest.raises(WijkscanError, match="overlappen"):
        ages.to_bands(df, ages.standard_bands())


def test_custom_band_totals_from_five_year_bands():
    vals = np.arange(1, 20, dtype=float)  # 0-4 -> 1, ..., 90+ -> 19
    df = pd.concat([_five_year(vals, code="A"), _five_year(10 * vals, code="B")])
    s = ages.custom_band_total(df, 50, 64, by=["code"])
    assert s.to_dict() == {"A": 11 + 12 + 13, "B": 10 * (11 + 12 + 13)}
    assert ages.custom_band_total(df, 85, None, by=["code"])["A"] == 18 + 19
    assert ages.custom_band_total(df, 75, None, by=["code"])["A"] == 16 + 17 + 18 + 19
    assert ages.custom_band_total(df, 50, 74, by=["code"])["A"] == sum(range(11, 16))


@pytest.mark.parametrize(("van", "tot"), [(50, 60), (52, 64), (87, None)])
def test_custom_band_misaligned_is_an_error(van, tot):
    with pytest.raises(WijkscanError):
        ages.custom_band_total(_five_year(np.ones(19), code="A"), van, tot)


def test_split_matrix_uniform_closed_and_decaying_open():
    w = ages.split_matrix(np.array([60, 90, 80]), np.array([64, np.inf, np.inf]))
    assert w.shape == (3, ages.MAX_AGE + 1)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_allclose(w[0, 60:65], 0.2)
    assert w[0, :60].sum() == 0 and w[0, 65:].sum() == 0
    # 90+: ratio OPEN_DECAY per year.
    assert w[1, 91] / w[1, 90] == pytest.approx(ages.OPEN_DECAY)
    assert w[1, :90].sum() == 0
    # 80+: uniform 80-89, then decaying.
    np.testing.assert_allclose(w[2, 80:90], w[2, 80])
    assert w[2, 90] / w[2, 89] == pytest.approx(ages.OPEN_DECAY)
    assert w[2, 92] / w[2, 91] == pytest.approx(ages.OPEN_DECAY)


def test_split_uniform_preserves_totals_and_nan():
    df = _classes([(0, 4), (5, 89), (90, None)], [10.0, np.nan, 3.0], code="A")
    out = ages.split_uniform(df)
    assert out["leeftijd_van"].max() == ages.MAX_AGE
    assert pd.isna(out["leeftijd_tot"].iloc[-1])
    assert out.loc[out.leeftijd_van <= 4, "aantal"].tolist() == [2.0] * 5
    assert out.loc[(out.leeftijd_van >= 5) & (out.leeftijd_van <= 89), "aantal"].isna().all()
    assert out.loc[out.leeftijd_van >= 90, "aantal"].sum() == pytest.approx(3.0)


def test_membership_requires_full_cover_with_open_top():
    m = ages.membership(np.array([0, 5, 65]), np.array([4, 64, np.inf]))
    assert m.shape == (ages.MAX_AGE + 1, 3)
    np.testing.assert_array_equal(m.sum(axis=1), 1)
    assert m[64, 1] == 1 and m[65, 2] == 1 and m[ages.MAX_AGE, 2] == 1
    with pytest.raises(WijkscanError, match="open"):
        ages.membership(np.array([0, 5]), np.array([4, 99]))
    with pytest.raises(WijkscanError, match="precies"):
        ages.membership(np.array([0, 10]), np.array([4, np.inf]))
