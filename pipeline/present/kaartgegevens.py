"""What goes on a buurt map: the values, status and intervals of one indicator for the
buurten of one year, and the wijk polygons dissolved from the buurten.

Split off from :mod:`pipeline.present.maps` (which re-exports every public name here).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.present import fmt, klassen

__all__ = ["buurt_intervals", "buurt_values", "dissolve_wijken"]


def buurt_values(
    indicatoren: pd.DataFrame, key: str, jaar: int | None = None
) -> tuple[pd.Series, pd.Series]:
    """Values and status of one indicator for the buurten of one year.

    Parameters
    ----------
    indicatoren
        The published indicator table (long by year).
    key
        Indicator column.
    jaar
        Year; ``None`` = the base year (``schatting == 'basisjaar'``, else the first year).

    Returns
    -------
    values, status
        Two series indexed by buurt code; the status of an empty cell is its own reason
        (:func:`pipeline.present.fmt.status_van`), else the row's status.
    """
    b = indicatoren[indicatoren["niveau"] == "buurt"]
    if jaar is None:
        basis = b.loc[b["schatting"] == "basisjaar", "jaar"]
        jaar = int(basis.min() if len(basis) else b["jaar"].min())
    b = b[b["jaar"] == jaar].drop_duplicates("code").set_index("code")
    # Per cell: a withheld value names its own reason ('geheim bij CBS', ...).
    return b[key].astype(float), fmt.statussen_van(b, key).astype(str)


def buurt_intervals(
    indicatoren: pd.DataFrame, key: str, jaar: int | None = None
) -> tuple[pd.Series, pd.Series]:
    """90 % interval (``key_laag``, ``key_hoog``) of one indicator for the buurten of a year.

    Parameters
    ----------
    indicatoren, key, jaar
        As in :func:`buurt_values`.

    Returns
    -------
    lo, hi
        Two series indexed by buurt code; all NaN (exact values) when the table has no
        interval columns for ``key``.
    """
    b = indicatoren[indicatoren["niveau"] == "buurt"]
    if jaar is None:
        basis = b.loc[b["schatting"] == "basisjaar", "jaar"]
        jaar = int(basis.min() if len(basis) else b["jaar"].min())
    b = b[b["jaar"] == jaar].drop_duplicates("code").set_index("code")
    return klassen.intervallen(b, key)


def dissolve_wijken(buurten: Any, indicatoren: pd.DataFrame) -> Any:
    """Wijk polygons: buurten dissolved by the ``wijkcode`` of the indicator table.

    Parameters
    ----------
    buurten
        GeoDataFrame with ``code`` and geometry.
    indicatoren
        Indicator table with ``code`` and ``wijkcode`` for niveau ``'buurt'``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``wijkcode, geometry``.
    """
    lut = (
        indicatoren.loc[indicatoren["niveau"] == "buurt", ["code", "wijkcode"]]
        .drop_duplicates("code")
        .set_index("code")["wijkcode"]
    )
    g = buurten[["code", "geometry"]].copy()
    # A buurt missing from the table still belongs to its wijk by code convention
    # (BUggggwwbb -> WKggggww).
    g["wijkcode"] = g["code"].map(lut).fillna("WK" + g["code"].str[2:8])
    w = g.dissolve(by="wijkcode", as_index=False)[["wijkcode", "geometry"]]
    # Morphological closing removes slivers between generalised buurt polygons, which would
    # otherwise show up as heavy wijk "boundaries" inside a wijk.
    x0, y0, x1, y1 = (float(v) for v in g.total_bounds)
    eps = 0.002 * max(x1 - x0, y1 - y0)
    w["geometry"] = w.geometry.buffer(eps).buffer(-eps)
    return w
