"""Charts of the council report: trend bars per year and ranked bars of the buurten.

Design choices:

* one colour family (dark blue of the map palette); projections are told apart by
  hatching and a label, never by colour alone;
* every bar carries its value, formatted the Dutch way by :mod:`pipeline.present.fmt`;
* ranked bars are ordered by task size, following the registry ``richting``.

Figure basics (printed size, style, ``data:`` URI) are in :mod:`pipeline.present.figuur`,
fitting titles and labels in :mod:`pipeline.present.grafiektekst`, the map figures in
:mod:`pipeline.present.kaartfiguren` and :mod:`pipeline.present.overzichtskaart`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from pipeline.model.registry import Indicator
from pipeline.present import fmt, grafiektekst
from pipeline.present.figuur import (
    BAR,
    BAR_LIGHT,
    GRID,
    INK,
    RC,
    REF,
    new_figure,
    style_axes,
)

__all__ = [
    "TrendPanel",
    "legend_patches_projectie",
    "ranked_bar_chart",
    "trend_chart",
]


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
    with mpl.rc_context(RC):
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
                    # An estimated base-year value keeps its ≈, as in the tables.
                    fmt.waarde(v, p.indicator, marker=True, projectie=bool(pr)),
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
            style_axes(ax)
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
        grafiektekst.fit_panel_titles(
            fig, list(axes[: len(panels)]), [p.indicator.label for p in panels]
        )
        grafiektekst.fit_value_labels(fig, axes[0], value_labels)
    return fig


def legend_patches_projectie(basisjaar: int) -> list[Patch]:
    """Legend patches of :func:`trend_chart` (base year vs projected bars)."""
    return [
        Patch(facecolor=BAR, edgecolor=BAR, label=f"{basisjaar} (basisjaar)"),
        # Not "prognose (≈)": ≈ marks every estimate, a base-year one too (Duiven's 75+).
        Patch(facecolor=BAR_LIGHT, edgecolor=BAR, hatch="///", label="prognose"),
    ]


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
    volgorde: Sequence[str] | None = None,
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
    volgorde
        The buurt names to draw, top bar first (e.g. buurten that share a place by
        name); replaces sorting by value and ``max_n``.

    Returns
    -------
    (Figure, int)
        The figure and the number of buurten shown.
    """
    import matplotlib as mpl

    s = pd.Series(waarden, dtype=float).dropna()
    if volgorde is None:
        asc = indicator.richting < 0
        s = s.sort_values(ascending=asc, kind="mergesort").head(max_n)
    else:
        s = s.reindex([n for n in volgorde if n in s.index])
    n = len(s)
    lo_ = pd.Series(lo, dtype=float).reindex(s.index) if lo is not None else None
    hi_ = pd.Series(hi, dtype=float).reindex(s.index) if hi is not None else None
    # Whisker ends; exact values (NaN bounds) get a zero-length whisker, i.e. none.
    left = (lo_.fillna(s) if lo_ is not None else s).clip(upper=s).to_numpy()
    right = (hi_.fillna(s) if hi_ is not None else s).clip(lower=s).to_numpy()
    whiskers = bool(np.any(right > left))
    height_mm = 20 + 5.2 * max(n, 1)
    fig = new_figure(width_mm, height_mm)
    with mpl.rc_context(RC):
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
        ax.set_yticks(y, [grafiektekst.wrap(str(i), 30) for i in s.index], fontsize=7)
        ax.set_xlim(0, vmax * 1.12)
        ax.set_ylim(-0.7, n - 0.3)
        ax.xaxis.set_major_formatter(
            mpl.ticker.FuncFormatter(lambda v, _p: fmt.getal(v, _tick_decimals(vmax)))
        )
        ax.grid(axis="x", color=GRID, lw=0.5)
        ax.set_axisbelow(True)
        style_axes(ax)
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
