"""Pandera schemas for the tables that cross stage boundaries.

A validation failure is turned into a :class:`~pipeline.errors.WijkscanError`
naming the table, the column and a few failing values.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipeline.codes import CODE_PATTERN, GEMEENTE_PATTERN, NIVEAUS, STATUSSEN, WIJK_PATTERN
from pipeline.errors import WijkscanError

_count = pa.Column(float, pa.Check.ge(0), nullable=True, required=False)
_pct = pa.Column(float, pa.Check.in_range(0, 100), nullable=True, required=False)
_nonneg = pa.Column(float, pa.Check.ge(0), nullable=True, required=False)

REGIOS = pa.DataFrameSchema(
    {
        "code": pa.Column(str, pa.Check.str_matches(CODE_PATTERN), unique=True),
        "naam": pa.Column(str),
        "niveau": pa.Column(str, pa.Check.isin(list(NIVEAUS))),
        "gemeentecode": pa.Column(str, pa.Check.str_matches(GEMEENTE_PATTERN)),
        "wijkcode": pa.Column(str, pa.Check.str_matches(WIJK_PATTERN), nullable=True),
        "inwoners": _count,
        "mannen": _count,
        "vrouwen": _count,
        "k_0_14": _count,
        "k_15_24": _count,
        "k_25_44": _count,
        "k_45_64": _count,
        "k_65plus": _count,
        "huishoudens": _count,
        "eenpersoonshuishoudens": _count,
        "huishoudensgrootte": _nonneg,
        "koopwoningen_pct": _pct,
        "afstand_huisarts": _nonneg,
        "afstand_supermarkt": _nonneg,
        "oppervlakte_land_ha": _nonneg,
    },
    strict=False,
    coerce=False,
    name="regios",
)

BEVOLKING = pa.DataFrameSchema(
    {
        "geslacht": pa.Column(str, pa.Check.isin(["man", "vrouw", "totaal"])),
        "leeftijd_van": pa.Column(int, pa.Check.ge(0)),
        "leeftijd_tot": pa.Column("Int64", nullable=True),
        "aantal": pa.Column(float, pa.Check.ge(0), nullable=True),
    },
    strict=False,
    name="bevolking",
)


def validate(df: pd.DataFrame, schema: pa.DataFrameSchema, source: str) -> pd.DataFrame:
    """Validate ``df`` and raise a readable WijkscanError on failure.

    Parameters
    ----------
    df
        Table to check.
    schema
        Pandera schema.
    source
        Where the table came from (file or stage), for the message.

    Returns
    -------
    pandas.DataFrame
        The validated table (unchanged).
    """
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        lines = []
        for (col, check), grp in fc.groupby(["column", "check"], dropna=False, sort=False):
            values = ", ".join(map(str, grp["failure_case"].head(5).tolist()))
            lines.append(f"kolom {col}: {check} (bijv. {values})")
        raise WijkscanError(
            f"Tabel '{schema.name}' uit {source} voldoet niet aan de verwachte vorm.",
            waar="; ".join(lines[:6]),
            oplossing="Controleer de invoer; aantallen mogen niet negatief zijn, percentages "
            "liggen tussen 0 en 100, codes volgen de CBS-indeling.",
        ) from exc


def indicator_schema(registry: dict) -> pa.DataFrameSchema:
    """Schema of the published indicator table, derived from the registry.

    Shares lie within 0-100, counts and ratios are non-negative, and every region
    appears once per year.

    Parameters
    ----------
    registry
        Indicator registry (key -> :class:`pipeline.model.registry.Indicator`).

    Returns
    -------
    pandera.DataFrameSchema
    """
    columns: dict[str, pa.Column] = {
        "code": pa.Column(str, pa.Check.str_matches(CODE_PATTERN)),
        "niveau": pa.Column(str, pa.Check.isin(list(NIVEAUS))),
        "jaar": pa.Column(int, pa.Check.in_range(1990, 2100)),
        "status": pa.Column(str, pa.Check.isin(list(STATUSSEN))),
        # Why one cell of a published row is empty (pipeline.codes.reden_kolom).
        r"^reden_": pa.Column(str, regex=True, required=False),
    }
    for key, ind in registry.items():
        check = pa.Check.in_range(0, 100) if ind.eenheid == "%" else pa.Check.ge(0)
        columns[key] = pa.Column(float, check, nullable=True)
    return pa.DataFrameSchema(
        columns, unique=["code", "jaar"], strict=False, coerce=False, name="indicatoren"
    )
