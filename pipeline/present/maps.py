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
  small get a number with a key (and a leader line when even the number has no room).

This module draws the map itself; the parts live in their own modules:

* :mod:`pipeline.present.kaartklassen`: classes, class labels and the palette;
* :mod:`pipeline.present.kaartlegenda`: no-value statuses, legend and numbered key;
* :mod:`pipeline.present.kaartrand`: scale bar and north arrow;
* :mod:`pipeline.present.kaartgegevens`: the values and wijk polygons of a map;
* :mod:`pipeline.present.kaartlabels`, :mod:`pipeline.present.kaartnummers` and
  :mod:`pipeline.present.kaartbasis`: the placement of names and numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.legend import Legend
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox

from pipeline.codes import STATUS_GEEN_GEGEVENS
from pipeline.model.registry import Indicator
from pipeline.present import lettertype, texts
from pipeline.present.kaartbasis import BLACK, _polys
from pipeline.present.kaartklassen import Classification, classify, palette
from pipeline.present.kaartlabels import place_labels
from pipeline.present.kaartlegenda import (
    NEUTRAAL,
    legend_handles,
    legend_title,
    no_value_order,
    status_style,
)
from pipeline.present.kaartrand import _free_corner, _nice_length, north_arrow, scale_bar

__all__ = [
    "PRINT_RC",
    "MapResult",
    "draw_choropleth",
    "setup_map_axes",
]

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
        Status per buurt code (:func:`pipeline.present.kaartgegevens.buurt_values`); a NaN
        value is hatched and listed under its status ("te weinig inwoners", a cell's own
        reason such as "geheim bij CBS"), or as "geen gegevens" without one.
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
    if not neutraal and classification.samengevoegd:
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
    # Without a value: the status says why ('te weinig inwoners', or a cell's own reason
    # such as 'geheim bij CBS'); no status at all is 'geen gegevens'.
    nodata = np.where(cls.to_numpy() < 0, np.where(st == "", STATUS_GEEN_GEGEVENS, st), "")

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
    for stv in no_value_order(nodata[nodata != ""]):
        sel = nodata == stv
        statuses.append(stv)
        s = status_style(stv)
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
