"""Reference values: the region of all configured gemeenten and the Netherlands.

The region is the sum of the member gemeenten's unrounded quantities, with ratios
derived from those sums (never an average of ratios). The national reference
comes from the KWB: CBS's own ``NL01`` row when the table has it, otherwise the
sum of the gemeente rows when *all* gemeenten of that year are there (counts only;
averages such as distances are not summable and stay missing). Any other file gives
no national figures (NaN) with a stated reason, never the sum of a few gemeenten.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.codes import GEMEENTE_PATTERN
from pipeline.ingest import kwb
from pipeline.model import indicators
from pipeline.model.registry import Indicator

_NL_COUNTS = {
    "inwoners": "inwoners",
    "aantal_65plus": "k_65plus",
    "k_0_14": "k_0_14",
    "huishoudens": "huishoudens",
    "eenpersoonshuishoudens": "eenpersoonshuishoudens",
}


#: Number of gemeenten per 1 January (CBS "Gebieden in Nederland"). A sum over gemeente
#: rows is only the country when all of them are there. 2023 and 2024 are checked
#: against the real KWB files (342 each); the other years are from CBS's yearly
#: municipal-merger lists. A year not listed needs the file's own NL01 row.
GEMEENTEN_PER_JAAR = {
    2019: 355,
    2020: 355,
    2021: 352,
    2022: 345,
    2023: 342,
    2024: 342,
    2025: 342,
}


def national_rows(raw: pd.DataFrame, jaar: int, source: str) -> tuple[pd.DataFrame, str | None]:
    """The rows that describe the whole country, or none with the reason why.

    Parameters
    ----------
    raw
        Raw KWB rows.
    jaar
        Data year.
    source
        File or table name (for the reason).

    Returns
    -------
    tuple
        ``(rows, reden)``: the ``NL01``/``NL00`` row when present, else all gemeente
        rows when their number is the national number of that year; otherwise an empty
        table and a Dutch reason (a file with only Duiven must not become "Nederland").
    """
    codes = raw["WijkenEnBuurten"].astype(str).str.strip()
    nl = raw[codes.isin(["NL01", "NL00"])]
    if len(nl) > 1:
        return raw.iloc[0:0], f"{source} bevat {len(nl)} landelijke rijen (NL01/NL00)"
    if len(nl):
        return nl, None
    gm = raw[codes.str.match(GEMEENTE_PATTERN)]
    n_gm = int(gm["WijkenEnBuurten"].astype(str).str.strip().nunique())
    verwacht = GEMEENTEN_PER_JAAR.get(int(jaar))
    if verwacht is not None and n_gm == verwacht:
        return gm, None
    landelijk = f"alle {verwacht} gemeenten van {jaar}" if verwacht else "alle gemeenten"
    return raw.iloc[0:0], (
        f"{source} heeft geen landelijke rij (NL01) en bevat {n_gm} gemeente(n), niet "
        f"{landelijk}; een som daarover is niet Nederland"
    )


def national_quantities(raw: pd.DataFrame, jaar: int, source: str) -> pd.DataFrame:
    """National KWB counts for the base year.

    Parameters
    ----------
    raw
        Raw KWB rows: an ``NL01`` row and/or all gemeente rows.
    jaar
        Data year.
    source
        File or table name (for messages).

    Returns
    -------
    pandas.DataFrame
        One row with ``code='NL01'``, ``niveau='nederland'`` and the counts. When the
        file does not describe the whole country (:func:`national_rows`) every count is
        NaN (the report then shows no national figure) and ``reden`` says why; else
        ``reden`` is empty.
    """
    cols = {c.name: kwb.find_column(raw.columns, c.prefix) for c in kwb.KWB_COLUMNS}
    rows, reden = national_rows(raw, jaar, source)
    is_nl = len(rows) == 1 and str(rows["WijkenEnBuurten"].iloc[0]).strip().startswith("NL")
    out: dict[str, object] = {
        "code": "NL01",
        "naam": "Nederland",
        "niveau": "nederland",
        "jaar": jaar,
    }
    for key, col in _NL_COUNTS.items():
        src = cols.get(col)
        if src is None or not len(rows):
            out[key] = np.nan
            continue
        values = kwb.to_number(rows[src])
        # A sum over gemeenten is only a national total when no gemeente is missing.
        out[key] = float(values.sum()) if values.notna().all() else np.nan
    for name in ("koopwoningen_pct", "afstand_huisarts", "afstand_supermarkt"):
        src = cols.get(name)
        # Averages are not summable: only CBS's own national row has them.
        out[name] = float(kwb.to_number(rows[src]).iloc[0]) if is_nl and src else np.nan
    out["bron"] = source
    out["reden"] = reden or ""
    out["_inwoners_gemeten"] = True
    out["_aantal_65plus_gemeten"] = True
    return pd.DataFrame([out])


def region_quantities(gemeente_quantities: list[pd.DataFrame], naam: str) -> pd.DataFrame:
    """Sum the gemeente-level quantities of the member gemeenten per year.

    Parameters
    ----------
    gemeente_quantities
        The ``grootheden`` tables of the member gemeenten (all levels; only the
        gemeente rows are used).
    naam
        Region name.

    Returns
    -------
    pandas.DataFrame
        One row per year with ``code='REGIO'``, ``niveau='regio'`` and summed counts.
    """
    gm = pd.concat([q[q["niveau"] == "gemeente"] for q in gemeente_quantities], ignore_index=True)
    additive = [c for c in indicators._ADDITIVE if c in gm] + [
        c for c in ("k_0_14", "huishoudens", "eenpersoonshuishoudens") if c in gm
    ]
    out = gm.groupby("jaar", as_index=False)[additive].sum(min_count=len(gemeente_quantities))
    out.insert(0, "niveau", "regio")
    out.insert(0, "naam", naam)
    out.insert(0, "code", "REGIO")
    base = out["jaar"] == out["jaar"].min()
    # In the base year the gemeente totals are CBS-published counts, so their sum is too.
    out["_inwoners_gemeten"] = base
    out["_aantal_65plus_gemeten"] = base
    return out


def publish_reference(
    q: pd.DataFrame, registry: dict[str, Indicator], s: indicators.Settings
) -> pd.DataFrame:
    """Derive and publish reference rows with the same rules as the gemeente rows."""
    q = q.copy()
    # Quantities a reference source may lack (e.g. no national age detail) stay missing.
    for col in (
        *indicators._ADDITIVE,
        "eenzaam_pct",
        "k_0_14",
        "huishoudens",
        "eenpersoonshuishoudens",
    ):
        if col not in q:
            q[col] = np.nan
    out = indicators.publish(indicators.derive(q, s), registry, s)
    return out
