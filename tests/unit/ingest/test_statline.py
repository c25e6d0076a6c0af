"""Tests for pipeline.ingest.statline: age labels and cells of StatLine files."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.ingest.statline import Leeftijdsklasse, parse_leeftijd, to_float


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("0 jaar", Leeftijdsklasse(0, 0)),
        ("45 tot 50 jaar", Leeftijdsklasse(45, 49)),
        ("100 jaar of ouder", Leeftijdsklasse(100, None)),
        ("95 jaar of ouder", Leeftijdsklasse(95, None)),
        ("Jonger dan 5 jaar", Leeftijdsklasse(0, 4)),
        ("85-89", Leeftijdsklasse(85, 89)),
        ("85 t/m 89", Leeftijdsklasse(85, 89)),
        ("90+", Leeftijdsklasse(90, None)),
        ("90 en ouder", Leeftijdsklasse(90, None)),
        (7, Leeftijdsklasse(7, 7)),
        ("Totaal", None),
        ("Totaal leeftijd", None),
    ],
)
def test_parse_leeftijd(label: object, expected: Leeftijdsklasse | None) -> None:
    assert parse_leeftijd(label) == expected


@pytest.mark.parametrize("label", ["oud", "89-85", "", "-3"])
def test_parse_leeftijd_rejects(label: str) -> None:
    with pytest.raises(ValueError):
        parse_leeftijd(label)


def test_to_float_missing_is_nan_not_zero() -> None:
    values, bad = to_float(pd.Series(["  862965", ".", "", None, "x", "0", "1.234,5", "12,5"]))
    assert values.iloc[0] == 862965
    assert values.iloc[1:5].isna().all()
    assert values.iloc[5] == 0
    assert bad.iloc[6] and bad.iloc[7]  # comma not allowed without decimal_comma
    dutch, bad = to_float(pd.Series(["1.234,5", "12,5", "7"]), decimal_comma=True)
    assert dutch.tolist() == [1234.5, 12.5, 7.0] and not bad.any()
