"""Session input on maps: proposed proefbuurten outlined, existing initiatives as symbols.

Used by the second edition of the report (its own map) and of the vouwkaart (an overlay
on the main map). Only fixed texts reach matplotlib here (buurt names from the published
table, initiative types from :data:`pipeline.present.sessie.SOORTEN`); the facilitators' free text
is printed by the callers with ``parse_math=False``, so a ``$`` never turns into mathtext.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.transforms import Bbox

from pipeline.present import kaartbasis, kaartlabels, kaartrand, maps
from pipeline.present.sessie import SOORTEN

#: Outline of a proposed proefbuurt: dark orange, readable on every class colour and in grey.
PROEF_KLEUR = "#b3370b"
PROEF_TINT = "#fbd9c4"
#: One marker shape per kind of initiative (white fill, black edge: prints in black and white).
SYMBOLEN: dict[str, str] = dict(zip(SOORTEN, ("o", "^", "s", "P", "h", "D", "*", "X"), strict=True))
#: An initiative written down without a kind.
ZONDER_SOORT = "anders"


def proefbuurten(sessies: dict[str, Any] | None) -> dict[str, int]:
    """Buurt code -> number of sessions that proposed it as proefbuurt (only proposed ones)."""
    out: dict[str, int] = {}
    for r in (sessies or {}).get("inbreng", []):
        if r.get("proefbuurt") is True:
            out[r["code"]] = out.get(r["code"], 0) + 1
    return out


def initiatieven(sessies: dict[str, Any] | None) -> dict[str, list[str]]:
    """Buurt code -> kinds of initiative written down there (each kind once, list order)."""
    out: dict[str, list[str]] = {}
    for r in (sessies or {}).get("inbreng", []):
        # 'soorten' holds every kind of a row; older input has one 'soort'.
        soorten = r.get("soorten") or ([r["soort"]] if r.get("soort") else [])
        if r.get("initiatieven") or soorten:
            kinds = out.setdefault(r["code"], [])
            for soort in soorten or [ZONDER_SOORT]:
                if soort not in kinds:
                    kinds.append(soort)
    return {c: sorted(k, key=SOORTEN.index) for c, k in out.items()}


def _punten(
    buurten: Any, init: dict[str, list[str]], step: float
) -> list[tuple[float, float, str]]:
    """Marker positions: a short row per buurt, centred on an interior point."""
    out = []
    for code, geom in zip(buurten["code"].astype(str), buurten.geometry, strict=True):
        kinds = init.get(code, [])
        if not kinds or geom is None or geom.is_empty:
            continue
        p = geom.representative_point()
        x0 = p.x - step * (len(kinds) - 1) / 2
        out += [(x0 + i * step, p.y, k) for i, k in enumerate(kinds)]
    return out


def marker_boxes(ax: Axes, buurten: Any, sessies: dict[str, Any] | None, size: float) -> list[Bbox]:
    """Display boxes of the initiative symbols (labels keep clear of them).

    ``ax`` must have its final limits (:func:`pipeline.present.maps.setup_map_axes`).
    """
    step = _step(ax, size)
    half = size * 0.75  # points -> display pixels at 72 dpi, plus a small margin
    fig = ax.get_figure()
    scale = fig.dpi / 72 if fig is not None else 1.0
    out = []
    for x, y, _ in _punten(buurten, initiatieven(sessies), step):
        dx, dy = ax.transData.transform((x, y))
        h = half * scale
        out.append(Bbox.from_extents(dx - h, dy - h, dx + h, dy + h))
    return out


def _step(ax: Axes, size: float) -> float:
    """Distance between two symbols in data units (1.4 symbol widths)."""
    fig = ax.get_figure()
    dpi = fig.dpi if fig is not None else 72
    (x0, _), (x1, _) = ax.transData.inverted().transform([(0, 0), (size * 1.4 * dpi / 72, 0)])
    return abs(x1 - x0)


def overlay(
    ax: Axes,
    buurten: Any,
    sessies: dict[str, Any] | None,
    *,
    line_width: float = 2.0,
    size: float = 7.0,
    fill: bool = False,
) -> None:
    """Draw proposed proefbuurten (outlined) and initiatives (symbols) on a buurt map.

    Parameters
    ----------
    ax
        Map axes with final limits.
    buurten
        GeoDataFrame ``code, geometry`` (the map's CRS).
    sessies
        Validated session input (:func:`pipeline.ingest.sessie_lezen.lees_sessies`).
    line_width
        Outline width in points.
    size
        Symbol size in points.
    fill
        Also tint the proposed buurten (maps without a choropleth underneath).
    """
    proef = proefbuurten(sessies)
    codes = buurten["code"].astype(str)
    geoms = [g for c, g in zip(codes, buurten.geometry, strict=True) if c in proef and g]
    if geoms:
        paths = [PathPatch(maps.geom_path(g)) for g in geoms]
        if fill:
            ax.add_collection(
                PatchCollection(paths, facecolors=PROEF_TINT, edgecolors="none", zorder=1.5),
                autolim=False,
            )
        # A white line under the coloured one keeps the outline visible on dark classes.
        for colour, lw in (("#ffffff", line_width * 1.8), (PROEF_KLEUR, line_width)):
            ax.add_collection(
                PatchCollection(
                    [PathPatch(maps.geom_path(g)) for g in geoms],
                    facecolors="none",
                    edgecolors=colour,
                    linewidths=lw,
                    joinstyle="round",
                    zorder=4.5,
                ),
                autolim=False,
            )
    step = _step(ax, size)
    for x, y, kind in _punten(buurten, initiatieven(sessies), step):
        ax.plot(
            [x], [y], linestyle="none", marker=SYMBOLEN.get(kind, "X"), markersize=size,
            markerfacecolor="#ffffff", markeredgecolor=kaartbasis.BLACK, markeredgewidth=0.9,
            zorder=8,
        )  # fmt: skip


def legend_handles(sessies: dict[str, Any] | None, size: float = 7.0) -> list[Any]:
    """Legend entries for what :func:`overlay` drew (only what occurs)."""
    handles: list[Any] = []
    if proefbuurten(sessies):
        handles.append(
            Patch(facecolor="none", edgecolor=PROEF_KLEUR, linewidth=2.0,
                  label="voorgesteld als proefbuurt")
        )  # fmt: skip
    kinds = sorted({k for ks in initiatieven(sessies).values() for k in ks}, key=SOORTEN.index)
    for k in kinds:
        handles.append(
            Line2D([], [], linestyle="none", marker=SYMBOLEN.get(k, "X"), markersize=size,
                   markerfacecolor="#ffffff", markeredgecolor=kaartbasis.BLACK, label=k)
        )  # fmt: skip
    return handles


def figuur(
    buurten: Any,
    wijken: Any,
    sessies: dict[str, Any],
    *,
    width_mm: float = 170,
    height_mm: float = 120,
) -> tuple[Figure, list[tuple[int, str]]]:
    """The report's map of proposed proefbuurten and existing initiatives.

    Parameters
    ----------
    buurten
        GeoDataFrame ``code, naam, geometry`` (EPSG:28992).
    wijken
        Wijk polygons (heavier lines), or None.
    sessies
        Validated session input.
    width_mm, height_mm
        Printed size.

    Returns
    -------
    (Figure, list)
        The figure and the numbered key ``[(number, naam), ...]`` of buurten whose name
        did not fit (the caller prints it).
    """
    import matplotlib as mpl

    from pipeline.present.figuur import new_figure

    fig = new_figure(width_mm, height_mm)
    with mpl.rc_context(maps.PRINT_RC):
        ax = fig.add_axes((0.0, 0.0, 0.68, 1.0))
        g = buurten.reset_index(drop=True)
        maps.setup_map_axes(ax, g)
        ax.add_collection(
            PatchCollection([PathPatch(maps.geom_path(x)) for x in g.geometry],
                            facecolors="#f0f0f0", edgecolors="#7a7a7a", linewidths=0.35,
                            zorder=1),
            autolim=False,
        )  # fmt: skip
        if wijken is not None and len(wijken):
            ax.add_collection(
                PatchCollection([PathPatch(maps.geom_path(x)) for x in wijken.geometry],
                                facecolors="none", edgecolors=kaartbasis.BLACK, linewidths=1.1,
                                zorder=3),
                autolim=False,
            )  # fmt: skip
        overlay(ax, g, sessies, line_width=1.8, size=6.5, fill=True)
        avoid = marker_boxes(ax, g, sessies, 6.5)
        _, numbered = kaartlabels.place_labels(ax, g, mode="names", fontsize=6, avoid=avoid)
        handles = legend_handles(sessies, 6.5)
        if handles:
            ax.legend(handles=handles, title="Uit de sessies", loc="upper left",
                      bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7, title_fontsize=7.5,
                      alignment="left")  # fmt: skip
        kaartrand.scale_bar(ax, fontsize=6.5)
    return fig, [(nr, naam) for nr, _code, naam in numbered]


def alt_tekst(gemeente: str, sessies: dict[str, Any], namen: dict[str, str]) -> str:
    """What :func:`figuur` shows, in words (the figure's alt text)."""
    proef = [namen.get(c, c) for c in proefbuurten(sessies)]
    init = initiatieven(sessies)
    parts = [f"Kaart van de buurten van {gemeente} met wat de tafels tijdens de sessies noemden."]
    parts.append(
        f"Voorgesteld als proefbuurt (omlijnd): {', '.join(sorted(proef))}."
        if proef
        else "Geen buurt is voorgesteld als proefbuurt."
    )
    if init:
        items = [f"{namen.get(c, c)} ({', '.join(k)})" for c, k in sorted(init.items())]
        parts.append(f"Bestaande initiatieven (symbolen): {'; '.join(items)}.")
    return " ".join(parts)


def soorten_in(sessies: dict[str, Any] | None) -> Sequence[str]:
    """Kinds of initiative that occur, in list order."""
    return sorted({k for ks in initiatieven(sessies).values() for k in ks}, key=SOORTEN.index)
