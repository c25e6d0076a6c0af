"""Tidy population tables for the tests of the CBS parsers and the gemeente's own files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.ingest.bevolking import tidy_frame, validate_bevolking


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
    return validate_bevolking(tidy_frame(recs), "test")


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
    return validate_bevolking(tidy_frame(recs), "test")


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def brp_single_years() -> pd.DataFrame:
    """A BRP extract of two buurten of GM0001 in single years 0..99 and 100+: 1 resp. 2
    persons per year and sex (BU00010001, BU00010002)."""
    rows = []
    for code, scale in (("BU00010001", 1.0), ("BU00010002", 2.0)):
        for sex in ("man", "vrouw"):
            rows.append(
                pd.DataFrame(
                    {
                        "buurtcode": code,
                        "gemeentecode": "GM0001",
                        "geslacht": sex,
                        "leeftijd_van": np.arange(101),
                        "leeftijd_tot": pd.array(list(range(100)) + [None], dtype="Int64"),
                        "aantal": scale,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)
