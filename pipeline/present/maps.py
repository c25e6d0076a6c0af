"""Choropleth maps of buurt indicators, shared by the council report and the vouwkaarten.

Only the object-oriented matplotlib API is used (``matplotlib.figure.Figure`` with the
Agg canvas), never ``pyplot``: the pipeline renders many figures in worker processes and
pyplot's global figure registry would leak memory and state between them.

Design choices that matter for print and for the people reading the maps:

* one sequential ColorBrewer palette (YlGnBu) that is colour-blind safe and keeps a
  monotone lightness, so the classes stay ordered on a greyscale copier; it is reversed
  for indicators where a *lower* value means a larger task (``richting == -1``) so that
  "darker = larger task" holds on every map;
* buurten without a value are never given a palette colour: "te weinig inwoners" and
  "geen gegevens" get two different hatchings in light grey and their own legend entry;
* all text is pure black (#000000) with a thin white halo, legible on dark classes;
* buurt names are placed inside their polygon without overlaps; buurten that are too
  small get a number with a key (and a leader line when even the number has no room);
  the placement lives in :mod:`pipeline.present.kaartlabels` and is re-exported here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.legend import Legend
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox
from shapely.geometry import box

from pipeline.model.registry import Indicator
from pipeline.present import klassen, lettertype, texts
from pipeline.present.kaartlabels import (  # noqa: F401 - re-exported: callers use maps.<name>
    BLACK,
    _halo,
    _polys,
    _renderer,
    buurt_nummers,
    crowded_extent,
    place_labels,
    place_wijk_names,
)

__all__ = [
    "BLACK",
    "GEEN_GEGEVENS",
    "NEUTRAAL",
    "PRINT_RC",
    "SCHEMES",
    "STATUS_STYLE",
    "TE_WEINIG",
    "Classification",
    "MapResult",
    "buurt_intervals",
    "buurt_nummers",
    "buurt_values",
    "classify",
    "crowded_extent",
    "dissolve_wijken",
    "draw_choropleth",
    "draw_key",
    "fmt_nl",
    "legend_handles",
    "legend_title",
    "north_arrow",
    "palette",
    "place_labels",
    "place_wijk_names",
    "scale_bar",
    "setup_map_axes",
    "shared_bins",
    "soort_marker",
]

#: Status values of the indicator table that mean "no value on the map".
TE_WEINIG = "te weinig inwoners"
GEEN_GEGEVENS = "geen gegevens"
#: Hatch styles for buurten without a value: light grey, distinct patterns, never a
#: palette colour. The face is a neutral grey so they also differ from the lightest class.
STATUS_STYLE: dict[str, dict[str, Any]] = {
    TE_WEINIG: {"facecolor": "#eeeeee", "hatch": "////", "hatchcolor": "#9b9b9b"},
    GEEN_GEGEVENS: {"facecolor": "#ffffff", "hatch": "xx", "hatchcolor": "#9b9b9b"},
}
#: Classification schemes accepted by :func:`classify` (the config enum).
SCHEMES = ("quantiles", "equal_interval", "natural_breaks", "fisher_jenks")
#: rcParams for saving print PDFs: TrueType (Type 42) fonts get embedded, black text.
PRINT_RC: dict[str, Any] = {
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    # The pinned report font (Source Sans Pro), the same family as the PDF text.
    "font.family": lettertype.register_fonts(),
    "text.color": BLACK,
    "axes.edgecolor": BLACK,
    "hatch.linewidth": 0.6,
}
#: Fill of every buurt on the map of an indicator without buurt signal (one neutral grey,
#: no classes: the buurt values differ only through the model).
NEUTRAAL = "#d4d4d4"
# Units that are short enough to print after every class break.
_SUFFIX_UNITS = {"%": " %", "km": " km"}


# ---------------------------------------------------------------------------
# numbers and classification
# ---------------------------------------------------------------------------
def fmt_nl(x: float, decimals: int = 0) -> str:
    """Format a number the Dutch way: ``1234.5 -> '1.234,5'``.

    Parameters
    ----------
    x
        The number.
    decimals
        Digits after the decimal comma.

    Returns
    -------
    str
        Formatted number, or ``'–'`` for NaN.
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    s = f"{float(x):,.{max(decimals, 0)}f}"
    # Swap the separators via a placeholder: ',' -> '.', '.' -> ','.
    s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return "0" if s in ("-0", "-0,0") and decimals == 0 else s


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
        return [f"{fmt_nl(edges[0], decimals)}{suffix}"], decimals
    # Add decimals until neighbouring breaks print differently (e.g. '4,4 – 4,4').
    for d in range(decimals, decimals + 4):
        txt = [fmt_nl(e, d) for e in edges]
        if len(set(txt)) == len(txt):
            break
    labels = [f"{txt[i]} – {txt[i + 1]}{suffix}" for i in range(len(edges) - 1)]
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
    labels, d = _labels(edges, decimals, unit)
    return Classification(scheme, edges, labels, _assign(v, edges), d, marges)


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


# ---------------------------------------------------------------------------
# data helpers
# ---------------------------------------------------------------------------
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
        Two series indexed by buurt code.
    """
    b = indicatoren[indicatoren["niveau"] == "buurt"]
    if jaar is None:
        basis = b.loc[b["schatting"] == "basisjaar", "jaar"]
        jaar = int(basis.min() if len(basis) else b["jaar"].min())
    b = b[b["jaar"] == jaar].drop_duplicates("code").set_index("code")
    return b[key].astype(float), b["status"].fillna("").astype(str)


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


def soort_marker(indicator: Indicator) -> str:
    """``''`` for measured indicators, else ``'geschat'`` / ``'gemodelleerd'`` / ...."""
    return "" if indicator.soort == "gemeten" else indicator.soort


def legend_title(indicator: Indicator, jaar: int | None = None) -> str:
    """Legend title from the registry: label, unit where the classes lack it, soort.

    Parameters
    ----------
    indicator
        Registry entry.
    jaar
        Optional year appended to the first line.

    Returns
    -------
    str
        Two or three lines.
    """
    first = indicator.label + (f", {jaar}" if jaar is not None else "")
    lines = [first]
    if indicator.eenheid == "ratio":
        lines.append(indicator.kort)
    elif indicator.eenheid not in _SUFFIX_UNITS and indicator.eenheid not in indicator.label:
        lines.append(f"({indicator.eenheid})")
    marker = soort_marker(indicator)
    if marker:
        lines.append(f"[{marker}]")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# geometry -> matplotlib
# ---------------------------------------------------------------------------
def geom_path(geom: Any) -> MplPath:
    """Compound path (exterior plus holes) of a (multi)polygon."""
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in _polys(geom):
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 3:
                continue
            c = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            c[0] = MplPath.MOVETO
            c[-1] = MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return MplPath(np.zeros((1, 2)), [MplPath.MOVETO])
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def setup_map_axes(ax: Axes, geoms: Any, pad: float = 0.03) -> None:
    """Fix equal-aspect limits around ``geoms`` that fill the axes box, axis off.

    The limits are computed here (instead of by matplotlib at draw time) so that the
    data-to-display transform is final before labels are measured and placed.

    Parameters
    ----------
    ax
        Target axes.
    geoms
        GeoDataFrame/GeoSeries (anything with ``total_bounds``).
    pad
        Margin as a fraction of the larger extent.
    """
    x0, y0, x1, y1 = (float(v) for v in geoms.total_bounds)
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    m = pad * max(w, h)
    x0, x1, y0, y1 = x0 - m, x1 + m, y0 - m, y1 + m
    fig = ax.get_figure()
    pos = ax.get_position()
    fw, fh = fig.get_size_inches()
    box_ratio = (pos.height * fh) / (pos.width * fw)
    dw, dh = x1 - x0, y1 - y0
    if dh / dw < box_ratio:  # too wide for the box: grow y
        extra = dw * box_ratio - dh
        y0, y1 = y0 - extra / 2, y1 + extra / 2
    else:
        extra = dh / box_ratio - dw
        x0, x1 = x0 - extra / 2, x1 + extra / 2
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_axis_off()


# ---------------------------------------------------------------------------
# legend, key, scale bar, north arrow
# ---------------------------------------------------------------------------
def legend_handles(
    classification: Classification,
    richting: int = 1,
    statuses: Iterable[str] = (),
    neutraal: str = "",
) -> list[Patch]:
    """Legend patches: one per class (ascending) plus one per no-value status shown.

    Parameters
    ----------
    classification
        The map's classification.
    richting
        Indicator direction (palette orientation).
    statuses
        Subset of ``{TE_WEINIG, GEEN_GEGEVENS}`` to list.
    neutraal
        Label of the single neutral patch of a map without classes (see
        :func:`draw_choropleth`); replaces the class patches.

    Returns
    -------
    list of matplotlib.patches.Patch
    """
    if neutraal:
        handles = [Patch(facecolor=NEUTRAAL, edgecolor="#6e6e6e", linewidth=0.4, label=neutraal)]
    else:
        cols = palette(classification.k, richting)
        handles = [
            Patch(facecolor=c, edgecolor="#6e6e6e", linewidth=0.4, label=lab)
            for c, lab in zip(cols, classification.labels, strict=True)
        ]
    for st in (TE_WEINIG, GEEN_GEGEVENS):
        if st in set(statuses):
            s = STATUS_STYLE[st]
            handles.append(
                Patch(
                    facecolor=s["facecolor"],
                    hatch=s["hatch"],
                    hatchcolor=s["hatchcolor"],
                    edgecolor="#6e6e6e",
                    linewidth=0.4,
                    label=st,
                )
            )
    return handles


def draw_key(
    ax: Axes,
    key: Sequence[tuple[int, str]],
    *,
    fontsize: float = 6,
    ncols: int = 1,
    title: str | None = "Genummerde buurten",
    x: float = 0.0,
    y: float = 1.0,
) -> list[Any]:
    """Write a numbered key (``number  naam``) into ``ax`` in axes coordinates.

    Parameters
    ----------
    ax
        Axes to write into (usually an axis-off panel, or the map itself).
    key
        ``[(number, naam), ...]``.
    fontsize
        Text size in points.
    ncols
        Columns.
    title
        Heading (``None`` for none).
    x, y
        Top-left corner in axes coordinates.

    Returns
    -------
    list
        The Text artists.
    """
    arts: list[Any] = []
    if not key:
        return arts
    fig = ax.get_figure()
    # Line height in axes fraction, from the axes' height in points.
    h_pt = ax.get_position().height * fig.get_size_inches()[1] * 72
    line = 1.45 * fontsize / h_pt
    if title:
        arts.append(
            ax.text(
                x,
                y,
                title,
                transform=ax.transAxes,
                fontsize=fontsize,
                fontweight="bold",
                va="top",
                ha="left",
                color=BLACK,
            )
        )
        y -= 1.6 * line
    per_col = math.ceil(len(key) / ncols)
    colw = (1.0 - x) / ncols
    for i, (nr, naam) in enumerate(key):
        c, r = divmod(i, per_col)
        arts.append(
            ax.text(
                x + c * colw,
                y - r * line,
                f"{nr:>2}  {naam}",
                transform=ax.transAxes,
                fontsize=fontsize,
                va="top",
                ha="left",
                color=BLACK,
            )
        )
    return arts


def _nice_length(span_m: float, frac: float = 0.22) -> float:
    target = span_m * frac
    nice = [10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000]
    return float(max([n for n in nice if n <= target] or [nice[0]]))


def _dist_label(m: float) -> str:
    if m < 1000:
        return f"{m:.0f} m"
    km = m / 1000
    d = 0 if km == int(km) else (1 if km * 10 == int(km * 10) else 2)
    return f"{fmt_nl(km, d)} km"


def scale_bar(
    ax: Axes,
    *,
    length: float | None = None,
    x: float = 0.04,
    y: float = 0.04,
    height_frac: float = 0.012,
    fontsize: float = 7,
    segments: int = 4,
) -> Bbox:
    """Draw an alternating black/white scale bar in RD metres.

    Parameters
    ----------
    ax
        Map axes in EPSG:28992 (metres), limits already set.
    length
        Bar length in metres (default: a round number near 22 % of the map width).
    x, y
        Lower-left corner in axes fraction.
    height_frac
        Bar height as a fraction of the axes height.
    fontsize
        Label size in points.
    segments
        Number of alternating segments.

    Returns
    -------
    matplotlib.transforms.Bbox
        Display-coordinate extent (to keep labels clear of it).
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = length or _nice_length(x1 - x0)
    bx = x0 + x * (x1 - x0)
    by = y0 + y * (y1 - y0)
    bh = height_frac * (y1 - y0)
    seg = length / segments
    arts = []
    for i in range(segments):
        arts.append(
            ax.add_patch(
                Rectangle(
                    (bx + i * seg, by),
                    seg,
                    bh,
                    facecolor=BLACK if i % 2 == 0 else "#ffffff",
                    edgecolor=BLACK,
                    linewidth=0.6,
                    zorder=8,
                )
            )
        )
    kw = {
        "fontsize": fontsize,
        "color": BLACK,
        "ha": "center",
        "va": "bottom",
        "zorder": 8,
        "path_effects": _halo(fontsize),
    }
    arts.append(ax.text(bx, by + bh * 1.4, "0", **kw))
    arts.append(ax.text(bx + length / 2, by + bh * 1.4, _dist_label(length / 2).split()[0], **kw))
    arts.append(ax.text(bx + length, by + bh * 1.4, _dist_label(length), **kw))
    r = _renderer(ax.get_figure())
    return Bbox.union([a.get_window_extent(r) for a in arts])


def north_arrow(
    ax: Axes, *, x: float = 0.95, y: float = 0.93, size: float = 0.06, fontsize: float = 9
) -> Bbox:
    """Draw a north arrow (RD grid north; within ~2° of true north in the Netherlands).

    Parameters
    ----------
    ax
        Map axes.
    x, y
        Position of the arrow tip in axes fraction.
    size
        Arrow length as a fraction of the axes height.
    fontsize
        Size of the "N".

    Returns
    -------
    matplotlib.transforms.Bbox
        Display-coordinate extent.
    """
    ann = ax.annotate(
        "N",
        xy=(x, y),
        xytext=(x, y - size),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="top",
        fontsize=fontsize,
        fontweight="bold",
        color=BLACK,
        zorder=8,
        arrowprops={
            "facecolor": BLACK,
            "edgecolor": BLACK,
            "width": fontsize * 0.25,
            "headwidth": fontsize * 0.9,
            "headlength": fontsize * 0.9,
        },
    )
    r = _renderer(ax.get_figure())
    return Bbox.union([ann.get_window_extent(r), ann.arrow_patch.get_window_extent(r)])


def _free_corner(
    ax: Axes, shape: Any, corners: Sequence[tuple[float, float]], w: float, h: float
) -> tuple[float, float]:
    """Of candidate lower-left corners (axes fraction) of a w x h box, the one that covers
    the least of ``shape`` (first wins ties), so map furniture does not hide buurten."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    best, best_area = corners[0], math.inf
    for cx, cy in corners:
        b = box(x0 + cx * (x1 - x0), y0 + cy * (y1 - y0),
                x0 + (cx + w) * (x1 - x0), y0 + (cy + h) * (y1 - y0))  # fmt: skip
        area = shape.intersection(b).area
        if area < best_area - 1e-6 * b.area:
            best, best_area = (cx, cy), area
    return best


# ---------------------------------------------------------------------------
# the choropleth
# ---------------------------------------------------------------------------
@dataclass
class MapResult:
    """What :func:`draw_choropleth` drew.

    Attributes
    ----------
    classification
        Classification used (pass it to a second map to share the breaks).
    label_boxes
        Buurt code -> display-coordinate Bbox of its placed label (name or number).
    numbered
        ``[(number, code, naam), ...]`` for buurten shown with a number.
    statuses
        No-value statuses that occur on the map (and in the legend).
    legend
        The legend artist, if drawn.
    neutraal
        Legend label of the neutral fill when the map has no classes (``''`` otherwise).
    furniture
        Display boxes the labels kept clear of: the ``avoid`` boxes passed in, the scale
        bar and the north arrow.
    wijk_boxes
        Wijk code -> display Bbox of each wijk name drawn (``wijknamen``).
    """

    classification: Classification
    label_boxes: dict[str, Bbox] = field(default_factory=dict)
    numbered: list[tuple[int, str, str]] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    legend: Legend | None = None
    neutraal: str = ""
    furniture: list[Bbox] = field(default_factory=list)
    wijk_boxes: dict[str, Bbox] = field(default_factory=dict)

    @property
    def occupied(self) -> list[Bbox]:
        """Every display box taken on the map (labels, wijk names and furniture): what a
        later text layer must keep clear of."""
        return [*self.label_boxes.values(), *self.wijk_boxes.values(), *self.furniture]

    @property
    def key(self) -> list[tuple[int, str]]:
        """Numbered key ``[(number, naam), ...]``."""
        return [(nr, naam) for nr, _code, naam in self.numbered]


def draw_choropleth(
    ax: Axes,
    buurten: Any,
    values: pd.Series,
    indicator: Indicator,
    *,
    classification: Classification | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    status: pd.Series | None = None,
    wijken: Any | None = None,
    labels: bool | str = False,
    label_size: float = 6,
    number_size: float | None = None,
    legend: bool = True,
    legend_loc: str = "outside right",
    legend_size: float | None = None,
    title: str | None = None,
    title_size: float | None = None,
    line_scale: float = 1.0,
    pad: float = 0.03,
    avoid: Sequence[Bbox] = (),
    scalebar: bool | dict[str, Any] = False,
    north: bool | dict[str, Any] = False,
    lo: pd.Series | None = None,
    hi: pd.Series | None = None,
    neutraal: str = "",
    wijknamen: Any | None = None,
    wijknaam_size: float | None = None,
) -> MapResult:
    """Draw a buurt choropleth of one indicator into ``ax``.

    Parameters
    ----------
    ax
        Target axes (its position in the figure must be final).
    buurten
        GeoDataFrame with ``code``, ``naam`` and geometry in EPSG:28992.
    values
        Indicator values indexed by buurt code (NaN = no value).
    indicator
        Registry entry (labels, unit, decimals, direction, soort).
    classification
        Precomputed classification (e.g. shared breaks); else computed with ``scheme``/``k``.
    scheme, k
        Classification when ``classification`` is None.
    status
        Status per buurt code; a NaN value is drawn as "te weinig inwoners" when the
        status says so, else as "geen gegevens".
    wijken
        GeoDataFrame of wijk polygons; their boundaries are drawn heavier.
    labels
        ``'names'`` (or True), ``'numbers'`` or False.
    label_size, number_size
        Label sizes in points.
    legend
        Draw the legend.
    legend_loc
        A matplotlib legend location inside the map, or ``'outside right'`` /
        ``'outside bottom'`` (next to the axes).
    legend_size
        Legend font size (default: ``label_size + 1``).
    title, title_size
        Optional axes title.
    line_scale
        Multiplier for all boundary widths (larger sheets need heavier lines).
    pad
        Map margin as fraction of the extent.
    avoid
        Display boxes labels must keep clear of.
    scalebar, north
        Draw a scale bar / north arrow (True, or a dict of keyword arguments for
        :func:`scale_bar` / :func:`north_arrow`); drawn before the labels so that the
        labels keep clear of them.
    lo, hi
        90 % interval per buurt code, for the classes when ``classification`` is None
        (overlapping buurten share a class; see :func:`classify`).
    neutraal
        Non-empty for an indicator without buurt signal (its buurt differences come only
        from the model): no classes, every buurt with a value gets one neutral grey and
        the legend shows this text instead of classes. Suppressed buurten stay hatched.
    wijknamen
        GeoDataFrame of wijk polygons with ``code`` and ``naam`` to name the wijken on the
        map (capitals, after the buurt names, before the numbers; see
        :func:`place_labels`); only when ``labels`` is set.
    wijknaam_size
        Size of the wijk names in points (default ``1.3 * label_size``).

    Returns
    -------
    MapResult
    """
    g = buurten.reset_index(drop=True)
    codes = g["code"].astype(str)

    def by_row(x: pd.Series | None) -> pd.Series | None:
        if x is None:
            return None
        out = pd.Series(x).reindex(codes.to_numpy())
        out.index = g.index
        return out

    vals = by_row(values)
    if neutraal:
        classification = Classification(
            "geen", [], [], pd.Series(-1, index=g.index, dtype="int64"), indicator.decimalen
        )
    elif classification is None:
        classification = classify(
            vals, scheme, k, decimals=indicator.decimalen, unit=indicator.eenheid,
            lo=by_row(lo), hi=by_row(hi),
        )  # fmt: skip
    if not neutraal and classification.marges and classification.k <= 1:
        # Every break would separate buurten whose difference lies inside their intervals:
        # one colour, and a legend that says why (not a one-class legend that looks like
        # a measurement).
        neutraal = texts.KAART_MARGES_EEN_KLASSE
    cls = classification.assign(vals)
    if neutraal:
        # One fill for every buurt with a value: "class" 0 of a one-colour palette.
        cls = cls.where(vals.isna(), 0)
    cols = [NEUTRAAL] if neutraal else palette(classification.k, indicator.richting)

    st = (
        pd.Series(status).reindex(codes.to_numpy()).fillna("").astype(str).to_numpy()
        if status is not None
        else np.full(len(g), "", dtype=object)
    )
    nodata = np.where(cls.to_numpy() < 0, np.where(st == TE_WEINIG, TE_WEINIG, GEEN_GEGEVENS), "")

    setup_map_axes(ax, g, pad=pad)
    lw = 0.35 * line_scale
    paths = [geom_path(geom) for geom in g.geometry]
    has = cls.to_numpy() >= 0
    if has.any():
        pc = PatchCollection(
            [PathPatch(p) for p, h in zip(paths, has, strict=True) if h],
            facecolors=[cols[c] for c in cls.to_numpy()[has]],
            edgecolors="none",
            linewidths=0,
            zorder=1,
        )
        ax.add_collection(pc, autolim=False)
    statuses: list[str] = []
    for stv in (TE_WEINIG, GEEN_GEGEVENS):
        sel = nodata == stv
        if not sel.any():
            continue
        statuses.append(stv)
        s = STATUS_STYLE[stv]
        pc = PatchCollection(
            [PathPatch(p) for p, h in zip(paths, sel, strict=True) if h],
            facecolors=s["facecolor"],
            edgecolors="none",
            linewidths=0,
            zorder=1.5,
        )
        pc.set_hatch(s["hatch"])
        pc.set_hatchcolor(s["hatchcolor"])
        pc.set_hatch_linewidth(0.6 * line_scale)
        ax.add_collection(pc, autolim=False)
    # Buurt boundaries thin and grey, wijk boundaries heavy and black, gemeente outline too.
    ax.add_collection(
        PatchCollection(
            [PathPatch(p) for p in paths],
            facecolors="none",
            edgecolors="#5a5a5a",
            linewidths=lw,
            zorder=2,
        ),
        autolim=False,
    )
    if wijken is not None and len(wijken):
        ax.add_collection(
            PatchCollection(
                [PathPatch(geom_path(w)) for w in wijken.geometry],
                facecolors="none",
                edgecolors=BLACK,
                linewidths=lw * 3.6,
                zorder=3,
            ),
            autolim=False,
        )
    # Close hairline gaps between generalised buurt polygons before taking the outline,
    # otherwise slivers inside the gemeente are drawn as heavy "boundaries".
    eps = 0.002 * float(max(np.ptp(g.total_bounds[[0, 2]]), np.ptp(g.total_bounds[[1, 3]])))
    geoms = [geom for geom in g.geometry if geom is not None and not geom.is_empty]
    outline = shapely.union_all([geom.buffer(eps) for geom in geoms]).buffer(-eps)
    ax.add_patch(
        PathPatch(
            geom_path(outline), facecolor="none", edgecolor=BLACK, linewidth=lw * 4.5, zorder=3.5
        )
    )

    if title:
        ax.set_title(
            title, fontsize=title_size or label_size + 3, color=BLACK, loc="left", fontweight="bold"
        )

    avoid = list(avoid)
    if scalebar:
        kw = dict(scalebar) if isinstance(scalebar, dict) else {}
        if "x" not in kw and "y" not in kw:
            # Corner with the least map underneath (the gemeente shape decides).
            x0, x1 = ax.get_xlim()
            frac = _nice_length(x1 - x0) / (x1 - x0)
            kw["x"], kw["y"] = _free_corner(
                ax, outline, [(0.03, 0.03), (0.97 - frac, 0.03), (0.03, 0.9)], frac, 0.07
            )
        avoid.append(scale_bar(ax, **kw))
    if north:
        kw = dict(north) if isinstance(north, dict) else {}
        if "x" not in kw and "y" not in kw:
            size = kw.get("size", 0.06)
            nx, ny = _free_corner(
                ax, outline, [(0.94, 0.97 - size - 0.04), (0.02, 0.97 - size - 0.04),
                              (0.94, 0.03)], 0.04, size + 0.04,
            )  # fmt: skip
            kw["x"], kw["y"] = nx + 0.02, ny + size + 0.04
        avoid.append(north_arrow(ax, **kw))

    boxes: dict[str, Bbox] = {}
    wijk_boxes: dict[str, Bbox] = {}
    numbered: list[tuple[int, str, str]] = []
    if labels:
        mode = "numbers" if labels == "numbers" else "names"
        boxes, numbered = place_labels(
            ax, g, mode=mode, fontsize=label_size, number_size=number_size, avoid=avoid,
            wijknamen=wijknamen, wijknaam_size=wijknaam_size, wijk_boxes=wijk_boxes,
        )  # fmt: skip

    leg = None
    if legend:
        fs = legend_size or label_size + 1
        kw: dict[str, Any] = {"loc": legend_loc}
        if legend_loc == "outside right":
            kw = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)}
        elif legend_loc == "outside bottom":
            kw = {"loc": "upper left", "bbox_to_anchor": (0.0, -0.01)}
        leg = ax.legend(
            handles=legend_handles(classification, indicator.richting, statuses, neutraal),
            title=legend_title(indicator),
            fontsize=fs,
            title_fontsize=fs,
            frameon=False,
            alignment="left",
            handlelength=2.2,
            handleheight=1.3,
            labelcolor=BLACK,
            **kw,
        )
        leg.get_title().set_color(BLACK)
    return MapResult(classification, boxes, numbered, statuses, leg, neutraal, avoid, wijk_boxes)
