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
