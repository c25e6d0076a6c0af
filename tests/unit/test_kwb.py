from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import demo, kwb, schemas
from pipeline.errors import WijkscanError


def test_find_column_matches_prefix_not_suffix():
    cols = ["HuishoudensTotaal_28", "AantalInwoners_5", "AantalInwonersX_7"]
    assert kwb.find_column(cols, "HuishoudensTotaal") == "HuishoudensTotaal_28"
    assert kwb.find_column(cols, "AantalInwoners") == "AantalInwoners_5"
    assert kwb.find_column(cols, "Koopwoningen") is None


def test_suppressed_cells_are_missing_not_zero():
    s = pd.Series(["10", ".", "", "  .  ", "2,5", "-99997", "0"])
    out = kwb.to_number(s)
    assert out.iloc[0] == 10
    assert out.iloc[1:4].isna().all()
    assert out.iloc[4] == 2.5
    assert np.isnan(out.iloc[5])
    assert out.iloc[6] == 0


def test_demo_normalises_padded_keys_and_letter_codes(tmp_path):
    path = tmp_path / "kwb.csv"
    demo.kwb_table().to_csv(path, index=False)
    raw = kwb.read_kwb_csv(path)
    assert raw["WijkenEnBuurten"].str.endswith(" ").any()  # CBS padding is really there
    reg = kwb.normalize_kwb(raw, "GM9999", "demo")
    schemas.validate(reg, schemas.REGIOS, "demo")
    assert not reg["code"].str.contains(" ").any()
    assert "WK9999BG" in set(reg["code"])
    assert set(reg.loc[reg.code.str.startswith("BU9999BG"), "wijkcode"]) == {"WK9999BG"}
    small = reg.set_index("code").loc["BU9999BG02"]
    assert np.isnan(small["k_65plus"]) and small["inwoners"] == 35


def test_normalize_all_skips_nl_and_rows_without_gemeente(tmp_path, caplog):
    path = tmp_path / "kwb.csv"
    demo.kwb_table().to_csv(path, index=False)
    raw = kwb.read_kwb_csv(path)
    extra = raw.iloc[[0, 1]].copy()
    extra["WijkenEnBuurten"] = ["NL01      ", "WK123401  "]
    extra["SoortRegio_2"] = ["Land", "Wijk"]
    with caplog.at_level("WARNING"):
        reg = kwb.normalize_all(pd.concat([extra, raw], ignore_index=True), "kwb.csv")
    # NL01 is not a region of a gemeente; WK123401 has no GM1234 row: left out, with a warning.
    assert not reg["code"].isin(["NL01", "WK123401"]).any()
    assert "WK123401" in caplog.text
    pd.testing.assert_frame_equal(reg, kwb.normalize_kwb(raw, "GM9999", "kwb.csv"))


def test_unknown_gemeente_lists_existing_codes(tmp_path):
    path = tmp_path / "kwb.csv"
    demo.kwb_table().to_csv(path, index=False)
    with pytest.raises(WijkscanError, match="GM9998 komt niet voor") as exc:
        kwb.normalize_kwb(kwb.read_kwb_csv(path), "GM9998", str(path))
    assert "GM9999" in str(exc.value)


def test_missing_required_column_names_file_and_column(tmp_path):
    path = tmp_path / "kwb_renamed.csv"
    df = demo.kwb_table().rename(columns={"k_65JaarOfOuder_12": "k_65PlusJaar_12"})
    df.to_csv(path, index=False)
    with pytest.raises(WijkscanError) as exc:
        kwb.normalize_kwb(kwb.read_kwb_csv(path), "GM9999", path.name)
    msg = str(exc.value)
    assert "k_65JaarOfOuder" in msg and "kwb_renamed.csv" in msg


@pytest.mark.parametrize("content", ["", "not,a\nkwb,file\n", "\x00\x01garbage"])
def test_empty_or_corrupt_csv_gives_clear_error(tmp_path, content):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(WijkscanError):
        kwb.read_kwb_csv(path)


def test_semicolon_statline_export_is_read(tmp_path):
    path = tmp_path / "kwb_semicolon.csv"
    demo.kwb_table().to_csv(path, index=False, sep=";")
    reg = kwb.normalize_kwb(kwb.read_kwb_csv(path), "GM9999", path.name)
    assert (reg.niveau == "buurt").sum() == len(demo.BUURTEN)


def test_negative_count_fails_validation(tmp_path):
    df = demo.kwb_table()
    df.loc[df["WijkenEnBuurten"].str.strip() == "BU99990101", "AantalInwoners_5"] = "-5"
    path = tmp_path / "neg.csv"
    df.to_csv(path, index=False)
    reg = kwb.normalize_kwb(kwb.read_kwb_csv(path), "GM9999", path.name)
    with pytest.raises(WijkscanError, match="inwoners"):
        schemas.validate(reg, schemas.REGIOS, path.name)


@pytest.mark.parametrize("gemeente,n_buurten", [("GM0226", 14), ("GM0150", 69)])
def test_real_kwb_buurt_sums_match_gemeente(real_kwb_path, gemeente, n_buurten):
    raw = kwb.read_kwb_csv(real_kwb_path)
    reg = kwb.normalize_kwb(raw, gemeente, real_kwb_path.name)
    schemas.validate(reg, schemas.REGIOS, real_kwb_path.name)
    buurten = reg[reg.niveau == "buurt"]
    gm = reg[reg.niveau == "gemeente"].iloc[0]
    assert len(buurten) == n_buurten
    # KWB rounds buurt counts to 5: the sum may differ by at most 2.5 per buurt.
    assert abs(buurten["inwoners"].sum() - gm["inwoners"]) <= 2.5 * n_buurten
    assert abs(buurten["k_65plus"].sum() - gm["k_65plus"]) <= 2.5 * n_buurten
