from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import indicators as ind
from pipeline.registry import build_registry

REG = build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")


def bev(rows):
    df = pd.DataFrame(
        rows, columns=["code", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
    )
    df["leeftijd_tot"] = df["leeftijd_tot"].astype("Int64")
    df["aantal"] = df["aantal"].astype(float)
    return df


def test_band_sum_splits_straddling_classes_uniformly():
    b = bev(
        [
            ("B", 2024, "man", 15, 19, 10),
            ("B", 2024, "man", 20, 24, 20),
            ("B", 2024, "man", 90, None, 7),
        ]
    )
    by = ["code", "jaar"]
    # 18+ takes 2 of the 5 years of 15-19: 4 + 20 + 7
    assert ind.band_sum(b, 18, None, by).iloc[0] == pytest.approx(31)
    assert ind.band_sum(b, 20, 24, by).iloc[0] == pytest.approx(20)
    assert ind.band_sum(b, 85, None, by).iloc[0] == pytest.approx(7)
    assert ind.band_sum(b, 0, 14, by).iloc[0] == 0


def test_band_sum_propagates_missing():
    b = bev([("B", 2024, "man", 65, 69, np.nan), ("B", 2024, "man", 70, 74, 5)])
    assert np.isnan(ind.band_sum(b, 65, None, ["code", "jaar"]).iloc[0])


def test_dementia_hand_computed_by_sex_and_total():
    b = bev(
        [
            ("B", 2024, "man", 65, 69, 100),
            ("B", 2024, "vrouw", 65, 69, 200),
            ("B", 2024, "man", 85, None, 10),
            ("B", 2024, "vrouw", 85, None, 30),
            ("B", 2024, "man", 40, 44, 1000),  # below the rates: adds nothing
        ]
    )
    prev = pd.DataFrame(
        {
            "leeftijd_van": [65, 65, 85, 85],
            "leeftijd_tot": pd.array([69, 69, None, None], dtype="Int64"),
            "geslacht": ["man", "vrouw", "man", "vrouw"],
            "prevalentie": [0.01, 0.02, 0.3, 0.4],
        }
    )
    # 100*.01 + 200*.02 + 10*.3 + 30*.4 = 1 + 4 + 3 + 12
    assert ind.dementia_count(b, prev, ["code", "jaar"]).iloc[0] == pytest.approx(20)
    tot = bev([("B", 2024, "totaal", 65, 69, 300)])
    # Only totals known: mean of both rates (0.015) x 300
    assert ind.dementia_count(tot, prev, ["code", "jaar"]).iloc[0] == pytest.approx(4.5)


def _q(**kw):
    base = dict(
        code="BU1",
        niveau="buurt",
        jaar=2024,
        inwoners=1000.0,
        k_0_14=150.0,
        aantal_65plus=200.0,
        aantal_75plus=80.0,
        aantal_85plus=20.0,
        aantal_18plus=800.0,
        aantal_mz_van=180.0,
        aantal_mz_ouderen=20.0,
        dementie_aantal=12.0,
        eenzaam_pct=40.0,
        huishoudens=400.0,
        eenpersoonshuishoudens=100.0,
    )
    base.update(kw)
    return pd.DataFrame([base])


def test_derive_hand_computed():
    s = ind.Settings(basisjaar=2024)
    d = ind.derive(_q(), s).iloc[0]
    assert d["aandeel_65plus"] == pytest.approx(20.0)
    assert d["aandeel_85plus"] == pytest.approx(2.0)
    assert d["dubbele_vergrijzing"] == pytest.approx(10.0)
    assert d["mantelzorgpotentieel"] == pytest.approx(9.0)
    assert d["dementie_per_100_65plus"] == pytest.approx(6.0)
    assert d["eenzaam_aantal"] == pytest.approx(320.0)
    assert d["aandeel_eenpersoonshuishoudens"] == pytest.approx(25.0)


def test_no_mantelzorg_ratio_over_too_few_oldest():
    s = ind.Settings(basisjaar=2024, mz_min_ouderen=10)
    d = ind.derive(_q(aantal_mz_ouderen=4.0), s).iloc[0]
    assert np.isnan(d["mantelzorgpotentieel"])
    assert np.isnan(ind.derive(_q(aantal_65plus=0.0), s).iloc[0]["dementie_per_100_65plus"])


def test_publish_suppresses_small_buurten_and_rounds_estimates():
    s = ind.Settings(basisjaar=2024, min_inwoners=50, afronding=5)
    q = pd.concat([_q(), _q(code="BU2", inwoners=40.0, aantal_75plus=13.0)], ignore_index=True)
    q["_aantal_65plus_gemeten"] = [True, True]
    q["aantal_65plus"] = [203.0, 12.0]  # a measured count is never re-rounded
    out = ind.publish(ind.derive(q, s), REG, s).set_index("code")
    assert out.loc["BU1", "aantal_65plus"] == 203.0
    assert out.loc["BU1", "aantal_75plus"] == 80.0
    assert out.loc["BU2", "aantal_75plus"] == 15.0
    assert out.loc["BU2", "status"] == "te weinig inwoners"
    for key, meta in REG.items():
        if meta.is_rate:
            assert np.isnan(out.loc["BU2", key]), key
    assert out.loc["BU1", "aandeel_65plus"] == pytest.approx(20.3)
    rates = [k for k, m in REG.items() if m.eenheid == "%"]
    vals = out[rates].to_numpy(dtype=float)
    assert np.nanmin(vals) >= 0 and np.nanmax(vals) <= 100


def test_totaal_rows_next_to_sexes_are_not_counted_twice():
    b = bev(
        [
            ("B", 2024, "man", 85, None, 10),
            ("B", 2024, "vrouw", 85, None, 30),
            ("B", 2024, "totaal", 85, None, 40),
            ("C", 2024, "totaal", 85, None, 8),
        ]
    )
    prev = pd.DataFrame(
        {
            "leeftijd_van": [85],
            "leeftijd_tot": pd.array([None], dtype="Int64"),
            "geslacht": ["totaal"],
            "prevalentie": [0.5],
        }
    )
    q = ind.age_quantities(b, ind.Settings(basisjaar=2024), prev).set_index("code")
    assert q.loc["B", "aantal_85plus"] == 40 and q.loc["C", "aantal_85plus"] == 8
    assert q.loc["B", "dementie_aantal"] == pytest.approx(20)


def test_shares_of_small_buurten_are_whole_percents():
    s = ind.Settings(basisjaar=2024, min_inwoners=50, klein_inwoners=200)
    q = pd.concat(
        [
            _q(code="BU1", inwoners=150.0, aantal_65plus=31.0),
            _q(code="BU2", inwoners=1000.0, aantal_65plus=203.0),
        ]
    )
    out = ind.publish(ind.derive(q, s), REG, s).set_index("code")
    assert out.loc["BU1", "aandeel_65plus"] == 21.0  # 20.67 -> 21
    assert out.loc["BU2", "aandeel_65plus"] == pytest.approx(20.3)


def test_wijk_counts_are_buurt_sums_so_85plus_never_exceeds_65plus():
    """A CBS-rounded wijk 65+ smaller than its buurten's estimated 85+ must not leak in."""
    regios = pd.DataFrame(
        {
            "code": ["GM0001", "WK000101", "BU00010101", "BU00010102"],
            "naam": ["G", "W", "B1", "B2"],
            "niveau": ["gemeente", "wijk", "buurt", "buurt"],
            "gemeentecode": "GM0001",
            "gemeentenaam": "G",
            "wijkcode": [None, "WK000101", "WK000101", "WK000101"],
            "inwoners": [1000.0, 100.0, 60.0, 45.0],
            "k_65plus": [200.0, 5.0, 20.0, 15.0],  # wijk published as 5: rounded/suppressed
        }
    )
    b = bev(
        [
            ("BU00010101", 2024, "totaal", 65, 84, 8.0),
            ("BU00010101", 2024, "totaal", 85, None, 12.0),
            ("BU00010101", 2024, "totaal", 0, 64, 40.0),
            ("BU00010102", 2024, "totaal", 65, 84, 10.0),
            ("BU00010102", 2024, "totaal", 85, None, 5.0),
            ("BU00010102", 2024, "totaal", 0, 64, 30.0),
        ]
    )
    prev = pd.DataFrame(
        {
            "leeftijd_van": [85],
            "leeftijd_tot": pd.array([None], dtype="Int64"),
            "geslacht": ["totaal"],
            "prevalentie": [0.3],
        }
    )
    s = ind.Settings(basisjaar=2024, min_inwoners=10)
    q = ind.assemble(regios, b, None, None, prev, s).set_index("code")
    assert q.loc["WK000101", "aantal_65plus"] == 35.0  # 20 + 15, not the published 5
    assert q.loc["BU00010101", "aantal_65plus"] == 20.0  # buurten keep CBS's number
    out = ind.derive(q.reset_index(), s).set_index("code")
    assert out.loc["WK000101", "dubbele_vergrijzing"] <= 100
