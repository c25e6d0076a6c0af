"""Reading a BRP extract: the gemeente's own population register counts per buurt.

Gemeenten can export counts from the Basisregistratie Personen per CBS buurt, age and
sex. There is no national format, so wijkscan accepts one documented layout
(``docs/invoerformaten.md``): ``buurtcode, leeftijd, geslacht, aantal`` and optionally
``jaar`` (or ``peildatum``). Headers are matched tolerantly, content strictly, with the
same rules and messages as the Primos reader.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest.bevolking import validate_bevolking
from pipeline.ingest.primos import (
    _fout_in_rijen,
    gemeentecode,
    jaartal,
    koppel_kolommen,
    lees_tabel,
    normaliseer,
    sex_age_count,
)
from pipeline.ingest.statline import voorbeelden

BRP_KOLOMMEN: dict[str, tuple[str, ...]] = {
    "buurtcode": ("buurtcode", "buurt", "cbsbuurtcode", "bucode", "codebuurt", "buurtnummer"),
    "leeftijd": ("leeftijd", "leeftijdsklasse", "leeftijdklasse", "leeftijdsgroep", "age"),
    "geslacht": ("geslacht", "sekse", "gender", "sex"),
    "aantal": ("aantal", "aantalpersonen", "personen", "inwoners", "aantalinwoners", "waarde"),
    "jaar": ("jaar", "peiljaar", "peildatum", "datum", "year"),
}

#: Buurt codes: BU + 4-digit gemeente + 4 characters (digits, or letters in e.g. Amsterdam).
_BUURT_RE = re.compile(r"^BU\d{4}[0-9A-Z]{4}$")


def buurtcode(value: Any) -> str:
    """'BU02260101' or the 8-digit '02260101' -> 'BU02260101'; else ValueError."""
    if isinstance(value, (int, np.integer)) or (
        isinstance(value, (float, np.floating)) and float(value).is_integer()
    ):
        value = f"{int(value):08d}"
    s = str(value).strip().upper().replace(" ", "")
    if re.match(r"^\d{8}$", s):
        s = "BU" + s
    if not _BUURT_RE.match(s):
        raise ValueError(value)
    return s


def read_brp(path: Path, gemeente: str, *, jaar: int | None = None) -> pd.DataFrame:
    """Read a BRP extract per buurt, age and sex.

    Parameters
    ----------
    path
        CSV or XLSX in the layout of ``docs/invoerformaten.md``.
    gemeente
        Gemeente code (``GM0226``); every buurtcode must belong to it.
    jaar
        Reference year, required when the file has no ``jaar``/``peildatum`` column; when
        both are given they must agree.

    Returns
    -------
    pandas.DataFrame
        ``buurtcode, gemeentecode, jaar, geslacht, leeftijd_van, leeftijd_tot, aantal``;
        suppressed cells ('.', '*', '<5', empty) are NaN, never 0.

    Raises
    ------
    WijkscanError
        Naming file, row and column for every invalid value, buurten of another gemeente,
        duplicates, gaps or overlaps in the age classes, and a missing year.
    """
    wat = "BRP-extract"
    gm = gemeentecode(gemeente) if re.match(r"^(GM)?\d{1,4}$", str(gemeente).strip()) else None
    if gm is None:
        raise WijkscanError(
            f"Ongeldige gemeentecode {gemeente!r}.",
            waar="bronnen.bevolking",
            oplossing="Gebruik de CBS-code, bijv. GM0226.",
        )
    df, decimal_comma, waar = lees_tabel(path, wat)
    cols = koppel_kolommen(df, BRP_KOLOMMEN, ["buurtcode", "leeftijd", "geslacht", "aantal"], waar)
    df = df.rename(columns={v: k for k, v in cols.items()})
    df["buurtcode"] = normaliseer(
        df,
        "buurtcode",
        buurtcode,
        waar,
        "Ongeldige buurtcode",
        "Gebruik de CBS-buurtcode, bijv. BU02260101.",
    )
    vreemd = df["buurtcode"].str[2:6] != gm[2:]
    if vreemd.any():
        raise _fout_in_rijen(
            df,
            vreemd,
            "buurtcode",
            waar,
            f"Buurt hoort niet bij {gm}",
            f"Lever alleen buurten van {gm} aan, of kies de juiste gemeente.",
        )
    if "jaar" in df.columns:
        jaren = normaliseer(
            df,
            "jaar",
            jaartal,
            waar,
            "Ongeldig jaar of peildatum",
            "Gebruik een jaartal (2024) of peildatum (2024-01-01).",
        )
        if jaar is not None and set(jaren) != {jaar}:
            raise WijkscanError(
                f"Het {wat} bevat jaar/jaren {voorbeelden(sorted(set(jaren)))}, verwacht {jaar}.",
                waar=f"{waar}, kolom '{cols['jaar']}'",
                oplossing="Lever het extract van het peiljaar aan of pas 'jaar' aan.",
            )
        df["jaar"] = jaren.astype("int64")
    elif jaar is None:
        raise WijkscanError(
            f"Het {wat} heeft geen kolom 'jaar' of 'peildatum' en er is geen jaar opgegeven.",
            waar=waar,
            oplossing="Voeg een kolom 'jaar' toe (bijv. 2024) of geef het jaar mee.",
        )
    else:
        df["jaar"] = int(jaar)
    df = sex_age_count(df, cols, waar, wat, decimal_comma, hoogste="95+")
    df["gemeentecode"] = gm
    return validate_bevolking(df, waar, regio_kolom="buurtcode", rij_kolom="_rij")
