"""benchmarks/vergelijk_producten.py: equal products pass, any changed number or word fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from benchmarks import vergelijk_producten as vp

HTML = (
    "<html><head><style>p {{color: red}}</style></head><body>"
    "<h1>Duiven</h1><p>Gemaakt op {datum} met Wijkscan.</p>"
    '<img src="data:image/png;base64,{img}"><p>65-plussers: {n}</p></body></html>'
)


def _pdf(path: Path, lines: list[str]) -> None:
    fig = Figure(figsize=(4, 3))
    for i, line in enumerate(lines):
        fig.text(0.1, 0.9 - 0.1 * i, line)
    fig.savefig(path)


def _build(root: Path, datum: str, n: str = "5.460", waarde: float = 12.5) -> Path:
    (root / "data/processed/GM0226").mkdir(parents=True)
    (root / "reports/GM0226").mkdir(parents=True)
    df = pd.DataFrame(
        {"code": ["BU1", "BU2"], "aandeel_65plus": [waarde, np.nan], "naam": ["A", None]}
    )
    df.to_parquet(root / "data/processed/GM0226/indicatoren.parquet")
    df.to_csv(root / "reports/GM0226/indicatoren_GM0226.csv", index=False, sep=";")
    with pd.ExcelWriter(root / "reports/GM0226/indicatoren_GM0226.xlsx") as xw:
        df.to_excel(xw, sheet_name="Buurten", index=False)
        pd.DataFrame({"tekst": [f"Gemaakt op {datum}"]}).to_excel(
            xw, sheet_name="Toelichting", index=False
        )
    img = "QUFB" if datum.startswith("4") else "QkJC"  # embedded images are not text
    html = HTML.format(datum=datum, img=img, n=n)
    (root / "reports/GM0226/wijkscan_GM0226.html").write_text(html, encoding="utf-8")
    _pdf(root / "reports/GM0226/wijkscan_GM0226.pdf", [f"Gemaakt op {datum}", f"65+: {n}"])
    return root


needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (make system-deps)"
)


@needs_poppler
def test_same_products_built_on_another_day_are_equal(tmp_path):
    oud = _build(tmp_path / "oud", "4 december 2026")
    nieuw = _build(tmp_path / "nieuw", "17 januari 2027")
    res = vp.compare_builds(oud, nieuw)
    assert res.regels == []
    assert res.bestanden == 5
    assert vp.main([str(oud), str(nieuw)]) == 0


@needs_poppler
def test_a_changed_number_is_found_in_every_product(tmp_path):
    oud = _build(tmp_path / "oud", "4 december 2026")
    nieuw = _build(tmp_path / "nieuw", "4 december 2026", n="5.465", waarde=12.500001)
    res = vp.compare_builds(oud, nieuw)
    found = {regel.split(":")[0] for regel in res.regels}
    assert found == {
        "data/processed/GM0226/indicatoren.parquet",
        "reports/GM0226/indicatoren_GM0226.csv",
        "reports/GM0226/indicatoren_GM0226.xlsx",
        "reports/GM0226/wijkscan_GM0226.html",
        "reports/GM0226/wijkscan_GM0226.pdf",
    }
    assert "'65+: 5.460' oud, '65+: 5.465' nieuw" in " ".join(res.regels)
    assert vp.main([str(oud), str(nieuw)]) == 1


def test_missing_value_must_stay_missing(tmp_path):
    a = pd.DataFrame({"x": [1.0, np.nan], "t": ["a", None]})
    assert vp.compare_frames(a, a.copy()) is None
    assert "rij 2" in vp.compare_frames(a, a.fillna({"x": 0.0}))
    assert "kolom 't'" in vp.compare_frames(a, a.fillna({"t": ""}))


def test_a_product_in_one_build_only_is_a_difference(tmp_path):
    for d in ("oud", "nieuw"):
        (tmp_path / d / "reports/GM0226").mkdir(parents=True)
    (tmp_path / "oud/reports/GM0226/wijkscan_GM0226.html").write_text("<p>x</p>")
    res = vp.compare_builds(tmp_path / "oud", tmp_path / "nieuw")
    assert res.regels == ["reports/GM0226/wijkscan_GM0226.html: alleen in oud"]


def test_written_dates_and_timestamps_are_masked():
    lines = vp.normalize_text(
        "Gemaakt op 4 december 2026\nPeildatum 1 januari 2024 2024-01-01T10:00"
    )
    assert lines == ["Gemaakt op <datum>", "Peildatum <datum> <datum>"]
