"""The shared user-facing error helpers (pipeline/errors.py)."""

import pytest

from pipeline.errors import WijkscanError, require_gemeenten


def test_require_gemeenten_names_the_missing_ones_where_and_how():
    with pytest.raises(WijkscanError) as exc:
        require_gemeenten(
            ["GM0226", "GM0150", "GM0202"],
            ["GM0150", "GM9999"],
            "{n} gemeente(n) ontbreken in x.csv: {codes}",
            "bronnen.prognose.pad",
            "Gebruik een bestand met alle gemeenten.",
        )
    err = exc.value
    # Sorted, counted, and only the selected ones that are absent (an extra code is no gap).
    assert err.wat == "2 gemeente(n) ontbreken in x.csv: GM0202, GM0226"
    assert err.waar == "bronnen.prognose.pad"
    assert err.oplossing == "Gebruik een bestand met alle gemeenten."


def test_require_gemeenten_shortens_a_long_list():
    codes = [f"GM{i:04d}" for i in range(1, 13)]
    with pytest.raises(WijkscanError, match=r"^12 missen: GM0001, .*GM0010 \.\.\.") as exc:
        require_gemeenten(codes, [], "{n} missen: {codes}", "w", "o")
    assert "GM0011" not in exc.value.wat


def test_require_gemeenten_keeps_braces_of_a_file_name():
    with pytest.raises(WijkscanError) as exc:
        require_gemeenten(["GM0226"], [], "{n} niet in kwb{2024}.csv: {codes}", "w", "o")
    assert exc.value.wat == "1 niet in kwb{2024}.csv: GM0226"


def test_require_gemeenten_is_silent_when_every_gemeente_is_there():
    require_gemeenten(["GM0226"], ["GM0226", "GM0150"], "{n} {codes}", "w", "o")
