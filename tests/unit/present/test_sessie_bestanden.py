"""Session files on disk: a filled-in workbook or CSV is kept, never overwritten."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pandas as pd

from pipeline.present import report, sessie_bestanden
from tests.unit.present.test_report import meta
from tests.unit.present.test_sessie import CODES, GM, _lees, _schrijf, vul
from tests.unit.present.test_texts import registry, voorbeeld_tabel


def _vul_ter_plaatse(xlsx: Path, rijen: dict, **velden) -> None:
    tmp = xlsx.with_name("tmp.xlsx")
    vul(xlsx, tmp, rijen, **velden)
    tmp.replace(xlsx)


def test_generated_files_are_not_filled_filled_ones_are(tmp_path):
    xlsx = _schrijf(tmp_path)
    csv = xlsx.with_suffix(".csv")
    assert not sessie_bestanden.is_ingevuld(xlsx) and not sessie_bestanden.is_ingevuld(csv)
    assert not sessie_bestanden.is_ingevuld(tmp_path / "weg.xlsx")
    # Only the session date on the 'Sessie' sheet counts as filled in.
    alleen_datum = vul(xlsx, tmp_path / "d.xlsx", {})
    assert sessie_bestanden.is_ingevuld(alleen_datum)
    wb = openpyxl.load_workbook(xlsx)
    wb["Buurten"].cell(3, wb["Buurten"].max_column + 2, "eigen aantekening")
    wb.save(tmp_path / "extra.xlsx")
    assert sessie_bestanden.is_ingevuld(tmp_path / "extra.xlsx")
    t = pd.read_csv(csv, dtype=str)
    t.loc[1, "Zorgen"] = "x"
    t.to_csv(tmp_path / "z.csv", index=False)
    assert sessie_bestanden.is_ingevuld(tmp_path / "z.csv")
    (tmp_path / "kapot.xlsx").write_bytes(b"geen zip")
    assert sessie_bestanden.is_ingevuld(tmp_path / "kapot.xlsx")  # unreadable: keep it, to be safe


def test_rebuild_moves_a_workbook_filled_in_place_aside(tmp_path):
    xlsx = _schrijf(tmp_path)
    _vul_ter_plaatse(xlsx, {CODES[1]: {"signalen": "Het buurthuis sluit"}}, plaats="Buurthuis")
    reg = registry()
    w = report.rapport_config(None, reg)["weging"]
    n, bewaard = sessie_bestanden.write_session_files(
        voorbeeld_tabel(), reg, meta(), w, xlsx, xlsx.with_suffix(".csv")
    )
    assert n == len(CODES)
    # Only the filled workbook moved; the CSV twin was empty and is simply rewritten.
    assert [oud for oud, _ in bewaard] == [xlsx]
    nieuw = bewaard[0][1]
    assert nieuw.parent == xlsx.parent
    assert re.fullmatch(rf"sessie_{GM}_ingevuld_\d{{8}}-\d{{6}}\.xlsx", nieuw.name), nieuw.name
    res = _lees(nieuw)  # the kept copy is a valid session file as it is
    assert res["inbreng"][0]["signalen"] == "Het buurthuis sluit"
    assert res["sessies"][0]["plaats"] == "Buurthuis"
    assert not sessie_bestanden.is_ingevuld(xlsx)  # a fresh, empty workbook
    melding = sessie_bestanden.bewaard_melding(bewaard)
    assert str(nieuw) in melding and "bronnen.sessies" in melding and "mkdir -p sessies" in melding


def test_moving_aside_never_overwrites_an_earlier_copy(tmp_path):
    xlsx = _schrijf(tmp_path)
    csv = xlsx.with_suffix(".csv")
    _vul_ter_plaatse(xlsx, {CODES[0]: {"zorgen": "tweede avond"}})
    t = pd.read_csv(csv, dtype=str)
    t.loc[0, "Zorgen"] = "uit de CSV"
    t.to_csv(csv, index=False)
    nu = dt.datetime(2025, 3, 12, 21, 30, 5)
    eerder = xlsx.with_name(f"sessie_{GM}_ingevuld_20250312-213005.xlsx")
    eerder.write_bytes(b"eerste avond")
    bewaard = dict(sessie_bestanden.bewaar_ingevuld([xlsx, csv], nu))
    assert eerder.read_bytes() == b"eerste avond"
    assert bewaard[xlsx].name == f"sessie_{GM}_ingevuld_20250312-213005-2.xlsx"
    assert bewaard[csv].name == f"sessie_{GM}_ingevuld_20250312-213005.csv"
    assert not xlsx.exists() and not csv.exists()
    assert _lees(bewaard[xlsx])["inbreng"][0]["zorgen"] == "tweede avond"
    assert "uit de CSV" in bewaard[csv].read_text(encoding="utf-8")
    assert sessie_bestanden.bewaar_ingevuld([xlsx, csv], nu) == []  # nothing left to keep
