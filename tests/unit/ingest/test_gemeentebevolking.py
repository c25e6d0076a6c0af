"""Tests for pipeline.ingest.gemeentebevolking (03759ned) and pipeline.ingest.bulkdownload."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.ingest import bulkdownload, gemeentebevolking, statline
from pipeline.ingest.gemeentebevolking import parse_03759ned, raw_03759ned
from pipeline.ingest.statline import lees_cbs_csv
from pipeline.schemas import BEVOLKING, validate
from tests.support.bevolking import banded, tidy

FIX = Path(__file__).resolve().parents[2] / "fixtures"


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
    for key, sex in statline.GESLACHT_KEYS.items():
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
    # Numbers in messages are Dutch: a thousands point, not "25,460".
    with pytest.raises(
        WijkscanError, match=r"tellen op tot \d{1,3}\.\d{3}, maar het totaal is 1\."
    ):
        parse_03759ned(rows, dim, 2024, ["GM0226"])


def test_raw_03759ned_adds_sex_total() -> None:
    full = tidy(seed=9)
    rows, dim = raw_03759ned(full[full["geslacht"] != "totaal"])
    assert "T001038" in set(rows["Geslacht"])
    pd.testing.assert_frame_equal(parse_03759ned(rows, dim, 2024, ["GM0226"]), full)


def test_raw_03759ned_rejects_bands() -> None:
    with pytest.raises(ValueError):
        raw_03759ned(banded())


def _bs_tidy() -> pd.DataFrame:
    from pipeline.ingest.demo import gemeente_population_bs

    return gemeente_population_bs(2024).assign(gemeentecode="GM0226")


def test_03759ned_bs_fixture_real_layout_and_totals() -> None:
    data = lees_cbs_csv(FIX / "cbs_03759ned_GM0226_2024_bs.csv")
    dim = lees_cbs_csv(FIX / "cbs_03759ned_leeftijd.csv")
    assert set(data["BurgerlijkeStaat"]) == {"T001019", "1010   ", "1020   ", "1050   ", "1080   "}
    bs = gemeentebevolking.parse_03759ned_burgerlijke_staat(data, dim, 2024, ["GM0226"])
    assert list(bs.columns) == list(gemeentebevolking.BS_COLUMNS)
    assert set(bs["geslacht"]) == {"man", "vrouw"}
    assert set(bs["burgerlijke_staat"]) == set(gemeentebevolking.BURGERLIJKE_STATEN)
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
    bs = gemeentebevolking.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"])
    key = ["geslacht", "leeftijd_van", "burgerlijke_staat"]
    a = bs.set_index(key)["aantal"].sort_index()
    b = src.set_index(key)["aantal"].sort_index()
    pd.testing.assert_series_equal(a, b, check_names=False)


def test_03759ned_bs_empty_without_categories() -> None:
    rows, dim = raw_03759ned(tidy())
    out = gemeentebevolking.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"])
    assert out.empty and list(out.columns) == list(gemeentebevolking.BS_COLUMNS)
    out = gemeentebevolking.parse_03759ned_burgerlijke_staat(
        rows.drop(columns=["BurgerlijkeStaat"]), dim, 2024, ["GM0226"]
    )
    assert out.empty


def test_03759ned_bs_partial_categories_is_an_error() -> None:
    rows, dim = raw_03759ned(_bs_tidy())
    zonder = rows[rows["BurgerlijkeStaat"].str.strip() != "1050"]
    with pytest.raises(WijkscanError, match="(?s)verweduwd \\(1050\\).*BurgerlijkeStaat"):
        gemeentebevolking.parse_03759ned_burgerlijke_staat(
            zonder, dim, 2024, ["GM0226"], bron="x.csv"
        )


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
        gemeentebevolking.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"])
    # Within the tolerance of 0.5 a rounding difference passes.
    gemeentebevolking.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"], tolerantie=3.0)


def test_03759ned_bs_unknown_key_and_titles() -> None:
    rows, dim = raw_03759ned(_bs_tidy())
    bad = rows.copy()
    bad.loc[bad.index[:3], "BurgerlijkeStaat"] = "1099"
    with pytest.raises(WijkscanError, match="1099"):
        gemeentebevolking.parse_03759ned_burgerlijke_staat(bad, dim, 2024, ["GM0226"])
    # With the dimension table the titles decide: swapped keys are read correctly.
    swapped = rows.assign(
        BurgerlijkeStaat=rows["BurgerlijkeStaat"].str.strip().replace({"1050": "X", "1080": "1050"})
    ).replace({"BurgerlijkeStaat": {"X": "1080"}})
    staat_dim = pd.DataFrame(
        {"Key": ["T001019", "1010", "1020", "1050", "1080"],
         "Title": ["Totaal burgerlijke staat", "Ongehuwd", "Gehuwd", "Gescheiden", "Verweduwd"]}
    )  # fmt: skip
    a = gemeentebevolking.parse_03759ned_burgerlijke_staat(
        swapped, dim, 2024, ["GM0226"], staat_dim=staat_dim
    )
    b = gemeentebevolking.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"])
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
    out, leeftijd = bulkdownload.bulk_naar_untyped(obs, codes, "M000352")
    pd.testing.assert_frame_equal(
        gemeentebevolking.parse_03759ned_burgerlijke_staat(out, leeftijd, 2024, ["GM0226"]),
        gemeentebevolking.parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM0226"]),
    )
    codes["BurgerlijkeStaat"].loc[4, "Title"] = "Partnerschap"
    with pytest.raises(WijkscanError, match="Partnerschap"):
        bulkdownload.bulk_naar_untyped(obs, codes, "M000352")
    assert bulkdownload.maat_bevolking(
        pd.DataFrame({"Identifier": ["X1", "M000352"],
                      "Title": ["Gemiddelde bevolking", "Bevolking op 1 januari"]})
    ) == "M000352"  # fmt: skip
