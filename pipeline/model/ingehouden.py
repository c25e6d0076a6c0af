"""Which cells of the indicator table are published empty, and why.

A row's ``status`` explains an empty row ('te weinig inwoners', 'geen gegevens'). A single
empty cell in an otherwise published row has its own reason: a buurt count CBS keeps
secret, an estimate that rests on it, a ratio over too few of the oldest. The reasons
travel with the table as ``reden_<key>`` columns (:func:`pipeline.codes.reden_kolom`), so
exports, map legends, table cells and session sheets say why instead of a bare blank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from pipeline import codes
from pipeline.model.registry import Indicator

#: Indicators whose value rests on the count of 65-plussers: their bands lie inside 65+
#: (see :func:`pipeline.model.indicators.nested_bands`) or it is their denominator.
OP_65PLUS = (
    "aantal_65plus",
    "aandeel_65plus",
    "aantal_75plus",
    "aandeel_75plus",
    "aantal_85plus",
    "aandeel_85plus",
    "dubbele_vergrijzing",
    "mantelzorgpotentieel",
    "dementie_aantal",
    "dementie_per_100_65plus",
)
#: Indicators read straight from the base year's KWB row (or a share of two of its
#: counts): in a published row, an empty cell is CBS's own '.'.
KWB_DIRECT = ("aandeel_0_14", "koopwoningen_pct", "afstand_huisarts", "afstand_supermarkt")
#: Indicators whose cell can be empty in a published row, each for its own reason (the
#: counts also for an estimate that rounds to 0).
CELL_REASON_KEYS = ("inwoners", *OP_65PLUS, "eenzaam_aantal", *KWB_DIRECT)

#: Per key: the rows to empty and why, first reason first.
Ingehouden = dict[str, list[tuple[pd.Series, str]]]


def secret_buurt_cells(
    df: pd.DataFrame,
    published: Iterable[tuple[str, str]],
    shares: Mapping[str, tuple[str, str]],
) -> dict[str, pd.Series]:
    """Per published count and share: the rows whose CBS cell is secret (estimate only).

    Parameters
    ----------
    df
        Derived table with the ``_<key>_geheim`` flags that
        :func:`pipeline.model.indicators.assemble` sets.
    published
        ``(key, KWB column)`` of the counts CBS publishes per buurt.
    shares
        Share -> (numerator, denominator); a share is secret where either count is.

    Returns
    -------
    dict
        Key -> boolean Series aligned with ``df``.
    """
    out = {
        key: df[f"_{key}_geheim"].fillna(False).astype(bool)
        for key, _ in published
        if f"_{key}_geheim" in df
    }
    for share, pair in shares.items():
        parts = [out[k] for k in pair if k in out]
        if parts:
            out[share] = np.logical_or.reduce(parts)
    return out


def withheld_cells(
    df: pd.DataFrame, geheim: dict[str, pd.Series], registry: dict[str, Indicator]
) -> Ingehouden:
    """Cells published empty because of a secret CBS cell: key -> [(rows, reason), ...].

    A buurt count CBS keeps secret ('.') is only the model's estimate there. It feeds the
    gemeente's other estimates but is not shown where readers expect what CBS counted,
    and a secret cell is never shown as a number: like a secret wijk cell it is published
    empty (Duiven Bedrijventerrein: 65+ was printed as "0"). What rests on a secret 65+
    in that buurt (75+, 85+, dementia, the 65+ of later years) is only the model's split
    of that unknown count: a printed "0" 85-plussers beside a secret 65+ says what CBS
    does not, so those cells are empty too. A BRP count is a count and stays (it is never
    flagged secret).

    Parameters
    ----------
    df
        Derived table (all years).
    geheim
        Output of :func:`secret_buurt_cells`.
    registry
        Indicator registry: only its keys are withheld.

    Returns
    -------
    Ingehouden
    """
    out: Ingehouden = {
        key: [(mask, codes.REDEN_GEHEIM)] for key, mask in geheim.items() if key in registry
    }
    if "aantal_65plus" in geheim:
        buurt = df["niveau"] == "buurt"
        wijk = df["niveau"] == "wijk"
        buurten = set(df.loc[geheim["aantal_65plus"] & buurt, "code"])
        rests = buurt & df["code"].isin(buurten)
        # A wijk's own secret 65+ (attach_base_year) empties the ratios over it too.
        eigen = set(df.loc[geheim["aantal_65plus"] & wijk, "code"])
        if "wijkcode" in df and buurten:
            # A wijk's 75+ and 85+ are sums of its buurten's estimates: they rest on the
            # secret counts only when every buurt's does (Duiven Wijk 01, one buurt) and
            # CBS keeps the wijk's 65+ secret too; a published wijk 65+ is shown, and its
            # 75+ and 85+ are scaled to it.
            b = df.loc[buurt, ["code", "wijkcode"]].drop_duplicates("code")
            alle = b["code"].isin(buurten).groupby(b["wijkcode"]).all()
            rests |= wijk & df["code"].isin(set(alle.index[alle]) & eigen)
        # Base-year rows only: later years' wijk 65+ is the sum of its buurten.
        noemer = geheim["aantal_65plus"] & wijk & ~rests
        for key in OP_65PLUS:
            if key in registry and rests.any():
                out.setdefault(key, []).append((rests, codes.REDEN_OP_GEHEIM))
            if key in _OVER_65PLUS and key in registry and noemer.any():
                out.setdefault(key, []).append((noemer, codes.REDEN_OP_GEHEIM))
    return out


def secret_kwb_cells(
    df: pd.DataFrame, basisjaar: int, registry: dict[str, Indicator]
) -> Ingehouden:
    """Base-year cells of :data:`KWB_DIRECT` that CBS left empty: key -> [(rows, reason)].

    Deventer, Brinkgreven: its 0-14 share and its koopwoningen were printed "n.b." as if
    wijkscan lacked them, while CBS publishes the row with these cells secret. A column
    without any value in the gemeente is not the gemeente's secret but a file without it
    (the appendix and the Toelichting name such columns): no reason there.

    Parameters
    ----------
    df
        Derived table (all years), before the disclosure rules empty any cell.
    basisjaar
        The KWB year: later years have no KWB row.
    registry
        Indicator registry: only its keys get a reason.

    Returns
    -------
    Ingehouden
    """
    basis = df["jaar"] == basisjaar
    # One gemeente's table may come without the column (it is then all one gemeente).
    gemeente = df["gemeentecode"] if "gemeentecode" in df else pd.Series(0, index=df.index)
    out: Ingehouden = {}
    for key in KWB_DIRECT:
        if key not in registry or key not in df:
            continue
        in_gemeente = df[key].notna().groupby(gemeente).transform("any")
        rows = basis & df[key].isna() & in_gemeente
        if rows.any():
            out[key] = [(rows, codes.REDEN_NIET_GEPUBLICEERD)]
    return out


#: Ratios over the 65+ count: empty where it is secret, with that reason.
_OVER_65PLUS = ("dubbele_vergrijzing", "dementie_per_100_65plus")


def cell_reasons(
    n: int,
    door_status: dict[str, pd.Series],
    ingehouden: Ingehouden,
    registry: dict[str, Indicator],
) -> dict[str, np.ndarray]:
    """Why a cell is empty where its row's status does not say: per key, reason or ``''``.

    Every key of :data:`CELL_REASON_KEYS` in the registry gets a column, also when no row
    needs it, so the table keeps one shape.

    Parameters
    ----------
    n
        Number of rows of the table.
    door_status
        Per key, the rows whose empty cell the row's status already explains.
    ingehouden
        Per key, the rows emptied and why (:func:`withheld_cells` and the rules publish
        adds: few of the oldest, a count that rounds to 0), first reason first.
    registry
        Indicator registry.

    Returns
    -------
    dict
        Key -> array of reasons, one per row.
    """
    out: dict[str, np.ndarray] = {}
    for key in CELL_REASON_KEYS:
        if key not in registry:
            continue
        reden = np.full(n, "", dtype=object)
        published = ~door_status[key]
        # Reversed: the first reason of a cell is written last and wins (a secret cell
        # says so, whatever else holds).
        for rows, why in reversed(ingehouden.get(key, [])):
            reden[(rows & published).to_numpy()] = why
        out[key] = reden
    return out
