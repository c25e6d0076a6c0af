"""Selecting and normalising KWB tables; burgerlijke staat from an adjacent year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import schemas
from pipeline.errors import WijkscanError
from pipeline.ingest import demo, kwb, kwb_controle, kwb_kolommen, kwb_lezen
from tests.support.kwb_werkboek import (
    SHARED_KWB,
    fixture_rows,
    regiocodes,
    workbook,
    write_workbook,
)


def test_demo_normalises_padded_keys_and_letter_codes(tmp_path):
    path = tmp_path / "kwb.csv"
    demo.kwb_table().to_csv(path, index=False)
    raw = kwb_lezen.read_kwb(path)
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
    raw = kwb_lezen.read_kwb(path)
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
        kwb.normalize_kwb(kwb_lezen.read_kwb(path), "GM9998", str(path))
    assert "GM9999" in str(exc.value)


def test_missing_required_column_names_file_and_column(tmp_path):
    path = tmp_path / "kwb_renamed.csv"
    df = demo.kwb_table().rename(columns={"k_65JaarOfOuder_12": "k_65PlusJaar_12"})
    df.to_csv(path, index=False)
    with pytest.raises(WijkscanError) as exc:
        kwb.normalize_kwb(kwb_lezen.read_kwb(path), "GM9999", path.name)
    msg = str(exc.value)
    assert "k_65JaarOfOuder" in msg and "kwb_renamed.csv" in msg


def test_negative_count_fails_validation(tmp_path):
    df = demo.kwb_table()
    df.loc[df["WijkenEnBuurten"].str.strip() == "BU99990101", "AantalInwoners_5"] = "-5"
    path = tmp_path / "neg.csv"
    df.to_csv(path, index=False)
    raw = kwb_lezen.read_kwb(path)
    # The buurt-sum check already refuses it (the wijk no longer adds up) ...
    with pytest.raises(WijkscanError, match="inwoners"):
        kwb.normalize_kwb(raw, "GM9999", path.name)
    # ... and without that check the schema still does.
    reg = kwb.normalize_all(raw, path.name, controleer=False)
    with pytest.raises(WijkscanError, match="inwoners"):
        schemas.validate(reg, schemas.REGIOS, path.name)


@pytest.mark.parametrize("gemeente,n_buurten", [("GM0226", 14), ("GM0150", 69)])
def test_real_kwb_buurt_sums_match_gemeente(real_kwb_path, gemeente, n_buurten):
    raw = kwb_lezen.read_kwb(real_kwb_path)
    reg = kwb.normalize_kwb(raw, gemeente, real_kwb_path.name)
    schemas.validate(reg, schemas.REGIOS, real_kwb_path.name)
    buurten = reg[reg.niveau == "buurt"]
    gm = reg[reg.niveau == "gemeente"].iloc[0]
    assert len(buurten) == n_buurten
    # KWB rounds buurt counts to 5: the sum may differ by at most 2.5 per buurt.
    assert abs(buurten["inwoners"].sum() - gm["inwoners"]) <= 2.5 * n_buurten
    assert abs(buurten["k_65plus"].sum() - gm["k_65plus"]) <= 2.5 * n_buurten


def test_file_without_marital_columns_has_none(tmp_path):
    df = workbook(fixture_rows()).drop(columns=["a_ongeh", "a_gehuwd", "a_gesch", "a_verwed"])
    reg = kwb.normalize_kwb(
        kwb_lezen.read_kwb(write_workbook(tmp_path / "k.csv", df)), "GM9990", "k"
    )
    assert not set(kwb_kolommen.MARITAL_COLUMNS) & set(reg.columns)


def _regios(codes_inw: dict[str, float], gm: str = "GM9990") -> pd.DataFrame:
    rows = [{"code": gm, "niveau": "gemeente", "gemeentecode": gm, "inwoners": 0.0}]
    for code, inw in codes_inw.items():
        rows.append(
            {"code": code, "niveau": "buurt", "gemeentecode": "GM" + code[2:6], "inwoners": inw,
             "ongehuwd": inw / 2, "gehuwd": inw / 4, "gescheiden": inw / 8, "verweduwd": inw / 8}
        )  # fmt: skip
    return pd.DataFrame(rows)


def test_merge_aanvulling_links_only_surviving_codes_unscaled():
    now = _regios({"BU99900101": 1000.0, "BU99900102": 500.0, "BU99900199": 80.0})
    before = _regios({"BU99900101": 960.0, "BU99900102": 360.0, "BU99900150": 300.0})
    out, info = kwb.merge_aanvulling(now, before, 2023)
    out = out.set_index("code")
    assert out.loc["BU99900101", "aanv_ongehuwd"] == 480  # 960 / 2, not scaled to 1000
    assert out.loc["BU99900102", "aanv_inwoners"] == 360
    assert out.loc["BU99900101", "aanvulling_jaar"] == "2023"
    assert pd.isna(out.loc["BU99900199", "aanvulling_jaar"])  # new buurt: no aux row
    assert np.isnan(out.loc["BU99900199", "aanv_gehuwd"])
    assert pd.isna(out.loc["GM9990", "aanvulling_jaar"])  # buurt rows only
    assert set(kwb.AANVULLING_COLUMNS) <= set(out.columns)
    assert (info.buurten, info.gekoppeld) == (3, 2)
    # 500 of 1500 inhabitants live in a buurt that changed > 25 %: no warning.
    assert info.aandeel_veranderd == pytest.approx(500 / 1500) and info.waarschuwing is None


def test_merge_aanvulling_needs_the_gemeente_in_the_aux_year_and_warns_on_big_change():
    now = _regios({"BU99900101": 1000.0, "BU99900102": 500.0})
    # Same buurt codes but no GM9990 row in the aux year: codes reused after a merger.
    gone = _regios({"BU99900101": 1000.0, "BU99900102": 500.0})
    gone = gone[gone["niveau"] == "buurt"]
    out, info = kwb.merge_aanvulling(now, gone, 2023)
    assert info.gekoppeld == 0 and out["aanvulling_jaar"].isna().all()
    out, info = kwb.merge_aanvulling(now, pd.DataFrame(), 2023)
    assert info.gekoppeld == 0 and out["aanv_ongehuwd"].isna().all()
    changed = _regios({"BU99900101": 600.0, "BU99900102": 480.0})
    out, info = kwb.merge_aanvulling(now, changed, 2023)
    assert info.gekoppeld == 2 and info.waarschuwing is not None
    assert "herindeling" in info.waarschuwing and "2023" in info.waarschuwing


@pytest.mark.parametrize(
    "jaar,inwoners_gm,som_buurten", [(2023, 367_947, 367_715), (2024, 374_238, 374_200)]
)
def test_real_utrecht_workbooks(jaar, inwoners_gm, som_buurten):
    path = SHARED_KWB / f"kwb_{jaar}_GM0344_Utrecht_alle_kolommen.xlsx"
    if not path.is_file():
        pytest.skip(f"real KWB workbook not found at {path} (../shared absent)")
    reg = kwb.normalize_kwb(kwb_lezen.read_kwb(path), "GM0344", path.name)
    schemas.validate(reg, schemas.REGIOS, path.name)
    buurten = reg[reg.niveau == "buurt"]
    gm = reg[reg.niveau == "gemeente"].iloc[0]
    assert len(buurten) == 111 and (reg.niveau == "wijk").sum() == 10
    assert gm["inwoners"] == inwoners_gm and buurten["inwoners"].sum() == som_buurten
    for col in (
        *kwb_kolommen.MARITAL_COLUMNS,
        "k_15_24",
        "k_25_44",
        "k_45_64",
        "mannen",
        "vrouwen",
    ):
        assert buurten[col].notna().mean() > 0.9, col
    assert gm[list(kwb_kolommen.MARITAL_COLUMNS)].sum() == inwoners_gm  # gemeente rows are exact
    assert buurten.loc[buurten.code == "BU03440111", "naam"].item() == "Welgelegen, Den Hommel"


def test_real_utrecht_2023_as_aanvulling_of_2024():
    paths = [SHARED_KWB / f"kwb_{j}_GM0344_Utrecht_alle_kolommen.xlsx" for j in (2023, 2024)]
    if not all(p.is_file() for p in paths):
        pytest.skip("real Utrecht KWB workbooks not found (../shared absent)")
    aux, now = (kwb.normalize_kwb(kwb_lezen.read_kwb(p), "GM0344", p.name) for p in paths)
    out, info = kwb.merge_aanvulling(now, aux, 2023)
    assert info.buurten == 111 and info.gekoppeld >= 100 and info.waarschuwing is None
    linked = out[out["aanvulling_jaar"] == "2023"]
    assert linked["aanv_ongehuwd"].notna().mean() > 0.9


def test_real_national_2023_csv_and_xlsx():
    csv_path = SHARED_KWB / "kwb_2023_NL_43kol_burgstaat_huishoudens.csv"
    xlsx_path = csv_path.with_suffix(".xlsx")
    if not (csv_path.is_file() and xlsx_path.is_file()):
        pytest.skip(f"national KWB 2023 files not found in {SHARED_KWB} (../shared absent)")
    raw_csv, raw_xlsx = kwb_lezen.read_kwb(csv_path), kwb_lezen.read_kwb(xlsx_path)
    pd.testing.assert_frame_equal(raw_csv, raw_xlsx)
    # No age bands in this file: a required column is missing for a main KWB source ...
    with pytest.raises(WijkscanError, match="k_0Tot15Jaar"):
        kwb.normalize_kwb(raw_csv, "GM0226", csv_path.name)
    # ... but it serves as an auxiliary year for burgerlijke staat.
    reg = kwb.normalize_all(raw_csv, csv_path.name, required=False)
    assert (reg.niveau == "gemeente").sum() == 342 and (reg.niveau == "buurt").sum() == 14_421
    duiven = reg.set_index("code").loc["GM0226"]
    assert duiven["inwoners"] == 24_937
    nl = raw_csv.loc[raw_csv["WijkenEnBuurten"] == "NL01", "AantalInwoners_5"].item()
    assert float(nl) == 17_811_291
    # Every real row adds up within the CBS rounding: the check blanks nothing.
    assert kwb_controle.check_burgerlijke_staat(reg)[1] == []
    assert reg[list(kwb_kolommen.MARITAL_COLUMNS)].notna().all().all()


def _aux_config(**aux):
    from pipeline.workflow import config as wcfg

    cfg = {"gemeenten": ["GM0226"], "jaar": 2024, "bronnen": {"kwb_aanvulling": aux}}
    wcfg.check(cfg)  # schema + extra checks, before defaults (as the Snakefile does)
    return cfg


@pytest.mark.parametrize(
    "aux,match",
    [
        ({"type": "cbs"}, "ontbreekt het jaar"),
        ({"type": "cbs", "jaar": 2024}, "hetzelfde als het peiljaar"),
        ({"type": "lokaal", "jaar": 2023}, "geen bestand"),
        ({"type": "cbs", "jaar": 2023, "schaal": 2}, "Onbekende configuratiesleutel"),
        ({"type": "demo", "jaar": 2023}, "bronnen.kwb_aanvulling.type"),
    ],
)
def test_kwb_aanvulling_config_errors(aux, match):
    with pytest.raises(WijkscanError, match=match):
        _aux_config(**aux)


def test_kwb_aanvulling_paths_and_defaults(tmp_path):
    from snakemake.utils import validate

    from pipeline.workflow import config as wcfg

    cfg = {"gemeenten": ["GM0226"], "jaar": 2024}
    wcfg.check(cfg)
    validate(cfg, str(wcfg.SCHEMA_PATH))
    assert cfg["bronnen"]["kwb_aanvulling"]["type"] == "geen"  # the schema's default
    assert wcfg.aanvulling_raw_path(cfg, "GM0226") is None
    assert wcfg.aanvulling_herkomst(cfg) == ""
    cfg = _aux_config(type="cbs", jaar=2023)
    validate(cfg, str(wcfg.SCHEMA_PATH))
    path = wcfg.aanvulling_raw_path(cfg, "GM0226")
    assert path == "data/raw/cbs/kwb_aanvulling_85618NED_2023_GM0226.csv"
    assert wcfg.aanvulling_herkomst(cfg) == "CBS-tabel 85618NED"
    cfg = _aux_config(type="lokaal", jaar=2023, pad="bestaat_niet.xlsx")
    validate(cfg, str(wcfg.SCHEMA_PATH))
    with pytest.raises(WijkscanError, match="bronnen.kwb_aanvulling.pad"):
        wcfg.check_local_files(cfg, base=tmp_path)


def test_a_file_with_one_gemeente_is_not_nederland():
    from pipeline.model import reference

    df = demo.kwb_table()
    q = reference.national_quantities(df, 2024, "kwb.csv")
    assert np.isnan(q.loc[0, "inwoners"]) and np.isnan(q.loc[0, "aantal_65plus"])
    assert "geen landelijke rij" in q.loc[0, "reden"] and "1 gemeente" in q.loc[0, "reden"]
    # CBS's own national row (NL00 in the workbook) is the country.
    nl = df.iloc[:1].copy()
    nl["WijkenEnBuurten"] = "NL00"
    q = reference.national_quantities(pd.concat([nl, df]), 2024, "kwb.csv")
    assert q.loc[0, "inwoners"] == float(df["AantalInwoners_5"].iloc[0])
    assert q.loc[0, "reden"] == ""


def test_select_gemeente_checks_the_rows_while_the_users_file_is_known():
    # fetch_kwb selects from the user's file; prepare_regions reads a cached copy. The
    # check runs at selection so the message names the file the user has to fix.
    df = demo.kwb_table()
    lost = df[regiocodes(df) != "BU99990102"]
    with pytest.raises(WijkscanError) as exc:
        kwb.select_gemeente(lost, "GM9999", "/home/gebruiker/kwb-2024.csv")
    assert exc.value.waar == "/home/gebruiker/kwb-2024.csv"
