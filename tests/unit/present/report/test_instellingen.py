"""The report settings: defaults and Dutch errors for wrong weights."""

from __future__ import annotations

import pytest

from pipeline.errors import WijkscanError
from pipeline.present.report import instellingen
from tests.unit.present.test_texts import registry


@pytest.fixture(scope="module")
def reg():
    return registry()


def test_report_config_is_validated(reg):
    cfg = instellingen.rapport_config(None, reg)
    assert cfg["weging"] == instellingen.DEFAULT_RAPPORT["weging"]
    assert cfg["min_inwoners"] == 50 and cfg["afronding"] == 5
    with pytest.raises(WijkscanError, match="Onbekende indicator"):
        instellingen.rapport_config({"weging": {"bestaat_niet": 1}}, reg)
    with pytest.raises(WijkscanError, match="geen richting"):
        instellingen.rapport_config({"weging": {"koopwoningen_pct": 1}}, reg)
    with pytest.raises(WijkscanError, match="Alle gewichten"):
        instellingen.rapport_config({"weging": {"aandeel_75plus": 0}}, reg)
    with pytest.raises(WijkscanError, match="0 of meer"):
        instellingen.rapport_config({"weging": {"aandeel_75plus": -1}}, reg)
