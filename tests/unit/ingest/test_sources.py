"""Tests for the non-KWB parsers (pipeline.sources) and their real-layout fixtures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.ingest import cbs_tables as ct
from pipeline.ingest.brp import read_brp
from pipeline.ingest.cbs_tables import (
    Leeftijdsklasse,
    kies_indeling,
    lees_cbs_csv,
    parse_03759ned,
    parse_85171ned,
    parse_gezondheidsmonitor,
    parse_leeftijd,
    raw_03759ned,
    raw_85171ned,
    raw_gezondheidsmonitor,
    to_float,
    validate_bevolking,
)
from pipeline.ingest.prevalentie import read_prevalentie, validate_prevalentie
from pipeline.ingest.primos import read_primos
from pipeline.schemas import BEVOLKING, validate

FIX = Path(__file__).resolve().parents[2] / "fixtures"
CONFIG = Path(__file__).resolve().parents[3] / "config"


# ------------------------------------------------------------------ helpers


def tidy(
    gm: str = "GM0226",
    jaar: int = 2024,
    top: int = 105,
    seed: int = 0,
    sexes: tuple[str, ...] = ("man", "vrouw", "totaal"),
) -> pd.DataFrame:
    """Single years 0..top-1 plus an open class top+, integer counts."""
    rng = np.random.default_rng(seed)
    per = {s: rng.integers(0, 300, size=top + 1).astype(float) for s in ("man", "vrouw")}
    per["totaal"] = per["man"] + per["vrouw"]
    recs = [
        {
            "gemeentecode": gm,
            "jaar": jaar,
            "geslacht": s,
            "leeftijd_van": a,
            "leeftijd_tot": None if a == top else a,
            "aantal": per[s][a],
        }
        for s in sexes
        for a in range(top + 1)
    ]
    return validate_bevolking(ct._tidy_frame(recs), "test")


def banded(gm: str = "GM0226", jaar: int = 2030) -> pd.DataFrame:
    recs = []
    for s, f in (("man", 1.0), ("vrouw", 1.1)):
        for a in range(0, 90, 5):
            recs.append(
                {"gemeentecode": gm, "jaar": jaar, "geslacht": s, "leeftijd_van": a,
                 "leeftijd_tot": a + 4, "aantal": round(100 * f + a, 1)}
            )  # fmt: skip
        recs.append(
            {"gemeentecode": gm, "jaar": jaar, "geslacht": s, "leeftijd_van": 90,
             "leeftijd_tot": None, "aantal": 12.5 * f}
        )  # fmt: skip
    return validate_bevolking(ct._tidy_frame(recs), "test")


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ shared helpers


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("0 jaar", Leeftijdsklasse(0, 0)),
        ("45 tot 50 jaar", Leeftijdsklasse(45, 49)),
        ("100 jaar of ouder", Leeftijdsklasse(100, None)),
        ("95 jaar of ouder", Leeftijdsklasse(95, None)),
        ("Jonger dan 5 jaar", Leeftijdsklasse(0, 4)),
        ("85-89", Leeftijdsklasse(85, 89)),
        ("85 t/m 89", Leeftijdsklasse(85, 89)),
        ("90+", Leeftijdsklasse(90, None)),
        ("90 en ouder", Leeftijdsklasse(90, None)),
        (7, Leeftijdsklasse(7, 7)),
        ("Totaal", None),
        ("Totaal leeftijd", None),
    ],
)
def test_parse_leeftijd(label: object, expected: Leeftijdsklasse | None) -> None:
    assert parse_leeftijd(label) == expected


@pytest.mark.parametrize("label", ["oud", "89-85", "", "-3"])
def test_parse_leeftijd_rejects(label: str) -> None:
    with pytest.raises(ValueError):
        parse_leeftijd(label)


def test_to_float_missing_is_nan_not_zero() -> None:
    values, bad = to_float(pd.Series(["  862965", ".", "", None, "x", "0", "1.234,5", "12,5"]))
    assert values.iloc[0] == 862965
    assert values.iloc[1:5].isna().all()
    assert values.iloc[5] == 0
    assert bad.iloc[6] and bad.iloc[7]  # comma not allowed without decimal_comma
    dutch, bad = to_float(pd.Series(["1.234,5", "12,5", "7"]), decimal_comma=True)
    assert dutch.tolist() == [1234.5, 12.5, 7.0] and not bad.any()


def test_kies_indeling_prefers_finest_available() -> None:
    k = [Leeftijdsklasse(0, 0), Leeftijdsklasse(1, None), Leeftijdsklasse(1, 1),
         Leeftijdsklasse(2, None)]  # fmt: skip
    assert kies_indeling(k, [False] * 4) == [0, 2, 3]
    # The single year 1 is missing: the coarser open class with data wins.
    assert kies_indeling(k, [False, False, True, False]) == [0, 1]
    assert kies_indeling([Leeftijdsklasse(1, None)], [False]) is None


# ------------------------------------------------------------------ 03759ned


def test_03759ned_roundtrip_with_dimension() -> None:
    src = tidy()
    rows, dim = raw_03759ned(src)
    assert list(rows.columns) == [
        "ID", "Geslacht", "Leeftijd", "BurgerlijkeStaat", "RegioS", "Perioden",
        "BevolkingOp1Januari_1", "GemiddeldeBevolking_2",
    ]  # fmt: skip
    assert set(rows["Geslacht"]) == {"T001038", "3000   ", "4000   "}  # padded to 7
    assert {"10000", "22000", "22300"} <= set(rows["Leeftijd"])  # total and overlapping 95+
    pd.testing.assert_frame_equal(parse_03759ned(rows, dim, 2024, ["GM0226"]), src)


def test_03759ned_roundtrip_builtin_keys_and_padded_regions() -> None:
    src = tidy(gm="GM0293", seed=3)
    rows, _ = raw_03759ned(src)
    rows["RegioS"] = rows["RegioS"].str.ljust(10)  # e.g. 'GM0293    '
    out = parse_03759ned(rows, None, 2024, ["GM0293"])
    pd.testing.assert_frame_equal(out, src)
    assert out["gemeentecode"].eq("GM0293").all()


def test_03759ned_older_period_95plus_top_class() -> None:
    # Older periods: single years stop at 94, 95+ is the top class, 95..104/105+ are '.'.
    src = tidy(top=95, seed=5)
    rows, dim = raw_03759ned(src)
    assert (rows.loc[rows["Leeftijd"] == "22300", "BevolkingOp1Januari_1"].str.strip() == ".").all()
    pd.testing.assert_frame_equal(parse_03759ned(rows, dim, 2024, ["GM0226"]), src)


def test_03759ned_suppressed_cell_stays_nan() -> None:
    rows, dim = raw_03759ned(tidy())
    # Suppress the single year 97 of men: the partition falls back to 95+ for men only.
    mask = (rows["Geslacht"].str.strip() == "3000") & (rows["Leeftijd"] == "19700")
    rows.loc[mask, "BevolkingOp1Januari_1"] = "       ."
    out = parse_03759ned(rows, dim, 2024, ["GM0226"])
    man = out[out["geslacht"] == "man"]
    assert man["leeftijd_tot"].isna().sum() == 1
    assert man.iloc[-1]["leeftijd_van"] == 95
    # A suppressed class that cannot be avoided is NaN, not 0.
    rows.loc[(rows["Leeftijd"] == "15000"), "BevolkingOp1Januari_1"] = "."
    out = parse_03759ned(rows, dim, 2024, ["GM0226"])
    assert out.loc[out["leeftijd_van"] == 50, "aantal"].isna().all()


def test_03759ned_fixture_file_real_layout() -> None:
    data = lees_cbs_csv(FIX / "cbs_03759ned_GM0226_2024.csv")
    dim = lees_cbs_csv(FIX / "cbs_03759ned_leeftijd.csv")
    out = parse_03759ned(data, dim, 2024, ["GM0226"])
    validate(out, BEVOLKING, "fixture")
    assert len(out) == 3 * 106
    totals = data[data["Leeftijd"] == "10000"]
    totals = totals.set_index(totals["Geslacht"].str.strip())
    for key, sex in ct.GESLACHT_KEYS.items():
        assert out.loc[out["geslacht"] == sex, "aantal"].sum() == float(
            totals.loc[key, "BevolkingOp1Januari_1"]
        )


def test_03759ned_drops_other_marital_status() -> None:
    rows, dim = raw_03759ned(tidy())
    extra = rows.copy()
    extra["BurgerlijkeStaat"] = "1010"
    both = pd.concat([rows, extra], ignore_index=True)
    pd.testing.assert_frame_equal(parse_03759ned(both, dim, 2024, ["GM0226"]), tidy())


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda r, d: (r.drop(columns=["BevolkingOp1Januari_1"]), d), "BevolkingOp1Januari_1"),
        (lambda r, d: (r.drop(columns=["Leeftijd"]), d), "Leeftijd"),
        (lambda r, d: (r.assign(Leeftijd=r["Leeftijd"].replace("10500", "99999")), d), "99999"),
        (lambda r, d: (r.assign(Geslacht=r["Geslacht"].replace("3000   ", "3001")), d), "Geslacht"),
        (lambda r, d: (r.assign(BevolkingOp1Januari_1="-5"), d), "Negatieve"),
        (lambda r, d: (r.assign(BevolkingOp1Januari_1="abc"), d), "Geen getal"),
        (lambda r, d: (r[r["Leeftijd"] != "15000"], d), "sluiten niet aan"),
        (lambda r, d: (r, d.drop(columns=["Title"])), "Leeftijd-dimensie"),
        (lambda r, d: (r, d.assign(Title="onzin")), "Title"),
    ],
)
def test_03759ned_errors(mutate, fragment: str) -> None:  # type: ignore[no-untyped-def]
    rows, dim = raw_03759ned(tidy())
    rows, dim = mutate(rows.copy(), dim.copy())
    with pytest.raises(WijkscanError) as exc:
        parse_03759ned(rows, dim, 2024, ["GM0226"], bron="bestand.csv")
    assert fragment in str(exc.value)
    assert "bestand.csv" in str(exc.value)


def test_03759ned_year_and_gemeente_absent() -> None:
    rows, dim = raw_03759ned(tidy())
    with pytest.raises(WijkscanError, match="(?s)Jaar 2023 ontbreekt.*Perioden"):
        parse_03759ned(rows, dim, 2023, ["GM0226"])
    with pytest.raises(WijkscanError, match="(?s)GM0299.*ontbreken.*RegioS"):
        parse_03759ned(rows, dim, 2024, ["GM0226", "GM0299"])
    with pytest.raises(WijkscanError, match="Ongeldige gemeentecode"):
        parse_03759ned(rows, dim, 2024, ["Duiven"])


def test_03759ned_total_mismatch_is_reported() -> None:
    rows, dim = raw_03759ned(tidy())
    rows.loc[rows["Leeftijd"] == "10000", "BevolkingOp1Januari_1"] = "1"
    with pytest.raises(WijkscanError, match="tellen op tot"):
        parse_03759ned(rows, dim, 2024, ["GM0226"])


def test_raw_03759ned_adds_sex_total() -> None:
    full = tidy(seed=9)
    rows, dim = raw_03759ned(full[full["geslacht"] != "totaal"])
    assert "T001038" in set(rows["Geslacht"])
    pd.testing.assert_frame_equal(parse_03759ned(rows, dim, 2024, ["GM0226"]), full)


def test_raw_03759ned_rejects_bands() -> None:
    with pytest.raises(ValueError):
        raw_03759ned(banded())


# ------------------------------------------------------------------ 85171NED


def test_85171ned_roundtrip_totals_in_thousands() -> None:
    recs = [
        {"gemeentecode": gm, "jaar": j, "geslacht": "totaal", "leeftijd_van": 0,
         "leeftijd_tot": None, "aantal": n}
        for gm, base in (("GM0226", 25000.0), ("GM0293", 15200.0))
        for j, n in ((2030, base + 400), (2040, base + 1000))
    ]  # fmt: skip
    src = validate_bevolking(ct._tidy_frame(recs), "t")
    rows, _ = raw_85171ned(src)
    assert rows.loc[0, "TotaleBevolking_1"] == "25.4"  # published in thousands
    assert "RegioIndeling2021" in rows.columns
    out = parse_85171ned(rows, gemeenten=["GM0226", "GM0293"])
    pd.testing.assert_frame_equal(out, src)
    only = parse_85171ned(rows, gemeenten=["GM0226"], jaren=[2040])
    assert only["aantal"].tolist() == [26000.0]


def test_85171ned_roundtrip_single_years_with_dimension() -> None:
    src = tidy(jaar=2030, seed=8)
    src["aantal"] = src["aantal"] * 100  # multiples of 100 survive the 0.1-thousand rounding
    rows, dim = raw_85171ned(src)
    pd.testing.assert_frame_equal(parse_85171ned(rows, dim, gemeenten=["GM0226"]), src)


def test_85171ned_interval_variant() -> None:
    rows, _ = raw_85171ned(tidy(jaar=2030, sexes=("totaal",)).assign(aantal=1000.0))
    lo = rows.assign(PrognoseInterval="MOG0067", TotaleBevolking_1="0.5")
    both = pd.concat([rows.assign(PrognoseInterval="MW00000"), lo], ignore_index=True)
    assert parse_85171ned(both, gemeenten=["GM0226"])["aantal"].eq(1000.0).all()
    assert parse_85171ned(both, gemeenten=["GM0226"], variant="MOG0067")["aantal"].eq(500.0).all()
    with pytest.raises(WijkscanError, match="PrognoseInterval"):
        parse_85171ned(both, gemeenten=["GM0226"], variant="XX")


def test_85171ned_fixture_and_errors() -> None:
    data = lees_cbs_csv(FIX / "cbs_85171ned_GM0226_GM0293.csv")
    out = parse_85171ned(data, gemeenten=["GM0293"], jaren=[2030], bron="fixture.csv")
    assert out["aantal"].tolist() == [15600.0]
    with pytest.raises(WijkscanError, match="(?s)2051.*Perioden"):
        parse_85171ned(data, gemeenten=["GM0226"], jaren=[2051])
    with pytest.raises(WijkscanError, match="(?s)GM0299.*RegioIndeling2021"):
        parse_85171ned(data, gemeenten=["GM0299"])
    with pytest.raises(WijkscanError, match="(?s)TotaleBevolking_1.*fixture.csv"):
        parse_85171ned(data.drop(columns=["TotaleBevolking_1"]), gemeenten=["GM0226"],
                       bron="fixture.csv")  # fmt: skip
    with pytest.raises(WijkscanError, match="Negatieve"):
        parse_85171ned(data.assign(TotaleBevolking_1="-1"), gemeenten=["GM0226"])


# ------------------------------------------------------------------ Gezondheidsmonitor


def gezondheid_tidy() -> pd.DataFrame:
    rows = []
    for jaar in (2020, 2022):
        for i, code in enumerate(["GM0226", "WK022603", "BU02260301", "BU02260101"]):
            leeg = code == "BU02260101"
            rows.append({"code": code, "jaar": jaar,
                         "eenzaam_pct": np.nan if leeg else 40.0 + i + jaar % 10,
                         "ernstig_eenzaam_pct": np.nan if leeg else 10.5 + i,
                         "emotioneel_eenzaam_pct": 25.0, "sociaal_eenzaam_pct": 30.1,
                         "mantelzorger_pct": 14.2})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("suffixen", ["50120NED", "50150NED", "2020"])
def test_gezondheidsmonitor_roundtrip_any_suffix(suffixen: str) -> None:
    src = gezondheid_tidy()
    raw = raw_gezondheidsmonitor(src, suffixen=suffixen)
    expected_eenzaam = f"Eenzaam_{ct.GEZONDHEID_SUFFIXEN[suffixen]['Eenzaam']}"
    assert expected_eenzaam in raw.columns
    assert raw["WijkenEnBuurten"].str.len().eq(10).all()  # padded codes
    out = parse_gezondheidsmonitor(raw, "GM0226")
    assert out["jaar"].unique().tolist() == [2022]  # newest survey year by default
    assert out["code"].tolist() == ["GM0226", "WK022603", "BU02260101", "BU02260301"]
    exp = src[src["jaar"] == 2022].set_index("code").loc[out["code"]]
    for col in ("eenzaam_pct", "ernstig_eenzaam_pct", "mantelzorger_pct"):
        np.testing.assert_allclose(out[col].to_numpy(), exp[col].to_numpy())
    assert np.isnan(out.loc[out["code"] == "BU02260101", "eenzaam_pct"]).all()
    older = parse_gezondheidsmonitor(raw, "GM0226", jaar=2020)
    assert older["jaar"].eq(2020).all()


def test_gezondheidsmonitor_sterk_vs_ernstig_names() -> None:
    src = gezondheid_tidy()
    assert "SterkEenzaam_26" in raw_gezondheidsmonitor(src, suffixen="50150NED").columns
    assert "ErnstigZeerErnstigEenzaam_28" in raw_gezondheidsmonitor(src, suffixen="50120NED")
    custom = raw_gezondheidsmonitor(src[["code", "jaar", "eenzaam_pct"]], suffixen={"Eenzaam": 99})
    out = parse_gezondheidsmonitor(custom, "GM0226")
    assert out["ernstig_eenzaam_pct"].isna().all()  # absent measure -> NaN column


def test_gezondheidsmonitor_filters_age_and_margins() -> None:
    raw = raw_gezondheidsmonitor(gezondheid_tidy())
    other = raw.assign(Leeftijd="99999", Marges="MOG0095", Eenzaam_25="1.0")
    both = pd.concat([raw, other], ignore_index=True)
    out = parse_gezondheidsmonitor(both, "GM0226")
    assert (out["eenzaam_pct"].dropna() > 10).all()
    with pytest.raises(WijkscanError, match="Leeftijd-sleutel '12345'"):
        parse_gezondheidsmonitor(both, "GM0226", leeftijd="12345")


def test_gezondheidsmonitor_fixtures() -> None:
    new = parse_gezondheidsmonitor(lees_cbs_csv(FIX / "rivm_50150NED_GM0226.csv"), "GM0226")
    old = parse_gezondheidsmonitor(lees_cbs_csv(FIX / "rivm_50120NED_GM0226.csv"), "GM0226")
    assert new["jaar"].iloc[0] == 2024 and old["jaar"].iloc[0] == 2022
    assert len(new) == 1 + 6 + 14 and list(new.columns) == list(ct.GEZONDHEID_KOLOMMEN)
    assert new.loc[new["code"] == "BU02260101", "eenzaam_pct"].isna().all()


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda r: r.drop(columns=["Eenzaam_25"]), "Eenzaam"),
        (lambda r: r.assign(Eenzaam_99=r["Eenzaam_25"]), "Meerdere kolommen"),
        (lambda r: r.assign(ErnstigZeerErnstigEenzaam_40="1"), "Zowel"),
        (lambda r: r.assign(Eenzaam_25="140"), "buiten 0-100"),
        (lambda r: r.assign(Eenzaam_25="veel"), "Geen getal"),
        (lambda r: r.drop(columns=["WijkenEnBuurten"]), "WijkenEnBuurten"),
    ],
)
def test_gezondheidsmonitor_errors(mutate, fragment: str) -> None:  # type: ignore[no-untyped-def]
    raw = mutate(raw_gezondheidsmonitor(gezondheid_tidy()))
    with pytest.raises(WijkscanError) as exc:
        parse_gezondheidsmonitor(raw, "GM0226", bron="rivm.csv")
    assert fragment in str(exc.value) and "rivm.csv" in str(exc.value)


def test_gezondheidsmonitor_gemeente_and_year_absent() -> None:
    raw = raw_gezondheidsmonitor(gezondheid_tidy())
    with pytest.raises(WijkscanError, match="GM0299 komt niet voor"):
        parse_gezondheidsmonitor(raw, "GM0299")
    with pytest.raises(WijkscanError, match="Meetjaar 2024 ontbreekt"):
        parse_gezondheidsmonitor(raw, "GM0226", jaar=2024)


# ------------------------------------------------------------------ Primos


def test_primos_csv_and_xlsx_fixtures_agree() -> None:
    csv_out = read_primos(FIX / "primos_GM0226.csv")
    xlsx_out = read_primos(FIX / "primos_GM0226.xlsx", gemeenten=["GM0226"])
    pd.testing.assert_frame_equal(csv_out, xlsx_out)
    validate(csv_out, BEVOLKING, "primos")
    assert sorted(csv_out["jaar"].unique()) == [2024, 2030, 2040]
    assert csv_out["aantal"].iloc[0] % 1 != 0  # decimal comma read as decimals


def test_primos_comma_separated_synonyms_and_totals(tmp_path: Path) -> None:
    text = "GEMEENTE,Prognosejaar,Leeftijd,Sekse,Aantal\n"
    for sex in ("man", "vrouw"):
        text += f"226,2030,totaal,{sex},300\n"
        text += f"226,2030,0,{sex},100\n226,2030,1-64,{sex},.\n226,2030,65 en ouder,{sex},100\n"
    out = read_primos(write_csv(tmp_path / "p.csv", text))
    assert out["gemeentecode"].eq("GM0226").all()
    assert len(out) == 6  # the 'totaal' rows are dropped
    assert out["aantal"].isna().sum() == 2  # '.' is missing, not zero


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("GM0226;2030;0-89;m;1\nGM0226;2030;85+;m;1\n", "Overlappende"),
        ("GM0226;2030;0-80;m;1\nGM0226;2030;85+;m;1\n", "Gat"),
        ("GM0226;2030;0-89;m;1\nGM0226;2030;0-89;m;1\nGM0226;2030;90+;m;1\n", "Dubbele"),
        ("GM0226;2030;0-89;m;-1\nGM0226;2030;90+;m;1\n", "Negatief aantal"),
        ("GM0226;2030;0-89;m;veel\nGM0226;2030;90+;m;1\n", "Geen getal"),
        ("GM0226;2030;0-89;x;1\nGM0226;2030;90+;m;1\n", "Onbekend geslacht"),
        ("GM0226;1850;0-89;m;1\nGM0226;2030;90+;m;1\n", "Ongeldig jaar"),
        ("Duiven;2030;0-89;m;1\nGM0226;2030;90+;m;1\n", "Ongeldige gemeentecode"),
        ("GM0226;2030;oud;m;1\nGM0226;2030;90+;m;1\n", "Onbekende leeftijdsklasse"),
        ("GM0226;2030;0-89;m;1\nGM0226;2030;90-99;m;1\n", "niet open"),
    ],
)
def test_primos_errors_name_file_row_and_column(tmp_path: Path, body: str, fragment: str) -> None:
    path = write_csv(tmp_path / "primos.csv", "gemeentecode;jaar;leeftijd;geslacht;aantal\n" + body)
    with pytest.raises(WijkscanError) as exc:
        read_primos(path)
    msg = str(exc.value)
    assert fragment in msg and "primos.csv" in msg
    if fragment not in ("Overlappende", "Gat", "niet open"):
        assert "rij " in msg
    if fragment not in ("Overlappende", "Gat", "niet open", "Dubbele"):
        assert "kolom" in msg


def test_primos_header_problems(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "gemeente;jaar;leeftijd;geslacht\nGM0226;2030;0;m\n")
    with pytest.raises(WijkscanError, match="'aantal' niet gevonden"):
        read_primos(path)
    path = write_csv(
        tmp_path / "b.csv",
        "gemeente;regio;jaar;leeftijd;geslacht;aantal\nGM0226;GM0226;2030;0+;m;1\n",
    )
    with pytest.raises(WijkscanError, match="Meerdere kolommen"):
        read_primos(path)
    with pytest.raises(WijkscanError, match="bestaat niet"):
        read_primos(tmp_path / "nope.csv")
    with pytest.raises(WijkscanError, match="bestandstype"):
        read_primos(write_csv(tmp_path / "c.json", "{}"))


def test_primos_only_totals(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", "gemeentecode;jaar;leeftijd;geslacht;aantal\n"
                     "GM0226;2030;Totaal;m;100\n")  # fmt: skip
    with pytest.raises(WijkscanError, match="alleen totaalregels"):
        read_primos(path)


def test_primos_missing_gemeente(tmp_path: Path) -> None:
    with pytest.raises(WijkscanError, match="(?s)GM0293.*ontbreken"):
        read_primos(FIX / "primos_GM0226.csv", gemeenten=["GM0226", "GM0293"])


# ------------------------------------------------------------------ BRP


def test_brp_fixture() -> None:
    out = read_brp(FIX / "brp_GM0226.csv", "GM0226")
    assert list(out.columns[:2]) == ["buurtcode", "gemeentecode"]
    assert out["jaar"].eq(2024).all() and out["buurtcode"].nunique() == 3
    assert out["aantal"].isna().sum() == 2  # '<5' is suppressed, not zero
    validate(out, BEVOLKING, "brp")


def test_brp_year_argument_and_short_codes(tmp_path: Path) -> None:
    text = "Buurt;Leeftijd;Geslacht;Aantal personen\n"
    text += "02260301;0-64;M;10\n02260301;65+;M;5\n"
    out = read_brp(write_csv(tmp_path / "brp.csv", text), "GM0226", jaar=2024)
    assert out["buurtcode"].eq("BU02260301").all() and out["jaar"].eq(2024).all()
    with pytest.raises(WijkscanError, match="geen kolom 'jaar'"):
        read_brp(tmp_path / "brp.csv", "GM0226")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("BU02930101;0-64;m;1;2024\nBU02930101;65+;m;1;2024\n", "hoort niet bij GM0226"),
        ("BUXX;0-64;m;1;2024\n", "Ongeldige buurtcode"),
        ("BU02260301;0-64;m;1;2024\nBU02260301;60+;m;1;2024\n", "Overlappende"),
        ("BU02260301;0-64;m;1;2024\nBU02260301;65+;m;-2;2024\n", "Negatief"),
        ("BU02260301;0-64;m;1;gisteren\n", "Ongeldig jaar"),
    ],
)
def test_brp_errors(tmp_path: Path, body: str, fragment: str) -> None:
    path = write_csv(tmp_path / "brp.csv", "buurtcode;leeftijd;geslacht;aantal;jaar\n" + body)
    with pytest.raises(WijkscanError) as exc:
        read_brp(path, "GM0226")
    assert fragment in str(exc.value) and "brp.csv" in str(exc.value)


def test_brp_year_conflict(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "brp.csv",
        "buurtcode;leeftijd;geslacht;aantal;jaar\nBU02260301;0+;m;1;2023\n",
    )
    with pytest.raises(WijkscanError, match="verwacht 2024"):
        read_brp(path, "GM0226", jaar=2024)


# ------------------------------------------------------------------ validate_bevolking


def test_validate_bevolking_errors() -> None:
    good = banded()
    with pytest.raises(WijkscanError, match="geslacht"):
        validate_bevolking(good.assign(geslacht="x"), "t")
    with pytest.raises(WijkscanError, match="ontbreken"):
        validate_bevolking(good.drop(columns=["aantal"]), "t")
    with pytest.raises(WijkscanError, match="beginnen bij 5"):
        validate_bevolking(good[good["leeftijd_van"] > 0], "t")


# ------------------------------------------------------------------ prevalence


def test_config_prevalentie_is_valid_and_sourced() -> None:
    df = read_prevalentie(CONFIG / "dementie_prevalentie.csv")
    assert df["leeftijd_van"].min() == 55 and df["leeftijd_tot"].isna().sum() == 1
    assert df["prevalentie"].is_monotonic_increasing
    md = (CONFIG / "dementie_prevalentie.md").read_text(encoding="utf-8")
    for key in df["bron"].unique():
        assert f"`{key}`" in md
    landelijk = pd.read_csv(CONFIG / "dementie_landelijk.csv")
    assert 290000 in landelijk["aantal"].tolist() and 114000 in landelijk["aantal"].tolist()


def prev(rows: list[tuple[int, int | None, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["leeftijd_van", "leeftijd_tot", "geslacht", "prevalentie"])


def test_validate_prevalentie_sex_split_ok() -> None:
    rows = [(65, 79, s, 0.02) for s in ("man", "vrouw")] + [
        (80, None, s, 0.2) for s in ("man", "vrouw")
    ]
    assert len(validate_prevalentie(prev(rows))) == 4


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([(65, 79, "totaal", 0.02), (85, None, "totaal", 0.2)], "Gat"),
        ([(65, 84, "totaal", 0.02), (80, None, "totaal", 0.2)], "Overlappende"),
        ([(65, 79, "totaal", 0.02), (80, 89, "totaal", 0.2)], "niet open"),
        ([(65, None, "totaal", 0.02), (80, None, "totaal", 0.2)], "niet de hoogste"),
        ([(65, 79, "totaal", 2.0), (80, None, "totaal", 0.2)], "0..1"),
        ([(65, None, "man", 0.1)], "combinatie"),
        ([(65, None, "man", 0.1), (65, None, "totaal", 0.1)], "combinatie"),
        ([(65, 79, "man", 0.1), (80, None, "man", 0.1), (65, None, "vrouw", 0.1)], "verschillende"),
    ],
)
def test_validate_prevalentie_errors(rows: list, fragment: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(WijkscanError, match=fragment):
        validate_prevalentie(prev(rows), waar="prev.csv")


def test_validate_prevalentie_non_numeric_names_file() -> None:
    df = prev([(65, None, "totaal", 0.1)]).astype(str).assign(prevalentie="veel")
    with pytest.raises(WijkscanError) as exc:
        validate_prevalentie(df, waar="prev.csv")
    assert "prev.csv" in str(exc.value) and "prevalentie" in str(exc.value)


# ------------------------------------------------------- 03759ned burgerlijke staat


def _bs_tidy() -> pd.DataFrame:
    from pipeline.ingest.demo import gemeente_population_bs

    return gemeente_population_bs(2024).assign(gemeentecode="GM0226")


def test_03759ned_bs_fixture_real_layout_and_totals() -> None:
    data = lees_cbs_csv(FIX / "cbs_03759ned_GM0226_2024_bs.csv")
    dim = lees_cbs_csv(FIX / "cbs_03759ned_leeftijd.csv")
    assert set(data["BurgerlijkeStaat"]) == {"T001019", "1010   ", "1020   ", "1050   ", "1080   "}
    bs = ct.parse_03759ned_burgerlijke_staat(data, dim, 2024, ["GM0226"])
    assert list(bs.columns) == list(ct.BS_COLUMNS)
    assert set(bs["geslacht"]) == {"man", "vrouw"}
    assert set(bs["burgerlijke_staat"]) == set(ct.BURGERLIJKE_STATEN)
    # The totals file (T001019 only) is the same population: categories add up to it.
    tot = parse_03759ned(lees_cbs_csv(FIX / "cbs_03759ned_GM0226_2024.csv"), dim, 2024, ["GM0226"])
    tot = tot[tot["geslacht"] != "totaal"].set_index(["geslacht", "leeftijd_van"])["aantal"]
    som = bs.groupby(["geslacht", "leeftijd_van"])["aantal"].sum()
    pd.testing.assert_series_equal(som.sort_index(), tot.sort_index(), check_names=False)
    # Children are never married in the (invented) fixture.
    kind = bs[(bs["leeftijd_van"] < 18) & (bs["burgerlijke_staat"] != "ongehuwd")]
    assert kind["aantal"].eq(0).all()


def test_03759ned_bs_roundtrip_and_totals_unchanged() -> None:
    src = _bs_tidy()
    rows, dim = raw_03759ned(src)
    # The total rows alone are what the totals parser reads, unchanged by the categories.
    tot = parse_03759ned(rows, dim, 2024, ["GM0226"])
    plain, _ = raw_03759ned(src.groupby(
        ["gemeentecode", "jaar", "geslacht", "leeftijd_van"], as_index=False
    ).agg(leeftijd_tot=("leeftijd_tot", "first"), aantal=("aantal", "sum")))  # fmt: skip
    pd.testing.assert_frame_equal(tot, parse_03759ned(plain, dim, 2024, ["GM0226"]))
    bs = ct.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"])
    key = ["geslacht", "leeftijd_van", "burgerlijke_staat"]
    a = bs.set_index(key)["aantal"].sort_index()
    b = src.set_index(key)["aantal"].sort_index()
    pd.testing.assert_series_equal(a, b, check_names=False)


def test_03759ned_bs_empty_without_categories() -> None:
    rows, dim = raw_03759ned(tidy())
    out = ct.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"])
    assert out.empty and list(out.columns) == list(ct.BS_COLUMNS)
    out = ct.parse_03759ned_burgerlijke_staat(
        rows.drop(columns=["BurgerlijkeStaat"]), dim, 2024, ["GM0226"]
    )
    assert out.empty


def test_03759ned_bs_partial_categories_is_an_error() -> None:
    rows, dim = raw_03759ned(_bs_tidy())
    zonder = rows[rows["BurgerlijkeStaat"].str.strip() != "1050"]
    with pytest.raises(WijkscanError, match="(?s)verweduwd \\(1050\\).*BurgerlijkeStaat"):
        ct.parse_03759ned_burgerlijke_staat(zonder, dim, 2024, ["GM0226"], bron="x.csv")


def test_03759ned_bs_sum_mismatch_is_an_error() -> None:
    rows, dim = raw_03759ned(_bs_tidy())
    # One single-year cell of 'gehuwd' off by 3 (its own age total follows, so only the
    # check against T001019 can catch it).
    for leeftijd in ("14000", "10000"):
        m = (
            (rows["BurgerlijkeStaat"].str.strip() == "1020")
            & (rows["Geslacht"].str.strip() == "3000")
            & (rows["Leeftijd"] == leeftijd)
        )
        rows.loc[m, "BevolkingOp1Januari_1"] = (
            rows.loc[m, "BevolkingOp1Januari_1"].astype(float) + 3
        ).map(lambda v: f"{v:.0f}")
    with pytest.raises(WijkscanError, match="tellen niet op tot het totaal"):
        ct.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"])
    # Within the tolerance of 0.5 a rounding difference passes.
    ct.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"], tolerantie=3.0)


def test_03759ned_bs_unknown_key_and_titles() -> None:
    rows, dim = raw_03759ned(_bs_tidy())
    bad = rows.copy()
    bad.loc[bad.index[:3], "BurgerlijkeStaat"] = "1099"
    with pytest.raises(WijkscanError, match="1099"):
        ct.parse_03759ned_burgerlijke_staat(bad, dim, 2024, ["GM0226"])
    # With the dimension table the titles decide: swapped keys are read correctly.
    swapped = rows.assign(
        BurgerlijkeStaat=rows["BurgerlijkeStaat"].str.strip().replace({"1050": "X", "1080": "1050"})
    ).replace({"BurgerlijkeStaat": {"X": "1080"}})
    staat_dim = pd.DataFrame(
        {"Key": ["T001019", "1010", "1020", "1050", "1080"],
         "Title": ["Totaal burgerlijke staat", "Ongehuwd", "Gehuwd", "Gescheiden", "Verweduwd"]}
    )  # fmt: skip
    a = ct.parse_03759ned_burgerlijke_staat(swapped, dim, 2024, ["GM0226"], staat_dim=staat_dim)
    b = ct.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"])
    pd.testing.assert_frame_equal(a, b)


def test_bulk_naar_untyped_translates_codes_by_title() -> None:
    rows, dim = raw_03759ned(_bs_tidy())
    obs = pd.DataFrame(
        {
            "Id": range(len(rows)),
            "Measure": "M000352",
            "ValueAttribute": "None",
            "Value": rows["BevolkingOp1Januari_1"].str.strip(),
            "StringValue": "",
            "Geslacht": rows["Geslacht"].str.strip(),
            "Leeftijd": rows["Leeftijd"],
            # Other codes than in v3: the titles decide.
            "BurgerlijkeStaat": rows["BurgerlijkeStaat"]
            .str.strip()
            .map({"T001019": "T", "1010": "A", "1020": "B", "1050": "C", "1080": "D"}),
            "RegioS": rows["RegioS"].str.strip(),
            "Perioden": rows["Perioden"],
        }
    )
    codes = {
        "Leeftijd": dim.rename(columns={"Key": "Identifier"}),
        "BurgerlijkeStaat": pd.DataFrame(
            {"Identifier": list("TABCD"),
             "Title": ["Totaal burgerlijke staat", "Ongehuwd", "Gehuwd", "Verweduwd", "Gescheiden"]}
        ),
    }  # fmt: skip
    out, leeftijd = ct.bulk_naar_untyped(obs, codes, "M000352")
    pd.testing.assert_frame_equal(
        ct.parse_03759ned_burgerlijke_staat(out, leeftijd, 2024, ["GM0226"]),
        ct.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"]),
    )
    codes["BurgerlijkeStaat"].loc[4, "Title"] = "Partnerschap"
    with pytest.raises(WijkscanError, match="Partnerschap"):
        ct.bulk_naar_untyped(obs, codes, "M000352")
    assert ct.maat_bevolking(
        pd.DataFrame({"Identifier": ["X1", "M000352"],
                      "Title": ["Gemiddelde bevolking", "Bevolking op 1 januari"]})
    ) == "M000352"  # fmt: skip


def test_kies_prognosebestand_first_file_wins() -> None:
    a = pd.DataFrame({"RegioIndeling2021": ["GM0150", "NL01  "], "TotaleBevolking_1": ["1", "2"]})
    b = pd.DataFrame({"RegioIndeling2018": ["GM0150", "GM0226"], "TotaleBevolking_1": ["3", "4"]})
    naam, rows = ct.kies_prognosebestand({"a.csv": a, "b.csv": b}, "GM0150")
    assert naam == "a.csv" and rows["TotaleBevolking_1"].tolist() == ["1"]
    naam, rows = ct.kies_prognosebestand({"a.csv": a, "b.csv": b}, "GM0226")
    assert naam == "b.csv" and rows["TotaleBevolking_1"].tolist() == ["4"]
    with pytest.raises(WijkscanError, match="(?s)GM0293.*geen van de prognosebestanden"):
        ct.kies_prognosebestand({"a.csv": a, "b.csv": b}, "GM0293")


def test_real_forecast_files_per_gemeente() -> None:
    # The shared real extracts (not in the repo): Deventer from 85171NED, Duiven from 84527NED.
    real = Path(__file__).resolve().parents[4] / "shared/data/real"
    f1 = real / "prognose_85171ned/85171NED_NL_en_88_gemeenten_odata_keys.csv"
    f2 = real / "prognose_84527ned/84527NED_prognose_NL_en_5_gemeenten_odata_keys.csv"
    if not (f1.is_file() and f2.is_file()):
        pytest.skip("gedeelde echte bestanden niet aanwezig")
    tabellen = {f1.name: lees_cbs_csv(f1), f2.name: lees_cbs_csv(f2)}
    for gm, bestand, jaar, waarde in (
        ("GM0150", f1.name, 2030, 107_000.0),
        ("GM0226", f2.name, 2030, 23_900.0),
    ):
        naam, rows = ct.kies_prognosebestand(tabellen, gm)
        assert naam == bestand
        fc = ct.parse_85171ned(rows, gemeenten=[gm], bron=naam)
        assert fc.loc[fc["jaar"] == jaar, "aantal"].item() == pytest.approx(waarde)


def test_config_prognose_pad_may_be_a_list_only_for_local_forecast(tmp_path: Path) -> None:
    from pipeline.workflow import config as wcfg

    lijst = ["a.csv", "b.csv"]
    cfg = {"gemeenten": ["GM0226"], "jaar": 2024,
           "bronnen": {"prognose": {"type": "lokaal", "pad": lijst}}}  # fmt: skip
    wcfg.check(cfg)
    full = {"bronnen": {"prognose": {"type": "lokaal", "pad": lijst}}}
    assert wcfg.local_input(full, "prognose") == lijst
    with pytest.raises(WijkscanError, match="(?s)a.csv.*b.csv"):
        wcfg.check_local_files(cfg, base=tmp_path)
    (tmp_path / "a.csv").write_text("x")
    with pytest.raises(WijkscanError, match="b.csv") as exc:
        wcfg.check_local_files(cfg, base=tmp_path)
    assert "a.csv" not in str(exc.value).split("relatieve")[0]
    for bad in (
        {**cfg, "bronnen": {"bevolking": {"type": "lokaal", "pad": lijst}}},
        {**cfg, "bronnen": {"prognose": {"type": "primos", "pad": lijst}}},
        {**cfg, "berekening": "in_een_keer",
         "bronnen": {"kwb": {"type": "lokaal", "pad": "k.csv"},
                     "geometrie": {"type": "lokaal", "pad": "g.gpkg"},
                     "bevolking": {"type": "demo"}, "gezondheidsmonitor": {"type": "geen"},
                     "prognose": {"type": "lokaal", "pad": lijst}}},
    ):  # fmt: skip
        with pytest.raises(WijkscanError, match="lijst van bestanden"):
            wcfg.check(bad)


# ------------------------------------------------------------------ demo burgerlijke staat


def test_demo_kwb_marital_columns_follow_the_cube() -> None:
    from pipeline.ingest import demo

    kwb = demo.kwb_table().set_index("Naam")
    cols = ["Ongehuwd_13", "Gehuwd_14", "Gescheiden_15", "Verweduwd_16"]
    assert list(kwb.columns[-4:]) == cols  # only added, after the age columns
    buurten = kwb[kwb["SoortRegio_2"].str.strip() == "Buurt"]
    klein = buurten["AantalInwoners_5"].astype(int) < 50
    assert (buurten.loc[klein, cols] == ".").all().all()  # suppressed like the other counts
    vals = buurten.loc[~klein, cols].astype(int)
    assert (vals % 5 == 0).all().all()
    som = vals.sum(axis=1)
    inw = buurten.loc[~klein, "AantalInwoners_5"].astype(int)
    assert ((som - inw).abs() <= 10).all()
    aandeel = vals["Verweduwd_16"] / som
    # Older buurten have more widowed residents.
    assert aandeel["Zorgpark Lindehof"] > 0.3 > 0.05 > aandeel["Havenkwartier"]
    g = kwb.loc[demo.DEMO_NAAM]
    assert sum(int(g[c]) for c in cols) == int(g["AantalInwoners_5"])  # gemeente unrounded


def test_demo_marital_shares_plausible() -> None:
    from pipeline.ingest import demo

    ages = np.array([5, 17, 30, 50, 70, 80, 90])
    m, v = demo.marital_shares(ages, "man"), demo.marital_shares(ages, "vrouw")
    assert np.allclose(m.sum(axis=1), 1) and np.allclose(v.sum(axis=1), 1)
    assert (m[:2, 0] == 1).all() and (v[:2, 0] == 1).all()  # children ongehuwd
    weduw = 3  # verweduwd
    assert v[5, weduw] > 2 * m[5, weduw]  # much higher for women
    assert v[6, weduw] > v[5, weduw] > 3 * v[4, weduw] > 0  # rising steeply after 75


def test_demo_marital_split_of_rescaled_population() -> None:
    from pipeline.ingest import demo

    gem = demo.gemeente_population(2024)
    gem["aantal"] = gem["aantal"] * 1.7  # like rescale_to_kwb: real totals, demo structure
    bs = demo.marital_split(gem)
    assert list(bs.columns) == list(ct.BS_COLUMNS)
    som = bs.groupby(["geslacht", "leeftijd_van"])["aantal"].sum()
    ref = gem.set_index(["geslacht", "leeftijd_van"])["aantal"]
    pd.testing.assert_series_equal(som.sort_index(), ref.sort_index(), check_names=False)
    top = bs[(bs["leeftijd_van"] == 95) & (bs["geslacht"] == "vrouw")].set_index(
        "burgerlijke_staat"
    )["aantal"]
    assert top["verweduwd"] > top["gehuwd"]
