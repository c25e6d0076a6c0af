"""Tests for pipeline.model.brp_aanvulling: buurten missing from a BRP extract, estimated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.model import ages, provenance
from pipeline.model.brp_aanvulling import (
    MARGE_NIET_IN_BRP,
    brp_waarschuwing,
    brp_with_estimates,
    gemeente_from_brp,
    mark_estimated,
)
from pipeline.model.brp_buurten import from_brp
from tests.support.bevolking import brp_single_years

STD = ages.standard_bands()
BANDS = {"k_0_14": (0, 14), "k_15_24": (15, 24), "k_25_44": (25, 44), "k_45_64": (45, 64)}


def _kwb() -> pd.DataFrame:
    """Three buurten; BU00010003 (100 inwoners) is not in the extract."""
    return pd.DataFrame(
        {
            "code": ["BU00010001", "BU00010002", "BU00010003"],
            "inwoners": [202.0, 404.0, 100.0],
            "k_0_14": [30.0, 60.0, 20.0],
            "k_15_24": [20.0, 40.0, 10.0],
            "k_25_44": [40.0, 80.0, 30.0],
            "k_45_64": [40.0, 80.0, 25.0],
            "k_65plus": [72.0, 144.0, 15.0],
        }
    )


def _cell(out: pd.DataFrame, code: str, sex: str, klasse: str) -> float:
    sel = out[(out.code == code) & (out.geslacht == sex) & (out.klasse == klasse)]
    assert len(sel) == 1
    return float(sel["aantal"].iloc[0])


def test_fout_is_the_old_error():
    with pytest.raises(WijkscanError) as exc:
        brp_with_estimates(brp_single_years(), _kwb(), "fout")
    assert "dekt 2 van de 3 KWB-buurten" in exc.value.wat
    assert "ontbrekende_buurten" in exc.value.oplossing


def test_schatten_estimates_the_missing_buurt_from_its_kwb_bands():
    out, draws = brp_with_estimates(brp_single_years(), _kwb(), "schatten")
    assert draws is None  # no draws asked
    tot = out.groupby("code")["aantal"].sum()
    assert tot.to_dict() == pytest.approx({"BU00010001": 202, "BU00010002": 404, "BU00010003": 100})
    assert out.groupby("code")["geschat"].all().to_dict() == {
        "BU00010001": False,
        "BU00010002": False,
        "BU00010003": True,
    }
    # The BRP buurten are the extract's counts, untouched.
    assert _cell(out, "BU00010002", "vrouw", "0-4") == 10.0
    assert _cell(out, "BU00010001", "man", "90+") == 11.0
    # Its bands add up to its KWB bands.
    b3 = out[out.code == "BU00010003"]
    for col, (van, tot_) in BANDS.items():
        sel = b3[(b3.leeftijd_van >= van) & (b3.leeftijd_van <= tot_)]
        assert sel["aantal"].sum() == pytest.approx(_kwb().loc[2, col])
    assert b3.loc[b3.leeftijd_van >= 65, "aantal"].sum() == pytest.approx(15.0)
    # Within a band it follows the covered buurten (uniform per year, equal sexes):
    # 0-14 has 6 equal cells; in 65+ the 90+ class holds 11 of the 35 + 11 years.
    assert _cell(out, "BU00010003", "man", "0-4") == pytest.approx(20 / 6)
    assert _cell(out, "BU00010003", "vrouw", "90+") == pytest.approx(15 / 2 * 11 / 36)
    d = out.attrs["diagnostiek"]
    assert d["brp_geschatte_buurten"] == ["BU00010003"]
    assert d["marges"]["BU00010003"][0] == MARGE_NIET_IN_BRP
    assert "leeftijd (KWB)" in d["marges"]["BU00010003"]
    assert d["brp_waarschuwing"].startswith("1 van de 3 buurten staat niet in het BRP-extract")


def test_schatten_draws_vary_only_for_the_estimated_buurt():
    out, draws = brp_with_estimates(
        brp_single_years(), _kwb(), "schatten", trekkingen=6, spreiding=0.3, rng_seed=7
    )
    assert list(draws.columns) == [
        "trekking", "code", "geslacht", "leeftijd_van", "leeftijd_tot", "klasse", "aantal"
    ]  # fmt: skip
    assert len(draws) == 6 * len(out)
    spread = draws.groupby(["code", "geslacht", "leeftijd_van"])["aantal"].agg(["min", "max"])
    width = (spread["max"] - spread["min"]).groupby(level=0).max()
    assert width["BU00010001"] == 0 and width["BU00010002"] == 0
    assert width["BU00010003"] > 0
    point = out.set_index(["code", "geslacht", "leeftijd_van"])["aantal"]
    brp_rows = draws[draws.code != "BU00010003"]
    key = pd.MultiIndex.from_frame(brp_rows[["code", "geslacht", "leeftijd_van"]])
    assert (brp_rows["aantal"].to_numpy() == point.reindex(key).to_numpy()).all()
    # The point estimate does not depend on the draws.
    again, _ = brp_with_estimates(brp_single_years(), _kwb(), "schatten")
    pd.testing.assert_series_equal(out["aantal"], again["aantal"])


def test_complete_extract_is_the_same_with_either_setting():
    kwb = _kwb().iloc[:2]
    a, da = brp_with_estimates(brp_single_years(), kwb, "fout")
    b, db = brp_with_estimates(brp_single_years(), kwb, "schatten", trekkingen=5, spreiding=0.3)
    pd.testing.assert_frame_equal(a, b)
    assert da is None and db is None
    assert "brp_geschatte_buurten" not in b.attrs["diagnostiek"]
    ga = gemeente_from_brp(brp_single_years(), kwb, "fout", gemeente="GM0001", jaar=2024)
    gb = gemeente_from_brp(brp_single_years(), kwb, "schatten", gemeente="GM0001", jaar=2024)
    pd.testing.assert_frame_equal(ga, gb)


def test_gemeente_totals_include_the_estimated_buurt():
    fout = gemeente_from_brp(brp_single_years(), _kwb(), "fout", gemeente="GM0001", jaar=2024)
    gem = gemeente_from_brp(brp_single_years(), _kwb(), "schatten", gemeente="GM0001", jaar=2024)
    assert list(gem.columns) == [
        "gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"
    ]  # fmt: skip
    assert fout["aantal"].sum() == 606.0  # the extract alone
    assert gem["aantal"].sum() == pytest.approx(706.0)
    # The extract's single years stay; each gets its share of the estimated 5-year band.
    assert len(gem) == len(fout) and (gem["gemeentecode"] == "GM0001").all()
    one = gem[(gem.geslacht == "man") & (gem.leeftijd_van == 3)]["aantal"].iloc[0]
    assert one == pytest.approx(3 + 20 / 6 / 5)
    # The same numbers as the buurt table summed.
    buurt, _ = brp_with_estimates(brp_single_years(), _kwb(), "schatten")
    per_band = ages.to_bands(gem, STD, by=["geslacht"])
    summed = buurt.groupby(["geslacht", "leeftijd_van"])["aantal"].sum()
    key = pd.MultiIndex.from_frame(per_band[["geslacht", "leeftijd_van"]])
    np.testing.assert_allclose(per_band["aantal"].to_numpy(), summed.reindex(key).to_numpy())


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError):
        brp_with_estimates(brp_single_years(), _kwb(), "ja")


def test_waarschuwing_marges_and_provenance():
    text = brp_waarschuwing(["BU00010002", "BU00010003"], _kwb())
    assert text.startswith("2 van de 3 buurten staan niet in het BRP-extract: BU00010002")
    assert "samen 504 inwoners" in text and "ontbrekende_buurten: schatten" in text
    out, _ = brp_with_estimates(brp_single_years(), _kwb(), "schatten")
    d = out.attrs["diagnostiek"]
    codes = pd.Series(["GM0001", "BU00010001", "BU00010003"])
    col = pd.Series(["", "BRP-extract", "BRP-extract"], dtype=object)
    marked = mark_estimated(col, codes, d)
    assert marked.tolist()[:2] == ["", "BRP-extract"]
    assert marked.iloc[2].startswith(MARGE_NIET_IN_BRP)
    assert mark_estimated(col, codes, {}).tolist() == col.tolist()
    meta = {"waarschuwingen": ["eerder"]}
    provenance.add_brp_estimates(meta, d)
    assert meta["brp_geschatte_buurten"] == ["BU00010003"]
    assert meta["waarschuwingen"] == ["eerder", d["brp_waarschuwing"]]
    before = {"waarschuwingen": []}
    provenance.add_brp_estimates(before, from_brp(brp_single_years(), None).attrs["diagnostiek"])
    assert before == {"waarschuwingen": []}  # nothing estimated: bronnen.json unchanged
