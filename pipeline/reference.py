"""Reference values: the region of all configured gemeenten and the Netherlands.

The region is the sum of the member gemeenten's unrounded quantities, with ratios
derived from those sums (never an average of ratios). The national reference
comes from the KWB: CBS's own ``NL01`` row when the table has it, otherwise the
sum of all gemeente rows (counts only; averages such as distances are not
summable and stay missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import indicators, kwb
from pipeline.registry import Indicator

_NL_COUNTS = {
    "inwoners": "inwoners",
    "aantal_65plus": "k_65plus",
    "k_0_14": "k_0_14",
    "huishoudens": "huishoudens",
    "eenpersoonshuishoudens": "eenpersoonshuishoudens",
}


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
        One row with ``code='NL01'``, ``niveau='nederland'`` and the counts.
    """
    codes = raw["WijkenEnBuurten"].astype(str).str.strip()
    cols = {c.name: kwb.find_column(raw.columns, c.prefix) for c in kwb.KWB_COLUMNS}
    nl = raw[codes == "NL01"]
    rows = nl if len(nl) else raw[codes.str.startswith("GM")]
    out: dict[str, object] = {
        "code": "NL01",
        "naam": "Nederland",
        "niveau": "nederland",
        "jaar": jaar,
    }
    for key, col in _NL_COUNTS.items():
        src = cols.get(col)
        if src is None:
            out[key] = np.nan
            continue
        values = kwb.to_number(rows[src])
        # A sum over gemeenten is only a national total when no gemeente is missing.
        out[key] = float(values.sum()) if values.notna().all() else np.nan
    if len(nl):
        for name in ("koopwoningen_pct", "afstand_huisarts", "afstand_supermarkt"):
            src = cols.get(name)
            out[name] = float(kwb.to_number(nl[src]).iloc[0]) if src else np.nan
    out["bron"] = source
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
