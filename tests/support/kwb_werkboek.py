"""KWB test tables: CBS's workbook layout (kwb-YYYY.xlsx) and demo CSVs, built in tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SHARED_KWB = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real" / "kwb_volledig"
)

#: The 121 column names of CBS's kwb-2023.xlsx / kwb-2024.xlsx, in workbook order.
WORKBOOK_HEADER = (
    "gwb_code_10 gwb_code_8 regio gm_naam recs gwb_code ind_wbi a_inw a_man a_vrouw a_00_14 "
    "a_15_24 a_25_44 a_45_64 a_65_oo a_ongeh a_gehuwd a_gesch a_verwed a_nl_all a_eur_al "
    "a_neu_al a_geb_nl a_geb_eu a_geb_ne a_gbl_eu a_gbl_ne a_geb p_geb a_ste p_ste a_hh a_1p_hh "
    "a_hh_z_k a_hh_m_k g_hhgro bev_dich a_woning g_wozbag p_1gezw p_mgezw p_bewndw p_leegsw "
    "p_koopw p_huurw p_wcorpw p_ov_hw p_e_o_w p_bjj2k p_bjo2k g_ele g_ele_ap g_ele_tw g_ele_hw "
    "g_ele_2w g_ele_vw g_ele_hu g_ele_ko g_gas g_gas_ap g_gas_tw g_gas_hw g_gas_2w g_gas_vw "
    "g_gas_hu g_gas_ko p_stadsv a_opl_lg a_opl_md a_opl_hg p_arb_pp p_arb_wn p_arb_zs a_inkont "
    "g_ink_po g_ink_pi p_ink_li p_ink_hi g_hh_sti p_hh_li p_hh_hi p_hh_lkk p_hh_osm p_hh_110 "
    "p_hh_120 m_hh_ver a_soz_wb a_soz_ao a_soz_ww a_soz_ow a_jz_tn p_jz_tn a_wmo_t p_wmo_t a_bedv "
    "a_bed_a a_bed_bf a_bed_gi a_bed_hj a_bed_kl a_bed_mn a_bed_oq a_bed_ru a_pau a_bst_b "
    "a_bst_nb g_pau_hh g_pau_km a_m2w g_afs_hp g_afs_gs g_afs_kv g_afs_sc g_3km_sc a_opp_ha "
    "a_lan_ha a_wat_ha pst_mvp pst_dekp ste_mvs ste_oad"
).split()


def workbook(rows: list[dict]) -> pd.DataFrame:
    """A table in the exact kwb-YYYY.xlsx layout; unset cells are '.' (secret) as in CBS's file."""
    df = pd.DataFrame([{c: r.get(c, ".") for c in WORKBOOK_HEADER} for r in rows], dtype=object)
    return df[WORKBOOK_HEADER]


def row(code, regio, recs, inw, bs, **extra):
    """One workbook row: code, name, kind, inhabitants and (ongeh, gehuwd, gesch, verwed)."""
    digits = code[2:]
    row = {"gwb_code_10": code, "gwb_code_8": digits, "regio": regio, "gm_naam": "Testdorp",
           "recs": recs, "gwb_code": code, "ind_wbi": 1, "a_inw": inw,
           "a_man": inw // 2, "a_vrouw": inw - inw // 2,
           "a_00_14": inw // 5, "a_15_24": inw // 10, "a_25_44": inw // 4,
           "a_45_64": inw // 4, "a_65_oo": inw - inw // 5 - inw // 10 - 2 * (inw // 4),
           "a_hh": inw // 2, "a_1p_hh": inw // 5, "g_hhgro": 2.1, "p_koopw": 60,
           "g_afs_hp": "0,9", "a_lan_ha": 100}  # fmt: skip
    if bs is not None:
        row.update(zip(("a_ongeh", "a_gehuwd", "a_gesch", "a_verwed"), bs, strict=True))
    row.update(extra)
    return row


def fixture_rows(bad_buurt: bool = False) -> list[dict]:
    return [
        row("NL00", "Nederland", "Land", 17_811_291, (8851656, 6709548, 1386843, 863244)),
        row("GM9990", "Testdorp", "Gemeente", 2000, (1000, 700, 200, 100)),
        row("WK999001", "Wijk 01", "Wijk", 2000, (1000, 700, 200, 100)),
        # Rounded to 5 by CBS: 505+350+100+40 = 995 vs 1000 is rounding, not an error.
        row("BU99900101", "Centrum", "Buurt", 1000, (505, 350, 100, 40)),
        row(
            "BU99900102",
            "Noord",
            "Buurt",
            990,
            (490, 350, 100, 50) if not bad_buurt else (100, 100, 100, 100),
        ),  # fmt: skip
        # A tiny buurt: CBS publishes the total only.
        row("BU99900103", "Hoeve", "Buurt", 10, None, a_man=".", a_vrouw="."),
    ]


def write_workbook(path: Path, df: pd.DataFrame) -> Path:
    if path.suffix == ".xlsx":
        df.to_excel(path, sheet_name="kwb-2023", index=False)
    else:
        df.to_csv(path, index=False)
    return path


def demo_csv(tmp_path: Path, df: pd.DataFrame, name: str = "kwb.csv") -> Path:
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def regiocodes(df: pd.DataFrame) -> pd.Series:
    return df["WijkenEnBuurten"].str.strip()
