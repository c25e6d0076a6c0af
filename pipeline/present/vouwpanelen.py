"""The building blocks of the vouwkaart sheets: the main map, a legend panel, the small
multiples of a theme, the cover, the colophon, what the sessions said, and the workspace
with the questions.

Split off from :mod:`pipeline.present.vouwkaart`, which lays these blocks out on the
A1, A3 and A4. Every block takes a millimetre box on a :class:`~pipeline.present.vouwblad.Sheet`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox

from pipeline.model.registry import THEMAS, Indicator
from pipeline.present import fmt, kaartklassen, kaartlabels, kaartlegenda, maps, sessie_kaart, texts
from pipeline.present.kaartbasis import BLACK, _renderer
from pipeline.present.texts import fictief_tekst
from pipeline.present.vouwblad import Sheet, _fold_avoid
from pipeline.present.vouwgegevens import (
    _buurt_rows,
    _Data,
    _has_values,
    _last_year,
    _soort_uitleg,
    source_line,
)
from pipeline.present.vouwtekst import (
    _GRID,
    _banner,
    _bottom_mm,
    _bottom_of,
    _fit_text,
    _paragraph,
)

_TINT = "#e3eef6"  # cover band: light enough for black text and cheap toner


def _legend(
    ax: Axes, res: maps.MapResult, ind: Indicator, size: float, title: str | None = None,
    ncol: int = 1, statuses: Sequence[str] | None = None, extra: Sequence[Any] = (),
) -> Bbox:  # fmt: skip
    """Legend of a map in its own (axis-off) axes, anchored top-left.

    ``extra``: further handles (the session symbols of a second edition) after the classes.
    """
    ax.set_axis_off()
    handles = kaartlegenda.legend_handles(res.classification, ind.richting,
                                  res.statuses if statuses is None else statuses,
                                  res.neutraal)  # fmt: skip
    handles = [*handles, *extra]
    leg = ax.legend(handles=handles, title=title or kaartlegenda.legend_title(ind), loc="upper left",
                    bbox_to_anchor=(0, 1), borderaxespad=0, frameon=False, fontsize=size,
                    title_fontsize=size, alignment="left", handlelength=2.4, handleheight=1.4,
                    ncol=ncol, labelcolor=BLACK, columnspacing=1.5)  # fmt: skip
    leg.get_title().set_color(BLACK)
    leg.get_title().set_fontweight("bold")
    return leg.get_window_extent(_renderer(ax.get_figure()))


def _main_map(
    fig: Figure, sheet: Sheet, d: _Data, formaat: str, box: tuple[float, float, float, float],
    label_size: float, number_size: float, line_scale: float,
) -> maps.MapResult:  # fmt: skip
    """The main map of the configured indicator in a mm box (x, y, w, h)."""
    key = d.cfg["hoofdindicator"]
    ind = d.registry[key]
    vals, status = d.values(key)
    ax = fig.add_axes(sheet.rect(*box))
    cls = d.classify(key, vals)
    avoid = _fold_avoid(sheet, formaat)
    symbool = label_size * 1.2
    if d.sessies:
        # The same limits draw_choropleth sets, so that names keep clear of the symbols.
        maps.setup_map_axes(ax, d.buurten, pad=0.02)
        avoid += sessie_kaart.marker_boxes(ax, d.buurten, d.sessies, symbool)
    # Scale bar and north arrow sit in map corners that are not on a fold.
    res = maps.draw_choropleth(
        ax, d.buurten, vals, ind, classification=cls, status=status, wijken=d.wijken,
        neutraal=d.neutraal(key),
        labels="names", label_size=label_size, number_size=number_size, legend=False,
        line_scale=line_scale, pad=0.02, avoid=avoid,
        wijknamen=d.wijknamen, wijknaam_size=label_size * 1.3,
        scalebar={"fontsize": label_size, "height_frac": 0.01},
        north={"fontsize": label_size + 4, "size": 0.07},
    )  # fmt: skip
    if d.sessies:
        sessie_kaart.overlay(ax, d.buurten, d.sessies, line_width=1.6 * line_scale, size=symbool)
    return res


def _small_multiple(
    fig: Figure, sheet: Sheet, d: _Data, x: float, y: float, w: float, h: float,
    keys: tuple[str, ...], compare: bool,
) -> None:  # fmt: skip
    """One theme block: heading, one or two maps (two on shared breaks), legend, caption."""
    key = next((k for k in keys if k in d.registry and _has_values(d.indicatoren, k, d.jaar)),
               None)  # fmt: skip
    ind = d.registry[key] if key else d.registry.get(keys[0])
    heading = THEMAS.get(ind.thema, ind.thema) if ind else keys[0]
    t = _fit_text(fig, sheet, x, y, heading, size=22, max_w=w, min_size=14, fontweight="bold")
    yy = _bottom_mm(fig, sheet, t) + 2.5
    if key is None:
        # A theme that exists but was not loaded says so (not "no data for this gemeente").
        geladen = {b.get("invoer") for b in d.meta.get("bronnen", [])}
        thema = ind.thema if ind else ""
        tekst = (
            texts.NIET_GELADEN_KORT.get(thema, "")
            if thema == "eenzaamheid" and "gezondheidsmonitor" not in geladen
            else ""
        ) or "Geen gegevens beschikbaar voor deze gemeente."
        _paragraph(fig, sheet, x, yy, tekst, size=12, max_w=w)
        return
    years = [d.jaar]
    last = _last_year(d.indicatoren, key) if compare else None
    if last is not None:
        years.append(last)
    series = [d.values(key, yr) for yr in years]
    edges = kaartklassen.shared_bins([s for s, _ in series], d.cfg["classificatie"], int(d.cfg["klassen"]),
                             intervals=[d.intervals(key, yr) for yr in years])  # fmt: skip
    cls = kaartklassen.classify(series[0][0], bins=edges, decimals=ind.decimalen, unit=ind.eenheid)
    neutraal = d.neutraal(key)
    if not neutraal and cls.k <= 1 and cls.edges[0] < cls.edges[-1] and any(
            lo.notna().any() for lo, _ in (d.intervals(key, yr) for yr in years)):  # fmt: skip
        # The intervals left no break between the years' buurten: say so, no class colour.
        neutraal = texts.KAART_MARGES_EEN_KLASSE
    # "dezelfde klassen" only where there are classes (the legend may say "geen klassen").
    sub = ind.label + (f": {years[0]} en {years[1]}" + ("" if neutraal else ", dezelfde klassen")
                       if len(years) == 2 else f", {years[0]}")  # fmt: skip
    heel = {yr: d.heel(key, yr) for yr in years}
    if len(years) == 1 and heel[years[0]]:
        sub += f" ({heel[years[0]]})"
    if ind.thema == "eenzaamheid":
        b = _buurt_rows(d.indicatoren)
        ej = b.loc[(b["jaar"] == d.jaar), "eenzaamheid_jaar"].dropna()
        if len(ej):
            sub += f" (enquête {int(ej.max())})"
    t = _fit_text(fig, sheet, x, yy, sub, size=13, max_w=w, min_size=10, max_lines=2)
    yy = _bottom_mm(fig, sheet, t) + 3
    statuses: list[str] = []
    res = None
    if len(years) == 2:
        # Two maps side by side on the same breaks, one legend underneath.
        legend_h = 48.0
        map_h = h - (yy - y) - legend_h
        gap = 6.0
        mw = (w - gap) / 2
        for i, ((vals, st), yr) in enumerate(zip(series, years, strict=True)):
            mx = x + i * (mw + gap)
            kop = f"{yr}: {heel[yr]}" if heel[yr] else str(yr)
            _fit_text(fig, sheet, mx, yy, kop, size=14, max_w=mw, min_size=10, fontweight="bold")
            ax = fig.add_axes(sheet.rect(mx, yy + 7, mw, map_h - 7))
            res = maps.draw_choropleth(ax, d.buurten, vals, ind, classification=cls, status=st,
                                       wijken=d.wijken, legend=False, line_scale=0.8,
                                       pad=0.01, neutraal=neutraal)  # fmt: skip
            statuses += [s for s in res.statuses if s not in statuses]
        lax = fig.add_axes(sheet.rect(x, yy + map_h + 3, w, legend_h - 3))
        n_items = res.classification.k + len(statuses)
        _legend(lax, res, ind, size=11, ncol=2 if n_items > 4 else 1, statuses=statuses)
    else:
        # One map: legend to its right, so the map can use the full block height.
        vals, st = series[0]
        mw = w * 0.6
        ax = fig.add_axes(sheet.rect(x, yy, mw, h - (yy - y)))
        res = maps.draw_choropleth(ax, d.buurten, vals, ind, classification=cls, status=st,
                                   wijken=d.wijken, legend=False, line_scale=0.8,
                                   pad=0.01, neutraal=neutraal)  # fmt: skip
        lax = fig.add_axes(sheet.rect(x + mw + 4, yy + 4, w - mw - 4, h - (yy - y) - 4))
        _legend(lax, res, ind, size=11)


def _cover(fig: Figure, sheet: Sheet, d: _Data, x: float, y: float, w: float, h: float) -> None:
    """Cover panel: title block on a tinted band, overview of the wijken, dates, reading aid."""
    m = 14.0
    band_h = 100.0
    # The band runs off the top and right sheet edges (into the bleed when there is one).
    fig.add_artist(Rectangle((sheet.fx(x), sheet.fy(y + band_h)),
                             (w + sheet.bleed) / sheet.page_mm[0] + 0.01,
                             (band_h + sheet.bleed) / sheet.page_mm[1] + 0.01,
                             transform=fig.transFigure, facecolor=_TINT, edgecolor="none",
                             zorder=0))  # fmt: skip
    t = _fit_text(fig, sheet, x + m, y + 18, "Wijkscan", size=24, max_w=w - 2 * m)
    t = _fit_text(fig, sheet, x + m, _bottom_mm(fig, sheet, t) + 2, d.gemeente, size=46,
                  max_w=w - 2 * m, min_size=26, max_lines=2, fontweight="bold")  # fmt: skip
    t = _fit_text(fig, sheet, x + m, _bottom_mm(fig, sheet, t) + 6,
                  "Vouwkaart voor het gesprek over zorgzame buurten", size=20, max_w=w - 2 * m,
                  min_size=14, max_lines=3)  # fmt: skip
    yy = y + band_h + 9
    if d.fictief:
        yy = _banner(fig, sheet, x + m, yy, w - 2 * m, 20, fictief_tekst(d.meta)) + 7
    horizon = [int(v) for v in d.meta.get("horizon", []) or []]
    regels = [f"Gegevens: {d.jaar}" + (f", vooruitblik tot {max(horizon)}" if horizon else ""),
              f"Gemaakt op {d.gebouwd}"]  # fmt: skip
    if d.editie:
        regels.append(d.editie)
    t = _paragraph(fig, sheet, x + m, yy, "\n".join(regels), size=14, max_w=w - 2 * m)
    yy = _bottom_mm(fig, sheet, t) + 5
    # Overview: wijken with their names, so the cover already orients the reader.
    foot_h = 38.0
    ov_h = max(40.0, (y + h - m - foot_h) - yy - 4)
    ax = fig.add_axes(sheet.rect(x + m, yy, w - 2 * m, ov_h))
    wn = d.wijknamen
    maps.setup_map_axes(ax, wn, pad=0.02)
    for geom in d.buurten.geometry:
        ax.add_patch(mpl.patches.PathPatch(maps.geom_path(geom), facecolor="#f2f2f2",
                                           edgecolor="#9b9b9b", lw=0.4))  # fmt: skip
    for geom in wn.geometry:
        ax.add_patch(mpl.patches.PathPatch(maps.geom_path(geom), facecolor="none",
                                           edgecolor=BLACK, lw=1.6))  # fmt: skip
    kaartlabels.place_labels(ax, wn, mode="names", fontsize=12, fallback=False)
    uitleg = ("Zo lees je de kaart: hoe donkerder de kleur, hoe groter de opgave. Gearceerd = "
              "geen cijfer; de legenda zegt waarom. Dikke lijnen zijn wijkgrenzen. "
              "Vouwen: onderste helft naar achteren, dan als harmonica vanaf rechts.")  # fmt: skip
    _paragraph(fig, sheet, x + m, y + h - m - foot_h, uitleg, size=11, max_w=w - 2 * m)


def _colophon(
    fig: Figure, sheet: Sheet, d: _Data, x: float, y: float, w: float, size: float,
    inds: Sequence[Indicator],
) -> float:  # fmt: skip
    """Source line, soort explanation, warnings and build date; returns bottom y (mm)."""
    t = _paragraph(fig, sheet, x, y, source_line(d.meta), size=size, max_w=w)
    yy = _bottom_mm(fig, sheet, t) + 1.5
    extra = _soort_uitleg(inds, d.meta)
    for w_ in d.meta.get("waarschuwingen", []) or []:
        extra += f" Let op: {fmt.kleine_letter(w_)}"
    extra += f" Gemaakt op {d.gebouwd} met wijkscan {d.meta.get('versie', '')}.".replace(" .", ".")
    t = _paragraph(fig, sheet, x, yy, extra.strip(), size=size, max_w=w)
    return _bottom_mm(fig, sheet, t)


def _uit_de_sessies(
    fig: Figure, sheet: Sheet, d: _Data, x: float, y: float, w: float, bottom: float,
    size: float,
) -> float:  # fmt: skip
    """What the tables said, for the next round: proposals and initiatives, verbatim.

    Items that do not fit above ``bottom`` (mm) are not cut off mid-text but left out, with
    a pointer to the report. The facilitators' text is printed with ``parse_math=False``
    (no mathtext). Returns the lower edge (mm) of the block.
    """
    namen = d.buurten.set_index("code")["naam"].astype(str).to_dict()
    proef = sessie_kaart.proefbuurten(d.sessies)
    regels = [
        "Voorgesteld als proefbuurt: "
        + (
            ", ".join(f"{namen.get(c, c)}" + (f" ({n}×)" if n > 1 else "")
                      for c, n in sorted(proef.items(), key=lambda x: namen.get(x[0], x[0])))
            if proef
            else "geen"
        )
        + "."
    ]  # fmt: skip
    items = [
        f"• {namen.get(r['code'], r['code'])} ({r['soort'] or sessie_kaart.ZONDER_SOORT}): "
        f"{r['initiatieven']}".rstrip(": ")
        for r in (d.sessies or {}).get("inbreng", [])
        if r.get("initiatieven") or r.get("soort")
    ]
    t = _fit_text(fig, sheet, x, y, "Uit de sessies", size=16, max_w=w, fontweight="bold")
    yy = _bottom_mm(fig, sheet, t) + 3
    handles = sessie_kaart.legend_handles(d.sessies, size)
    if handles:
        lax = fig.add_axes(sheet.rect(x, yy, w, 20))
        lax.set_axis_off()
        leg = lax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, 1), ncol=2,
                         borderaxespad=0, frameon=False, fontsize=size, labelcolor=BLACK,
                         handlelength=2.0, columnspacing=1.5)  # fmt: skip
        yy = _bottom_of(sheet, leg.get_window_extent(_renderer(fig))) + 3
    for k in range(len(items), -1, -1):
        rest = len(items) - k
        lines = [*regels, *(["Wat er al is:", *items[:k]] if k else [])]
        if rest:
            lines.append(f"… en nog {rest} {'initiatief' if rest == 1 else 'initiatieven'}: "
                         "zie het rapport.")  # fmt: skip
        t = _paragraph(fig, sheet, x, yy, "\n".join(lines), size=size, max_w=w, parse_math=False)
        if _bottom_mm(fig, sheet, t) <= bottom or k == 0:
            break
        t.remove()
    return _bottom_mm(fig, sheet, t)


def _workspace(
    fig: Figure, sheet: Sheet, vragen: Sequence[str], x: float, y: float, w: float, h: float,
    size: float = 22,
) -> None:  # fmt: skip
    """Ruled writing areas, one per question, question in large type (>= 20 pt)."""
    n = max(len(vragen), 1)
    gap = 6.0
    bh = (h - gap * (n - 1)) / n
    for i, vraag in enumerate(vragen):
        by = y + i * (bh + gap)
        fig.add_artist(Rectangle((sheet.fx(x), sheet.fy(by + bh)), w / sheet.page_mm[0],
                                 bh / sheet.page_mm[1], transform=fig.transFigure,
                                 facecolor="none", edgecolor=BLACK, lw=1.0))  # fmt: skip
        t = _fit_text(fig, sheet, x + 5, by + 4, vraag, size=size, max_w=w - 10, min_size=20,
                      max_lines=2, fontweight="bold")  # fmt: skip
        ly = _bottom_mm(fig, sheet, t) + 11
        while ly < by + bh - 3:
            fig.add_artist(Line2D([sheet.fx(x + 5), sheet.fx(x + w - 5)], [sheet.fy(ly)] * 2,
                                  color=_GRID, lw=0.6, transform=fig.transFigure))  # fmt: skip
            ly += 11.0
