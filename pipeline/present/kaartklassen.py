"""Map classes of buurt indicators: breaks, Dutch class labels and the palette.

Split off from :mod:`pipeline.present.maps` (which re-exports every public name here).
The classes never separate buurten whose 90 % intervals overlap: the breaks themselves
come from :mod:`pipeline.present.klassen`; this module turns them into a
:class:`Classification` with legend labels, and gives the one sequential palette
(YlGnBu, reversed when a lower value means a larger task).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
import pandas as pd

from pipeline.present import fmt, klassen

__all__ = [
    "SCHEMES",
    "Classification",
    "classify",
    "palette",
    "shared_bins",
]

#: Classification schemes accepted by :func:`classify` (the config enum).
SCHEMES = ("quantiles", "equal_interval", "natural_breaks", "fisher_jenks")
# Units that are short enough to print after every class break.
_SUFFIX_UNITS = {"%": " %", "km": " km"}


@dataclass(frozen=True)
class Classification:
    """Result of :func:`classify`.

    Attributes
    ----------
    scheme
        Classification scheme used.
    edges
        Class edges, length ``k + 1``: ``[min, b1, ..., max]``. Class *i* holds values
        in ``(edges[i], edges[i+1]]`` (the first class also holds ``edges[0]``), the
        mapclassify convention.
    labels
        Dutch legend label per class, e.g. ``'12,5 – 18,0 %'``.
    classes
        Class index per input value (same index as the input); ``-1`` for NaN.
    decimals
        Decimals used in the labels.
    marges
        True when the breaks were placed with non-zero 90 % intervals
        (:func:`pipeline.present.klassen.interval_edges`): overlapping buurten share a class.
    """

    scheme: str
    edges: list[float]
    labels: list[str]
    classes: pd.Series
    decimals: int = 1
    marges: bool = False

    @property
    def k(self) -> int:
        """Number of classes actually used (may be fewer than requested)."""
        return len(self.labels)

    @property
    def samengevoegd(self) -> bool:
        """True when the intervals merged different values into one class.

        One class of equal values (or of a single buurt) is not the margins' doing, and
        must not be explained as such.
        """
        return (
            self.marges and self.k <= 1 and len(self.edges) > 1 and self.edges[0] < self.edges[-1]
        )

    @property
    def bins(self) -> list[float]:
        """Upper bound per class (mapclassify's ``bins``)."""
        return list(self.edges[1:]) if len(self.edges) > 1 else list(self.edges)

    def assign(self, values: pd.Series) -> pd.Series:
        """Class index of other values on these breaks (``-1`` for NaN)."""
        return _assign(values, self.edges)


def _assign(values: pd.Series, edges: Sequence[float]) -> pd.Series:
    v = pd.to_numeric(pd.Series(values), errors="coerce").astype(float)
    out = pd.Series(-1, index=v.index, dtype="int64")
    if len(edges) == 0:
        return out
    ok = v.notna().to_numpy()
    inner = np.asarray(edges[1:-1], dtype=float)
    # side="left": a value equal to an upper bound stays in the lower class (mapclassify).
    idx = np.searchsorted(inner, v.to_numpy()[ok], side="left")
    out.iloc[np.flatnonzero(ok)] = np.clip(idx, 0, max(len(edges) - 2, 0))
    return out


def _edges(y: np.ndarray, scheme: str, k: int) -> list[float]:
    with warnings.catch_warnings():
        # mapclassify warns when ties leave fewer classes; we handle that (fewer labels).
        warnings.simplefilter("ignore", UserWarning)
        return _edges_inner(y, scheme, k)


def _edges_inner(y: np.ndarray, scheme: str, k: int) -> list[float]:
    """Class edges for the finite values ``y`` (``[]`` when there are none)."""
    if scheme not in SCHEMES:
        raise ValueError(f"onbekende classificatie {scheme!r}; kies uit {', '.join(SCHEMES)}")
    y = y[np.isfinite(y)]
    uniq = np.unique(y)
    if uniq.size == 0:
        return []
    if uniq.size == 1:
        return [float(uniq[0]), float(uniq[0])]
    # mapclassify cannot make more classes than there are distinct values.
    k_eff = int(max(1, min(k, uniq.size)))
    # The two default-able schemes are mapclassify's formulas in numpy: importing
    # mapclassify pulls in scipy and scikit-learn (~0.8 s for every render job).
    if scheme == "quantiles":
        pct = np.minimum(np.arange(1, k_eff + 1) * (100.0 / k_eff), 100.0)
        bins = np.unique(np.percentile(y, pct))
    elif scheme == "equal_interval":
        width = (y.max() - y.min()) / k_eff
        bins = y.min() + width * np.arange(1, k_eff + 1)
        bins[-1] = y.max()
    elif scheme == "fisher_jenks":
        import mapclassify

        bins = mapclassify.FisherJenks(y, k=k_eff).bins
    else:
        import mapclassify

        # NaturalBreaks runs k-means from random starts (global numpy RNG): seed it so a
        # rebuild gives the same map, and restore the caller's RNG state afterwards.
        state = np.random.get_state()
        try:
            np.random.seed(20240101)
            bins = mapclassify.NaturalBreaks(y, k=k_eff).bins
        finally:
            np.random.set_state(state)
    edges = np.unique(np.concatenate([[y.min()], np.asarray(bins, dtype=float)]))
    edges[-1] = max(edges[-1], y.max())
    return [float(e) for e in edges]


def _labels(edges: Sequence[float], decimals: int, unit: str) -> tuple[list[str], int]:
    suffix = _SUFFIX_UNITS.get(unit, "")
    if len(edges) == 0:
        return [], decimals
    if len(edges) == 2 and edges[0] == edges[1]:
        return [f"{fmt.getal(edges[0], decimals)}{suffix}"], decimals
    # Add decimals until neighbouring breaks print differently (e.g. '4,4 – 4,4').
    for d in range(decimals, decimals + 4):
        txt = [fmt.getal(e, d) for e in edges]
        if len(set(txt)) == len(txt):
            break
    labels = [f"{txt[i]} – {txt[i + 1]}{suffix}" for i in range(len(edges) - 1)]
    return labels, d


def _member_labels(
    v: pd.Series, classes: pd.Series, k: int, decimals: int, unit: str
) -> tuple[list[str], int] | None:
    """Labels from the lowest and highest value in each class, or None if one is empty.

    Break labels ("15 – 24 %", "24 – 25 %") left a buurt printed as 24 % in either class;
    the values a class really holds, with decimals added until neighbouring classes print
    apart, place every printed value in one class.
    """
    suffix = _SUFFIX_UNITS.get(unit, "")
    groups = v.groupby(classes.to_numpy())
    lows, highs = groups.min(), groups.max()
    if sorted(lows.index) != list(range(k)):
        return None
    for d in range(decimals, decimals + 4):
        apart = all(fmt.afgerond(highs[i], d) < fmt.afgerond(lows[i + 1], d) for i in range(k - 1))
        if apart:
            break
    labels = []
    for i in range(k):
        a, b = fmt.getal(lows[i], d), fmt.getal(highs[i], d)
        labels.append(f"{a}{suffix}" if a == b else f"{a} – {b}{suffix}")
    return labels, d


def classify(
    values: pd.Series,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    *,
    decimals: int = 1,
    unit: str = "",
    lo: pd.Series | None = None,
    hi: pd.Series | None = None,
) -> Classification:
    """Classify indicator values for a choropleth.

    Parameters
    ----------
    values
        Values (NaN = no value), any index (usually buurt codes).
    scheme
        One of :data:`SCHEMES`.
    k
        Requested number of classes; fewer are used when there are fewer distinct values.
    bins
        Fixed class *edges* ``[min, b1, ..., max]`` (as returned by :func:`shared_bins`);
        when given, ``scheme`` and ``k`` only label the result.
    decimals
        Decimals in the legend labels (``Indicator.decimalen``); raised automatically
        when neighbouring breaks would otherwise print the same.
    unit
        ``Indicator.eenheid``; ``'%'`` and ``'km'`` are printed after each class label.
    lo, hi
        90 % interval per value (same index; NaN = exact). When given (and ``bins`` is
        not), breaks are only placed where all buurten below are distinguishable from
        all above (:func:`pipeline.present.klassen.interval_edges`), so overlapping buurten never
        get different colours.

    Returns
    -------
    Classification
        Edges, Dutch labels and the class index per value (``-1`` for NaN).
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").astype(float)
    marges = False
    if bins is not None:
        edges = sorted(float(b) for b in bins)
        if len(edges) == 1:
            edges = edges * 2
    else:
        edges = _edges(v.to_numpy(), scheme, k)
        if lo is not None or hi is not None:
            lo_, hi_ = _bounds(v, lo, hi)
            edges = klassen.interval_edges(v.to_numpy(), lo_, hi_, edges)
            marges = _has_width(v, lo_, hi_)
    classes = _assign(v, edges)
    labels, d = _labels(edges, decimals, unit)
    if bins is None and len(labels) > 1:
        # Shared bins label several years' values at once: they keep the break labels.
        labels, d = _member_labels(v[classes >= 0], classes[classes >= 0], len(labels),
                                   decimals, unit) or (labels, d)  # fmt: skip
    return Classification(scheme, edges, labels, classes, d, marges)


def _bounds(
    v: pd.Series, lo: pd.Series | None, hi: pd.Series | None
) -> tuple[np.ndarray, np.ndarray]:
    """Interval bounds aligned with ``v`` (by index when the index matches, else by order)."""

    def align(b: pd.Series | None) -> np.ndarray:
        if b is None:
            return np.full(len(v), np.nan)
        b = pd.Series(b)
        # By label when the indexes share labels (buurt codes), else by position.
        if b.index.equals(v.index) or len(b) != len(v) or b.index.isin(v.index).any():
            b = b.reindex(v.index)
        return pd.to_numeric(b, errors="coerce").to_numpy(dtype=float)

    return align(lo), align(hi)


def _has_width(v: pd.Series, lo: np.ndarray, hi: np.ndarray) -> bool:
    x = v.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return bool(np.any((np.isfinite(lo) & (lo < x)) | (np.isfinite(hi) & (hi > x))))


def shared_bins(
    series_list: Iterable[pd.Series],
    scheme: str = "quantiles",
    k: int = 5,
    intervals: Iterable[tuple[pd.Series | None, pd.Series | None]] | None = None,
) -> list[float]:
    """Class edges computed over several series together.

    Use them to classify two maps (e.g. base year and last horizon year) on the SAME
    breaks: ``classify(s, bins=shared_bins([s_now, s_future]))``, so colours compare.

    Parameters
    ----------
    series_list
        The series to pool.
    scheme, k
        As in :func:`classify`.
    intervals
        Optional ``(lo, hi)`` per series (as in :func:`classify`); the pooled breaks
        then never separate overlapping values (of either year).

    Returns
    -------
    list of float
        Edges ``[min, b1, ..., max]`` over all values.
    """
    series = [pd.to_numeric(pd.Series(s), errors="coerce").astype(float) for s in series_list]
    pooled = np.concatenate([s.to_numpy() for s in series]) if series else np.array([])
    edges = _edges(pooled, scheme, k)
    if intervals is None:
        return edges
    bounds = [_bounds(s, lo, hi) for s, (lo, hi) in zip(series, intervals, strict=True)]
    lo_ = np.concatenate([b[0] for b in bounds])
    hi_ = np.concatenate([b[1] for b in bounds])
    return klassen.interval_edges(pooled, lo_, hi_, edges)


def palette(k: int, richting: int = 1) -> list[str]:
    """Sequential colours for ``k`` classes, darkest = largest task.

    YlGnBu (ColorBrewer) is colour-blind safe and its lightness decreases monotonically,
    so the order survives greyscale printing. Reversed when ``richting == -1``.

    Parameters
    ----------
    k
        Number of classes.
    richting
        Indicator direction (+1: higher = larger task; -1: lower = larger task).

    Returns
    -------
    list of str
        Hex colours, one per class in ascending value order.
    """
    if k <= 0:
        return []
    cmap = mpl.colormaps["YlGnBu"]
    # Skip the near-white end (would vanish on paper) and the near-black end
    # (labels need contrast); one class gets a mid tone.
    pos = [0.55] if k == 1 else np.linspace(0.12, 0.92, k)
    cols = [mpl.colors.to_hex(cmap(p)) for p in pos]
    return cols[::-1] if richting == -1 else cols
