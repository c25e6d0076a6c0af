"""Tests for the gemeente's own files (Primos, BRP), prevalentie and the demo's marital split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.ingest import gemeentebevolking
from pipeline.ingest.brp import read_brp
from pipeline.ingest.prevalentie import read_prevalentie, validate_prevalentie
from pipeline.ingest.primos import read_primos
from pipeline.schemas import BEVOLKING, validate
from tests.support.bevolking import write_csv

FIX = Path(__file__).resolve().parents[2] / "fixtures"
CONFIG = Path(__file__).resolve().parents[3] / "config"


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
    # The one-pass mode reads the list too (each gemeente from the first file with it).
    wcfg.check({**cfg, "berekening": "in_een_keer",
                "bronnen": {"kwb": {"type": "lokaal", "pad": "k.csv"},
                            "geometrie": {"type": "lokaal", "pad": "g.gpkg"},
                            "bevolking": {"type": "demo"}, "gezondheidsmonitor": {"type": "geen"},
                            "prognose": {"type": "lokaal", "pad": lijst}}})  # fmt: skip
    for bad in (
        {**cfg, "bronnen": {"bevolking": {"type": "lokaal", "pad": lijst}}},
        {**cfg, "bronnen": {"prognose": {"type": "primos", "pad": lijst}}},
    ):  # fmt: skip
        with pytest.raises(WijkscanError, match="lijst van bestanden"):
            wcfg.check(bad)


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
    from pipeline.ingest import demo, demo_herschaling

    gem = demo.gemeente_population(2024)
    gem["aantal"] = gem["aantal"] * 1.7  # like rescale_to_kwb: real totals, demo structure
    bs = demo_herschaling.marital_split(gem)
    assert list(bs.columns) == list(gemeentebevolking.BS_COLUMNS)
    som = bs.groupby(["geslacht", "leeftijd_van"])["aantal"].sum()
    ref = gem.set_index(["geslacht", "leeftijd_van"])["aantal"]
    pd.testing.assert_series_equal(som.sort_index(), ref.sort_index(), check_names=False)
    top = bs[(bs["leeftijd_van"] == 95) & (bs["geslacht"] == "vrouw")].set_index(
        "burgerlijke_staat"
    )["aantal"]
    assert top["verweduwd"] > top["gehuwd"]


@pytest.mark.parametrize("naam,lees", [
    ("primos_GM0226.csv", lambda p: read_primos(p)),
    ("brp_GM0226.csv", lambda p: read_brp(p, "GM0226")),
])  # fmt: skip
def test_a_file_cut_mid_line_says_it_is_cut(tmp_path: Path, naam: str, lees) -> None:
    """A new user cut a Primos file inside a line and got "Onbekend geslacht ... ''"; cut
    inside a number, "De hoogste leeftijdsklasse is niet open"; a cut BRP file named a
    column it does not have. The cut is named as such, with the line."""
    text = (FIX / naam).read_text(encoding="utf-8-sig")
    regels = text.rstrip("\n").split("\n")
    cut = "\n".join(regels[:-1]) + "\n" + regels[-1][: len(regels[-1]) // 3]
    path = tmp_path / naam
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(WijkscanError) as exc:
        lees(path)
    assert "afgebroken" in exc.value.wat and f"regel {len(regels)}" in exc.value.waar


def test_a_primos_file_cut_at_a_line_end_names_the_incomplete_year(tmp_path: Path) -> None:
    """Cut at a line end, no field is short: the model said "heeft geslacht ['man'], de
    buurten ['man', 'vrouw']" with 'Waar: prognose'. The reader names file, gemeente and
    year."""
    regels = (FIX / "primos_GM0226.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "primos_GM0226.csv"
    path.write_text("\n".join(regels[:-3]) + "\n", encoding="utf-8")
    with pytest.raises(WijkscanError) as exc:
        read_primos(path)
    text = str(exc.value)
    assert "primos_GM0226.csv" in text and "GM0226" in text and "afgebroken" in text
