"""Tests for pipeline.ingest.prognose: the forecast tables 85171NED/85173NED/84527NED."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import WijkscanError
from pipeline.ingest import bevolking, prognose
from pipeline.ingest.bevolking import validate_bevolking
from pipeline.ingest.prognose import parse_85171ned, raw_85171ned
from pipeline.ingest.statline import lees_cbs_csv
from tests.support.bevolking import tidy

FIX = Path(__file__).resolve().parents[2] / "fixtures"


def test_85171ned_roundtrip_totals_in_thousands() -> None:
    recs = [
        {"gemeentecode": gm, "jaar": j, "geslacht": "totaal", "leeftijd_van": 0,
         "leeftijd_tot": None, "aantal": n}
        for gm, base in (("GM0226", 25000.0), ("GM0293", 15200.0))
        for j, n in ((2030, base + 400), (2040, base + 1000))
    ]  # fmt: skip
    src = validate_bevolking(bevolking.tidy_frame(recs), "t")
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


def test_kies_prognosebestand_first_file_wins() -> None:
    a = pd.DataFrame({"RegioIndeling2021": ["GM0150", "NL01  "], "TotaleBevolking_1": ["1", "2"]})
    b = pd.DataFrame({"RegioIndeling2018": ["GM0150", "GM0226"], "TotaleBevolking_1": ["3", "4"]})
    naam, rows = prognose.kies_prognosebestand({"a.csv": a, "b.csv": b}, "GM0150")
    assert naam == "a.csv" and rows["TotaleBevolking_1"].tolist() == ["1"]
    naam, rows = prognose.kies_prognosebestand({"a.csv": a, "b.csv": b}, "GM0226")
    assert naam == "b.csv" and rows["TotaleBevolking_1"].tolist() == ["4"]
    with pytest.raises(WijkscanError, match="(?s)GM0293.*geen van de prognosebestanden"):
        prognose.kies_prognosebestand({"a.csv": a, "b.csv": b}, "GM0293")


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
        naam, rows = prognose.kies_prognosebestand(tabellen, gm)
        assert naam == bestand
        fc = prognose.parse_85171ned(rows, gemeenten=[gm], bron=naam)
        assert fc.loc[fc["jaar"] == jaar, "aantal"].item() == pytest.approx(waarde)
