"""Charts and map figures for the council report (matplotlib OO API, Agg, never pyplot).

Every figure is built on a bare :class:`matplotlib.figure.Figure` with an Agg canvas
and embedded in the HTML as a ``data:`` URI (SVG by default, so print stays sharp),
which keeps the report one self-contained file.

Design choices:

* sizes in millimetres of the printed A4 page, fonts in points as printed;
* one colour family (dark blue of the map palette); projections are told apart by
  hatching and a label, never by colour alone;
* every bar carries its value, formatted the Dutch way by :mod:`pipeline.present.fmt`;
* ranked bars are ordered by task size, following the registry ``richting``.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch

from pipeline.model.registry import Indicator
from pipeline.present import fmt, kaartlabels, lettertype, maps

MM = 1 / 25.4
"""Inches per millimetre."""

INK = "#1a1a1a"
GRID = "#d0d0d0"
BAR = "#225ea8"  # dark blue of the YlGnBu map palette
BAR_LIGHT = "#a8c7e6"
REF = "#000000"

_RC: dict[str, Any] = {
    # The pinned report font (Source Sans Pro), the same family as the PDF text.
    "font.family": lettertype.register_fonts(),
    "font.size": 7.5,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "svg.fonttype": "path",
    "svg.hashsalt": "wijkscan",  # stable ids: same input, same bytes
    "hatch.linewidth": 0.8,
}


def new_figure(width_mm: float, height_mm: float) -> Figure:
    """A bare Figure of the given printed size with an Agg canvas attached.

    Parameters
    ----------
    width_mm, height_mm
        Printed size in millimetres.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl

    with mpl.rc_context(_RC):
        fig = Figure(figsize=(width_mm * MM, height_mm * MM), dpi=150)
    FigureCanvasAgg(fig)
    return fig


def to_data_uri(fig: Figure, fmt_: str = "png", dpi: int = 200, max_svg_kb: int = 600) -> str:
    """Serialise a figure as a ``data:`` URI (PNG by default, SVG on request).

    PNG is the default because the report is printed by WeasyPrint, whose pure-Python SVG
    renderer spent more than half of the PDF time on the maps' vertices (benchmarks); at
    200 dpi the figures print sharply at their embedded size.

    Parameters
    ----------
    fig
        The figure (it is not closed; Figures without pyplot need no closing).
    fmt_
        ``'png'`` (RGB, no alpha channel: WeasyPrint would otherwise split off a mask),
        ``'svg'`` (vector), or ``'auto'``: SVG, but PNG when the SVG would exceed
        ``max_svg_kb``.
    dpi
        Resolution for PNG.
    max_svg_kb
        Size limit for ``'auto'``.

    Returns
    -------
    str
        ``data:image/png;base64,...`` or ``data:image/svg+xml;base64,...``.
    """
    import matplotlib as mpl

    def render(kind: str) -> bytes:
        buf = io.BytesIO()
        with mpl.rc_context(_RC):
            if kind == "png":
                from PIL import Image

                canvas = FigureCanvasAgg(fig)
                own_dpi = fig.dpi
                fig.set_dpi(dpi)
                try:
                    canvas.draw()
                    size = canvas.get_width_height()
                    rgba = Image.frombuffer("RGBA", size, canvas.buffer_rgba()).copy()
                finally:
                    fig.set_dpi(own_dpi)
                white = Image.new("RGB", rgba.size, "white")
                white.paste(rgba, mask=rgba.getchannel("A"))
                white.save(buf, format="png", dpi=(dpi, dpi), compress_level=3)
            else:
                fig.savefig(buf, format=kind, dpi=dpi, metadata=_metadata(kind))
        return buf.getvalue()

    kind = "svg" if fmt_ in ("svg", "auto") else "png"
    data = render(kind)
    if fmt_ == "auto" and len(data) > max_svg_kb * 1024:
        kind, data = "png", render("png")
    mime = "image/svg+xml" if kind == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _metadata(fmt_: str) -> dict[str, Any]:
    # No creation date in the file: a rebuild with the same data gives the same bytes.
    if fmt_ == "svg":
        return {"Date": None}
    return {"Software": None} if fmt_ == "png" else {}


def _style(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=2.5, width=0.6)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(0.6)


# ---------------------------------------------------------------------- trend


@dataclass
class TrendPanel:
    """One small multiple of :func:`trend_chart`: an indicator over the years.

    Attributes
    ----------
    indicator
        Registry entry (title, format).
    waarden
        Year -> gemeente value (NaN allowed).
    referenties
        Optional reference lines: label -> value (e.g. ``{'Nederland': 12.3}``).
    """

    indicator: Indicator
    waarden: dict[int, float]
    referenties: dict[str, float] = field(default_factory=dict)


def trend_chart(
    panels: Sequence[TrendPanel],
    basisjaar: int,
    *,
    width_mm: float = 170,
    height_mm: float = 62,
) -> Figure:
    """Bars per year at gemeente level, one panel per indicator, values printed.

    The base year is a solid bar; horizon years are hatched and lighter and the
    x-axis says "prognose" under them, so the distinction never relies on colour.

    Parameters
    ----------
    panels
        One :class:`TrendPanel` per indicator (1-4 fit on a row).
    basisjaar
        The measured (base) year.
    width_mm, height_mm
        Printed size.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl

    fig = new_figure(width_mm, height_mm)
    n = max(len(panels), 1)
    with mpl.rc_context(_RC):
        axes = fig.subplots(1, n, squeeze=False)[0]
        value_labels: list[Any] = []
        for ax, p in zip(axes, panels, strict=False):
            jaren = sorted(p.waarden)
            vals = np.array([p.waarden[j] for j in jaren], dtype=float)
            x = np.arange(len(jaren))
            proj = np.array([j != basisjaar for j in jaren])
            ax.bar(
                x[~proj], np.nan_to_num(vals[~proj]), color=BAR, width=0.66, edgecolor=BAR, lw=0.6
            )
            ax.bar(
                x[proj],
                np.nan_to_num(vals[proj]),
                color=BAR_LIGHT,
                width=0.66,
                edgecolor=BAR,
                hatch="///",
                lw=0.6,
            )
            top = np.nanmax(vals) if np.isfinite(vals).any() else 1.0
            for ref_val in p.referenties.values():
                if not fmt.is_missing(ref_val):
                    top = max(top, float(ref_val))
            top = top if top > 0 else 1.0
            for xi, v, pr in zip(x, vals, proj, strict=True):
                value_labels.append(ax.text(
                    xi,
                    (0 if fmt.is_missing(v) else v) + top * 0.02,
                    fmt.waarde(v, p.indicator, marker=bool(pr), projectie=bool(pr)),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    fontweight="bold" if not pr else "normal",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
                    zorder=5,
                ))  # fmt: skip
            ref_lines, ref_labels = [], []
            for i, (lab, ref_val) in enumerate(p.referenties.items()):
                if fmt.is_missing(ref_val):
                    continue
                ref_lines.append(
                    ax.axhline(float(ref_val), color=REF, lw=0.9, ls=(0, (4, 2)) if i == 0 else ":")
                )
                ref_labels.append(f"{lab}: {fmt.waarde(ref_val, p.indicator)}")
            if ref_lines:
                # Reference lines are explained above the panel, clear of the bar labels.
                ax.legend(
                    ref_lines,
                    ref_labels,
                    loc="lower left",
                    bbox_to_anchor=(0.0, 1.0),
                    frameon=False,
                    fontsize=6.5,
                    handlelength=2.4,
                    borderaxespad=0.2,
                    borderpad=0,
                )
            ax.set_xticks(x, [str(j) for j in jaren])
            ax.set_ylim(0, top * 1.18)
            ax.set_yticks([])
            ax.spines["left"].set_visible(False)
            _style(ax)
            ax.set_title(p.indicator.label, fontsize=8, loc="left", fontweight="bold")
        fig.legend(
            handles=legend_patches_projectie(basisjaar),
            loc="lower center",
            ncol=2,
            frameon=False,
            fontsize=7,
            handlelength=2.2,
            handleheight=1.1,
        )
        fig.subplots_adjust(left=0.02, right=0.99, top=0.76, bottom=0.27, wspace=0.18)
        _fit_panel_titles(fig, list(axes[: len(panels)]), [p.indicator.label for p in panels])
        _fit_value_labels(fig, axes[0], value_labels)
    return fig


def _fit_value_labels(fig: Figure, ax: Axes, labels: Sequence[Any], min_size: float = 5.5) -> None:
    """Shrink the bar value labels (all alike) until the widest fits the bar spacing."""
    if not labels:
        return
    r = fig.canvas.get_renderer()
    spacing = abs(ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0])
    room = spacing - 0.6 * MM * fig.dpi  # keep 0.6 mm between neighbouring labels
    widest = max(t.get_window_extent(r).width for t in labels)
    if widest <= room:
        return
    size = max(min_size, labels[0].get_fontsize() * room / widest)
    for t in labels:
        t.set_fontsize(size)


def _wrap_to_width(
    fig: Figure, text: str, max_px: float, fontsize: float, min_size: float, **kw: Any
) -> tuple[str, float]:
    """Break ``text`` into lines no wider than ``max_px`` (measured with the renderer),
    shrinking the font when a single word is wider; at ``min_size`` a word that is still
    too wide stays whole (never cut).

    Returns
    -------
    (str, float)
        The wrapped text and the font size.
    """
    renderer = fig.canvas.get_renderer()

    def width(s: str, size: float) -> float:
        t = fig.text(0, 0, s, fontsize=size, **kw)
        w = t.get_window_extent(renderer).width
        t.remove()
        return w

    size = fontsize
    words = text.split()
    while True:
        lines: list[str] = []
        for word in words:
            trial = f"{lines[-1]} {word}" if lines else word
            if lines and width(trial, size) <= max_px:
                lines[-1] = trial
            else:
                lines.append(word)
        if size <= min_size or all(width(ln, size) <= max_px for ln in lines):
            return "\n".join(lines), size
        size = max(min_size, size - 0.5)


def _fit_panel_titles(fig: Figure, axes: Sequence[Axes], titles: Sequence[str]) -> None:
    """Wrap each left-aligned panel title to the room up to the next panel, lift it clear
    of a reference legend above the panel, and lower the panels until every title fits
    inside the figure: no title touches another text (Duiven figure 9 had two titles
    running into each other) and none is cut off. Positions are measured, not guessed,
    because the text widths depend on the font and the words."""
    gap_px = 3 * MM * fig.dpi  # 3 mm between a title and the next panel
    extra = [0.0] * len(axes)  # measured correction of the pad, in points
    for _round in range(4):
        r = fig.canvas.get_renderer()
        boxes = [ax.get_window_extent(r) for ax in axes]
        arts = []
        for i, (ax, title) in enumerate(zip(axes, titles, strict=True)):
            right = boxes[i + 1].x0 - gap_px if i + 1 < len(axes) else fig.bbox.width - gap_px / 3
            text, size = _wrap_to_width(fig, title, right - boxes[i].x0, 8, 6.0, fontweight="bold")
            leg = ax.get_legend()
            pad = 4.0 + extra[i]
            if leg is not None:
                pad += leg.get_window_extent(r).height * 72 / fig.dpi
            ax.set_title(text, fontsize=size, loc="left", fontweight="bold", pad=pad)
            arts.append(_left_title(ax))
        moved = False
        for i, (ax, art) in enumerate(zip(axes, arts, strict=True)):
            leg = ax.get_legend()
            if leg is None:
                continue
            clash = leg.get_window_extent(r).y1 + 1.0 - art.get_window_extent(r).y0
            if clash > 0:  # descenders of the title reach into the legend
                extra[i] += clash * 72 / fig.dpi + 1.0
                moved = True
        over = max(a.get_window_extent(r).y1 for a in arts) - (fig.bbox.height - MM * fig.dpi)
        if over > 0.5:
            fig.subplots_adjust(top=fig.subplotpars.top - over / fig.bbox.height)
        elif not moved:
            return


def _left_title(ax: Axes) -> Any:
    """The Text artist of the axes' left-aligned title (public API: among its children)."""
    from matplotlib.text import Text

    want = ax.get_title(loc="left")
    cands = [c for c in ax.get_children() if isinstance(c, Text) and c.get_text() == want]
    return next(c for c in cands if c.get_horizontalalignment() == "left")


# ----------------------------------------------------------------- ranked bars


def ranked_bar_chart(
    waarden: pd.Series,
    indicator: Indicator,
    *,
    gemeente_waarde: float | None = None,
    gemeente_naam: str = "Gemeente",
    max_n: int = 25,
    width_mm: float = 170,
    lo: pd.Series | None = None,
    hi: pd.Series | None = None,
) -> tuple[Figure, int]:
    """Horizontal bars of the buurten, the largest task at the top.

    Parameters
    ----------
    waarden
        Values indexed by buurt name (NaN rows are dropped).
    indicator
        Registry entry; ``richting == -1`` sorts ascending (lowest = largest task).
    gemeente_waarde
        Drawn as a dashed reference line with its value.
    gemeente_naam
        Label of the reference line.
    max_n
        At most this many buurten (those with the largest task).
    width_mm
        Printed width; the height follows from the number of bars.
    lo, hi
        90 % interval per buurt name (NaN = exact); drawn as a black whisker, so
        overlapping buurten are visibly not different.

    Returns
    -------
    (Figure, int)
        The figure and the number of buurten shown.
    """
    import matplotlib as mpl

    s = pd.Series(waarden, dtype=float).dropna()
    asc = indicator.richting < 0
    s = s.sort_values(ascending=asc, kind="mergesort").head(max_n)
    n = len(s)
    lo_ = pd.Series(lo, dtype=float).reindex(s.index) if lo is not None else None
    hi_ = pd.Series(hi, dtype=float).reindex(s.index) if hi is not None else None
    # Whisker ends; exact values (NaN bounds) get a zero-length whisker, i.e. none.
    left = (lo_.fillna(s) if lo_ is not None else s).clip(upper=s).to_numpy()
    right = (hi_.fillna(s) if hi_ is not None else s).clip(lower=s).to_numpy()
    whiskers = bool(np.any(right > left))
    height_mm = 20 + 5.2 * max(n, 1)
    fig = new_figure(width_mm, height_mm)
    with mpl.rc_context(_RC):
        ax = fig.add_axes((0.27, 10 / height_mm, 0.62, 1 - 18 / height_mm))
        y = np.arange(n)[::-1]
        ax.barh(y, s.to_numpy(), color=BAR, height=0.68)
        if whiskers:
            ax.errorbar(
                s.to_numpy(), y, xerr=[s.to_numpy() - left, right - s.to_numpy()], fmt="none",
                ecolor=INK, elinewidth=0.8, capsize=2, zorder=3.5,
            )  # fmt: skip
        vmax = float(np.nanmax(right)) if n else 1.0
        if gemeente_waarde is not None and not fmt.is_missing(gemeente_waarde):
            vmax = max(vmax, float(gemeente_waarde))
        vmax = vmax if vmax > 0 else 1.0
        for yi, v, r in zip(y, s.to_numpy(), right, strict=True):
            ax.text(
                r + vmax * 0.012,
                yi,
                fmt.waarde(v, indicator),
                va="center",
                fontsize=7,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4, "alpha": 0.85},
                zorder=4,
            )
        ax.set_yticks(y, [_wrap(str(i), 30) for i in s.index], fontsize=7)
        ax.set_xlim(0, vmax * 1.12)
        ax.set_ylim(-0.7, n - 0.3)
        ax.xaxis.set_major_formatter(
            mpl.ticker.FuncFormatter(lambda v, _p: fmt.getal(v, _tick_decimals(vmax)))
        )
        ax.grid(axis="x", color=GRID, lw=0.5)
        ax.set_axisbelow(True)
        _style(ax)
        if gemeente_waarde is not None and not fmt.is_missing(gemeente_waarde):
            line = ax.axvline(float(gemeente_waarde), color=REF, lw=1.0, ls=(0, (4, 2)), zorder=3)
            ax.legend(
                [line],
                [f"{gemeente_naam}: {fmt.waarde(gemeente_waarde, indicator)}"],
                loc="upper left",
                bbox_to_anchor=(0.0, 1.0 + 6 / (height_mm - 18)),
                frameon=False,
                fontsize=7,
                handlelength=2.5,
                borderaxespad=0,
            )
        ax.set_xlabel(_as_label(indicator), fontsize=7)
    return fig, n


def _as_label(ind: Indicator) -> str:
    """Axis label from the registry: label plus unit where the label lacks it."""
    if ind.eenheid in ("%", "km"):
        return f"{ind.label} ({ind.eenheid})"
    if ind.eenheid == "ratio":
        return f"{ind.label}: {ind.kort}"
    return ind.label


def _tick_decimals(vmax: float) -> int:
    return 1 if vmax < 5 else 0


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


# -------------------------------------------------------------------- maps


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
    with mpl.rc_context(_RC | maps.PRINT_RC):
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
            title = maps.legend_title(indicator, jaar)
            res.legend.set_title("\n".join(_wrap(line, 30) for line in title.split("\n")))
        if res.numbered:
            key_ax = fig.add_axes((0.72, 0.0, 0.28, 0.45))
            key_ax.set_axis_off()
            maps.draw_key(key_ax, res.key, fontsize=6.5, ncols=1 if len(res.key) < 18 else 2)
        maps.scale_bar(ax, fontsize=6.5)
    return fig, res


def small_multiples(
    buurten: Any,
    panels: Sequence[tuple[Indicator, pd.Series]],
    *,
    status: pd.Series | None = None,
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
        Status per buurt code.
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
    with mpl.rc_context(_RC | maps.PRINT_RC):
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
                status=status,
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
    """Wrap a small multiple's title and legend title to the room left in its grid cell,
    so neither runs into the next cell or off the page (measured, font-independent)."""
    r = fig.canvas.get_renderer()
    gap = 2 * MM * fig.dpi
    title = ax.get_title(loc="left")
    if title:
        room = right_px - ax.get_window_extent(r).x0 - gap
        text, size = _wrap_to_width(fig, " ".join(title.split()), room, 7.5, 6.5,
                                    fontweight="bold")  # fmt: skip
        ax.set_title(text, fontsize=size, loc="left", fontweight="bold", color=maps.BLACK)
    if res.legend is None:
        return
    leg_title = res.legend.get_title()
    room = right_px - res.legend.get_window_extent(r).x0 - gap
    size = leg_title.get_fontsize()
    lines = [
        _wrap_to_width(fig, ln, room, size, size)[0] for ln in leg_title.get_text().split("\n")
    ]
    res.legend.set_title("\n".join(lines))


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
        GeoDataFrame ``wijkcode, geometry`` (:func:`pipeline.present.maps.dissolve_wijken`).
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
    with mpl.rc_context(_RC | maps.PRINT_RC):
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
        leg = ax.legend(
            handles=handles,
            title="Wijken",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize=7,
            title_fontsize=7.5,
            alignment="left",
        )
        avoid = [maps.scale_bar(ax, fontsize=6.5)]
        nummers = maps.buurt_nummers(g["code"])
        numbered: list[tuple[int, str, str]] = []
        buiten = g
        # Insets go in the free column under the legend, top down, while there is room.
        top = leg.get_window_extent(maps._renderer(fig)).y0 / fig.bbox.height
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
            _, main_numbered = maps.place_labels(
                ax, buiten, mode=labels, fontsize=6.5, avoid=avoid, nummers=nummers
            )
            numbered += main_numbered
        key = [(nr, naam) for nr, _code, naam in sorted(numbered)]
        if key and sleutel:
            key_ax = fig.add_axes((0.72, 0.0, 0.28, 0.45))
            key_ax.set_axis_off()
            maps.draw_key(key_ax, key, fontsize=6.5, ncols=1 if len(key) < 18 else 2)
    return fig, key


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
            edgecolors=maps.BLACK,
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

    r = maps._renderer(fig)
    fw, fh = fig.get_size_inches() / MM
    col_x0 = 0.72
    top -= 6 / fh  # room for the inset's title
    w_mm = (1 - col_x0 - 0.01) * fw
    h_mm = min(w_mm * 1.25, (top - 4 / fh) * fh)
    if min(w_mm, h_mm) < _MIN_INSET_MM:
        return None
    px_per_mm = fig.dpi / 25.4
    window = (w_mm * px_per_mm / _ZOOM, h_mm * px_per_mm / _ZOOM)
    ext = maps.crowded_extent(ax, kandidaten, number_size=6.5, window=window)
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
        spine.set_edgecolor(maps.BLACK)
    _overview_layers(iax, g[shown], wijken[wijken.intersects(view)],
                     [f for f, k in zip(fills, shown, strict=True) if k])  # fmt: skip
    iax.set_title(f"Uitsnede {letter} ({fmt.getal(_ZOOM, 0)}× vergroot)", fontsize=7,
                  loc="left", fontweight="bold", pad=3)  # fmt: skip
    # Label the candidates whose label point (the one place_labels uses) lies in the
    # inset's view: each buurt is then labelled exactly once, here or on the main map.
    x0, x1 = iax.get_xlim()
    y0, y1 = iax.get_ylim()
    pts = np.array([kaartlabels._anchor(geom) for geom in kandidaten.geometry]).reshape(-1, 2)
    inside = kandidaten[(pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)]
    _, numbered = maps.place_labels(iax, inside, mode=labels, fontsize=6.5, nummers=nummers)
    frame = Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="none", edgecolor=maps.BLACK,
                      lw=1.0, ls=(0, (3, 1.5)), zorder=8)  # fmt: skip
    ax.add_patch(frame)
    lab = ax.text(x0, y1, letter, fontsize=8, fontweight="bold", ha="right", va="bottom",
                  color=maps.BLACK, zorder=8, path_effects=maps._halo(8))  # fmt: skip
    boxes = [frame.get_window_extent(r), lab.get_window_extent(r)]
    return set(inside["code"].astype(str)), boxes, numbered, top - h_mm / fh - 3 / fh


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
    with mpl.rc_context(_RC):
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


def legend_patches_projectie(basisjaar: int) -> list[Patch]:
    """Legend patches of :func:`trend_chart` (base year vs projected bars)."""
    return [
        Patch(facecolor=BAR, edgecolor=BAR, label=f"{basisjaar} (basisjaar)"),
        Patch(facecolor=BAR_LIGHT, edgecolor=BAR, hatch="///", label="prognose (≈)"),
    ]
