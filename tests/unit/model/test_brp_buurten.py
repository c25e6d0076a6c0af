"""Tests for pipeline.model.brp_buurten: a BRP extract per buurt, and its coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.model import ages
from pipeline.model.brp_buurten import check_brp_coverage, from_brp, missing_buurten
from tests.support.bevolking import brp_single_years

J = len(ages.standard_bands())


def cell(out: pd.DataFrame, code: str, sex: str, klasse: str) -> float:
    sel = out[(out.code == code) & (out.geslacht == sex) & (out.klasse == klasse)]
    assert len(sel) == 1
    return float(sel["aantal"].iloc[0])


def test_from_brp_aggregates_to_standard_bands():
    out = from_brp(brp_single_years(), None)
    assert len(out) == 2 * 2 * J
    assert not out["geschat"].any()
    assert cell(out, "BU00010001", "man", "0-4") == 5.0
    assert cell(out, "BU00010002", "vrouw", "90+") == 2.0 * 11  # 90..99 and 100+
    assert list(out.columns) == [
        "code", "geslacht", "leeftijd_van", "leeftijd_tot", "klasse", "aantal", "geschat"
    ]  # fmt: skip


def test_from_brp_aligns_to_kwb_buurten():
    # BU00010003 has no inhabitants in the KWB: the BRP needs no rows for it.
    kwb = pd.DataFrame(
        {"code": ["BU00010001", "BU00010003"], "inwoners": [202.0, 0.0], "k_65plus": [1, 0]}
    )
    out = from_brp(brp_single_years(), kwb)
    assert set(out["code"]) == {"BU00010001", "BU00010003"}
    assert out.loc[out.code == "BU00010003", "aantal"].isna().all()  # missing, not zero
    d = out.attrs["diagnostiek"]
    assert d["niet_in_kwb"] == ("BU00010002",)
    assert d["niet_in_brp"] == ("BU00010003",)


@pytest.mark.parametrize("inwoners", [50.0, np.nan])
def test_from_brp_refuses_kwb_buurten_with_inhabitants_it_does_not_cover(inwoners):
    # Issue 14: an extract of 3 of Duiven's 14 buurten gave "65+ 5.460" next to "75+ ≈ 235".
    # A secret (NaN) KWB count is not known to be zero, so it also needs BRP rows.
    kwb = pd.DataFrame(
        {
            "code": ["BU00010001", "BU00010002", "BU00010003"],
            "gemeentecode": "GM0001",
            "inwoners": [202.0, 404.0, inwoners],
            "k_65plus": [1, 1, 1],
        }
    )
    with pytest.raises(WijkscanError) as exc:
        from_brp(brp_single_years(), kwb)
    e = exc.value
    assert "dekt 2 van de 3 KWB-buurten van GM0001" in e.wat and "BU00010003" in e.wat
    assert "bronnen.bevolking" in e.waar and "03759ned" in e.oplossing
    # The opt-in to estimate the missing buurten instead is named.
    assert "bronnen.bevolking.ontbrekende_buurten" in e.oplossing and "'schatten'" in e.oplossing
    with pytest.raises(WijkscanError):
        check_brp_coverage(["BU00010001", "BU00010002"], kwb)


def test_missing_buurten_skips_empty_ones_but_not_secret_ones():
    kwb = pd.DataFrame(
        {"code": ["BU00010001", "BU00010002", "BU00010003"], "inwoners": [5.0, 0.0, np.nan]}
    )
    assert missing_buurten(["BU00010001"], kwb) == ["BU00010003"]
    assert missing_buurten(["BU00010001", "BU00010003"], kwb) == []
    check_brp_coverage(["BU00010001", "BU00010003"], kwb)  # no error


def test_from_brp_allow_missing_leaves_nan_rows():
    kwb = pd.DataFrame(
        {"code": ["BU00010001", "BU00010002", "BU00010003"], "inwoners": [202.0, 404.0, 50.0]}
    )
    out = from_brp(brp_single_years(), kwb, allow_missing=True)
    assert out.loc[out.code == "BU00010003", "aantal"].isna().all()
    assert out.loc[out.code == "BU00010002", "aantal"].sum() == 404.0
    assert out.attrs["diagnostiek"]["niet_in_brp"] == ("BU00010003",)


def test_from_brp_rejects_classes_that_do_not_nest():
    brp = pd.DataFrame(
        {
            "buurtcode": "BU00010001",
            "geslacht": "totaal",
            "leeftijd_van": [0, 15, 65],
            "leeftijd_tot": pd.array([14, 64, None], dtype="Int64"),
            "aantal": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(WijkscanError, match="passen niet"):
        from_brp(brp, None)
