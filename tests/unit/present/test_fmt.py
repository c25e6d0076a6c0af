"""Dutch number formatting."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from pipeline.model.registry import build_registry
from pipeline.present import fmt


@pytest.fixture(scope="module")
def reg():
    return build_registry(
        "85984NED", 2024, (50, 64), 85, "prev", "50150NED", "03759ned", "85171NED"
    )


@pytest.mark.parametrize(
    ("value", "dec", "expected"),
    [
        (0, 0, "0"),
        (5, 0, "5"),
        (1234, 0, "1.234"),
        (19145.0, 0, "19.145"),
        (1234567.891, 2, "1.234.567,89"),
        (12.5, 1, "12,5"),
        (4.25, 1, "4,3"),  # half-up, not banker's rounding
        (2.5, 0, "3"),
        (0.05, 1, "0,1"),
        (2.675, 2, "2,68"),  # decimal representation, not binary 2.67499...
        (-1234.5, 1, "-1.234,5"),
        (-0.4, 0, "0"),  # no '-0'
        (3, 1, "3,0"),
        (np.float64(1650.0), 0, "1.650"),
        (np.int64(290), 0, "290"),
    ],
)
def test_getal(value, dec, expected):
    assert fmt.getal(value, dec) == expected


@pytest.mark.parametrize(
    ("value", "dec", "expected"),
    [
        (4.25, 1, 4.3),
        (2.5, 0, 3.0),
        (2.675, 2, 2.68),
        (0.5, 0, 1.0),
        (-0.4, 0, 0.0),
        (1234, 0, 1234.0),
    ],
)
def test_afgerond_is_the_printed_number(value, dec, expected):
    # round() rounds half-to-even on the binary value (round(4.25, 1) == 4.2); the text says 4,3.
    assert fmt.afgerond(value, dec) == expected
    assert fmt.getal(fmt.afgerond(value, dec), dec) == fmt.getal(value, dec)


def test_afgerond_missing_and_infinite():
    assert math.isnan(fmt.afgerond(None)) and math.isnan(fmt.afgerond(pd.NA))
    assert fmt.afgerond(float("inf")) == float("inf")


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA, float("inf"), "x"])
def test_missing_is_nb(missing):
    assert fmt.getal(missing) == "n.b."
    assert fmt.procent(missing) == "n.b."


def test_procent_ratio_verandering():
    assert fmt.procent(12.46, 1) == "12,5%"
    assert fmt.procent(21.7289) == "22%"
    assert fmt.ratio(4.25) == "4,3"
    assert fmt.ratio(14.454955) == "14,5"
    assert fmt.verandering(31.8) == "+32%"
    assert fmt.verandering(-4.2) == "-4%"
    assert fmt.verandering(0.2) == "0%"
    assert fmt.verandering(math.nan) == "n.b."
    assert math.isclose(fmt.pct_verandering(220, 290), 31.818181818, rel_tol=1e-9)
    assert math.isnan(fmt.pct_verandering(0, 5))


def test_waarde_follows_registry(reg):
    assert fmt.waarde(21.7289, reg["aandeel_65plus"]) == "22%"
    assert fmt.waarde(1.159, reg["aandeel_85plus"]) == "1,2%"
    assert fmt.waarde(14.4549, reg["mantelzorgpotentieel"]) == "14,5"
    assert fmt.waarde(1.04, reg["afstand_huisarts"]) == "1,0 km"
    assert fmt.waarde(1.04, reg["afstand_huisarts"], eenheid=False) == "1,0"
    assert fmt.waarde(5990, reg["eenzaam_aantal"]) == "5.990"
    assert fmt.waarde(math.nan, reg["aandeel_65plus"]) == "n.b."
    assert fmt.waarde(math.nan, reg["aandeel_65plus"], status="te weinig inwoners") == (
        "te weinig inwoners"
    )


def test_markers_per_soort(reg):
    assert fmt.teken(reg["koopwoningen_pct"]) == ""  # gemeten
    assert fmt.teken(reg["aantal_75plus"]) == "≈"  # geschat
    assert fmt.teken(reg["eenzaam_pct"]) == "*"  # gemodelleerd
    assert fmt.teken(reg["aantal_65plus"]) == ""  # gemeten/geschat, base year
    assert fmt.teken(reg["aantal_65plus"], projectie=True) == "≈"
    assert fmt.waarde(1650, reg["aantal_75plus"], marker=True) == "≈\u00a01.650"
    assert fmt.waarde(40, reg["eenzaam_pct"], marker=True) == "40%*"
    assert fmt.waarde(4160, reg["aantal_65plus"], marker=True) == "4.160"
    assert fmt.waarde(math.nan, reg["aantal_75plus"], marker=True) == "n.b."
    assert set(fmt.MARKERS) == {"≈", "*"}


def test_text_helpers():
    assert fmt.datum("2026-11-25") == "25 november 2026"
    assert fmt.datum(date(2024, 3, 1)) == "1 maart 2024"
    assert fmt.datum("onbekend") == "onbekend"
    assert fmt.opsomming(["a", "b", "c"]) == "a, b en c"
    assert fmt.opsomming(["a"]) == "a"
    assert fmt.opsomming([]) == ""
    assert fmt.jaren([2030, 2035, 2040]) == "2030, 2035 en 2040"
    assert fmt.kleine_letter("Aandeel 75-plussers") == "aandeel 75-plussers"
    assert fmt.kleine_letter("RIVM-cijfer") == "RIVM-cijfer"
    assert fmt.tekst(None) == "" and fmt.tekst(math.nan) == "" and fmt.tekst(pd.NA) == ""
    assert fmt.tekst("te weinig inwoners") == "te weinig inwoners"


def test_eerste_marks_a_list_that_was_cut_short():
    codes = [f"GM{i:04d}" for i in range(12)]
    assert fmt.eerste(codes) == ", ".join(codes[:10]) + " ..."
    assert fmt.eerste(codes[:10]) == ", ".join(codes[:10])
    assert fmt.eerste(codes, 2, sep="; ") == "GM0000; GM0001 ..."


def test_lijkende_codes_puts_the_neighbours_of_a_typo_first():
    bestaand = ["GM0150", "GM0226", "GM0228", "GM0327", "GM0622", "GM0627", "GM1226", "WK022603"]
    # difflib used to offer GM0627, GM0622, GM0327 ... and drop GM0226/GM0228.
    assert fmt.lijkende_codes("GM0227", bestaand, n=3) == ["GM0226", "GM0228", "GM0327"]
    assert fmt.lijkende_codes("GM0227", bestaand)[:2] == ["GM0226", "GM0228"]
    assert "WK022603" not in fmt.lijkende_codes("GM0227", bestaand, n=10)
    assert fmt.lijkende_codes("GM9876", bestaand) == []
    assert fmt.lijkende_codes("GM0226", bestaand, n=1) == ["GM0228"]  # never itself


def test_gemeente_van_scalar_and_series():
    import pandas as pd

    assert fmt.gemeente_van("BU02260301") == "GM0226"
    assert fmt.gemeente_van("WK0363MA") == "GM0363"
    out = fmt.gemeente_van(pd.Series(["BU03630A01", "GM0014"]))
    assert list(out) == ["GM0363", "GM0014"]


def test_marge_prints_an_interval_only_when_there_is_one(reg):
    pct, km, mz = reg["aandeel_75plus"], reg["afstand_huisarts"], reg["mantelzorgpotentieel"]
    assert fmt.marge(10.06, 14.46, pct) == "10–14%"  # unit once, at the end
    assert fmt.marge(1.04, 1.96, km) == "1,0–2,0 km"
    assert fmt.marge(7.1, 9.3, mz) == "7,1–9,3"
    assert fmt.marge(-3.0, 27.0, pct) == "-3 tot 27%"  # not '-3–27%'
    assert fmt.marge(float("nan"), 9.3, mz) == ""
    assert fmt.marge(None, None, mz) == ""
    assert fmt.marge(8.0, 8.0, mz) == ""  # zero width: an exact value


@pytest.mark.parametrize(
    ("gedrukt", "csv"),
    [
        ("4,2–16,2", "4.2–16.2"),
        ("1.055–1.065", "1055–1065"),
        ("1.234,5 tot 2.000,0 km", "1234.5 tot 2000.0 km"),
        ("3–18%", "3–18%"),
        ("-3 tot 27%", "-3 tot 27%"),
    ],
)
def test_printed_numbers_get_a_decimal_point_for_a_csv(gedrukt, csv):
    assert fmt.met_decimaalpunt(gedrukt) == csv
