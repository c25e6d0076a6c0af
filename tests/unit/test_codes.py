from __future__ import annotations

import re

import pytest

from pipeline import codes


@pytest.mark.parametrize(
    ("code", "niveau"),
    [("GM0226", "gemeente"), ("WK022601", "wijk"), ("WK0363MA", "wijk"), ("BU02260101", "buurt")],
)
def test_region_codes_of_every_level_match(code, niveau):
    assert codes.CODE_RE.match(code)
    pattern = {"gemeente": codes.GEMEENTE, "wijk": codes.WIJK, "buurt": codes.BUURT}[niveau]
    assert re.fullmatch(pattern, code)


@pytest.mark.parametrize("code", ["GM226", "gm0226", "GM02260", "NL01", "WK0226", "BU022601"])
def test_malformed_codes_do_not_match(code):
    assert not codes.CODE_RE.match(code)


def test_gemeentecode():
    assert codes.is_gemeentecode("GM0226")
    assert not codes.is_gemeentecode("Duiven") and not codes.is_gemeentecode(" GM0226")
    assert codes.GEMEENTE_RE.match("GM0226") and not codes.GEMEENTE_RE.match("WK022601")


def test_status_vocabulary_is_the_published_one():
    assert codes.STATUSSEN == ("", "te weinig inwoners", "geen gegevens")


def test_every_cell_reason_has_its_own_kind_and_explanation():
    """A review: "minder dan 3 (geschat)", a rounded count, was explained as a ratio over
    too few people. Each reason the model writes is recognised and explained apart."""
    from pipeline.present import texts

    redenen = {
        codes.REDEN_GEHEIM: "geheim",
        codes.REDEN_OP_GEHEIM: "op_geheim",
        codes.REDEN_NIET_GEPUBLICEERD: "niet_gepubliceerd",
        codes.reden_weinig_ouderen(10, 85): "weinig_ouderen",
        codes.reden_weinig_ouderen(5, 90): "weinig_ouderen",
        codes.reden_afgerond_nul(5): "afgerond",
        codes.reden_afgerond_nul(10): "afgerond",
    }
    for reden, soort in redenen.items():
        assert codes.soort_reden(reden) == soort, reden
    assert codes.soort_reden("iets anders") == ""
    uitleg = {texts.uitleg_reden(r) for r in redenen}
    assert len(uitleg) == 5  # one per kind
    # A share or distance CBS left empty is not called a secret count (CBS's '.' also
    # means unknown or unreliable), nor said to have an estimate.
    assert "aantal" not in texts.uitleg_reden(codes.REDEN_NIET_GEPUBLICEERD)
    assert "verhouding" not in texts.uitleg_reden(codes.reden_afgerond_nul(5))
