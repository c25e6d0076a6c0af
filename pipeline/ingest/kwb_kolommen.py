"""The KWB measures wijkscan uses, and how CBS writes a cell of them.

The raw layout is the StatLine "onbewerkte dataset": OData keys as column headers
(``AantalInwoners_5``, ...). The numeric suffix of a key differs between KWB years
(``HuishoudensTotaal_28`` in 2022, ``_29`` in 2024), so columns are matched on their
name *prefix* (:func:`find_column`). Secret or unknown cells are NaN, never 0
(:func:`to_number`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class KwbColumn:
    """A KWB measure: OData key prefix and our canonical column name."""

    prefix: str
    name: str
    required: bool = False


#: KWB measures we use. Age bands other than 0-14 and 65+ are optional because
#: some extracts (e.g. the shared national subset) only carry those two.
KWB_COLUMNS: tuple[KwbColumn, ...] = (
    KwbColumn("AantalInwoners", "inwoners", required=True),
    KwbColumn("Mannen", "mannen"),
    KwbColumn("Vrouwen", "vrouwen"),
    KwbColumn("k_0Tot15Jaar", "k_0_14", required=True),
    KwbColumn("k_15Tot25Jaar", "k_15_24"),
    KwbColumn("k_25Tot45Jaar", "k_25_44"),
    KwbColumn("k_45Tot65Jaar", "k_45_64"),
    KwbColumn("k_65JaarOfOuder", "k_65plus", required=True),
    KwbColumn("Ongehuwd", "ongehuwd"),
    KwbColumn("Gehuwd", "gehuwd"),
    KwbColumn("Gescheiden", "gescheiden"),
    KwbColumn("Verweduwd", "verweduwd"),
    KwbColumn("HuishoudensTotaal", "huishoudens"),
    KwbColumn("Eenpersoonshuishoudens", "eenpersoonshuishoudens"),
    KwbColumn("GemiddeldeHuishoudensgrootte", "huishoudensgrootte"),
    KwbColumn("Koopwoningen", "koopwoningen_pct"),
    KwbColumn("AfstandTotHuisartsenpraktijk", "afstand_huisarts"),
    KwbColumn("AfstandTotGroteSupermarkt", "afstand_supermarkt"),
    KwbColumn("OppervlakteLand", "oppervlakte_land_ha"),
)

COUNT_COLUMNS = (
    "inwoners",
    "mannen",
    "vrouwen",
    "k_0_14",
    "k_15_24",
    "k_25_44",
    "k_45_64",
    "k_65plus",
    "ongehuwd",
    "gehuwd",
    "gescheiden",
    "verweduwd",
    "huishoudens",
    "eenpersoonshuishoudens",
)

#: The four burgerlijke-staat counts; together they must add up to ``inwoners``.
MARITAL_COLUMNS = ("ongehuwd", "gehuwd", "gescheiden", "verweduwd")

#: CBS marks suppressed/unknown cells with '.', sometimes with whitespace; the
#: CBS GeoPackages use -99997 (and -99995..-99999) for the same purpose.
MISSING_STRINGS = {"", ".", "x", "-", "?"}


def find_column(columns: pd.Index | list[str], prefix: str) -> str | None:
    """Return the column whose name is ``prefix`` plus an optional ``_<number>`` suffix.

    Parameters
    ----------
    columns
        Available column names.
    prefix
        Name without the CBS position suffix, e.g. ``"AantalInwoners"``.

    Returns
    -------
    str or None
        The matching column, or None if absent.
    """
    pattern = re.compile(rf"^{re.escape(prefix)}(_\d+)?$")
    matches = [c for c in columns if pattern.match(str(c))]
    return matches[0] if matches else None


def to_number(values: pd.Series) -> pd.Series:
    """Convert CBS cell values to floats; suppressed cells become NaN, never 0.

    Parameters
    ----------
    values
        Strings as CBS delivers them (``'.'`` for secret, empty for unknown,
        decimal point or comma).

    Returns
    -------
    pandas.Series
        Float values with NaN for missing/suppressed cells.
    """
    s = values.astype("string").str.strip()
    s = s.mask(s.isin(MISSING_STRINGS))
    s = s.str.replace(",", ".", regex=False)
    out = pd.to_numeric(s, errors="coerce").astype(float)
    # CBS GeoPackages encode "geheim"/"onbekend" as large negative sentinels.
    return out.mask(out <= -99990)
