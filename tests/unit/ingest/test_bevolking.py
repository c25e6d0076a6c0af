"""Tests for pipeline.ingest.bevolking: the age partition and the checks of the tidy table."""

from __future__ import annotations

import pytest

from pipeline.errors import WijkscanError
from pipeline.ingest.bevolking import kies_indeling, validate_bevolking
from pipeline.ingest.statline import Leeftijdsklasse
from tests.support.bevolking import banded


def test_kies_indeling_prefers_finest_available() -> None:
    k = [Leeftijdsklasse(0, 0), Leeftijdsklasse(1, None), Leeftijdsklasse(1, 1),
         Leeftijdsklasse(2, None)]  # fmt: skip
    assert kies_indeling(k, [False] * 4) == [0, 2, 3]
    # The single year 1 is missing: the coarser open class with data wins.
    assert kies_indeling(k, [False, False, True, False]) == [0, 1]
    assert kies_indeling([Leeftijdsklasse(1, None)], [False]) is None


def test_validate_bevolking_errors() -> None:
    good = banded()
    with pytest.raises(WijkscanError, match="geslacht"):
        validate_bevolking(good.assign(geslacht="x"), "t")
    with pytest.raises(WijkscanError, match="ontbreken"):
        validate_bevolking(good.drop(columns=["aantal"]), "t")
    with pytest.raises(WijkscanError, match="beginnen bij 5"):
        validate_bevolking(good[good["leeftijd_van"] > 0], "t")
