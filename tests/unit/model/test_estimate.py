"""Tests for pipeline.model.estimate: IPF estimate of buurt age x sex."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.model import ages
from pipeline.model.estimate import SEED_MIX, Diagnostiek, estimate_buurt_ages
from pipeline.model.estimate_inputs import KWB_BANDS

REAL_KWB = Path(__file__).parents[4] / "shared/data/real/nl2024/kwb_2024_85984NED_subset.csv"
STD = ages.standard_bands()
J = len(STD)
#: A plausible Dutch-like age profile per 5-year band (thousands, roughly NL 2024) and the
#: male share per band (falling with age). Synthetic: only the shape matters.
NL_PROFILE = np.array(
    [880, 900, 990, 1060, 1150, 1200, 1150, 1100, 1050, 1100, 1250, 1300, 1200, 1050, 950,
     850, 520, 300, 140],
    dtype=float,
)  # fmt: skip
MALE_SHARE = np.linspace(0.51, 0.33, J)


def gemeente_pop(code: str, cells: dict[tuple[str, str], float], jaar: int = 2024) -> pd.DataFrame:
    """Gemeente table in standard bands, zero except the given (geslacht, klasse) cells."""
    rows = []
    for sex in ("man", "vrouw"):
        df = STD.copy()
        df["aantal"] = [float(cells.get((sex, k), 0.0)) for k in STD["klasse"]]
        df["geslacht"] = sex
        rows.append(df)
    out = pd.concat(rows, ignore_index=True)
    out["gemeentecode"] = code
    out["jaar"] = jaar
    return out.drop(columns="klasse")


def profile_pop(code: str, total: float) -> pd.DataFrame:
    """Synthetic but plausible gemeente distribution with ``total`` inhabitants."""
    share = NL_PROFILE / NL_PROFILE.sum() * total
    cells = {}
    for k, v, m in zip(STD["klasse"], share, MALE_SHARE, strict=True):
        cells[("man", k)] = v * m
        cells[("vrouw", k)] = v * (1 - m)
    return gemeente_pop(code, cells)


def cell(out: pd.DataFrame, code: str, sex: str, klasse: str) -> float:
    sel = out[(out.code == code) & (out.geslacht == sex) & (out.klasse == klasse)]
    assert len(sel) == 1
    return float(sel["aantal"].iloc[0])


# --------------------------------------------------------------------- hand examples

HAND_GEMEENTE = {
    ("man", "0-4"): 10,
    ("vrouw", "0-4"): 10,
    ("man", "10-14"): 20,  # 0-14: 40
    ("man", "30-34"): 60,
    ("vrouw", "40-44"): 40,  # 15-64: 100
    ("man", "70-74"): 30,
    ("vrouw", "90+"): 90,  # 65+: 120
}


def test_hand_example_two_buurten():
    """Uniform start: each buurt gets the gemeente's distribution within each KWB band.

    A: 100 inwoners, 0-14 = 20, 65+ = 40, so rest (15-64) = 40.
    B: 200 inwoners, 0-14 = 30, 65+ = 80, so rest = 90.
    A man 0-4 = 20 * 10/40 = 5; A man 30-34 = 40 * 60/100 = 24; A vrouw 90+ = 40 * 90/120 = 30.
    """
    kwb = pd.DataFrame(
        {
            "code": ["BU00010001", "BU00010002"],
            "inwoners": [100.0, 200.0],
            "k_0_14": [20.0, 30.0],
            "k_65plus": [40.0, 80.0],
        }
    )
    out = estimate_buurt_ages(kwb, gemeente_pop("GM0001", HAND_GEMEENTE))
    expected = {
        "BU00010001": {
            ("man", "0-4"): 5.0,
            ("vrouw", "0-4"): 5.0,
            ("man", "10-14"): 10.0,
            ("man", "30-34"): 24.0,
            ("vrouw", "40-44"): 16.0,
            ("man", "70-74"): 10.0,
            ("vrouw", "90+"): 30.0,
        },
        "BU00010002": {
            ("man", "0-4"): 7.5,
            ("vrouw", "0-4"): 7.5,
            ("man", "10-14"): 15.0,
            ("man", "30-34"): 54.0,
            ("vrouw", "40-44"): 36.0,
            ("man", "70-74"): 20.0,
            ("vrouw", "90+"): 60.0,
        },
    }
    assert len(out) == 2 * 2 * J
    assert list(out.columns) == [
        "code", "geslacht", "leeftijd_van", "leeftijd_tot", "klasse", "aantal", "geschat"
    ]  # fmt: skip
    assert out["geschat"].all()
    for code, cells in expected.items():
        sub = out[out.code == code]
        for (sex, k), v in cells.items():
            assert cell(out, code, sex, k) == pytest.approx(v, abs=1e-9)
        # Every other cell is zero.
        assert sub["aantal"].sum() == pytest.approx(sum(cells.values()), abs=1e-9)
    d = out.attrs["diagnostiek"]
    assert isinstance(d, Diagnostiek)
    assert d.geconvergeerd
    assert d.rest_banden == ("k_15_24", "k_25_44", "k_45_64")


def test_hand_example_suppressed_band_split_by_gemeente_shape():
    """C: 50 inwoners, 0-14 = 10, 65+ suppressed: 40 over 15-64 and 65+ as 100 : 120."""
    kwb = pd.DataFrame(
        {
            "code": ["BU00010001", "BU00010002", "BU00010003"],
            "inwoners": [100.0, 200.0, 50.0],
            "k_0_14": [20.0, 30.0, 10.0],
            "k_65plus": [40.0, 80.0, np.nan],
        }
    )
    out = estimate_buurt_ages(kwb, gemeente_pop("GM0001", HAND_GEMEENTE))
    c65 = ages.custom_band_total(out, 65, None, by=["code"])
    assert c65["BU00010003"] == pytest.approx(40 * 120 / 220, abs=1e-9)
    assert cell(out, "BU00010003", "man", "70-74") == pytest.approx(40 * 120 / 220 / 4)
    assert cell(out, "BU00010003", "man", "30-34") == pytest.approx(40 * 100 / 220 * 0.6)
    # The known buurten are untouched by C's suppression.
    assert c65["BU00010001"] == pytest.approx(40.0, abs=1e-9)
    assert out.attrs["diagnostiek"].aangevuld == ("BU00010003",)


def test_hand_example_seed_keeps_odds_ratio():
    """With a seed IPF keeps the seed's cross-product ratio within the margins.

    65+ only (rest 0). Gemeente: man 65-69 = 30, vrouw 65-69 = 30. Buurt A 40, B 80, so the
    column targets become 60 and 60. Seed A (man, vrouw) = (3, 1), B = (1, 3), mixed with
    SEED_MIX uniform over the 12 cells of 65+. With x = A-man the table is
    [[x, 40 - x], [60 - x, 20 + x]] and x (20 + x) = theta (40 - x)(60 - x).
    """
    gem = gemeente_pop("GM0001", {("man", "65-69"): 30, ("vrouw", "65-69"): 30})
    kwb = pd.DataFrame(
        {"code": ["BU00010001", "BU00010002"], "inwoners": [40.0, 80.0], "k_65plus": [40.0, 80.0]}
    )
    seed_rows = []
    for code, (m, v) in (("BU00010001", (3.0, 1.0)), ("BU00010002", (1.0, 3.0))):
        for sex, val in (("man", m), ("vrouw", v)):
            df = STD.copy()
            df["aantal"] = np.where(df["klasse"] == "65-69", val, 0.0)
            df["code"] = code
            df["geslacht"] = sex
            seed_rows.append(df)
    seed = pd.concat(seed_rows, ignore_index=True)
    out = estimate_buurt_ages(kwb, gem, seed=seed)

    a1 = (1 - SEED_MIX) * 0.75 + SEED_MIX / 12
    a2 = (1 - SEED_MIX) * 0.25 + SEED_MIX / 12
    theta = (a1 / a2) ** 2
    # (1 - theta) x^2 + (20 + 100 theta) x - 2400 theta = 0, root in (0, 40)
    roots = np.roots([1 - theta, 20 + 100 * theta, -2400 * theta])
    x = float([r.real for r in roots if 0 < r.real < 40][0])
    assert x == pytest.approx(32.88, abs=0.01)  # far from the independent 20
    assert cell(out, "BU00010001", "man", "65-69") == pytest.approx(x, abs=1e-6)
    assert cell(out, "BU00010001", "vrouw", "65-69") == pytest.approx(40 - x, abs=1e-6)
    assert cell(out, "BU00010002", "man", "65-69") == pytest.approx(60 - x, abs=1e-6)
    assert cell(out, "BU00010002", "vrouw", "65-69") == pytest.approx(20 + x, abs=1e-6)
    assert out.attrs["diagnostiek"].iteraties > 1


def test_totaal_seed_and_unconverged_fit_keep_buurt_margins():
    """A 'totaal' seed shapes both sexes; with max_iter=1 the fit stops early but the last
    step is the buurt step, so the KWB bands still hold exactly."""
    pop = profile_pop("GM0001", 1000)
    kwb = pd.DataFrame(
        {"code": ["BU00010001", "BU00010002"], "inwoners": [400.0, 600.0],
         "k_0_14": [60.0, 90.0], "k_65plus": [100.0, 90.0]}
    )  # fmt: skip
    old = np.where(STD["leeftijd_van"] >= 80, 10.0, 1.0)  # A: many very old last year
    seed = pd.concat(
        [
            STD.assign(code="BU00010001", geslacht="totaal", aantal=old),
            STD.assign(code="BU00010002", geslacht="totaal", aantal=1.0),
        ]
    )
    uniform = estimate_buurt_ages(kwb, pop)
    fitted = estimate_buurt_ages(kwb, pop, seed=seed)
    early = estimate_buurt_ages(kwb, pop, seed=seed, max_iter=1)
    a80 = {
        name: ages.custom_band_total(o, 80, None, by=["code"])["BU00010001"]
        for name, o in (("uniform", uniform), ("fitted", fitted))
    }
    assert a80["fitted"] > 1.5 * a80["uniform"]
    assert fitted.attrs["diagnostiek"].geconvergeerd
    assert not early.attrs["diagnostiek"].geconvergeerd
    for out in (fitted, early):
        c65 = ages.custom_band_total(out, 65, None, by=["code"])
        assert c65.to_dict() == pytest.approx({"BU00010001": 100.0, "BU00010002": 90.0}, abs=1e-9)
    assert early.attrs["diagnostiek"].max_fout_gemeente > 1e-6


# --------------------------------------------------------------------- properties


def _effective_band(present: list[str]) -> np.ndarray:
    """Name of the KWB band (or 'rest') of every standard band, computed independently."""
    names = []
    for van in STD["leeftijd_van"]:
        name = "rest"
        for col, lo, hi in KWB_BANDS:
            if col in present and van >= lo and (hi is None or van + 4 <= hi):
                name = col
        names.append(name)
    return np.array(names)


def _random_case(rng: np.random.Generator):
    n_gem = int(rng.integers(1, 4))
    present = [c for c, _, _ in KWB_BANDS if rng.random() < 0.6]
    kwb_rows, pops = [], []
    for g in range(n_gem):
        code = f"{g + 1:04d}"
        nb = int(rng.integers(2, 9))
        true = rng.gamma(2.0, 20.0, size=(nb, 2, J)) * rng.uniform(0.2, 3, size=(nb, 1, 1))
        true[:, :, rng.random(J) < 0.1] = 0.0  # some empty classes
        for b in range(nb):
            row = {"code": f"BU{code}{b:04d}", "inwoners": 5 * np.round(true[b].sum() / 5)}
            for col, lo, hi in KWB_BANDS:
                if col in present:
                    sel = (STD["leeftijd_van"] >= lo) & (
                        (STD["leeftijd_van"] <= hi) if hi is not None else True
                    )
                    v = 5 * np.round(true[b][:, sel.to_numpy()].sum() / 5)
                    row[col] = np.nan if rng.random() < 0.15 else v
            known = [row[c] for c in present if not np.isnan(row[c])]
            if known and rng.random() < 0.1:
                row["inwoners"] = max(0.0, sum(known) - 5)  # rounding: bands exceed inwoners
            if rng.random() < 0.1:
                row["inwoners"] = np.nan
            kwb_rows.append(row)
        tot = true.sum(axis=0) * rng.uniform(0.95, 1.05)  # the gemeente: exact, other year
        cells = {}
        for s_i, sex in enumerate(("man", "vrouw")):
            for j, k in enumerate(STD["klasse"]):
                cells[(sex, k)] = tot[s_i, j]
        pops.append(gemeente_pop(f"GM{code}", cells))
    kwb = pd.DataFrame(kwb_rows)
    if not any(c in kwb for c, _, _ in KWB_BANDS):
        kwb["k_65plus"] = np.nan
        present = ["k_65plus"]
    seed = None
    if rng.random() < 0.5:
        seed = pd.concat(
            [
                STD.assign(code=c, geslacht=s, aantal=rng.gamma(1.0, 5.0, size=J))
                for c in kwb["code"][: len(kwb) - 1]  # the last buurt has no seed
                for s in ("man", "vrouw")
            ]
        )
    return kwb, pd.concat(pops, ignore_index=True), seed, present


@pytest.mark.parametrize("seed_no", range(30))
def test_margins_hold_on_random_inputs(seed_no):
    rng = np.random.default_rng(seed_no)
    kwb, pop, seed, present = _random_case(rng)
    out = estimate_buurt_ages(kwb, pop, seed=seed)
    d = out.attrs["diagnostiek"]
    assert d.geconvergeerd
    assert len(out) == len(kwb) * 2 * J
    vals = out["aantal"].to_numpy()
    assert (vals[~np.isnan(vals)] >= 0).all()

    eff = _effective_band(present)
    x = out.assign(band=np.tile(eff, len(out) // J))
    band_tot = x.groupby(["code", "band"])["aantal"].sum(min_count=1).unstack()
    k = kwb.set_index("code")
    for code, row in k.iterrows():
        bands_known = {c: row[c] for c in present if not np.isnan(row[c])}
        unknown = len(bands_known) < len(set(eff))
        if np.isnan(row["inwoners"]) and unknown:
            # Missing inwoners: the whole buurt is NaN, never zero.
            assert out.loc[out.code == code, "aantal"].isna().all()
            assert code in d.buurten_onbekend
            continue
        assert not out.loc[out.code == code, "aantal"].isna().any()
        for c, v in bands_known.items():
            assert band_tot.loc[code, c] == pytest.approx(v, abs=1e-6)
        if unknown:
            rest = row["inwoners"] - sum(bands_known.values())
            got = band_tot.loc[code, [b for b in set(eff) if b not in bands_known]].sum()
            if rest >= 0:
                assert got == pytest.approx(rest, abs=1e-6)
                assert code not in d.rest_geclipt
            else:
                assert got == pytest.approx(0.0, abs=1e-9)
                assert code in d.rest_geclipt

    # Gemeente margin: per gemeente the buurten follow the gemeente's distribution within
    # each band, rescaled to the buurten's band total.
    x["gemeentecode"] = "GM" + x["code"].str[2:6]
    fit = x.groupby(["gemeentecode", "geslacht", "leeftijd_van"])["aantal"].sum()
    p = pop.assign(band=np.tile(eff, len(pop) // J))
    g_band = p.groupby(["gemeentecode", "band"])["aantal"].transform("sum")
    b_band = x.groupby(["gemeentecode", "band"])["aantal"].sum()
    target = (
        p["aantal"]
        / g_band
        * [b_band.get((g, b), 0.0) for g, b in zip(p["gemeentecode"], p["band"], strict=True)]
    )
    target = target.fillna(0.0)
    target.index = pd.MultiIndex.from_frame(p[["gemeentecode", "geslacht", "leeftijd_van"]])
    np.testing.assert_allclose(fit.reindex(target.index).to_numpy(), target.to_numpy(), atol=1e-6)


def test_missing_middle_bands_form_one_rest_band():
    """With 0-14, 15-24 and 65+ known, 25-64 is the rest: inwoners - known bands."""
    pop = profile_pop("GM0001", 1000)
    kwb = pd.DataFrame(
        {
            "code": ["BU00010001", "BU00010002"],
            "inwoners": [300.0, 700.0],
            "k_0_14": [50.0, 120.0],
            "k_15_24": [40.0, 70.0],
            "k_65plus": [60.0, 150.0],
        }
    )
    out = estimate_buurt_ages(kwb, pop)
    rest = ages.custom_band_total(out, 25, 64, by=["code"])
    assert rest["BU00010001"] == pytest.approx(300 - 50 - 40 - 60, abs=1e-9)
    assert rest["BU00010002"] == pytest.approx(700 - 120 - 70 - 150, abs=1e-9)
    assert out.attrs["diagnostiek"].rest_banden == ("k_25_44", "k_45_64")
    # Within the rest band each buurt follows the gemeente shape (uniform start).
    a = out[(out.code == "BU00010001") & out.leeftijd_van.between(25, 64)]["aantal"].to_numpy()
    g = pop[pop.leeftijd_van.between(25, 64)]["aantal"].to_numpy()
    np.testing.assert_allclose(a / a.sum(), g / g.sum(), atol=1e-12)


def test_rest_clipped_when_known_bands_exceed_inwoners():
    kwb = pd.DataFrame(
        {"code": ["BU00010001", "BU00010002"], "inwoners": [10.0, 100.0],
         "k_0_14": [5.0, 20.0], "k_65plus": [10.0, 30.0]}
    )  # fmt: skip
    out = estimate_buurt_ages(kwb, profile_pop("GM0001", 110))
    d = out.attrs["diagnostiek"]
    assert d.rest_geclipt == ("BU00010001",)
    a = out[out.code == "BU00010001"]
    assert a["aantal"].min() >= 0
    assert a["aantal"].sum() == pytest.approx(15.0)  # 5 + 10, rest 0


def test_nan_inwoners_gives_nan_buurt_not_zero():
    kwb = pd.DataFrame(
        {"code": ["BU00010001", "BU00010002"], "inwoners": [np.nan, 100.0],
         "k_0_14": [5.0, 20.0], "k_65plus": [10.0, 30.0]}
    )  # fmt: skip
    out = estimate_buurt_ages(kwb, profile_pop("GM0001", 100))
    assert out.loc[out.code == "BU00010001", "aantal"].isna().all()
    b = out.loc[out.code == "BU00010002", "aantal"]
    assert b.notna().all() and b.sum() == pytest.approx(100.0)
    assert out.attrs["diagnostiek"].buurten_onbekend == ("BU00010001",)


def test_totaal_only_gemeente_gives_totaal_output():
    pop = profile_pop("GM0001", 1000)
    tot = pop.groupby(["gemeentecode", "jaar", "leeftijd_van"], as_index=False)["aantal"].sum()
    tot = tot.merge(STD[["leeftijd_van", "leeftijd_tot"]], on="leeftijd_van")
    tot["geslacht"] = "totaal"
    kwb = pd.DataFrame(
        {"code": ["BU00010001", "BU00010002"], "inwoners": [400.0, 600.0],
         "k_0_14": [60.0, 90.0], "k_65plus": [100.0, 90.0]}
    )  # fmt: skip
    out = estimate_buurt_ages(kwb, tot)
    assert set(out["geslacht"]) == {"totaal"}
    assert len(out) == 2 * J
    c65 = ages.custom_band_total(out, 65, None, by=["code"])
    assert c65.to_dict() == pytest.approx({"BU00010001": 100.0, "BU00010002": 90.0})


def test_gemeente_with_all_three_sexes_uses_man_and_vrouw():
    pop = profile_pop("GM0001", 1000)
    tot = pop.groupby(["gemeentecode", "jaar", "leeftijd_van"], as_index=False)["aantal"].sum()
    tot = tot.merge(STD[["leeftijd_van", "leeftijd_tot"]], on="leeftijd_van")
    both = pd.concat([pop, tot.assign(geslacht="totaal")], ignore_index=True)
    kwb = pd.DataFrame({"code": ["BU00010001"], "inwoners": [1000.0], "k_65plus": [200.0]})
    out = estimate_buurt_ages(kwb, both)
    assert set(out["geslacht"]) == {"man", "vrouw"}
    assert out["aantal"].sum() == pytest.approx(1000.0)


def test_gemeente_single_years_and_coarse_classes():
    kwb = pd.DataFrame({"code": ["BU00010001"], "inwoners": [100.0], "k_65plus": [20.0]})
    # Single years 0..104 and 105+ (03759ned layout) nest into the standard bands.
    single = pd.DataFrame(
        {
            "gemeentecode": "GM0001",
            "geslacht": np.repeat(["man", "vrouw"], 106),
            "leeftijd_van": np.tile(np.arange(106), 2),
            "leeftijd_tot": pd.array(list(range(105)) + [None], dtype="Int64").tolist() * 2,
            "aantal": 1.0,
        }
    )
    single["leeftijd_tot"] = single["leeftijd_tot"].astype("Int64")
    out = estimate_buurt_ages(kwb, single)
    assert out.attrs["diagnostiek"].gemeenten_gesplitst == ()
    # Within 65+ the buurt follows the gemeente: 90+ holds 16 of 41 single years.
    assert ages.custom_band_total(out, 90, None, by=[]).item() == pytest.approx(20 * 16 / 41)
    # Coarse classes (0-64, 65+) must be split, with a flag.
    coarse = pd.DataFrame(
        {
            "gemeentecode": "GM0001",
            "geslacht": ["man", "man", "vrouw", "vrouw"],
            "leeftijd_van": [0, 65, 0, 65],
            "leeftijd_tot": pd.array([64, None, 64, None], dtype="Int64"),
            "aantal": [400.0, 100.0, 400.0, 100.0],
        }
    )
    out = estimate_buurt_ages(kwb, coarse)
    assert out.attrs["diagnostiek"].gemeenten_gesplitst == ("GM0001",)
    assert ages.custom_band_total(out, 65, None, by=[]).item() == pytest.approx(20.0)


def test_errors_are_user_facing():
    kwb = pd.DataFrame({"code": ["BU00010001"], "inwoners": [100.0], "k_65plus": [20.0]})
    with pytest.raises(WijkscanError, match="GM0001"):
        estimate_buurt_ages(kwb, profile_pop("GM0002", 100))
    with pytest.raises(WijkscanError, match="inwoners"):
        estimate_buurt_ages(kwb.drop(columns="inwoners"), profile_pop("GM0001", 100))
    with pytest.raises(WijkscanError, match="dubbel"):
        estimate_buurt_ages(pd.concat([kwb, kwb]), profile_pop("GM0001", 100))
    two_years = pd.concat(
        [profile_pop("GM0001", 100), profile_pop("GM0001", 100).assign(jaar=2023)]
    )
    with pytest.raises(WijkscanError, match="meerdere jaren"):
        estimate_buurt_ages(kwb, two_years)
    with pytest.raises(WijkscanError, match="Negatieve"):
        estimate_buurt_ages(kwb.assign(k_65plus=-5.0), profile_pop("GM0001", 100))


def test_non_buurt_rows_are_ignored():
    kwb = pd.DataFrame(
        {"code": ["GM0001", "WK000101", "BU00010001"], "inwoners": [100.0, 100.0, 100.0],
         "k_65plus": [20.0, 20.0, 20.0]}
    )  # fmt: skip
    out = estimate_buurt_ages(kwb, profile_pop("GM0001", 100))
    assert set(out["code"]) == {"BU00010001"}


# --------------------------------------------------------------------- real data


def _real_kwb(prefix: str | None = None) -> pd.DataFrame:
    if not REAL_KWB.is_file():
        pytest.skip(f"real KWB 2024 extract not found at {REAL_KWB} (shared data absent)")
    raw = pd.read_csv(REAL_KWB, dtype=str, keep_default_na=False)
    raw["WijkenEnBuurten"] = raw["WijkenEnBuurten"].str.strip()

    def num(s: pd.Series) -> np.ndarray:
        return pd.to_numeric(s.str.strip().replace("", np.nan), errors="coerce").to_numpy()

    sel = raw["SoortRegio_2"].str.strip() == "Buurt"
    if prefix:
        sel &= raw["WijkenEnBuurten"].str.startswith(prefix)
    bu = raw[sel]
    return pd.DataFrame(
        {
            "code": bu["WijkenEnBuurten"].to_numpy(),
            "inwoners": num(bu["AantalInwoners_5"]),
            "k_0_14": num(bu["k_0Tot15Jaar_8"]),
            "k_65plus": num(bu["k_65JaarOfOuder_12"]),
        }
    )


@pytest.mark.parametrize(("gm", "n_buurten"), [("GM0226", 14), ("GM0150", 69)])
def test_real_kwb_65plus_reproduced(gm, n_buurten):
    kwb = _real_kwb("BU" + gm[2:])
    assert len(kwb) == n_buurten
    total = np.nansum(kwb["inwoners"])
    out = estimate_buurt_ages(kwb, profile_pop(gm, total))
    d = out.attrs["diagnostiek"]
    assert d.geconvergeerd
    c65 = ages.custom_band_total(out, 65, None, by=["code"])
    c014 = ages.custom_band_total(out, 0, 14, by=["code"])
    k = kwb.set_index("code")
    known = k["k_65plus"].notna()
    assert known.sum() >= n_buurten - 3
    np.testing.assert_allclose(c65[known[known].index], k.loc[known, "k_65plus"], atol=1e-6)
    known14 = k["k_0_14"].notna() & k["inwoners"].notna()
    np.testing.assert_allclose(c014[known14[known14].index], k.loc[known14, "k_0_14"], atol=1e-6)
    # Buurten with inwoners stay complete, with totals equal to inwoners (unless clipped).
    tot = out.groupby("code")["aantal"].sum(min_count=1)
    ok = k["inwoners"].notna() & ~k.index.isin(d.rest_geclipt)
    np.testing.assert_allclose(tot[ok[ok].index], k.loc[ok, "inwoners"], atol=1e-6)
    assert (out["aantal"].dropna() >= 0).all()


def test_real_national_run_is_fast():
    kwb = _real_kwb()
    assert len(kwb) > 14_000
    gm_tot = kwb.assign(g="GM" + kwb["code"].str[2:6]).groupby("g")["inwoners"].sum()
    pop = pd.concat([profile_pop(g, t) for g, t in gm_tot.items()], ignore_index=True)
    t0 = time.perf_counter()
    out = estimate_buurt_ages(kwb, pop)
    elapsed = time.perf_counter() - t0
    assert elapsed < 10.0, f"national estimate took {elapsed:.1f} s"
    assert out.attrs["diagnostiek"].geconvergeerd
    assert out.attrs["diagnostiek"].max_fout_buurt < 1e-6


# ------------------------------------------------------- burgerlijke staat as a margin

#: Share widowed per standard band (synthetic, Dutch-like shape: rising steeply after 75).
WIDOWED = np.array([0] * 11 + [0.02, 0.03, 0.05, 0.08, 0.14, 0.25, 0.42, 0.62])
MARRIED = np.array([0] * 4 + [0.1, 0.3, 0.5, 0.55, 0.6, 0.6, 0.6, 0.62, 0.65, 0.65, 0.62, 0.55,
                    0.45, 0.3, 0.15])  # fmt: skip


def joint_pop(code: str, total: float) -> pd.DataFrame:
    """The profile of :func:`profile_pop` split by burgerlijke staat (synthetic shares)."""
    pop = profile_pop(code, total)
    rows = []
    j = pop["leeftijd_van"].map(dict(zip(STD["leeftijd_van"], range(J), strict=True)))
    gesch = np.where(np.arange(J) >= 5, 0.08, 0.0)
    shares = {
        "verweduwd": WIDOWED,
        "gehuwd": MARRIED,
        "gescheiden": gesch,
        "ongehuwd": 1 - WIDOWED - MARRIED - gesch,
    }
    for staat, share in shares.items():
        rows.append(pop.assign(burgerlijke_staat=staat, aantal=pop["aantal"] * share[j]))
    return pd.concat(rows, ignore_index=True)


def two_buurten_bs(verweduwd_a: float, verweduwd_b: float) -> pd.DataFrame:
    """Two buurten with the same age bands but different numbers of widowed residents."""
    base = {"inwoners": 1000.0, "k_0_14": 150.0, "k_65plus": 300.0}
    rows = []
    for code, wed in (("BU00010001", verweduwd_a), ("BU00010002", verweduwd_b)):
        rows.append(
            {
                "code": code,
                **base,
                "ongehuwd": 400.0,
                "gehuwd": 600.0 - wed - 50.0,
                "gescheiden": 50.0,
                "verweduwd": wed,
            }
        )
    return pd.DataFrame(rows)


def share_85_in_65(out: pd.DataFrame, code: str) -> float:
    b = out[out["code"] == code]
    return (
        b.loc[b["leeftijd_van"] >= 85, "aantal"].sum()
        / b.loc[b["leeftijd_van"] >= 65, "aantal"].sum()
    )


def test_widowed_buurt_gets_more_85plus():
    """Same 65+ count, more widowed residents: more 85-plussers within 65+ (issue 16)."""
    kwb = two_buurten_bs(20.0, 90.0)
    out = estimate_buurt_ages(
        kwb, profile_pop("GM0001", 2000), gemeente_bs=joint_pop("GM0001", 2000)
    )
    few, many = share_85_in_65(out, "BU00010001"), share_85_in_65(out, "BU00010002")
    assert many > few * 1.5
    # KWB bands are still met exactly, and the buurten together still give the gemeente.
    for code in ("BU00010001", "BU00010002"):
        b = out[out["code"] == code]
        assert b.loc[b["leeftijd_van"] >= 65, "aantal"].sum() == pytest.approx(300.0)
        assert b["aantal"].sum() == pytest.approx(1000.0)
    d = out.attrs["diagnostiek"]
    assert d.marges["BU00010001"] == ["leeftijd (KWB)", "burgerlijke staat (KWB)"]
    assert d.gemeente_burgerlijke_staat == ("GM0001",)
    # Without the joint table marital status says nothing about age: even spread again.
    plain = estimate_buurt_ages(kwb, profile_pop("GM0001", 2000))
    assert share_85_in_65(plain, "BU00010001") == pytest.approx(share_85_in_65(plain, "BU00010002"))
    assert plain.attrs["diagnostiek"].marges["BU00010001"] == ["leeftijd (KWB)"]


def test_buurten_together_keep_the_gemeente_age_profile_when_margins_clash():
    """Marital counts that do not fit the gemeente's joint move ages between buurten,
    not the gemeente's own age profile within a KWB band.

    Real Duiven (demo joint, KWB 2023 marital counts): the buurten added up to 6.135
    50-64-jarigen against the gemeente's 5.323, so the gemeente's mantelzorgpotentieel
    (8,9) lay below every wijk's (9,6-11,7).
    """
    kwb = two_buurten_bs(250.0, 300.0)  # far more widowed than the joint implies
    pop = profile_pop("GM0001", 2000)
    out = estimate_buurt_ages(kwb, pop, gemeente_bs=joint_pop("GM0001", 2000))
    pop = pop.assign(band=lambda d: np.select([d.leeftijd_van < 15, d.leeftijd_van < 65],
                                              ["0-14", "15-64"], "65+"))  # fmt: skip
    out = out.assign(band=lambda d: np.select([d.leeftijd_van < 15, d.leeftijd_van < 65],
                                              ["0-14", "15-64"], "65+"))  # fmt: skip
    for band, g in pop.groupby("band"):  # men and women together (sex follows the buurten)
        b = out[out["band"] == band]
        got = b.groupby("leeftijd_van")["aantal"].sum()
        want = g.groupby("leeftijd_van")["aantal"].sum()
        # Same shape inside the band (the band totals are the buurten's KWB counts).
        np.testing.assert_allclose(
            (got / got.sum()).to_numpy(), (want / want.sum()).reindex(got.index).to_numpy(),
            atol=1e-4, err_msg=band,
        )  # fmt: skip
    # The buurt with more widowed residents still gets more 85-plussers within 65+.
    assert share_85_in_65(out, "BU00010002") > share_85_in_65(out, "BU00010001")


def test_auxiliary_year_margin_is_recorded_and_used():
    """Marital status from an adjacent KWB year (code unchanged) informs the estimate."""
    kwb = two_buurten_bs(20.0, 90.0)
    aux = kwb.rename(
        columns={c: "aanv_" + c for c in ("ongehuwd", "gehuwd", "gescheiden", "verweduwd")}
    )
    aux["aanvulling_jaar"] = ["2023", None]
    aux.loc[1, ["aanv_ongehuwd", "aanv_gehuwd", "aanv_gescheiden", "aanv_verweduwd"]] = np.nan
    out = estimate_buurt_ages(
        aux, profile_pop("GM0001", 2000), gemeente_bs=joint_pop("GM0001", 2000)
    )
    m = out.attrs["diagnostiek"].marges
    assert m["BU00010001"] == ["leeftijd (KWB)", "burgerlijke staat (KWB 2023)"]
    assert m["BU00010002"] == ["leeftijd (KWB)"]


def test_draws_vary_and_keep_published_structure():
    """Draws: reproducible, spread where the margins leave room, none negative."""
    from pipeline.model.estimate import estimate_with_draws

    kwb = two_buurten_bs(20.0, 90.0)
    kw = dict(gemeente_bs=joint_pop("GM0001", 2000), trekkingen=20, spreiding=0.3, rng_seed=7)
    point, draws = estimate_with_draws(kwb, profile_pop("GM0001", 2000), **kw)
    _, again = estimate_with_draws(kwb, profile_pop("GM0001", 2000), **kw)
    pd.testing.assert_frame_equal(draws, again)
    assert set(draws["trekking"]) == set(range(20))
    assert (draws["aantal"] >= 0).all()
    per = draws[draws["leeftijd_van"] >= 85].groupby(["trekking", "code"])["aantal"].sum()
    spread = per.groupby("code").agg(["min", "max"])
    assert (spread["max"] - spread["min"] > 1).all()
    # The point estimate lies inside the draws' range.
    p85 = point[point["leeftijd_van"] >= 85].groupby("code")["aantal"].sum()
    assert ((p85 >= spread["min"] - 1) & (p85 <= spread["max"] + 1)).all()


def test_batch_does_not_change_a_gemeente():
    """One gemeente alone or together with another: the same numbers (one build path)."""
    a = two_buurten_bs(20.0, 90.0)
    b = two_buurten_bs(5.0, 150.0)
    b["code"] = ["BU00020001", "BU00020002"]
    pops = pd.concat([profile_pop("GM0001", 2000), profile_pop("GM0002", 2000)])
    joints = pd.concat([joint_pop("GM0001", 2000), joint_pop("GM0002", 2000)])
    both = estimate_buurt_ages(pd.concat([a, b]), pops, gemeente_bs=joints)
    alone = estimate_buurt_ages(
        a, profile_pop("GM0001", 2000), gemeente_bs=joint_pop("GM0001", 2000)
    )
    got = both[both["code"].str.startswith("BU0001")].reset_index(drop=True)
    np.testing.assert_allclose(got["aantal"], alone["aantal"], rtol=1e-12)
