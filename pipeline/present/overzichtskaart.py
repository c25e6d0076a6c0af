"""The orientation map of the report: buurten tinted by wijk, named, crowds enlarged in insets.

Colour only groups buurten by wijk; the wijk is also given by the heavy boundaries and
the legend, and every buurt is named (or numbered with a key). A crowd of buurten too
small for even their numbers (a city centre) is drawn again, enlarged, in an inset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch

from pipeline.present import (
    fmt,
    kaartbasis,
    kaartlabels,
    kaartlegenda,
    kaartnummers,
    kaartrand,
    maps,
)
from pipeline.present.figuur import MM, RC, new_figure


def overview_map(
    buurten: Any,
    wijken: Any,
    wijk_namen: dict[str, str],
    *,
    width_mm: float = 170,
    height_mm: float = 110,
    labels: bool | str = "names",
    sleutel: bool = False,
    uitsnede: bool = True,
) -> tuple[Figure, list[tuple[int, str]]]:
    """Orientation map: buurt names, wijken in light tints with a named legend.

    Colour only groups buurten by wijk; the wijk is also given by the heavy
    boundaries and the legend, and every buurt is named (or numbered with a key).
    A cluster of buurten too small for even their numbers (a city centre) is drawn
    again, enlarged, in an inset ("uitsnede A") and framed on the map; its buurten are
    labelled in the inset only.

    Parameters
    ----------
    buurten
        GeoDataFrame ``code, naam, geometry`` (EPSG:28992).
    wijken
        GeoDataFrame ``wijkcode, geometry``
        (:func:`pipeline.present.kaartgegevens.dissolve_wijken`).
    wijk_namen
        Wijk code -> name.
    width_mm, height_mm
        Printed size.
    labels
        ``'names'`` (numbers where a name does not fit) or ``'numbers'``.
    sleutel
        Draw the numbered key in the figure; otherwise the caller prints it
        (as HTML text, better for long keys).
    uitsnede
        Allow the enlarged inset of a crowded cluster.

    Returns
    -------
    (Figure, list)
        The figure and the numbered key ``[(number, naam), ...]``, in number order.
    """
    import matplotlib as mpl

    tints = [mpl.colors.to_hex(c) for c in mpl.colormaps["Pastel1"].colors]
    tints += [mpl.colors.to_hex(c) for c in mpl.colormaps["Pastel2"].colors]
    fig = new_figure(width_mm, height_mm)
    with mpl.rc_context(RC | maps.PRINT_RC):
        ax = fig.add_axes((0.0, 0.0, 0.70, 1.0))
        g = buurten.reset_index(drop=True)
        maps.setup_map_axes(ax, g)
        codes = list(wijken["wijkcode"].astype(str))
        colour = {wk: tints[i % len(tints)] for i, wk in enumerate(codes)}
        wijk_of = {}
        for wk, geom in zip(codes, wijken.geometry, strict=True):
            for i, bg in enumerate(g.geometry):
                if bg is not None and geom is not None and bg.representative_point().within(geom):
                    wijk_of[i] = wk
        fills = [colour.get(wijk_of.get(i, ""), "#eeeeee") for i in range(len(g))]
        _overview_layers(ax, g, wijken, fills)
        handles = [
            Patch(facecolor=colour[wk], edgecolor="#5a5a5a", lw=0.4, label=wijk_namen.get(wk, wk))
            for wk in codes
        ]
        leg = _wijk_legend(fig, ax, handles)
        avoid = [kaartrand.scale_bar(ax, fontsize=6.5)]
        nummers = kaartnummers.buurt_nummers(g["code"])
        numbered: list[tuple[int, str, str]] = []
        buiten = g
        # Insets go in the free column under the legend, top down, while there is room.
        top = leg.get_window_extent(kaartbasis._renderer(fig)).y0 / fig.bbox.height
        for letter in _INSET_LETTERS if uitsnede and labels else "":
            inzet = _inset(fig, ax, g, buiten, wijken, fills, top, letter, labels, nummers)
            if inzet is None:
                break
            # The inset's buurten are labelled there; the main map keeps clear of the frame.
            binnen, boxes, inset_numbered, top = inzet
            buiten = buiten[~buiten["code"].astype(str).isin(binnen)]
            avoid += boxes
            numbered += inset_numbered
        if len(buiten):
            _, main_numbered = kaartlabels.place_labels(
                ax, buiten, mode=labels, fontsize=6.5, avoid=avoid, nummers=nummers
            )
            numbered += main_numbered
        key = [(nr, naam) for nr, _code, naam in sorted(numbered)]
        if key and sleutel:
            key_ax = fig.add_axes((0.72, 0.0, 0.28, 0.45))
            key_ax.set_axis_off()
            kaartlegenda.draw_key(key_ax, key, fontsize=6.5, ncols=1 if len(key) < 18 else 2)
    return fig, key


#: Legend layouts from roomy to tight: (columns, font size in pt). A gemeente with many
#: wijken (Tilburg 59, Amsterdam 110) does not fit one column of 7 pt on the page.
_LEGEND_LAYOUTS = ((1, 7.0), (1, 6.0), (2, 6.0), (2, 5.5), (3, 5.0))
#: Narrowest map (fraction of the figure width) left beside a wide legend.
_MIN_MAP_WIDTH = 0.5


def _wijk_legend(fig: Figure, ax: Axes, handles: list[Patch]) -> Any:
    """The wijk legend right of the map, in the first layout that fits inside the figure.

    A legend taller or wider than the figure is cut off in print (its last wijken were
    missing in Tilburg's report), so each layout of :data:`_LEGEND_LAYOUTS` is measured
    and the first whose height fits is kept. When it is too wide, the map gives up width
    (down to :data:`_MIN_MAP_WIDTH` of the figure) so the legend fits beside it. When no
    layout fits, the tightest one stays.
    """
    r = kaartbasis._renderer(fig)
    leg = None
    for ncols, size in _LEGEND_LAYOUTS:
        if leg is not None:
            leg.remove()
        leg = ax.legend(
            handles=handles,
            title="Wijken",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize=size,
            title_fontsize=size + 0.5,
            alignment="left",
            ncols=ncols,
            columnspacing=1.0,
        )
        box = leg.get_window_extent(r)
        if box.y0 < 0:
            continue
        over = (box.x1 - fig.bbox.width) / fig.bbox.width
        pos = ax.get_position()
        if over > 0 and pos.width - over - 0.01 >= _MIN_MAP_WIDTH:
            # The legend hangs at the map's right edge: a narrower map moves it left.
            ax.set_position((pos.x0, pos.y0, pos.width - over - 0.01, pos.height))
            box = leg.get_window_extent(r)
        if box.x1 <= fig.bbox.width:
            break
    return leg


def _overview_layers(ax: Axes, g: Any, wijken: Any, fills: Sequence[str]) -> None:
    """Tinted buurten with thin boundaries, heavy wijk boundaries (main map and inset)."""
    ax.add_collection(
        PatchCollection(
            [PathPatch(maps.geom_path(geom)) for geom in g.geometry],
            facecolors=list(fills),
            edgecolors="#5a5a5a",
            linewidths=0.35,
            zorder=1,
        ),
        autolim=False,
    )
    ax.add_collection(
        PatchCollection(
            [PathPatch(maps.geom_path(geom)) for geom in wijken.geometry],
            facecolors="none",
            edgecolors=kaartbasis.BLACK,
            linewidths=1.3,
            zorder=3,
        ),
        autolim=False,
    )


#: Enlargement of an inset (enough for the numbers of a city centre's buurten to fit
#: inside them), and the inset's minimum printed size in mm.
_ZOOM = 3.0
_MIN_INSET_MM = 32.0
_INSET_LETTERS = "AB"


def _inset(
    fig: Figure,
    ax: Axes,
    g: Any,
    kandidaten: Any,
    wijken: Any,
    fills: Sequence[str],
    top: float,
    letter: str,
    labels: bool | str,
    nummers: dict[str, int],
) -> tuple[set[str], list[Any], list[tuple[int, str, str]], float] | None:
    """One enlarged inset of a crowd of small buurten, right of the map below ``top``.

    Parameters
    ----------
    fig, ax
        The figure and its main map axes (limits final).
    g
        All buurten (drawn in the inset).
    kandidaten
        Buurten not yet labelled in an earlier inset (the crowd is sought among these).
    wijken, fills
        Wijk polygons and the fill colour per row of ``g``.
    top
        Top of the free space in figure fraction.
    letter
        Name of the inset on the map ("A", "B").
    labels, nummers
        Label mode and the gemeente's buurt numbers.

    Returns
    -------
    tuple or None
        Codes labelled in the inset, display boxes the main map's labels must avoid (frame
        and letter), the inset's numbered buurten and the new top of the free space; None
        when there is no crowd or no room.
    """
    import shapely
    from matplotlib.patches import Rectangle

    r = kaartbasis._renderer(fig)
    fw, fh = fig.get_size_inches() / MM
    col_x0 = 0.72
    top -= 6 / fh  # room for the inset's title
    w_mm = (1 - col_x0 - 0.01) * fw
    h_mm = min(w_mm * 1.25, (top - 4 / fh) * fh)
    if min(w_mm, h_mm) < _MIN_INSET_MM:
        return None
    px_per_mm = fig.dpi / 25.4
    window = (w_mm * px_per_mm / _ZOOM, h_mm * px_per_mm / _ZOOM)
    ext = kaartnummers.crowded_extent(ax, kandidaten, number_size=6.5, window=window)
    if ext is None:
        return None
    ex0, ey0, ex1, ey1 = ext
    iax = fig.add_axes((col_x0, top - h_mm / fh, w_mm / fw, h_mm / fh))
    view = shapely.box(*ext)
    shown = g.intersects(view).to_numpy()
    iax.set_xlim(ex0, ex1)
    iax.set_ylim(ey0, ey1)
    iax.set_aspect("equal", adjustable="datalim")
    iax.set_xticks([])
    iax.set_yticks([])
    for spine in iax.spines.values():
        spine.set_linewidth(0.8)
        spine.set_edgecolor(kaartbasis.BLACK)
    _overview_layers(iax, g[shown], wijken[wijken.intersects(view)],
                     [f for f, k in zip(fills, shown, strict=True) if k])  # fmt: skip
    iax.set_title(f"Uitsnede {letter} ({fmt.getal(_ZOOM, 0)}× vergroot)", fontsize=7,
                  loc="left", fontweight="bold", pad=3)  # fmt: skip
    # Label the candidates whose label point (the one place_labels uses) lies in the
    # inset's view: each buurt is then labelled exactly once, here or on the main map.
    x0, x1 = iax.get_xlim()
    y0, y1 = iax.get_ylim()
    pts = np.array([kaartbasis._anchor(geom) for geom in kandidaten.geometry]).reshape(-1, 2)
    inside = kandidaten[(pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)]
    _, numbered = kaartlabels.place_labels(iax, inside, mode=labels, fontsize=6.5, nummers=nummers)
    frame = Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none", edgecolor=kaartbasis.BLACK,
                      lw=1.0, ls=(0, (3, 1.5)), zorder=8)  # fmt: skip
    ax.add_patch(frame)
    lab = ax.text(x0, y1, letter, fontsize=8, fontweight="bold", ha="right", va="bottom",
                  color=kaartbasis.BLACK, zorder=8, path_effects=kaartbasis._halo(8))  # fmt: skip
    boxes = [frame.get_window_extent(r), lab.get_window_extent(r)]
    return set(inside["code"].astype(str)), boxes, numbered, top - h_mm / fh - 3 / fh
