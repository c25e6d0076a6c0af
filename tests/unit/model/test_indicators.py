from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import codes
from pipeline.model import indicators as ind
from pipeline.model.registry import build_registry
from tests.support.instellingen import settings

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
    s = settings(basisjaar=2024)
    d = ind.derive(_q(), s).iloc[0]
    assert d["aandeel_65plus"] == pytest.approx(20.0)
    assert d["aandeel_85plus"] == pytest.approx(2.0)
    assert d["dubbele_vergrijzing"] == pytest.approx(10.0)
    assert d["mantelzorgpotentieel"] == pytest.approx(9.0)
    assert d["dementie_per_100_65plus"] == pytest.approx(6.0)
    assert d["eenzaam_aantal"] == pytest.approx(320.0)
    assert d["aandeel_eenpersoonshuishoudens"] == pytest.approx(25.0)


def test_no_mantelzorg_ratio_over_too_few_oldest():
    s = settings(basisjaar=2024, mz_min_ouderen=10)
    d = ind.derive(_q(aantal_mz_ouderen=4.0), s).iloc[0]
    assert np.isnan(d["mantelzorgpotentieel"])
    assert np.isnan(ind.derive(_q(aantal_65plus=0.0), s).iloc[0]["dementie_per_100_65plus"])


def test_publish_suppresses_small_buurten_and_rounds_estimates():
    s = settings(basisjaar=2024, min_inwoners=50, afronding=5)
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
    q = ind.age_quantities(b, settings(basisjaar=2024), prev).set_index("code")
    assert q.loc["B", "aantal_85plus"] == 40 and q.loc["C", "aantal_85plus"] == 8
    assert q.loc["B", "dementie_aantal"] == pytest.approx(20)


def test_shares_of_small_buurten_are_whole_percents():
    s = settings(basisjaar=2024, min_inwoners=50, klein_inwoners=200)
    q = pd.concat(
        [
            _q(code="BU1", inwoners=150.0, aantal_65plus=31.0),
            _q(code="BU2", inwoners=1000.0, aantal_65plus=203.0),
        ]
    )
    out = ind.publish(ind.derive(q, s), REG, s).set_index("code")
    assert out.loc["BU1", "aandeel_65plus"] == 21.0  # 20.67 -> 21
    assert out.loc["BU2", "aandeel_65plus"] == pytest.approx(20.3)


def _prev_85plus(rate: float = 0.3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "leeftijd_van": [85],
            "leeftijd_tot": pd.array([None], dtype="Int64"),
            "geslacht": ["totaal"],
            "prevalentie": [rate],
        }
    )


def _ordered(row: pd.Series) -> bool:
    """85+ <= 75+ <= 65+ among the counts shown (an empty cell has its own reason)."""
    vals = [row[k] for k in ("aantal_85plus", "aantal_75plus", "aantal_65plus")]
    vals = [v for v in vals if not np.isnan(v)]
    return all(a <= b for a, b in zip(vals, vals[1:], strict=False))


def test_published_wijk_65plus_below_buurt_85plus_keeps_order():
    """A CBS-rounded wijk 65+ of 5 next to buurt estimates of 17 85-plussers (as in
    WK028902 of KWB 2024): the wijk shows CBS's 5 and its 75+/85+ shrink to fit."""
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
    s = settings(basisjaar=2024, min_inwoners=10)
    q = ind.assemble(regios, b, None, None, _prev_85plus(), s).set_index("code")
    assert q.loc["WK000101", "aantal_65plus"] == 5.0  # CBS's wijk number, not 20 + 15
    assert q.loc["WK000101", "inwoners"] == 100.0  # not 60 + 45
    assert q.loc["BU00010101", "aantal_65plus"] == 20.0  # buurten keep CBS's number
    # 85+ = 17 buurt-estimated, scaled by 5 / 35
    assert q.loc["WK000101", "aantal_85plus"] == pytest.approx(17 * 5 / 35)
    assert _ordered(q.loc["WK000101"])
    out = ind.derive(q.reset_index(), s).set_index("code")
    assert out.loc["WK000101", "dubbele_vergrijzing"] <= 100
    pub = ind.publish(out.reset_index(), REG, s).set_index("code")
    assert _ordered(pub.loc["WK000101"])


def _two_wijken():
    """Gemeente GM0001 with wijk 01 (2 buurten) and wijk 02 (2 buurten).

    The wijk counts are CBS's own, rounded separately from the buurten, so they differ
    from the buurt sums; wijk 02 has a secret 65+, 0-14 and household count.
    """
    codes = [
        "GM0001",
        "WK000101",
        "WK000102",
        "BU00010101",
        "BU00010102",
        "BU00010201",
        "BU00010202",
    ]
    regios = pd.DataFrame(
        {
            "code": codes,
            "naam": ["G", "W1", "W2", "B11", "B12", "B21", "B22"],
            "niveau": ["gemeente", "wijk", "wijk", "buurt", "buurt", "buurt", "buurt"],
            "gemeentecode": "GM0001",
            "gemeentenaam": "G",
            "wijkcode": [
                None,
                "WK000101",
                "WK000102",
                "WK000101",
                "WK000101",
                "WK000102",
                "WK000102",
            ],
            # buurt sums: wijk 01 = 215 / 35, wijk 02 = 285 / 35, gemeente = 500 / 70
            "inwoners": [502.0, 210.0, 290.0, 120.0, 95.0, 235.0, 50.0],
            "k_65plus": [68.0, 30.0, np.nan, 20.0, 15.0, 35.0, 0.0],
            "k_0_14": [75.0, 33.0, np.nan, 20.0, 10.0, 40.0, 5.0],
            "huishoudens": [220.0, 95.0, np.nan, 50.0, 40.0, 100.0, 25.0],
            "eenpersoonshuishoudens": [60.0, 25.0, 30.0, 15.0, 10.0, 20.0, 10.0],
        }
    )
    b = bev(
        [
            ("BU00010101", 2024, "totaal", 0, 64, 100.0),
            ("BU00010101", 2024, "totaal", 65, 74, 10.0),
            ("BU00010101", 2024, "totaal", 75, 84, 7.0),
            ("BU00010101", 2024, "totaal", 85, None, 3.0),
            ("BU00010102", 2024, "totaal", 0, 64, 80.0),
            ("BU00010102", 2024, "totaal", 65, 74, 8.0),
            ("BU00010102", 2024, "totaal", 75, 84, 5.0),
            ("BU00010102", 2024, "totaal", 85, None, 2.0),
            ("BU00010201", 2024, "totaal", 0, 64, 200.0),
            ("BU00010201", 2024, "totaal", 65, 74, 20.0),
            ("BU00010201", 2024, "totaal", 75, 84, 10.0),
            ("BU00010201", 2024, "totaal", 85, None, 5.0),
            ("BU00010202", 2024, "totaal", 0, 64, 50.0),
            ("BU00010202", 2024, "totaal", 65, 74, 0.0),
            ("BU00010202", 2024, "totaal", 75, 84, 0.0),
            ("BU00010202", 2024, "totaal", 85, None, 0.0),
        ]
    )
    prev = pd.DataFrame(
        {
            "leeftijd_van": [65, 75, 85],
            "leeftijd_tot": pd.array([74, 84, None], dtype="Int64"),
            "geslacht": ["totaal"] * 3,
            "prevalentie": [0.02, 0.1, 0.3],
        }
    )
    return regios, b, prev


def test_wijk_rows_show_published_kwb_counts():
    regios, b, prev = _two_wijken()
    s = settings(basisjaar=2024, min_inwoners=10)
    q = ind.assemble(regios, b, None, None, prev, s).set_index("code")
    w1 = q.loc["WK000101"]
    # CBS's wijk counts, not the buurt sums 215 / 35 / 30 / 90
    assert (w1["inwoners"], w1["aantal_65plus"]) == (210.0, 30.0)
    assert (w1["k_0_14"], w1["huishoudens"], w1["eenpersoonshuishoudens"]) == (33.0, 95.0, 25.0)
    assert w1["_inwoners_gemeten"] and w1["_aantal_65plus_gemeten"]
    # The gemeente (summed here, no 03759ned table) shows CBS's gemeente count too.
    assert (q.loc["GM0001", "inwoners"], q.loc["GM0001", "aantal_65plus"]) == (502.0, 68.0)
    # Estimated sub-bands: buurt sums (75+ = 10 + 7, 85+ = 3 + 2) x published / sum 65+.
    assert w1["aantal_75plus"] == pytest.approx(17 * 30 / 35)
    assert w1["aantal_85plus"] == pytest.approx(5 * 30 / 35)
    dem = (5 * 0.3 + 12 * 0.1 + 18 * 0.02) * 30 / 35  # buurt sum, kept per 100 65+
    assert w1["dementie_aantal"] == pytest.approx(dem)
    assert w1["aantal_18plus"] == pytest.approx(
        q.loc[["BU00010101", "BU00010102"], "aantal_18plus"].sum() * 210 / 215
    )
    for code in ("WK000101", "GM0001"):
        assert _ordered(q.loc[code]), code
    pub = ind.publish(ind.derive(q.reset_index(), s), REG, s).set_index("code")
    # Published counts are shown as CBS published them (210 is not re-rounded to 215).
    assert pub.loc["WK000101", "inwoners"] == 210.0
    assert pub.loc["WK000101", "aantal_65plus"] == 30.0
    assert pub.loc["WK000101", "aandeel_0_14"] == pytest.approx(33 / 210 * 100)
    assert pub.loc["WK000101", "aandeel_65plus"] == pytest.approx(30 / 210 * 100)
    assert _ordered(pub.loc["WK000101"])


def test_secret_wijk_cell_stays_nan_not_zero_nor_buurt_sum():
    regios, b, prev = _two_wijken()
    s = settings(basisjaar=2024, min_inwoners=10)
    q = ind.assemble(regios, b, None, None, prev, s).set_index("code")
    w2 = q.loc["WK000102"]
    assert w2["inwoners"] == 290.0
    assert np.isnan(w2["aantal_65plus"])  # secret: not 0 and not the buurt sum 35
    assert not w2["_aantal_65plus_gemeten"]
    assert np.isnan(w2["k_0_14"]) and np.isnan(w2["huishoudens"])
    # Without a published 65+ the estimates stay the plain buurt sums.
    assert w2["aantal_75plus"] == pytest.approx(15.0)
    assert w2["aantal_85plus"] == pytest.approx(5.0)
    pub = ind.publish(ind.derive(q.reset_index(), s), REG, s).set_index("code")
    for key in (
        "aantal_65plus",
        "aandeel_65plus",
        "aandeel_0_14",
        "dubbele_vergrijzing",
        "dementie_per_100_65plus",
        "aandeel_eenpersoonshuishoudens",
    ):
        assert np.isnan(pub.loc["WK000102", key]), key
    # A buurt's published 0 stays 0 (zero is not missing).
    assert pub.loc["BU00010202", "aantal_65plus"] == 0.0


@pytest.mark.parametrize("geschat", [True, False])
def test_secret_buurt_65plus_is_published_empty_unless_counted(geschat):
    """A buurt's estimate of a secret CBS cell is not shown as if CBS counted it.

    Seen in real Duiven: Bedrijventerrein (10 inwoners, 65+ secret) printed 65+ = "0",
    and 75+ = 0 and 85+ = 0 beside it. What rests on the secret 65+ in that buurt (75+,
    85+, later years) is empty too, each cell with its reason; the estimate still feeds
    the gemeente. A BRP count (``geschat`` False) is a count and keeps everything.
    """
    regios, b, prev = _two_wijken()
    regios.loc[regios["code"] == "BU00010102", "k_65plus"] = np.nan
    b["geschat"] = geschat
    # As in a build: projected rows are always marked geschat, BRP buurten too.
    b = pd.concat([b, b.assign(jaar=2030, geschat=True)], ignore_index=True)
    s = settings(basisjaar=2024, min_inwoners=10)
    q = ind.assemble(regios, b, None, None, prev, s)
    alle = ind.publish(ind.derive(q, s), REG, s)
    pub = alle[alle["jaar"] == 2024].set_index("code")
    later = alle[alle["jaar"] == 2030].set_index("code").loc["BU00010102"]
    row = pub.loc["BU00010102"]
    rests = ["aantal_75plus", "aantal_85plus", "aandeel_75plus", "dementie_per_100_65plus"]
    if geschat:
        assert np.isnan(row["aantal_65plus"]) and np.isnan(row["aandeel_65plus"])
        assert row[codes.reden_kolom("aantal_65plus")] == codes.REDEN_GEHEIM
        for key in rests:
            assert np.isnan(row[key]) and np.isnan(later[key]), key
            assert row[codes.reden_kolom(key)] == codes.REDEN_OP_GEHEIM, key
        assert np.isnan(later["aantal_65plus"])
        assert later[codes.reden_kolom("aantal_65plus")] == codes.REDEN_OP_GEHEIM
        assert later["inwoners"] > 0  # the population does not rest on 65+
    else:
        assert row["aantal_65plus"] == 15.0
        assert row["aandeel_65plus"] == 16.0  # 15 / 95, whole percent in a small buurt
        assert row["aantal_75plus"] == pytest.approx(5.0)  # rounded estimate 7, kept
        assert later["aantal_75plus"] >= 0
        geheim = {codes.REDEN_GEHEIM, codes.REDEN_OP_GEHEIM}
        assert not set(row[[codes.reden_kolom(k) for k in rests]]) & geheim
    # Published buurt cells are untouched, and have no reason.
    assert pub.loc["BU00010101", "aantal_65plus"] == 20.0
    assert pub.loc["BU00010202", "aantal_65plus"] == 0.0
    assert pub.loc["BU00010101", codes.reden_kolom("aantal_75plus")] == ""
    # The gemeente still counts the buurt's estimate (its 75+ is not the sum without it).
    assert pub.loc["GM0001", "aantal_75plus"] > 0
    # A wijk sums its buurten: one secret buurt of two leaves its 75+ standing; a wijk's
    # own secret 65+ cell (WK000102) says so, and its sums of published buurten stand.
    assert pub.loc["WK000101", "aantal_75plus"] > 0
    assert pub.loc["WK000102", codes.reden_kolom("aantal_65plus")] == codes.REDEN_GEHEIM
    assert pub.loc["WK000102", codes.reden_kolom("aantal_75plus")] != codes.REDEN_OP_GEHEIM


def test_a_wijk_of_only_secret_buurten_shows_no_sum_of_their_estimates():
    """Duiven Wijk 01 Bedrijventerrein is one buurt whose 65+ CBS keeps secret: the wijk's
    75+ and 85+ are that buurt's estimates, so they are empty too, with the reason."""
    regios, b, prev = _two_wijken()
    wijk01 = regios["code"].isin(["BU00010101", "BU00010102", "WK000101"])
    regios.loc[wijk01, "k_65plus"] = np.nan
    s = settings(basisjaar=2024, min_inwoners=10)
    q = ind.assemble(regios, b.assign(geschat=True), None, None, prev, s)
    pub = ind.publish(ind.derive(q, s), REG, s).set_index("code")
    for key in ("aantal_75plus", "aantal_85plus"):
        assert np.isnan(pub.loc["WK000101", key]), key
        assert pub.loc["WK000101", codes.reden_kolom(key)] == codes.REDEN_OP_GEHEIM
    assert pub.loc["WK000101", codes.reden_kolom("aantal_65plus")] == codes.REDEN_GEHEIM
    assert pub.loc["WK000102", "aantal_75plus"] >= 0  # the other wijk is untouched


def test_a_published_wijk_count_stays_when_its_buurten_are_secret():
    """CBS may publish a wijk's 65+ while keeping every buurt's secret: the wijk shows
    CBS's count and the 75+ and 85+ scaled to it (a review found them emptied with the
    false reason "65-plussers geheim bij CBS")."""
    regios, b, prev = _two_wijken()
    buurten01 = regios["code"].isin(["BU00010101", "BU00010102"])
    regios.loc[buurten01, "k_65plus"] = np.nan
    s = settings(basisjaar=2024, min_inwoners=10)
    q = ind.assemble(regios, b.assign(geschat=True), None, None, prev, s)
    alle = ind.publish(ind.derive(q, s), REG, s)
    pub = alle[alle["jaar"] == 2024].set_index("code")
    wijk = pub.loc["WK000101"]
    assert wijk["aantal_65plus"] == regios.set_index("code").loc["WK000101", "k_65plus"]
    for key in ("aantal_65plus", "aantal_75plus", "aandeel_65plus"):
        assert not np.isnan(wijk[key]), key
        assert wijk[codes.reden_kolom(key)] == "", key


def test_a_secret_wijk_65plus_explains_its_empty_ratios():
    """WK000102's 65+ is secret (the fixture): the ratios over it are empty, and say why;
    in later years its 65+ is the sum of its buurten and the ratios stand."""
    regios, b, prev = _two_wijken()
    b = pd.concat([b, b.assign(jaar=2030, geschat=True)], ignore_index=True)
    s = settings(basisjaar=2024, min_inwoners=10)
    q = ind.assemble(regios, b, None, None, prev, s)
    alle = ind.publish(ind.derive(q, s), REG, s)
    w = alle[alle["code"] == "WK000102"].set_index("jaar")
    for key in ("dubbele_vergrijzing", "dementie_per_100_65plus"):
        assert np.isnan(w.loc[2024, key]), key
        assert w.loc[2024, codes.reden_kolom(key)] == codes.REDEN_OP_GEHEIM, key
        assert not np.isnan(w.loc[2030, key]) and w.loc[2030, codes.reden_kolom(key)] == ""


def test_a_mantelzorg_ratio_over_few_oldest_says_why_it_is_empty():
    """Deventer: 17 of 69 buurten had an empty mantelzorgpotentieel without a reason
    (the rule: fewer than ``mantelzorg_min_ouderen`` 85-plussers, on the unrounded
    estimate). A row that its status already explains gets no reason of its own."""
    regios, b, prev = _two_wijken()
    # The fixture's 85+ run from 0 to 9.7: a minimum of 4 splits the regions.
    s = settings(basisjaar=2024, min_inwoners=60, mz_min_ouderen=4)
    q = ind.assemble(regios, b, None, None, prev, s)
    der = ind.derive(q, s)
    pub = ind.publish(der, REG, s).set_index("code")
    reden = pub[codes.reden_kolom("mantelzorgpotentieel")]
    few = der.set_index("code")["aantal_mz_ouderen"] < 4
    te_weinig = pub["status"] != codes.STATUS_GEPUBLICEERD
    assert (few & ~te_weinig).any() and (~few).any()  # the data has both cases
    assert (few & te_weinig).any()  # BU00010202: 50 inwoners, status says why
    expected = codes.reden_weinig_ouderen(4, s.mz_ouderen)
    assert (reden[few & ~te_weinig] == expected).all()
    assert pub.loc[few & ~te_weinig, "mantelzorgpotentieel"].isna().all()
    assert (reden[~few | te_weinig] == "").all()


def test_gemeente_population_table_is_not_rescaled():
    """A gemeente with its own population table (03759ned) keeps its 75+/85+."""
    regios, b, prev = _two_wijken()
    s = settings(basisjaar=2024, min_inwoners=10)
    g = bev(
        [
            ("X", 2024, "totaal", 0, 64, 432.0),
            ("X", 2024, "totaal", 65, 84, 50.0),
            ("X", 2024, "totaal", 85, None, 20.0),
        ]
    ).drop(columns="code")
    q = ind.assemble(regios, b, g, None, prev, s).set_index("code")
    assert q.loc["GM0001", "aantal_85plus"] == 20.0
    assert q.loc["GM0001", "aantal_65plus"] == 68.0  # KWB's count replaces 03759ned's 70


def test_duiven_wijken_show_published_kwb_2024(real_kwb_path):
    """Duiven (GM0226), real KWB 2024: every wijk row shows CBS's own wijk count, from the
    domain functions and from the build's batch computation (WK022603: 14.045, the buurt sum
    is 14.040)."""
    from pipeline.ingest import demo, demo_herschaling, kwb, kwb_lezen
    from pipeline.ingest.gemeentebevolking import parse_03759ned
    from pipeline.ingest.prevalentie import read_prevalentie
    from pipeline.model import batch, estimate

    repo = Path(__file__).resolve().parents[3]
    prev = read_prevalentie(repo / "config" / "dementie_prevalentie.csv")
    s = settings(basisjaar=2024)
    raw = kwb_lezen.read_kwb(real_kwb_path)
    raw = raw[raw["WijkenEnBuurten"].astype(str).str.strip().str[2:6] == "0226"]
    regios = kwb.normalize_kwb(kwb.select_gemeente(raw, "GM0226", "kwb"), "GM0226", "kwb")
    published = regios[regios["niveau"] == "wijk"].set_index("code")
    assert len(published) == 6
    assert published.loc["WK022603", "inwoners"] == 14045
    rows, dim = demo.bevolking_raw(2024)
    rows["RegioS"] = "GM0226"
    gem = demo_herschaling.rescale_to_kwb(
        parse_03759ned(rows, dim, 2024, ["GM0226"], bron="demo"), regios
    )
    base = estimate.estimate_buurt_ages(regios[regios["niveau"] == "buurt"], gem).copy()
    base.attrs = {}
    q = ind.assemble(regios, base.assign(jaar=2024), gem, None, prev, s)
    per_gemeente = ind.publish(ind.derive(q, s), REG, s)
    from pipeline.ingest.gemeentebevolking import lege_bs_tabel

    fc = gem.iloc[0:0].copy()
    batched = batch.compute_batch(
        regios,
        gem,
        prev,
        REG,
        s,
        forecast=fc,
        horizon=[],
        eenzaamheid=None,
        schatting={"trekkingen": 0, "trekkingen_toekomst": 0, "spreiding": 0.0, "zaad": 1},
        gemeente_bs=lege_bs_tabel(),
        brp=pd.DataFrame(columns=["buurtcode"]),
        ontbrekende_buurten="fout",
    ).indicatoren
    for table in (per_gemeente, batched):
        wijken = table[(table["niveau"] == "wijk") & (table["jaar"] == 2024)].set_index("code")
        assert sorted(wijken.index) == [f"WK02260{i}" for i in range(1, 7)]
        for key, col in (("inwoners", "inwoners"), ("aantal_65plus", "k_65plus")):
            got, want = wijken[key], published[col].reindex(wijken.index)
            known = want.notna()
            np.testing.assert_array_equal(got[known].to_numpy(), want[known].to_numpy())
            assert got[~known].isna().all(), key  # secret stays secret, never 0
        assert wijken.loc["WK022602", "aantal_65plus"] == 25  # buurt Het Broek alone: 30
        for code, row in wijken.iterrows():
            if not np.isnan(row["aantal_65plus"]):
                assert _ordered(row), code


def test_registry_round_trips_through_register_json():
    # The build stores the registry beside the table; renderers read it back unchanged.
    import json

    import pytest

    from pipeline.errors import WijkscanError
    from pipeline.model import registry
    from pipeline.workflow.config_schema import with_defaults

    reg = registry.registry_from_config(with_defaults({"jaar": 2024}), "Alzheimer Nederland")
    stored = json.loads(json.dumps(registry.registry_to_json(reg)))
    back = registry.registry_from_json(stored)
    assert list(back) == list(reg) and back == reg
    assert back["mantelzorgpotentieel"].label == reg["mantelzorgpotentieel"].label
    with pytest.raises(WijkscanError, match="andere indeling"):
        registry.registry_from_json({**stored, "versie": 0})


def test_stored_registry_is_read_from_file_and_regions_list_each_source(tmp_path):
    import json
    from dataclasses import replace

    from pipeline.model import registry
    from pipeline.workflow.config_schema import with_defaults

    reg = registry.registry_from_config(with_defaults({"jaar": 2024}), "Alzheimer Nederland")
    path = tmp_path / "register.json"
    # One registry per gemeente of the batch, keyed by code.
    path.write_text(json.dumps({"GM0226": registry.registry_to_json(reg)}), encoding="utf-8")
    assert registry.read_registry(path, "GM0226") == reg
    # A second gemeente whose forecast came from another file: the region names both.
    other = {k: replace(i, bron="andere prognose") if i.prognose else i for k, i in reg.items()}
    merged = registry.merge_registries([reg, other, reg])
    key = next(k for k, i in reg.items() if i.prognose)
    assert merged[key].bron == f"{reg[key].bron}; andere prognose"
    plain = next(k for k, i in reg.items() if not i.prognose)
    assert merged[plain] == reg[plain]
    assert list(merged) == list(reg)


def test_age_quantities_keep_each_region_and_year_apart():
    # Rows out of order, two years, one region known only in total and one with a
    # missing count: each (code, jaar) gets its own numbers, missing stays missing.
    b = bev(
        [
            ("C", 2030, "totaal", 85, None, 8),
            ("B", 2024, "man", 85, None, 10),
            ("A", 2024, "vrouw", 85, None, np.nan),
            ("B", 2030, "vrouw", 85, None, 30),
            ("B", 2024, "vrouw", 65, 69, 200),
            ("A", 2024, "man", 85, None, 4),
        ]
    )
    prev = pd.DataFrame(
        {
            "leeftijd_van": [85, 85],
            "leeftijd_tot": pd.array([None, None], dtype="Int64"),
            "geslacht": ["man", "vrouw"],
            "prevalentie": [0.2, 0.4],
        }
    )
    q = ind.age_quantities(b, settings(basisjaar=2024), prev).set_index(["code", "jaar"])
    assert list(q.index) == [("A", 2024), ("B", 2024), ("B", 2030), ("C", 2030)]
    assert q.loc[("B", 2024), "aantal_85plus"] == 10
    assert q.loc[("B", 2024), "aantal_65plus"] == 210
    assert q.loc[("B", 2030), "dementie_aantal"] == pytest.approx(12)
    # Only a total: the mean of both rates (0.3) x 8.
    assert q.loc[("C", 2030), "dementie_aantal"] == pytest.approx(2.4)
    assert np.isnan(q.loc[("A", 2024), "aantal_85plus"])
    assert np.isnan(q.loc[("A", 2024), "dementie_aantal"])


def test_an_estimate_that_rounds_to_zero_is_not_printed_as_zero():
    """Deventer: dementia "0" beside 7,3 per 100 65-plussers, 85+ "0" beside 0,3%. An
    estimated count above zero that rounds to 0 is empty with its reason; an estimate of
    exactly 0 (a buurt without 65-plussers) and a count CBS published stay as they are."""
    regios, b, prev = _two_wijken()
    s = settings(basisjaar=2024, min_inwoners=10, afronding=5)
    q = ind.assemble(regios, b, None, None, prev, s)
    der = ind.derive(q, s).set_index("code")
    pub = ind.publish(der.reset_index(), REG, s).set_index("code")
    ruw = der["aantal_85plus"]
    klein = (ruw > 0) & (ruw < 2.5)
    assert klein.any()  # the fixture has such a buurt
    assert pub.loc[klein, "aantal_85plus"].isna().all()
    reden = codes.reden_afgerond_nul(5)
    assert reden == "hooguit 2,5 (geschat)"
    assert (pub.loc[klein, codes.reden_kolom("aantal_85plus")] == reden).all()
    nul = ruw == 0
    assert nul.any() and (pub.loc[nul, "aantal_85plus"] == 0).all()
    assert (pub.loc[~klein, codes.reden_kolom("aantal_85plus")] == "").all()
    assert pub.loc["BU00010202", "aantal_65plus"] == 0.0  # published by CBS


def test_a_counted_number_is_rounded_as_cbs_does_even_to_zero():
    """A BRP count of one or two 85-plussers is a count: rounded to 0 as CBS rounds, not
    emptied as an estimate is. Dementia stays a model estimate on a counted population."""
    regios, b, prev = _two_wijken()
    s = settings(basisjaar=2024, min_inwoners=10, afronding=5)
    q = ind.assemble(regios, b.assign(geschat=False), None, None, prev, s)
    der = ind.derive(q, s).set_index("code")
    pub = ind.publish(der.reset_index(), REG, s).set_index("code")
    ruw = der["aantal_85plus"]
    klein = (ruw > 0) & (ruw < 2.5) & (der["niveau"] == "buurt")
    assert klein.any()
    assert (pub.loc[klein, "aantal_85plus"] == 0).all()
    assert (pub.loc[klein, codes.reden_kolom("aantal_85plus")] == "").all()
    dem = der["dementie_aantal"]
    weinig = (dem > 0) & (dem < 2.5) & (pub["status"] == "")
    assert weinig.any() and pub.loc[weinig, "dementie_aantal"].isna().all()


def test_a_kwb_cell_cbs_left_empty_says_so():
    """Deventer, Brinkgreven: CBS publishes the row with its 0-14 count and koopwoningen
    secret; both were printed "n.b." as if wijkscan lacked them. A column the gemeente
    has no value in at all (a file without it) gets no reason: it is not a secret."""
    regios, b, prev = _two_wijken()
    s = settings(basisjaar=2024, min_inwoners=10, afronding=5)
    q = ind.assemble(regios, b, None, None, prev, s)
    der = ind.derive(q, s)
    buurt = der.loc[(der["niveau"] == "buurt") & (der["inwoners"] >= 10), "code"].iloc[0]
    der.loc[der["code"] == buurt, "aandeel_0_14"] = np.nan
    der["koopwoningen_pct"] = 60.0
    der.loc[der["code"] == buurt, "koopwoningen_pct"] = np.nan
    der["afstand_huisarts"] = np.nan  # not in this file
    pub = ind.publish(der, REG, s).set_index(["code", "jaar"])
    geheim = {"aandeel_0_14": {buurt, "WK000102"}, "koopwoningen_pct": {buurt}}
    for key, rows in geheim.items():  # the fixture's wijk W2 has its 0-14 count secret
        reden = pub[codes.reden_kolom(key)]
        assert set(reden.index[reden == codes.REDEN_NIET_GEPUBLICEERD]) == {(c, 2024) for c in rows}
        assert set(reden.unique()) == {"", codes.REDEN_NIET_GEPUBLICEERD}
    assert (pub[codes.reden_kolom("afstand_huisarts")] == "").all()


def test_an_open_top_class_is_split_as_estimation_and_projection_spread_it():
    """Deventer: the buurten's dementia summed to 1.585 against the gemeente's own 1.555.
    Their 90+ was spread evenly over ten years (half at 95+, rate 43 %), the gemeente's
    single years hold about a quarter there. The band split now follows the same open-class
    model as the estimation (``ages.split_matrix``)."""
    from pipeline.model import ages

    bev = pd.DataFrame(
        {"code": ["A"], "geslacht": ["totaal"], "leeftijd_van": [90],
         "leeftijd_tot": pd.array([None], dtype="Int64"), "aantal": [100.0]}
    )  # fmt: skip
    w = ages.split_matrix(np.array([90.0]), np.array([np.inf]))[0]
    in_90_94 = 100 * w[90:95].sum()
    assert ind.band_sum(bev, 90, 94, ["code"]).iloc[0] == pytest.approx(in_90_94)
    assert ind.band_sum(bev, 95, None, ["code"]).iloc[0] == pytest.approx(100 - in_90_94)
    assert 70 < in_90_94 < 80  # about three quarters, as in the Dutch 90+
    assert ind.band_sum(bev, 85, None, ["code"]).iloc[0] == 100  # all of it in 85+
    prev = pd.DataFrame(
        {"leeftijd_van": [90, 95], "leeftijd_tot": pd.array([94, None], dtype="Int64"),
         "geslacht": ["totaal", "totaal"], "prevalentie": [0.322, 0.432]}
    )  # fmt: skip
    dem = ind.dementia_count(bev, prev, ["code"]).iloc[0]
    assert dem == pytest.approx(in_90_94 * 0.322 + (100 - in_90_94) * 0.432)


def test_age_quantities_in_one_pass_equal_the_band_sums():
    """age_quantities sums every band in one pass (the interval draws call it ~140 million
    rows a country); it must give what band_sum and dementia_count give row by row,
    with missing counts, open classes, straddling bands and a region known only in total."""
    rng = np.random.default_rng(7)
    klassen = [(0, 17), (18, 49), (50, 64), (65, 74), (75, 79), (80, 89), (90, None)]
    rows = []
    for code in ("A", "B", "C"):
        for jaar in (2024, 2030):
            for sekse in ["totaal"] if code == "C" else ["man", "vrouw"]:
                for van, tot in klassen:
                    rows.append({"code": code, "jaar": jaar, "geslacht": sekse,
                                 "leeftijd_van": van, "leeftijd_tot": tot,
                                 "aantal": float(rng.uniform(0, 300))})  # fmt: skip
    bev = pd.DataFrame(rows)
    bev["leeftijd_tot"] = bev["leeftijd_tot"].astype("Int64")
    bev.loc[
        (bev["code"] == "B") & (bev["jaar"] == 2030) & (bev["leeftijd_van"] == 18), "aantal"
    ] = np.nan
    prev = pd.DataFrame(
        {"leeftijd_van": [60, 70, 85, 90, 95], "leeftijd_tot": pd.array([69, 84, 89, 94, None], dtype="Int64"),
         "geslacht": ["totaal", "man", "vrouw", "totaal", "totaal"],
         "prevalentie": [0.01, 0.05, 0.2, 0.3, 0.4]}
    )  # fmt: skip
    s = settings(basisjaar=2024)
    q = ind.age_quantities(bev, s, prev).set_index(["code", "jaar"])
    by = ["code", "jaar"]
    band = ind.one_sex_partition(bev)
    verwacht = {
        "inwoners": ind.band_sum(band, 0, None, by),
        "aantal_65plus": ind.band_sum(band, 65, None, by),
        "aantal_85plus": ind.band_sum(band, 85, None, by),
        "aantal_18plus": ind.band_sum(band, 18, None, by),
        "aantal_mz_van": ind.band_sum(band, s.mz_van[0], s.mz_van[1], by),
        "dementie_aantal": ind.dementia_count(band, prev, by),
    }
    for kolom, reeks in verwacht.items():
        pd.testing.assert_series_equal(q[kolom], reeks, check_names=False, rtol=1e-12)
    assert np.isnan(q.loc[("B", 2030), "inwoners"]) and np.isnan(
        q.loc[("B", 2030), "dementie_aantal"]
    )
    assert not np.isnan(q.loc[("B", 2030), "aantal_65plus"])  # the missing class lies outside
