"""Map figures of the council report: one choropleth, a grid of small choropleths, the cover map.

The choropleth itself (classes, legend, labels) is drawn by :mod:`pipeline.present.maps`;
this module lays it out on a printed figure and fits the titles to their room. The
orientation map with its insets is :mod:`pipeline.present.overzichtskaart`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch

from pipeline.model.registry import Indicator
from pipeline.present import grafiektekst, kaartbasis, kaartlegenda, kaartrand, maps
from pipeline.present.figuur import MM, RC, new_figure


def map_figure(
    buurten: Any,
    waarden: pd.Series,
    indicator: Indicator,
    *,
    status: pd.Series | None = None,
    wijken: Any | None = None,
    jaar: int | None = None,
    width_mm: float = 170,
    height_mm: float = 105,
    labels: bool | str = "names",
    k: int = 5,
    lo: pd.Series | None = None,
    hi: pd.Series | None = None,
    neutraal: str = "",
) -> tuple[Figure, maps.MapResult]:
    """One buurt choropleth with legend (and numbered key when needed).

    Parameters
    ----------
    buurten
        GeoDataFrame (``code``, ``naam``, geometry, EPSG:28992).
    waarden
        Values indexed by buurt code.
    indicator
        Registry entry.
    status
        Status per buurt code (for the hatched "te weinig inwoners").
    wijken
        Wijk polygons for heavier boundaries.
    jaar
        Year in the legend title.
    width_mm, height_mm
        Printed size.
    labels
        Passed to :func:`pipeline.present.maps.draw_choropleth`.
    k
        Number of classes.
    lo, hi
        90 % interval per buurt code (overlapping buurten share a class).
    neutraal
        Legend text of a map without classes (indicator without buurt signal); see
        :func:`pipeline.present.maps.draw_choropleth`.

    Returns
    -------
    (Figure, MapResult)
    """
    import matplotlib as mpl

    fig = new_figure(width_mm, height_mm)
    with mpl.rc_context(RC | maps.PRINT_RC):
        ax = fig.add_axes((0.0, 0.0, 0.70, 1.0))
        res = maps.draw_choropleth(
            ax,
            buurten,
            waarden,
            indicator,
            k=k,
            status=status,
            wijken=wijken,
            labels=labels,
            label_size=6.5,
            legend=True,
            legend_size=7,
            lo=lo,
            hi=hi,
            neutraal=neutraal,
        )
        if res.legend is not None:
            # Long labels would run off the figure: wrap every line of the title.
            title = kaartlegenda.legend_title(indicator, jaar)
            res.legend.set_title(
                "\n".join(grafiektekst.wrap(line, 30) for line in title.split("\n"))
            )
            _fit_legend_entries(fig, res.legend, fig.bbox.width)
        if res.numbered:
            key_ax = fig.add_axes((0.72, 0.0, 0.28, 0.45))
            key_ax.set_axis_off()
            kaartlegenda.draw_key(
                key_ax, res.key, fontsize=6.5, ncols=1 if len(res.key) < 18 else 2
            )
        kaartrand.scale_bar(ax, fontsize=6.5)
    return fig, res


def small_multiples(
    buurten: Any,
    panels: Sequence[tuple[Indicator, pd.Series]],
    *,
    status: pd.Series | Sequence[pd.Series] | None = None,
    wijken: Any | None = None,
    ncols: int = 2,
    width_mm: float = 170,
    panel_height_mm: float = 72,
    k: int = 5,
    intervals: Sequence[tuple[pd.Series | None, pd.Series | None]] | None = None,
) -> tuple[Figure, list[maps.MapResult]]:
    """A grid of small choropleths (one per indicator), each with its own legend.

    Parameters
    ----------
    buurten
        GeoDataFrame of the buurten.
    panels
        ``(indicator, values by buurt code)`` per map.
    status
        Status per buurt code, for every panel or (a list) one per panel: an empty cell
        has its own reason per indicator (:func:`pipeline.present.kaartgegevens.buurt_values`).
    wijken
        Wijk polygons.
    ncols
        Maps per row.
    width_mm, panel_height_mm
        Printed size of the grid and of one row.
    k
        Classes per map.
    intervals
        Optional ``(lo, hi)`` 90 % interval per panel (overlapping buurten share a class).

    Returns
    -------
    (Figure, list of MapResult)
    """
    import matplotlib as mpl

    nrows = int(np.ceil(len(panels) / ncols))
    fig = new_figure(width_mm, panel_height_mm * nrows)
    results = []
    with mpl.rc_context(RC | maps.PRINT_RC):
        cell_w, cell_h = 1 / ncols, 1 / nrows
        for i, (ind, vals) in enumerate(panels):
            r, c = divmod(i, ncols)
            x0, y0 = c * cell_w, 1 - (r + 1) * cell_h
            ax = fig.add_axes((x0 + 0.005, y0 + cell_h * 0.02, cell_w * 0.56, cell_h * 0.86))
            res = maps.draw_choropleth(
                ax,
                buurten,
                vals,
                ind,
                k=k,
                status=status if status is None or isinstance(status, pd.Series) else status[i],
                wijken=wijken,
                labels=False,
                legend=True,
                legend_size=6,
                title=ind.label,
                title_size=7.5,
                lo=intervals[i][0] if intervals else None,
                hi=intervals[i][1] if intervals else None,
            )
            _fit_cell_texts(fig, ax, res, (x0 + cell_w) * fig.bbox.width)
            results.append(res)
    return fig, results


def _fit_cell_texts(fig: Figure, ax: Axes, res: maps.MapResult, right_px: float) -> None:
    """Wrap a small multiple's title, legend title and legend entries to the room left in
    its grid cell, so none runs into the next cell or off the page (measured)."""
    r = fig.canvas.get_renderer()
    gap = 2 * MM * fig.dpi
    title = ax.get_title(loc="left")
    if title:
        room = right_px - ax.get_window_extent(r).x0 - gap
        text, size = grafiektekst.wrap_to_width(
            fig, " ".join(title.split()), room, 7.5, 6.5, fontweight="bold"
        )
        ax.set_title(text, fontsize=size, loc="left", fontweight="bold", color=kaartbasis.BLACK)
    if res.legend is None:
        return
    leg_title = res.legend.get_title()
    room = right_px - res.legend.get_window_extent(r).x0 - gap
    size = leg_title.get_fontsize()
    lines = [
        grafiektekst.wrap_to_width(fig, ln, room, size, size)[0]
        for ln in leg_title.get_text().split("\n")
    ]
    res.legend.set_title("\n".join(lines))
    _fit_legend_entries(fig, res.legend, right_px)


def _fit_legend_entries(fig: Figure, leg: Any, right_px: float) -> None:
    """Wrap legend entries to end before ``right_px`` (measured).

    A cell reason ("minder dan 10 85-plussers (geschat, vóór afronding)") ran off the
    page, in a small multiple and in a theme chapter's single map alike.
    """
    r = fig.canvas.get_renderer()
    gap = 2 * MM * fig.dpi
    # Before drawing, the entries have no position yet: they start after the legend's
    # border pad, handle and handle pad (in font sizes).
    fs_px = leg.prop.get_size_in_points() * fig.dpi / 72
    offset = (leg.borderpad + leg.handlelength + leg.handletextpad) * fs_px
    room = right_px - leg.get_window_extent(r).x0 - offset - gap
    for t in leg.get_texts():
        size = t.get_fontsize()
        text = " ".join(t.get_text().split())
        t.set_text(grafiektekst.wrap_to_width(fig, text, room, size, size)[0])


def cover_map(buurten: Any, wijken: Any, *, width_mm: float = 120, height_mm: float = 85) -> Figure:
    """Quiet outline of the gemeente (buurten and wijken) for the title page.

    Parameters
    ----------
    buurten
        GeoDataFrame of the buurten (EPSG:28992).
    wijken
        Wijk polygons (heavier lines), or None.
    width_mm, height_mm
        Printed size.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl

    fig = new_figure(width_mm, height_mm)
    with mpl.rc_context(RC):
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        maps.setup_map_axes(ax, buurten, pad=0.02)
        ax.add_collection(
            PatchCollection(
                [PathPatch(maps.geom_path(g)) for g in buurten.geometry],
                facecolors="#c9d7ea",
                edgecolors="#ffffff",
                linewidths=0.6,
                zorder=1,
            ),
            autolim=False,
        )
        if wijken is not None and len(wijken):
            ax.add_collection(
                PatchCollection(
                    [PathPatch(maps.geom_path(g)) for g in wijken.geometry],
                    facecolors="none",
                    edgecolors="#1d4f91",
                    linewidths=1.2,
                    zorder=2,
                ),
                autolim=False,
            )
    return fig
