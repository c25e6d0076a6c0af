"""Text on the buurt maps: buurt names, buurt numbers with leader lines, wijk names.

Split off from :mod:`pipeline.present.maps`; the numbers (:func:`buurt_nummers`,
:func:`crowded_extent`) live in :mod:`pipeline.present.kaartnummers`, the shared building
blocks in :mod:`pipeline.present.kaartbasis`. Only the object-oriented matplotlib API is used.

Rules, because a council member has to find *their* buurt:

* no label overlaps another label, a wijk name or the map furniture (``avoid``);
* a buurt whose name does not fit gets its number (the same number on every map); the
  number sits inside the buurt when it fits there, otherwise outside with a leader line
  from a dot inside the buurt; a number that is not inside its own buurt *always* has a
  leader line (without one it is read as the neighbour's number);
* leader lines avoid crossing each other and running through labels (a ring around a
  crowd, costs, and swaps that undo crossings); a crowd too dense for any of that needs
  an enlarged inset (:func:`~pipeline.present.kaartnummers.crowded_extent`, used by
  :func:`pipeline.present.overzichtskaart.overview_map`);
* wijk names are a second layer in capitals: after the buurt names (which cannot move)
  and before the numbers (which can), shrunk or wrapped to fit, left out when they do
  not fit or when a buurt of the same name already says it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.transforms import Bbox

from pipeline.present.kaartbasis import (
    BLACK,
    _anchor,
    _Ctx,
    _halo,
    _measure,
    _Placed,
    _renderer,
    _wraps,
)
from pipeline.present.kaartnummers import _place_numbers, buurt_nummers

__all__ = ["place_labels", "place_wijk_names"]


def _place_names(
    ctx: _Ctx,
    info: list[tuple[str, str, Any, tuple[float, float]]],
    placed: _Placed,
    fontsize: float,
) -> list[tuple[str, str, Any, tuple[float, float]]]:
    """Names inside their buurt (larger buurten first); returns the buurten left over."""
    ax = ctx.ax
    unplaced = []
    for code, naam, geom, anchor in sorted(info, key=lambda r: (-r[2].area, r[0])):
        w0, h0 = _measure(ax, ctx.renderer, naam, fontsize, **ctx.text_kw)
        area = ctx.fits_inside(geom, 0.25 * h0)
        cands = ctx.interior_points(geom, anchor, h0 / 2)
        disp = ctx.to_disp.transform(np.asarray(cands, dtype=float))
        ok = False
        for text in _wraps(naam):
            w, h = (w0, h0) if text == naam else _measure(ax, ctx.renderer, text, fontsize,
                                                          **ctx.text_kw)  # fmt: skip
            j = ctx.first_fit(disp, w, h, placed, area)
            if j is not None:
                (px, py), (cx, cy) = cands[j], disp[j]
                ax.text(px, py, text, fontsize=fontsize, ha="center", va="center", zorder=6,
                        gid=f"buurtnaam-{code}", **ctx.text_kw)  # fmt: skip
                placed.add(code, ctx.disp_box(cx, cy, w, h))
                ok = True
                break
        if not ok:
            unplaced.append((code, naam, geom, anchor))
    return unplaced


def place_labels(
    ax: Axes,
    buurten: Any,
    *,
    mode: bool | str = "names",
    fontsize: float = 6,
    number_size: float | None = None,
    avoid: Sequence[Bbox] = (),
    name_col: str = "naam",
    fallback: bool = True,
    nummers: Mapping[str, int] | None = None,
    wijknamen: Any | None = None,
    wijknaam_size: float | None = None,
    wijk_boxes: dict[str, Bbox] | None = None,
) -> tuple[dict[str, Bbox], list[tuple[int, str, str]]]:
    """Place buurt labels without overlaps; small buurten get numbers.

    Each name is tried at the polygon's pole of inaccessibility, then at interior grid
    points nearest to it, as one line and as two lines. A name is accepted only if its
    box lies inside the buurt (with a small tolerance) and overlaps no placed label.
    Otherwise the buurt gets a number (``mode='numbers'``: every buurt does). Numbers go
    inside their buurt where they fit; the others become callouts: the cheapest free spot
    on rings around the buurt, where a leader line that crosses another leader, or a
    number that hides another buurt's leader dot, costs extra and a leader through a
    label is not allowed. Every number outside its buurt gets a leader line.

    Parameters
    ----------
    ax
        Map axes with final limits (see :func:`pipeline.present.maps.setup_map_axes`).
    buurten
        GeoDataFrame with ``code``, ``naam`` and geometry.
    mode
        ``'names'`` (numbers only as fallback), ``'numbers'`` or ``False`` (nothing).
    fontsize
        Name size in points.
    number_size
        Number size in points (default: ``fontsize``).
    avoid
        Display-coordinate boxes to keep clear (legend, scale bar, ...).
    name_col
        Column holding the names.
    fallback
        Number the buurten whose name does not fit (False: leave them unlabelled, for
        overview maps without a key).
    nummers
        Buurt code -> number, when ``buurten`` is only part of the gemeente (an inset);
        default: the place of the code among the codes of ``buurten``.
    wijknamen
        Optional GeoDataFrame of wijk polygons with ``code`` and ``naam``: their names
        are placed (:func:`place_wijk_names`) after the buurt names and before the
        numbers. Numbers can move (with a leader line), names cannot; in a dense wijk the
        buurten are numbered, so this order leaves the wijk name the room it needs.
    wijknaam_size
        Size of the wijk names (default ``1.3 * fontsize``).
    wijk_boxes
        A dict that receives wijk code -> display Bbox of each placed wijk name.

    Returns
    -------
    boxes, numbered
        ``code -> Bbox`` (display coordinates, includes halo padding) of every placed
        label, and ``[(number, code, naam), ...]`` for the buurten that got a number.
        The artists carry gids ``buurtnaam-<code>``, ``buurtnummer-<code>`` and
        ``leider-<code>`` (leader line), so tests and callers can find them.
    """
    if not mode:
        return {}, []
    fig = ax.get_figure()
    renderer = _renderer(fig)
    number_size = number_size or fontsize
    ctx = _Ctx(
        ax=ax,
        renderer=renderer,
        pad=fontsize * fig.dpi / 72 * 0.12,  # halo width, in pixels
        text_kw={"color": BLACK, "path_effects": _halo(fontsize), "linespacing": 1.0},
    )
    placed = _Placed(others=list(avoid))

    g = buurten.reset_index(drop=True)
    info = []
    for i in range(len(g)):
        geom = g.geometry.iloc[i]
        if geom is None or geom.is_empty:
            continue
        info.append((str(g["code"].iloc[i]), str(g[name_col].iloc[i]), geom, _anchor(geom)))

    unplaced = _place_names(ctx, info, placed, fontsize) if mode != "numbers" else list(info)
    if wijknamen is not None and len(wijknamen):
        named = {naam for code, naam, _g, _a in info if code in placed.boxes}
        wb = place_wijk_names(ax, wijknamen, fontsize=wijknaam_size or 1.3 * fontsize,
                              avoid=[*placed.boxes.values(), *placed.others],
                              buurtnamen=named)  # fmt: skip
        placed.others.extend(wb.values())
        placed._arr = None
        if wijk_boxes is not None:
            wijk_boxes.update(wb)
    if not fallback:
        return placed.boxes, []
    # A buurt's number is its place in the code order of all the gemeente's buurten, not
    # among the ones this map could not name: every map of the report and the vouwkaart
    # then gives a buurt the same number (figure 1 and a theme map used to disagree).
    nummer = dict(nummers) if nummers is not None else buurt_nummers(g["code"])
    numbered = _place_numbers(ctx, unplaced, nummer, placed, number_size)
    return placed.boxes, numbered


# ---------------------------------------------------------------------------
# wijk names
# ---------------------------------------------------------------------------
def place_wijk_names(
    ax: Axes,
    wijken: Any,
    *,
    fontsize: float = 9,
    min_size: float | None = None,
    avoid: Sequence[Bbox] = (),
    name_col: str = "naam",
    code_col: str = "code",
    buurtnamen: Collection[str] = (),
) -> dict[str, Bbox]:
    """Write wijk names in capitals inside their wijk, clear of everything already placed.

    On a choropleth use ``draw_choropleth(..., wijknamen=...)``: it calls this between
    the buurt names and the numbers. Standalone, call it after the buurt labels (pass
    their boxes in ``avoid``): a wijk name takes the room left inside the wijk. Each name
    is tried at ``fontsize`` and then smaller down to ``min_size``, on one line and on two,
    at the wijk's pole of inaccessibility and then at interior points nearest to it; first
    strictly inside the wijk, then mostly inside (a long name in a narrow wijk may run a
    little over its boundary); a name that fits nowhere is left out (the wijk is still drawn
    with its heavy boundary).

    Parameters
    ----------
    ax
        Map axes with final limits.
    wijken
        GeoDataFrame of wijk polygons with ``code_col``, ``name_col`` and geometry, e.g.
        :func:`pipeline.present.kaartgegevens.dissolve_wijken` with names from the table's
        wijk rows.
    fontsize
        Preferred size in points (larger than the buurt names: the higher level).
    min_size
        Smallest size tried (default ``0.7 * fontsize``).
    avoid
        Display-coordinate boxes to keep clear of (buurt labels, scale bar, folds).
    name_col, code_col
        Columns with the name and the wijk code.
    buurtnamen
        Names already on the map as buurt labels: a wijk whose name is among them (a
        wijk of one buurt with the same name) is not named twice.

    Returns
    -------
    dict
        Wijk code -> display Bbox of each placed name. The Text artists have gid
        ``wijknaam-<code>``.
    """
    fig = ax.get_figure()
    renderer = _renderer(fig)
    min_size = min_size or 0.7 * fontsize
    placed = _Placed(others=list(avoid))
    al = {str(n).strip().casefold() for n in buurtnamen}
    out: dict[str, Bbox] = {}
    sizes = [fontsize]
    while sizes[-1] * 0.88 >= min_size - 1e-9:
        sizes.append(sizes[-1] * 0.88)
    g = wijken.reset_index(drop=True)
    # Larger wijken first: they have room anywhere; small ones take what is left.
    order = sorted(
        range(len(g)), key=lambda i: (-_area(g.geometry.iloc[i]), str(g[code_col].iloc[i]))
    )
    for i in order:
        geom = g.geometry.iloc[i]
        naam = str(g[name_col].iloc[i]).strip()
        code = str(g[code_col].iloc[i])
        if geom is None or geom.is_empty or not naam or naam.casefold() in al or naam == code:
            continue
        anchor = _anchor(geom)
        # Strictly inside first, at every size; only then "mostly inside" (a long name in
        # a narrow city wijk such as Keizerslanden may run a little over its boundary: the
        # halo keeps it legible, and naming the wijk matters more than a clean edge).
        for strict, size in [(True, z) for z in sizes] + [(False, z) for z in sizes]:
            hit = _wijk_spot(ax, renderer, geom, anchor, naam, size, placed, strict)
            if hit:
                px, py, text, bb, kw = hit
                ax.text(px, py, text, fontsize=size, ha="center", va="center", zorder=5.5,
                        gid=f"wijknaam-{code}", **kw)  # fmt: skip
                placed.add(code, bb)
                out[code] = bb
                break
    return out


def _wijk_spot(
    ax: Axes,
    renderer: Any,
    geom: Any,
    anchor: tuple[float, float],
    naam: str,
    size: float,
    placed: _Placed,
    strict: bool,
) -> tuple[float, float, str, Bbox, dict[str, Any]] | None:
    """The first free spot for a wijk name at one size (one line, then two), or None."""
    fig = ax.get_figure()
    # A wider margin than buurt labels: a wijk name right on top of a buurt name would
    # read as one two-line label.
    kw = {"color": BLACK, "path_effects": _halo(size), "linespacing": 1.0, "fontweight": "bold"}
    ctx = _Ctx(ax, renderer, pad=size * fig.dpi / 72 * 0.3, text_kw=kw)
    texts = [t.upper() for t in _wraps(naam)]
    w0, h0 = _measure(ax, renderer, texts[0], size, **kw)
    cands = ctx.interior_points(geom, anchor, h0 / 2, limit=600)
    disp = ctx.to_disp.transform(np.asarray(cands, dtype=float))
    area = ctx.fits_inside(geom, 0.2 * h0)
    prep = shapely.prepared.prep(geom)
    for text in texts:
        w, h = (w0, h0) if text == texts[0] else _measure(ax, renderer, text, size, **kw)
        for (px, py), (cx, cy) in zip(cands, disp, strict=True):
            bb = ctx.disp_box(cx, cy, w, h)
            if not ctx.inside_axes(bb) or not placed.free(bb):
                continue
            poly = ctx.data_poly(bb)
            if strict:
                ok = area.contains(poly)
            else:
                ok = prep.contains(shapely.Point(px, py)) and (
                    geom.intersection(poly).area >= 0.7 * poly.area
                )
            if ok:
                return px, py, text, bb, kw
    return None


def _area(geom: Any) -> float:
    return 0.0 if geom is None or geom.is_empty else float(geom.area)
