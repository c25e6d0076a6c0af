"""Honest classes and rankings for estimated indicators.

An estimated buurt value comes with a 90 % interval (columns ``K_laag``/``K_hoog`` of
the indicator table). Two buurten whose intervals overlap cannot be told apart, so a map
must not give them different colours and a ranking must not put one above the other.
This module holds the pure rules for that, shared by the council report, the vouwkaarten
and the region report:

* :func:`interval_edges` moves the class breaks of the configured scheme to the nearest
  places where *every* buurt below the break is distinguishable from *every* buurt above
  it: no pair across the break has one value inside the other's interval
  (:func:`indistinguishable`). Zero-width intervals (measured
  values, or old tables without interval columns) leave the breaks unchanged.
* :func:`rangscores` gives each buurt the usual rank score plus the range of rank scores
  its interval allows; :func:`rang_groepen` turns overlapping total scores into a shared
  place ("gedeelde plaats 3-5").
* :func:`zekere_klassen` gives a value a class of a fixed scheme (the heat table of
  "Buurten in beeld") only when its whole interval lies in that class.
* :func:`buurtsignaal` reads ``bronnen.json["buurtsignaal"]``: an indicator with
  ``signaal=False`` varies between buurten only through the model, so it gets no classes,
  no rank and no weight at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# The interval columns are named where they are made.
from pipeline.model.intervals import HOOG, LAAG

__all__ = [
    "LAAG",
    "HOOG",
    "Signaal",
    "buurtsignaal",
    "interval_edges",
    "intervallen",
    "rang_groepen",
    "rangscores",
    "scheidingen",
    "zekere_klassen",
    "zonder_signaal",
]


# ---------------------------------------------------------------------------
# buurt signal
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Signaal:
    """Whether buurt differences of an indicator carry information.

    Attributes
    ----------
    signaal
        False when differences between buurten come only from the model (no buurt
        margin informed them).
    marges
        The margins that informed the estimate (e.g. ``'leeftijd (KWB 2024)'``).
    uitleg
        Dutch text: which data would give buurt detail.
    """

    signaal: bool = True
    marges: tuple[str, ...] = ()
    uitleg: str = ""


def buurtsignaal(meta: dict[str, Any] | None, key: str) -> Signaal:
    """The buurt signal of one indicator from ``bronnen.json``.

    Parameters
    ----------
    meta
        ``bronnen.json`` content; its optional key ``buurtsignaal`` maps indicator keys
        to ``{"signaal": bool, "marges": [...], "uitleg": str}``.
    key
        Indicator key.

    Returns
    -------
    Signaal
        ``Signaal()`` (signal present) when the table predates the key or lacks the
        indicator: old outputs keep their classes and ranks.
    """
    entry = ((meta or {}).get("buurtsignaal") or {}).get(key)
    if not isinstance(entry, dict):
        return Signaal()
    return Signaal(
        signaal=bool(entry.get("signaal", True)),
        marges=tuple(str(m) for m in entry.get("marges", []) or []),
        uitleg=str(entry.get("uitleg", "") or ""),
    )


def zonder_signaal(metas: Iterable[dict[str, Any] | None], keys: Iterable[str]) -> list[str]:
    """Keys (in the given order) without buurt signal in at least one of ``metas``.

    A regional ranking pools several gemeenten: an indicator that is model-only in any
    of them cannot be compared across buurten there, so it is left out everywhere.
    """
    metas = list(metas)
    return [k for k in keys if any(not buurtsignaal(m, k).signaal for m in metas)]


def intervallen(df: pd.DataFrame, key: str) -> tuple[pd.Series, pd.Series]:
    """The interval columns of ``key`` (``key_laag``, ``key_hoog``), NaN when absent.

    Parameters
    ----------
    df
        Rows of the indicator table.
    key
        Indicator column.

    Returns
    -------
    lo, hi
        Float series on ``df.index``; NaN means "no interval" (zero width).
    """
    nan = pd.Series(np.nan, index=df.index, dtype=float)
    lo = df[key + LAAG].astype(float) if key + LAAG in df else nan
    hi = df[key + HOOG].astype(float) if key + HOOG in df else nan
    return lo, hi


# ---------------------------------------------------------------------------
# classes
# ---------------------------------------------------------------------------
def _arrays(values: Any, lo: Any, hi: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Finite values with their interval; a missing bound means zero width."""
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    lo_ = np.full_like(v, np.nan) if lo is None else np.asarray(lo, dtype=float).reshape(-1)
    hi_ = np.full_like(v, np.nan) if hi is None else np.asarray(hi, dtype=float).reshape(-1)
    if lo_.shape != v.shape or hi_.shape != v.shape:
        raise ValueError("values, lo en hi moeten even lang zijn")
    lo_ = np.where(np.isfinite(lo_), lo_, v)
    hi_ = np.where(np.isfinite(hi_), hi_, v)
    # An interval that does not contain its own value would make the rule below
    # inconsistent; widen it to the value (the value is what the map colours).
    return v, np.minimum(lo_, v), np.maximum(hi_, v)


def indistinguishable(v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Pairs of buurten whose difference lies inside their intervals.

    Two estimates cannot be told apart when either value lies inside the other's
    interval. This covers the rule "never separate buurten whose intervals overlap by
    more than the difference" (such an overlap always puts one value inside the other's
    interval) and also an exact value inside a wide interval, whose overlap is a point.
    Intervals that overlap only between the two values leave each value outside the
    other's likely range: those buurten may be separated.

    Parameters
    ----------
    v, lo, hi
        Values and interval bounds (bounds already widened to contain the value).

    Returns
    -------
    numpy.ndarray
        Boolean ``n x n`` matrix, True where the two buurten must not be separated.
    """
    inside = (lo[:, None] <= v[None, :]) & (v[None, :] <= hi[:, None])
    return inside | inside.T


def scheidingen(values: Any, lo: Any = None, hi: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Where the sorted buurten may be split into distinguishable groups.

    Parameters
    ----------
    values
        Values (NaN ignored).
    lo, hi
        Interval bounds, same length as ``values``; NaN or ``None`` = zero width.

    Returns
    -------
    positions, sorted_values
        ``positions``: every ``p`` (``1 <= p < n``) such that no buurt among the ``p``
        smallest values is :func:`indistinguishable` from any buurt among the others;
        ``sorted_values``: the finite values, ascending.
    """
    v, lo_, hi_ = _arrays(values, lo, hi)
    ok = np.isfinite(v)
    v, lo_, hi_ = v[ok], lo_[ok], hi_[ok]
    order = np.argsort(v, kind="mergesort")
    v, lo_, hi_ = v[order], lo_[order], hi_[order]
    n = v.size
    if n < 2:
        return np.array([], dtype=int), v
    bad = indistinguishable(v, lo_, hi_) | (v[:, None] == v[None, :])  # equal: never split
    # A break before position p separates rows :p from columns p: (upper-right block);
    # a 2-D prefix sum counts the bad pairs in every such block at once.
    pref = np.zeros((n + 1, n + 1), dtype=int)
    pref[1:, 1:] = np.cumsum(np.cumsum(bad, axis=0), axis=1)
    p = np.arange(1, n)
    # Sum over rows [0, p) and columns [p, n): S(p, n) - S(p, p).
    block = pref[p, n] - pref[p, p]
    return p[block == 0], v


def _nearest(wanted: Sequence[int], allowed: Sequence[int]) -> list[int]:
    """Each wanted position moved to the nearest allowed one (ties: the lower one);
    positions that land on the same place merge. Sorted, unique."""
    a = np.asarray(allowed, dtype=int)
    if a.size == 0:
        return []
    return sorted({int(a[np.argmin(np.abs(a - w))]) for w in wanted})


def interval_edges(values: Any, lo: Any, hi: Any, edges: Sequence[float]) -> list[float]:
    """Class edges of a scheme, moved so that no break separates overlapping intervals.

    Parameters
    ----------
    values
        Values (NaN = no value).
    lo, hi
        90 % interval per value (NaN or ``None`` = zero width, i.e. a measured value).
    edges
        Edges of the configured scheme on ``values`` (``[min, b1, ..., max]``, as
        :func:`pipeline.present.kaartklassen.classify` makes them).

    Returns
    -------
    list of float
        Edges ``[min, c1, ..., max]`` with at most as many classes as ``edges``. Every
        inner edge lies between two groups of buurten that are distinguishable (largest
        ``hi`` below < smallest ``lo`` above): each break of the scheme moves to the
        nearest such place (counted in buurten below the break; ties go down) and breaks
        that meet merge, so there may be fewer classes. With zero-width intervals the
        scheme's breaks are all allowed and come back unchanged.

    Notes
    -----
    A class holds values in ``(edges[i], edges[i+1]]``; a moved break is put on the
    largest value below it, so the values are classified the same way by
    :func:`pipeline.present.kaartklassen.classify`.
    """
    edges = [float(e) for e in edges]
    allowed, v = scheidingen(values, lo, hi)
    if len(edges) <= 2 or v.size == 0:
        return edges
    # Position of a scheme break = number of buurten at or below it.
    pos_of = {b: int(np.searchsorted(v, b, side="right")) for b in edges[1:-1]}
    wanted = sorted({p for p in pos_of.values() if 0 < p < v.size})
    chosen = _nearest(wanted, allowed)
    inner = []
    for p in chosen:
        own = [b for b, q in pos_of.items() if q == p]
        inner.append(own[0] if own else float(v[p - 1]))
    return [edges[0], *inner, edges[-1]]


def zekere_klassen(values: Any, lo: Any, hi: Any, edges: Sequence[float]) -> np.ndarray:
    """Class of each value in a fixed scheme, only where its whole interval lies in it.

    A fixed scheme (the rank-score colours of the heat table: 0-0.2, ..., 0.8-1) cannot
    move its breaks as :func:`interval_edges` does, so instead a value whose interval
    crosses a break gets no class. Two values with a class each and different classes
    are then always distinguishable: the interval of the one lies in its own class and
    cannot hold the other's value.

    Parameters
    ----------
    values
        Values (NaN = no value).
    lo, hi
        Interval bounds, same length (NaN or ``None`` = zero width).
    edges
        Inner breaks of the scheme, ascending; class ``i`` holds ``[edges[i-1],
        edges[i])`` (class 0 everything below ``edges[0]``).

    Returns
    -------
    numpy.ndarray
        Integer class per value; ``-1`` for no value or an interval across a break.
    """
    v, lo_, hi_ = _arrays(values, lo, hi)
    e = np.asarray(edges, dtype=float)
    klasse = np.searchsorted(e, v, side="right")
    zeker = np.isfinite(v) & (np.searchsorted(e, lo_, side="right") == klasse)
    zeker &= np.searchsorted(e, hi_, side="right") == klasse
    return np.where(zeker, klasse, -1)


# ---------------------------------------------------------------------------
# rankings
# ---------------------------------------------------------------------------
def rangscores(
    values: pd.Series, lo: pd.Series | None = None, hi: pd.Series | None = None
) -> pd.DataFrame:
    """Rank score (0 = lowest value, 1 = highest) with the range the intervals allow.

    Parameters
    ----------
    values
        Values by buurt (NaN = no value, no score).
    lo, hi
        Interval bounds on the same index (NaN or ``None`` = zero width).

    Returns
    -------
    pandas.DataFrame
        Same index; ``rs``: ``(rank - 1) / (n - 1)`` with average ranks for ties (0.5
        when only one buurt has a value); ``rs_min``/``rs_max``: the rank score if every
        buurt with a lower value whose interval reaches this buurt's interval ranked
        above it (``rs_min``), or every such buurt with a higher value ranked below it
        (``rs_max``). Zero-width intervals give ``rs_min == rs == rs_max``.

    Notes
    -----
    Tied values already share their average rank; their own interval overlap is not
    added on top (ties between estimates are rare, and it keeps measured ties as they
    were).
    """
    v_all, lo_all, hi_all = _arrays(
        values,
        None if lo is None else pd.Series(lo).reindex(values.index),
        None if hi is None else pd.Series(hi).reindex(values.index),
    )
    out = pd.DataFrame(np.nan, index=values.index, columns=["rs", "rs_min", "rs_max"])
    ok = np.isfinite(v_all)
    n = int(ok.sum())
    if n == 0:
        return out
    if n == 1:
        out.loc[ok, ["rs", "rs_min", "rs_max"]] = 0.5
        return out
    v, lo_, hi_ = v_all[ok], lo_all[ok], hi_all[ok]
    rank = pd.Series(v).rank(method="average").to_numpy()
    vs, his, los = np.sort(v), np.sort(hi_), np.sort(lo_)
    # Lower values that overlap = all lower values minus those surely below (hi < lo_i;
    # such a buurt's value is lower automatically).
    below = np.searchsorted(vs, v, side="left") - np.searchsorted(his, lo_, side="left")
    above = (n - np.searchsorted(vs, v, side="right")) - (n - np.searchsorted(los, hi_, "right"))
    out.loc[ok, "rs"] = (rank - 1) / (n - 1)
    out.loc[ok, "rs_min"] = (rank - np.maximum(below, 0) - 1) / (n - 1)
    out.loc[ok, "rs_max"] = (rank + np.maximum(above, 0) - 1) / (n - 1)
    return out


def rang_groepen(
    score: pd.Series, lo: pd.Series | None = None, hi: pd.Series | None = None
) -> pd.DataFrame:
    """Shared places of a descending ranking: overlapping buurten share a place.

    Parameters
    ----------
    score
        Total score by buurt (higher = larger task; NaN = not ranked).
    lo, hi
        Range of the score (NaN or ``None`` = exact).

    Returns
    -------
    pandas.DataFrame
        Same index; ``van`` and ``tot`` (float, NaN when not ranked): the places the
        buurt shares. Buurten are cut into groups only where every buurt of the higher
        group is distinguishable from every buurt below it, so a group spans all
        buurten it cannot be told apart from. ``van == tot`` is a place of its own.
        Equal exact scores share a place too.
    """
    out = pd.DataFrame(np.nan, index=score.index, columns=["van", "tot"])
    s = pd.to_numeric(score, errors="coerce").astype(float)
    ok = s.notna().to_numpy()
    if not ok.any():
        return out
    lo_ = None if lo is None else pd.Series(lo).reindex(score.index).to_numpy()[ok]
    hi_ = None if hi is None else pd.Series(hi).reindex(score.index).to_numpy()[ok]
    cuts, _ = scheidingen(s.to_numpy()[ok], lo_, hi_)
    # Group id per buurt in ascending score order, then places counted from the top.
    order = np.argsort(s.to_numpy()[ok], kind="mergesort")
    gid = np.zeros(order.size, dtype=int)
    gid[cuts] = 1
    gid = np.cumsum(gid)
    n = order.size
    sizes = np.bincount(gid)
    above = np.cumsum(sizes[::-1])[::-1] - sizes  # buurten in higher groups
    van = np.empty(n)
    tot = np.empty(n)
    van[order] = above[gid] + 1
    tot[order] = above[gid] + sizes[gid]
    out.loc[ok, "van"] = van
    out.loc[ok, "tot"] = tot
    return out


def zeker_bovenaan(scores: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ranked buurten that are surely among the first ``n`` places.

    A buurt that shares places 1-13 with twelve others is not "one of the three highest":
    naming it so would split buurten whose difference lies inside the margins. Only
    buurten whose shared place ends at ``n`` or before are surely in the top ``n``.

    Parameters
    ----------
    scores
        Ranked buurten, best first, with ``score`` and the shared places ``plaats_van`` /
        ``plaats_tot`` (:func:`rang_groepen`; NaN places count as the strict ``rang``).
    n
        How many places.

    Returns
    -------
    pandas.DataFrame
        At most ``n`` rows of ``scores``, in their order (empty when no buurt is sure).
    """
    s = scores.dropna(subset=["score"])
    if "plaats_tot" not in s:
        return s.head(n)
    tot = pd.to_numeric(s["plaats_tot"], errors="coerce").fillna(s["rang"])
    return s[tot <= n].head(n)
