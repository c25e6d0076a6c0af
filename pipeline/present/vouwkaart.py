"""Vouwkaarten: large fold-out maps for workshops with wonen/welzijn/zorg partners.

Three products, all vector PDF with embedded TrueType fonts and pure black text:

* **A1** landscape (841 x 594 mm), folding to 8 panels of 210 x 297 mm (4 columns x 2
  rows). Folding: the bottom half goes backwards (printed side out), then the four
  columns are folded as a harmonica starting from the right, so the top-right panel is
  the cover. Panel layout (column, row; row 0 = top)::

      +-----------+-----------+-------------+------------+
      |  main map (2 x 2 panels)            | vergrijzing| cover      |
      |  title, names, wijk boundaries,     | + dementie |            |
      |  north arrow, scale bar             +------------+------------+
      |  legend (col 0) | key + sources (1) | mantelzorg | werkruimte |
      |                 |                   | + eenzaam  | (vragen)   |
      +-----------+-----------+-------------+------------+

  Every text stays at least :data:`FOLD_SAFE_MM` from a fold line; the map labels are
  placed with the fold strips as obstacles.
* **A3** landscape (420 x 297 mm): the main map with title, legend and source line.
* **A4** portrait, one page per indicator of the registry that has values.

Nothing here is specific to one gemeente: names, years, indicators and questions come
from the data, the registry, ``bronnen.json`` (``meta``) and the vouwkaart config.

Estimated indicators are classed with their 90 % intervals (overlapping buurten share a
class, :mod:`pipeline.present.klassen`); an indicator without buurt signal
(``meta["buurtsignaal"]``) is drawn in one neutral grey with a note instead of classes,
also when it is the hoofdindicator.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from pipeline.ingest.sessie_lezen import editie_tekst
from pipeline.io import atomic_path
from pipeline.model.registry import THEMAS, Indicator
from pipeline.present import fmt, klassen, maps, sessie_kaart, texts

__all__ = [
    "BLEED_MM",
    "DEFAULT_CFG",
    "FOLD_SAFE_MM",
    "PAPER_MM",
    "Sheet",
    "build_figure",
    "build_pages",
    "fold_conflicts",
    "fold_lines_mm",
    "main_indicators",
    "render_vouwkaart",
    "source_line",
]

#: Trim sizes in mm (width, height) as printed: A1 and A3 landscape, A4 portrait.
PAPER_MM: dict[str, tuple[float, float]] = {
    "A1": (841.0, 594.0),
    "A3": (420.0, 297.0),
    "A4": (210.0, 297.0),
}
#: Bleed added on every side when ``afloopmarge`` is on.
BLEED_MM = 3.0
#: Minimum distance of important content from a fold line.
FOLD_SAFE_MM = 5.0
#: Defaults of the (already validated) vouwkaart config section.
DEFAULT_CFG: dict[str, Any] = {
    "formaten": ["A1", "A3", "A4"],
    "hoofdindicator": "aandeel_65plus",
    "klassen": 5,
    "classificatie": "quantiles",
    "afloopmarge": False,
    "vragen": [
        "Wat weten we al?",
        "Wat zien jullie?",
        "Waar ligt de grootste opgave?",
        "Wat is er al?",
    ],
    "vragen_volgende_ronde": [
        "Klopt wat de tafels zagen met de cijfers?",
        "Welke buurt met een hoge score is nog niet besproken?",
        "Wat is er nodig in de voorgestelde proefbuurten?",
        "Wie moet er de volgende keer aan tafel zitten?",
    ],
}
# Small multiples on the A1: (indicator candidates in order of preference, compare with
# the last horizon year on shared breaks?). The first candidate with values is used.
_SMALL_MULTIPLES: list[tuple[tuple[str, ...], bool]] = [
    (("aandeel_75plus", "aandeel_85plus"), True),
    (("dementie_per_100_65plus",), False),
    (("mantelzorgpotentieel",), True),
    (("eenzaam_pct",), False),
]
# What the soort markers mean, shown next to the sources (only the ones that occur).
_SOORT_UITLEG = {
    "geschat": "geschat = door wijkscan berekend uit CBS-cijfers en landelijke verhoudingen",
    "gemodelleerd": "gemodelleerd = modelschatting van het RIVM (Gezondheidsmonitor)",
    "gemeten/geschat": "gemeten/geschat = CBS-telling; voor toekomstjaren geschat",
}
_MAANDEN = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]  # fmt: skip
BLACK = maps.BLACK
_GRID = "#9b9b9b"  # writing lines and fold/crop marks that must not dominate
_TINT = "#e3eef6"  # cover band: light enough for black text and cheap toner


# ---------------------------------------------------------------------------
# sheet geometry
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Sheet:
    """A page in millimetres with origin at the top-left of the trimmed sheet.

    Attributes
    ----------
    width, height
        Trim size in mm.
    bleed
        Bleed on every side in mm (0 without afloopmarge); the page grows by 2 x bleed.
    """

    width: float
    height: float
    bleed: float = 0.0

    @property
    def page_mm(self) -> tuple[float, float]:
        """Page (media) size including bleed."""
        return self.width + 2 * self.bleed, self.height + 2 * self.bleed

    def figure(self) -> Figure:
        """An empty figure of exactly the page size (72 dpi: 1 display pixel = 1 pt)."""
        w, h = self.page_mm
        return Figure(figsize=(w / 25.4, h / 25.4), dpi=72)

    def fx(self, x: float) -> float:
        """Trim x (mm) -> figure fraction."""
        return (x + self.bleed) / self.page_mm[0]

    def fy(self, y: float) -> float:
        """Trim y (mm, downwards) -> figure fraction (upwards)."""
        return 1.0 - (y + self.bleed) / self.page_mm[1]

    def rect(self, x: float, y: float, w: float, h: float) -> list[float]:
        """``[left, bottom, width, height]`` in figure fraction for a mm box (top-left x, y)."""
        pw, ph = self.page_mm
        return [self.fx(x), self.fy(y + h), w / pw, h / ph]

    def px(self, mm: float) -> float:
        """Millimetres -> display pixels (points at 72 dpi)."""
        return mm / 25.4 * 72

    def bbox(self, x0: float, y0: float, x1: float, y1: float) -> Bbox:
        """Display-coordinate box of a mm rectangle (trim coordinates)."""
        pw, ph = (self.px(v) for v in self.page_mm)
        return Bbox.from_extents(
            self.fx(x0) * pw, self.fy(y1) * ph, self.fx(x1) * pw, self.fy(y0) * ph
        )


def fold_lines_mm(formaat: str) -> tuple[list[float], list[float]]:
    """Fold positions (trim mm) of a format: ``(vertical xs, horizontal ys)``.

    Parameters
    ----------
    formaat
        ``'A1'``, ``'A3'`` or ``'A4'``; only the A1 is folded (4 x 2 panels).

    Returns
    -------
    tuple of lists
        x positions of vertical folds and y positions of horizontal folds.
    """
    if formaat != "A1":
        return [], []
    w, h = PAPER_MM["A1"]
    return [w * i / 4 for i in (1, 2, 3)], [h / 2]


# ---------------------------------------------------------------------------
# text helpers
# ---------------------------------------------------------------------------
def _renderer(fig: Figure) -> Any:
    return maps._renderer(fig)


def _fit_text(
    fig: Figure,
    sheet: Sheet,
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    max_w: float,
    min_size: float | None = None,
    max_lines: int = 3,
    ha: str = "left",
    va: str = "top",
    **kw: Any,
) -> Text:
    """Place text at (x, y) mm, shrinking and then wrapping it to fit ``max_w`` mm.

    Big titles must never run over a fold: rather than guessing widths per gemeente
    name or indicator label, the text is measured and fitted.
    """
    r = _renderer(fig)
    min_size = min_size or size
    limit = sheet.px(max_w)
    kw = {"color": BLACK, **kw}
    t = fig.text(sheet.fx(x), sheet.fy(y), text, fontsize=size, ha=ha, va=va, **kw)
    sizes = [size]
    while sizes[-1] > min_size:
        sizes.append(max(min_size, sizes[-1] - 1))
    # Prefer one line at a smaller size (down to min_size) over wrapping...
    for s in sizes:
        t.set_fontsize(s)
        if t.get_window_extent(r).width <= limit:
            return t
    # ...then wrap, at the largest size that fits in max_lines...
    for s in sizes:
        t.set_fontsize(s)
        t.set_text(text)
        full = t.get_window_extent(r).width
        start = min(len(text), int(len(text) * limit / max(full, 1.0)) + 2)
        for width in range(max(start, 6), 5, -1):
            cand = "\n".join(textwrap.wrap(text, width))
            if cand.count("\n") + 1 > max_lines:
                break
            t.set_text(cand)
            if t.get_window_extent(r).width <= limit:
                return t
    # ...and as a last resort wrap at the smallest size until it fits.
    for width in range(max(len(text), 10), 3, -1):
        t.set_text("\n".join(textwrap.wrap(text, width)))
        if t.get_window_extent(r).width <= limit:
            break
    return t


def _paragraph(
    fig: Figure,
    sheet: Sheet,
    x: float,
    y: float,
    text: str,
    *,
    size: float,
    max_w: float,
    **kw: Any,
) -> Text:
    """Wrapped paragraph at fixed size within ``max_w`` mm; returns the Text."""
    r = _renderer(fig)
    t = fig.text(sheet.fx(x), sheet.fy(y), text, fontsize=size, ha="left", va="top",
                 color=BLACK, linespacing=1.3, **kw)  # fmt: skip
    # Start from a width estimated from the unwrapped extent (measuring every candidate
    # width of a long source line is slow), then narrow until it fits.
    full = t.get_window_extent(r).width
    longest = max(len(p) for p in text.split("\n")) or 1
    start = min(longest, int(longest * sheet.px(max_w) / max(full, 1.0)) + 2)
    for width in range(max(start, 11), 10, -1):
        # Wrap each given line on its own: explicit line breaks are kept.
        t.set_text("\n".join("\n".join(textwrap.wrap(p, width)) or "" for p in text.split("\n")))
        if t.get_window_extent(r).width <= sheet.px(max_w):
            break
    return t


def _bottom_mm(fig: Figure, sheet: Sheet, t: Text) -> float:
    """Lower edge of a Text in trim mm (to stack blocks)."""
    bb = t.get_window_extent(_renderer(fig))
    ph = sheet.px(sheet.page_mm[1])
    return (ph - bb.y0) / 72 * 25.4 - sheet.bleed


def _datum_nl(iso: str | None) -> str:
    """``'2026-11-25'`` -> ``'25 november 2026'`` (today when missing)."""
    try:
        d = dt.date.fromisoformat(str(iso)[:10]) if iso else dt.date.today()
    except ValueError:
        d = dt.date.today()
    return f"{d.day} {_MAANDEN[d.month - 1]} {d.year}"


def _banner(
    fig: Figure, sheet: Sheet, x: float, y: float, w: float, size: float, tekst: str
) -> float:
    """FICTIEF banner (framed, black on light grey); returns its bottom y in mm."""
    h = size / 72 * 25.4 * 1.9
    fig.add_artist(
        Rectangle((sheet.fx(x), sheet.fy(y + h)), w / sheet.page_mm[0], h / sheet.page_mm[1],
                  transform=fig.transFigure, facecolor="#d9d9d9", edgecolor=BLACK,
                  linewidth=1.5, hatch="", zorder=5)
    )  # fmt: skip
    _fit_text(fig, sheet, x + w / 2, y + h / 2, tekst, size=size,
              max_w=w - 4, min_size=8, ha="center", va="center", fontweight="bold", zorder=6)  # fmt: skip
    return y + h


# ---------------------------------------------------------------------------
# data helpers
# ---------------------------------------------------------------------------
def _cfg(cfg: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(DEFAULT_CFG)
    out.update({k: v for k, v in (cfg or {}).items() if v is not None})
    return out


def _buurt_rows(indicatoren: pd.DataFrame) -> pd.DataFrame:
    return indicatoren[indicatoren["niveau"] == "buurt"]


def _base_year(indicatoren: pd.DataFrame) -> int:
    b = _buurt_rows(indicatoren)
    basis = b.loc[b["schatting"] == "basisjaar", "jaar"]
    return int(basis.min() if len(basis) else b["jaar"].min())


def _has_values(indicatoren: pd.DataFrame, key: str, jaar: int) -> bool:
    b = _buurt_rows(indicatoren)
    return key in b.columns and bool(b.loc[b["jaar"] == jaar, key].notna().any())


def _last_year(indicatoren: pd.DataFrame, key: str) -> int | None:
    """Last (horizon) year with values for ``key``, or None when only the base year has them."""
    b = _buurt_rows(indicatoren)
    years = sorted(b.loc[b[key].notna(), "jaar"].unique()) if key in b.columns else []
    base = _base_year(indicatoren)
    later = [int(y) for y in years if int(y) > base]
    return later[-1] if later else None


def main_indicators(indicatoren: pd.DataFrame, registry: dict[str, Indicator]) -> list[str]:
    """Registry keys (registry order) that have at least one buurt value in the base year.

    These are the pages of the A4 product.
    """
    base = _base_year(indicatoren)
    return [k for k in registry if _has_values(indicatoren, k, base)]


def source_line(meta: dict[str, Any]) -> str:
    """One source line from ``bronnen.json``: tables with ids and years, then the licence.

    Parameters
    ----------
    meta
        Provenance dict (``bronnen``: list of ``{onderwerp, uitgever, tabel, jaar, licentie}``).

    Returns
    -------
    str
        E.g. ``'Bronnen: CBS Kerncijfers wijken en buurten 85984NED (2024); ... Licentie: CC BY
        4.0 CBS/Kadaster/RIVM.'``
    """
    parts = []
    holders: list[str] = []
    licences: list[str] = []
    for b in meta.get("bronnen", []) or []:
        onderwerp, tabel = str(b.get("onderwerp", "")), str(b.get("tabel", ""))
        # Some sources have no table id (the tabel repeats the subject): print it once.
        tabel = "" if tabel.lower() in onderwerp.lower() else tabel
        parts.append(" ".join(v for v in (str(b.get("uitgever", "")), onderwerp, tabel) if v)
                     + (f" ({b['jaar']})" if b.get("jaar") else ""))  # fmt: skip
        if not b.get("licentie"):
            continue  # fictitious demo numbers: no licence, no rights holder
        for h in str(b.get("uitgever", "")).split("(")[0].split("/"):
            h = h.strip()
            if h and h not in holders:
                holders.append(h)
        if b["licentie"] not in licences:
            licences.append(str(b["licentie"]))
    if not parts:  # no provenance at all: the open sources the pipeline reads by default
        return "Bronnen: CBS, Kadaster, RIVM. Licentie: CC BY 4.0 CBS/Kadaster/RIVM."
    if not licences:  # only demo numbers: nobody to credit, no licence to claim
        return f"Bronnen: {'; '.join(parts)}. Fictieve gegevens, zonder bronlicentie."
    return f"Bronnen: {'; '.join(parts)}. Licentie: {' / '.join(licences)} {'/'.join(holders)}."


#: What each demo input stands in for, in the FICTIEF banner (keys of fictief_onderdelen).
_FICTIEF_DEEL = {
    "kwb": "buurtcijfers",
    "geometrie": "buurtgrenzen",
    "bevolking": "leeftijdsopbouw",
    "prognose": "prognose",
    "gezondheidsmonitor": "eenzaamheid",
}


def fictief_tekst(meta: dict[str, Any]) -> str:
    """The FICTIEF banner: which parts are made up, so real CBS panels are not tarred.

    With every input fictitious (the demo gemeente) it is simply "demogegevens"; with real
    KWB figures and a demo age profile it names the demo parts and what rests on them.
    """
    delen = [str(x) for x in meta.get("fictief_onderdelen", []) or []]
    if not delen or {"kwb", "bevolking"} <= set(delen):
        return "FICTIEF — demogegevens"
    namen = fmt.opsomming([_FICTIEF_DEEL.get(x, x) for x in delen])
    rust = " (75+, 85+, dementie, mantelzorg, toekomst)" if "bevolking" in delen else ""
    return f"FICTIEF: {namen}{rust}"


def _soort_uitleg(inds: Sequence[Indicator], meta: dict[str, Any] | None = None) -> str:
    fictief_leeftijd = "bevolking" in ((meta or {}).get("fictief_onderdelen") or [])
    seen = []
    for i in inds:
        tekst = _SOORT_UITLEG.get(i.soort)
        if i.soort == "geschat" and fictief_leeftijd:
            # Resting on the demo age profile, these are not "computed from CBS figures".
            tekst = "geschat = door wijkscan berekend uit CBS-buurtcijfers en een fictieve leeftijdsopbouw (demo)"
        if tekst and tekst not in seen:
            seen.append(tekst)
    return "; ".join(seen) + ("." if seen else "")


@dataclass
class _Data:
    """Everything a sheet needs, prepared once."""

    buurten: Any
    wijken: Any
    wijknamen: Any
    indicatoren: pd.DataFrame
    registry: dict[str, Indicator]
    meta: dict[str, Any]
    cfg: dict[str, Any]
    gemeente: str
    jaar: int
    fictief: bool
    gebouwd: str
    #: Validated session input (second edition), or None (first edition).
    sessies: dict[str, Any] | None = None

    @property
    def editie(self) -> str:
        """``'Tweede editie, na de sessie van …'``; ``''`` without session input."""
        tekst = editie_tekst(self.sessies)
        return f"Tweede editie, {tekst}" if tekst else ""

    def values(self, key: str, jaar: int | None = None) -> tuple[pd.Series, pd.Series]:
        return maps.buurt_values(self.indicatoren, key, jaar if jaar is not None else self.jaar)

    def intervals(self, key: str, jaar: int | None = None) -> tuple[pd.Series, pd.Series]:
        return maps.buurt_intervals(self.indicatoren, key, jaar if jaar is not None else self.jaar)

    def signaal(self, key: str) -> bool:
        """False when the buurt differences of ``key`` come only from the model."""
        return klassen.buurtsignaal(self.meta, key).signaal

    def neutraal(self, key: str) -> str:
        """Legend text of the classless map of ``key`` (``''``: normal classes)."""
        return "" if self.signaal(key) else texts.KAART_ZONDER_SIGNAAL

    def zonder_tekst(self, key: str) -> str:
        """Why ``key`` has no classes, with the gemeente figure (``''`` when it has)."""
        if self.signaal(key):
            return ""
        ind = self.registry[key]
        g = self.indicatoren[
            (self.indicatoren["niveau"] == "gemeente") & (self.indicatoren["jaar"] == self.jaar)
        ]
        waarde, marge = float("nan"), ""
        if len(g) and key in g:
            waarde = g[key].iloc[0]
            lo, hi = klassen.intervallen(g, key)
            marge = fmt.marge(lo.iloc[0], hi.iloc[0], ind)
        return texts.zonder_signaal_zin(
            ind, self.gemeente, self.jaar, fmt.waarde(waarde, ind, marker=True), marge,
            klassen.buurtsignaal(self.meta, key).uitleg,
        )  # fmt: skip

    def classify(self, key: str, vals: pd.Series) -> maps.Classification:
        """Classes of the configured scheme that never split overlapping intervals."""
        ind = self.registry[key]
        lo, hi = self.intervals(key)
        return maps.classify(vals, self.cfg["classificatie"], int(self.cfg["klassen"]),
                             decimals=ind.decimalen, unit=ind.eenheid, lo=lo, hi=hi)  # fmt: skip


def _prepare(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    cfg: dict[str, Any] | None,
    sessies: dict[str, Any] | None = None,
) -> _Data:
    cfg = _cfg(cfg)
    b_codes = set(_buurt_rows(indicatoren)["code"].astype(str))
    g = buurten.copy()
    g["code"] = g["code"].astype(str)
    # A geometry file may hold more than this gemeente (regio runs): keep the table's buurten.
    if b_codes & set(g["code"]):
        g = g[g["code"].isin(b_codes)]
    if "naam" not in g.columns or g["naam"].isna().any():
        names = _buurt_rows(indicatoren).drop_duplicates("code").set_index("code")["naam"]
        g["naam"] = g["code"].map(names).fillna(g.get("naam", g["code"]))
    g = g.reset_index(drop=True)
    wijken = maps.dissolve_wijken(g, indicatoren)
    wnames = (
        indicatoren.loc[indicatoren["niveau"] == "wijk", ["code", "naam"]]
        .drop_duplicates("code")
        .set_index("code")["naam"]
    )
    wijknamen = wijken.rename(columns={"wijkcode": "code"})
    wijknamen["naam"] = wijknamen["code"].map(wnames).fillna(wijknamen["code"])
    gm = meta.get("gemeentenaam") or str(indicatoren["gemeentenaam"].dropna().iloc[0])
    return _Data(
        buurten=g, wijken=wijken, wijknamen=wijknamen, indicatoren=indicatoren,
        registry=registry, meta=meta, cfg=cfg, gemeente=gm,
        jaar=int(meta.get("jaar") or _base_year(indicatoren)),
        fictief=bool(meta.get("fictief")), gebouwd=_datum_nl(meta.get("gebouwd")),
        sessies=sessies or None,
    )  # fmt: skip


# ---------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------
def _legend(
    ax: Axes, res: maps.MapResult, ind: Indicator, size: float, title: str | None = None,
    ncol: int = 1, statuses: Sequence[str] | None = None, extra: Sequence[Any] = (),
) -> Bbox:  # fmt: skip
    """Legend of a map in its own (axis-off) axes, anchored top-left.

    ``extra``: further handles (the session symbols of a second edition) after the classes.
    """
    ax.set_axis_off()
    handles = maps.legend_handles(res.classification, ind.richting,
                                  res.statuses if statuses is None else statuses,
                                  res.neutraal)  # fmt: skip
    handles = [*handles, *extra]
    leg = ax.legend(handles=handles, title=title or maps.legend_title(ind), loc="upper left",
                    bbox_to_anchor=(0, 1), borderaxespad=0, frameon=False, fontsize=size,
                    title_fontsize=size, alignment="left", handlelength=2.4, handleheight=1.4,
                    ncol=ncol, labelcolor=BLACK, columnspacing=1.5)  # fmt: skip
    leg.get_title().set_color(BLACK)
    leg.get_title().set_fontweight("bold")
    return leg.get_window_extent(_renderer(ax.get_figure()))


def _bottom_of(sheet: Sheet, bb: Bbox) -> float:
    """Lower edge (trim mm) of a display box."""
    return (sheet.px(sheet.page_mm[1]) - bb.y0) / 72 * 25.4 - sheet.bleed


def _ruled(
    fig: Figure, sheet: Sheet, x: float, y: float, w: float, h: float, title: str, size: float,
    spacing: float = 11.0,
) -> None:  # fmt: skip
    """A titled area of writing lines (skipped when there is no room for two lines)."""
    if h < 2 * spacing + size / 72 * 25.4:
        return
    t = _fit_text(fig, sheet, x, y, title, size=size, max_w=w, fontweight="bold")
    ly = _bottom_mm(fig, sheet, t) + spacing
    while ly <= y + h:
        fig.add_artist(Line2D([sheet.fx(x), sheet.fx(x + w)], [sheet.fy(ly)] * 2, color=_GRID,
                              lw=0.6, transform=fig.transFigure))  # fmt: skip
        ly += spacing


def _fit_key(
    fig: Figure, sheet: Sheet, x: float, y: float, w: float, h: float,
    key: Sequence[tuple[int, str]], size: float, min_size: float, title: str,
) -> float:  # fmt: skip
    """Numbered key in a mm box (largest size, fewest columns that fit); returns bottom mm."""
    if not key:
        return y
    r = _renderer(fig)
    probe = fig.text(0, 0, "", fontsize=size)
    s = size
    while True:
        probe.set_fontsize(s)
        widest = 0.0
        for nr, naam in key:
            probe.set_text(f"{nr:>2}  {naam}")
            widest = max(widest, probe.get_window_extent(r).width)
        line_mm = 1.45 * s / 72 * 25.4
        rows = max(1, int((h - 1.6 * line_mm) // line_mm))
        ncols = math.ceil(len(key) / rows)
        colw_mm = widest / 72 * 25.4 + 4
        if ncols * colw_mm <= w or s <= min_size:
            break
        s -= 0.5
    probe.remove()
    ncols = max(1, min(ncols, int(w // colw_mm) or 1))
    ax = fig.add_axes(sheet.rect(x, y, w, h))
    ax.set_axis_off()
    arts = maps.draw_key(ax, key, fontsize=s, ncols=ncols, title=title)
    return max(_bottom_mm(fig, sheet, a) for a in arts)


def _fold_avoid(sheet: Sheet, formaat: str, margin: float = FOLD_SAFE_MM + 1.5) -> list[Bbox]:
    """Display boxes of the strips around fold lines where labels may not go."""
    xs, ys = fold_lines_mm(formaat)
    out = [sheet.bbox(x - margin, -sheet.bleed, x + margin, sheet.height + sheet.bleed) for x in xs]
    out += [sheet.bbox(-sheet.bleed, y - margin, sheet.width + sheet.bleed, y + margin) for y in ys]
    return out


def fold_conflicts(fig: Figure, formaat: str, afloopmarge: bool = False) -> list[str]:
    """Texts closer than :data:`FOLD_SAFE_MM` to a fold line (should be empty).

    Parameters
    ----------
    fig
        A built page.
    formaat
        Its format (only the A1 has folds).
    afloopmarge
        Whether the page was built with bleed.

    Returns
    -------
    list of str
        The offending texts.
    """
    w, h = PAPER_MM[formaat]
    sheet = Sheet(w, h, BLEED_MM if afloopmarge else 0.0)
    strips = _fold_avoid(sheet, formaat, margin=FOLD_SAFE_MM)
    r = _renderer(fig)
    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        bb = t.get_window_extent(r)
        if any(bb.overlaps(s) for s in strips):
            out.append(t.get_text())
    return out


def _fold_and_crop_marks(fig: Figure, sheet: Sheet, formaat: str) -> None:
    """Dashed fold ticks on the sheet edges; crop marks in the bleed when there is one."""
    xs, ys = fold_lines_mm(formaat)
    tick = 8.0
    kw = {"color": BLACK, "lw": 0.6, "linestyle": (0, (2.0, 1.5)), "transform": fig.transFigure,
          "gid": "vouwteken"}  # fmt: skip
    for x in xs:
        for y0, y1 in ((0, tick), (sheet.height - tick, sheet.height)):
            fig.add_artist(Line2D([sheet.fx(x)] * 2, [sheet.fy(y0), sheet.fy(y1)], **kw))
    for y in ys:
        for x0, x1 in ((0, tick), (sheet.width - tick, sheet.width)):
            fig.add_artist(Line2D([sheet.fx(x0), sheet.fx(x1)], [sheet.fy(y)] * 2, **kw))
    if sheet.bleed <= 0:
        return
    # Crop marks: short lines in the bleed, in line with the trim edges, not touching the trim.
    b = sheet.bleed
    ckw = {"color": BLACK, "lw": 0.3, "transform": fig.transFigure, "gid": "snijteken"}
    for cx in (0.0, sheet.width):
        for cy in (0.0, sheet.height):
            sx = -1 if cx == 0 else 1
            sy = -1 if cy == 0 else 1
            # horizontal mark (along the trim y), in the bleed beyond the corner
            fig.add_artist(Line2D([sheet.fx(cx + sx * 0.5), sheet.fx(cx + sx * b)],
                                  [sheet.fy(cy)] * 2, **ckw))  # fmt: skip
            fig.add_artist(Line2D([sheet.fx(cx)] * 2,
                                  [sheet.fy(cy + sy * 0.5), sheet.fy(cy + sy * b)], **ckw))  # fmt: skip


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
    sub = ind.label + (f": {years[0]} en {years[1]}, dezelfde klassen" if len(years) == 2
                       else f", {years[0]}")  # fmt: skip
    if ind.thema == "eenzaamheid":
        b = _buurt_rows(d.indicatoren)
        ej = b.loc[(b["jaar"] == d.jaar), "eenzaamheid_jaar"].dropna()
        if len(ej):
            sub += f" (enquête {int(ej.max())})"
    t = _fit_text(fig, sheet, x, yy, sub, size=13, max_w=w, min_size=10, max_lines=2)
    yy = _bottom_mm(fig, sheet, t) + 3
    series = [d.values(key, yr) for yr in years]
    edges = maps.shared_bins([s for s, _ in series], d.cfg["classificatie"], int(d.cfg["klassen"]),
                             intervals=[d.intervals(key, yr) for yr in years])  # fmt: skip
    cls = maps.classify(series[0][0], bins=edges, decimals=ind.decimalen, unit=ind.eenheid)
    neutraal = d.neutraal(key)
    if not neutraal and cls.k <= 1 and any(lo.notna().any() for lo, _ in
                                           (d.intervals(key, yr) for yr in years)):  # fmt: skip
        # The intervals left no break between the years' buurten: say so, no class colour.
        neutraal = texts.KAART_MARGES_EEN_KLASSE
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
            _fit_text(fig, sheet, mx, yy, str(yr), size=14, max_w=mw, fontweight="bold")
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
    maps.place_labels(ax, wn, mode="names", fontsize=12, fallback=False)
    uitleg = ("Zo lees je de kaart: hoe donkerder de kleur, hoe groter de opgave. Gearceerd = "
              "geen cijfer (te weinig inwoners of geen gegevens). Dikke lijnen zijn wijkgrenzen. "
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
        extra += f" Let op: {w_}"
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


# ---------------------------------------------------------------------------
# the three formats
# ---------------------------------------------------------------------------
def _aspect(gdf: Any) -> float:
    """Width / height of the data extent."""
    x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
    return (x1 - x0) / max(y1 - y0, 1.0)


def _label_size(n: int, big: float, small: float, per: float) -> float:
    """Label size that shrinks with the number of buurten (more buurten, less room)."""
    return float(min(big, max(small, big + 2 - per * n)))


def _a1(d: _Data, sheet: Sheet) -> Figure:
    fig = sheet.figure()
    pw, ph = sheet.width / 4, sheet.height / 2  # panel 210.25 x 297
    m = 12.0  # margin from sheet edges and folds: well over FOLD_SAFE_MM
    ind = d.registry[d.cfg["hoofdindicator"]]

    # --- main map block: columns 0-1, both rows ---
    t = _fit_text(fig, sheet, m, m, f"{ind.label} in {d.jaar}", size=36, max_w=pw - 2 * m,
                  min_size=24, max_lines=2, fontweight="bold")  # fmt: skip
    t2 = _fit_text(fig, sheet, m, _bottom_mm(fig, sheet, t) + 3,
                   f"Wijkscan {d.gemeente} — buurten en wijken", size=16, max_w=pw - 2 * m,
                   min_size=12)  # fmt: skip
    if d.editie:
        t2 = _fit_text(fig, sheet, m, _bottom_mm(fig, sheet, t2) + 2, d.editie, size=16,
                       max_w=pw - 2 * m, min_size=12, fontweight="bold")  # fmt: skip
    top = _bottom_mm(fig, sheet, t2) + 4
    if d.fictief:
        _banner(fig, sheet, pw + m, m, pw - 2 * m, 22, fictief_tekst(d.meta))
    # Map height from the gemeente's shape; the rest of the block is the info band, which
    # always starts below the horizontal fold so that no legend text sits on it.
    aspect = _aspect(d.buurten)
    map_w = 2 * pw - 2 * 6.0
    # A second edition needs room under the map for what the tables said.
    band_min = 180.0 if d.sessies else 125.0
    map_h = min(sheet.height - top - band_min - 6, map_w / aspect * 1.04)
    if top + map_h < ph + 20:
        # Keep a short map (and its scale bar) entirely above the horizontal fold.
        map_h = ph - 8 - top
    size = _label_size(len(d.buurten), 15, 10, 0.08)
    res = _main_map(fig, sheet, d, "A1", (6.0, top, map_w, map_h), label_size=size,
                    number_size=size - 1, line_scale=2.2)  # fmt: skip
    band_y = max(top + map_h + 8, ph + m)
    bottom = sheet.height - m

    # Column 0 of the band: legend, reading aid, notes.
    cw = pw - 2 * m
    lax = fig.add_axes(sheet.rect(m, band_y, cw, bottom - band_y))
    yy = _bottom_of(sheet, _legend(lax, res, ind, size=16)) + 6
    note = "Dikke lijnen zijn wijkgrenzen."
    if res.key:
        note += " Buurten met een nummer staan in de lijst rechts."
    if maps.soort_marker(ind):
        note += f" De cijfers zijn {maps.soort_marker(ind)}; zie de bronnen rechtsonder."
    if res.classification.marges:
        note += f" {texts.MARGES_UITLEG}"
    if res.neutraal:
        note = f"{d.zonder_tekst(d.cfg['hoofdindicator'])} {note}"
    t = _paragraph(fig, sheet, m, yy, note, size=12, max_w=cw)
    yy = _bottom_mm(fig, sheet, t) + 8
    _ruled(fig, sheet, m, yy, cw, bottom - yy, "Aantekeningen bij de kaart", size=16)

    # Column 1 of the band: numbered key, notes, and the sources at the bottom.
    col_x = pw + m
    bron_h = 36.0
    yy = _fit_key(fig, sheet, col_x, band_y, cw, bottom - bron_h - 4 - band_y, res.key,
                  size=size, min_size=7, title="Genummerde buurten")  # fmt: skip
    yy = yy + 8 if res.key else band_y
    if d.sessies:
        # Second edition: what the tables said (with its legend) first, writing lines after it.
        yy = _uit_de_sessies(fig, sheet, d, col_x, yy, cw, bottom - bron_h - 6, size=11) + 8
    _ruled(fig, sheet, col_x, yy, cw, bottom - bron_h - 6 - yy, "Wat valt op?", size=16)
    used = [d.registry[k] for keys, _ in _SMALL_MULTIPLES for k in keys if k in d.registry]
    _colophon(fig, sheet, d, col_x, bottom - bron_h, cw, 8, [ind, *used])

    # --- column 2: small multiples, two themes per panel ---
    cx = 2 * pw + m
    for i, (keys, compare) in enumerate(_SMALL_MULTIPLES):
        row, half = divmod(i, 2)
        bh = (ph - 2 * m - 10) / 2
        by = row * ph + m + half * (bh + 10)
        _small_multiple(fig, sheet, d, cx, by, cw, bh, keys, compare)

    # --- column 3: cover (top) and workspace (bottom) ---
    _cover(fig, sheet, d, 3 * pw, 0.0, pw, ph)
    vragen = d.cfg["vragen_volgende_ronde"] if d.sessies else d.cfg["vragen"]
    _workspace(fig, sheet, vragen, 3 * pw + m, ph + m, cw, ph - 2 * m)
    _fold_and_crop_marks(fig, sheet, "A1")
    return fig


def _a3(d: _Data, sheet: Sheet) -> Figure:
    fig = sheet.figure()
    m = 10.0
    side = 118.0
    ind = d.registry[d.cfg["hoofdindicator"]]
    mw, avail = sheet.width - side - 2 * m, sheet.height - 2 * m
    # Fit the axes to the gemeente's shape so north arrow and scale bar sit next to it.
    mh = min(avail, mw / _aspect(d.buurten) * 1.04)
    map_box = (m, m + (avail - mh) / 2, mw, mh)
    res = _main_map(fig, sheet, d, "A3", map_box, label_size=7.5, number_size=7, line_scale=1.3)
    sx, sw = sheet.width - side - m + 4, side - 4
    t = _fit_text(fig, sheet, sx, m, f"{ind.label} in {d.jaar}", size=20, max_w=sw,
                  min_size=12, max_lines=2, fontweight="bold")  # fmt: skip
    t = _fit_text(fig, sheet, sx, _bottom_mm(fig, sheet, t) + 2, f"Wijkscan {d.gemeente}",
                  size=12, max_w=sw, min_size=9)  # fmt: skip
    if d.editie:
        t = _fit_text(fig, sheet, sx, _bottom_mm(fig, sheet, t) + 1.5, d.editie, size=10,
                      max_w=sw, min_size=7, max_lines=2, fontweight="bold")  # fmt: skip
    yy = _bottom_mm(fig, sheet, t) + 4
    if d.fictief:
        yy = _banner(fig, sheet, sx, yy, sw, 12, fictief_tekst(d.meta)) + 4
    lax = fig.add_axes(sheet.rect(sx, yy, sw, 62))
    extra = sessie_kaart.legend_handles(d.sessies, 7) if d.sessies else []
    leg_bottom = _bottom_of(sheet, _legend(lax, res, ind, size=9, extra=extra))
    note = d.zonder_tekst(d.cfg["hoofdindicator"]) or (
        texts.MARGES_UITLEG if res.classification.marges else ""
    )
    if note:
        t = _paragraph(fig, sheet, sx, leg_bottom + 4, note, size=8, max_w=sw)
        yy = max(yy + 66, _bottom_mm(fig, sheet, t) + 4)
    else:
        yy += 66
    bron_h = 40.0
    _fit_key(fig, sheet, sx, yy, sw, sheet.height - m - bron_h - yy - 3, res.key, size=7.5,
             min_size=5.5, title="Genummerde buurten")  # fmt: skip
    _colophon(fig, sheet, d, sx, sheet.height - m - bron_h, sw, 6.5, [ind])
    _fold_and_crop_marks(fig, sheet, "A3")
    return fig


def _a4(d: _Data, sheet: Sheet, key: str, page: int, pages: int) -> Figure:
    fig = sheet.figure()
    m = 12.0
    ind = d.registry[key]
    vals, status = d.values(key)
    t = _fit_text(fig, sheet, m, m, ind.label, size=20, max_w=sheet.width - 2 * m, min_size=13,
                  max_lines=2, fontweight="bold")  # fmt: skip
    sub = f"Wijkscan {d.gemeente} — {d.jaar}"
    if maps.soort_marker(ind):
        sub += f" — {maps.soort_marker(ind)}"
    if d.editie:
        sub += f" — {d.editie}"
    t = _fit_text(fig, sheet, m, _bottom_mm(fig, sheet, t) + 2, sub, size=11,
                  max_w=sheet.width - 2 * m, min_size=8)  # fmt: skip
    yy = _bottom_mm(fig, sheet, t) + 3
    if d.fictief:
        yy = _banner(fig, sheet, m, yy, sheet.width - 2 * m, 11, fictief_tekst(d.meta)) + 3
    map_h = min(150.0, (sheet.width - 2 * m) / _aspect(d.buurten) * 1.04)
    ax = fig.add_axes(sheet.rect(m, yy, sheet.width - 2 * m, map_h))
    cls = d.classify(key, vals)
    avoid: list[Bbox] = []
    if d.sessies:
        maps.setup_map_axes(ax, d.buurten, pad=0.02)
        avoid = sessie_kaart.marker_boxes(ax, d.buurten, d.sessies, 6)
    res = maps.draw_choropleth(ax, d.buurten, vals, ind, classification=cls, status=status,
                               wijken=d.wijken, labels="names", label_size=5.5, number_size=5.5,
                               legend=False, pad=0.02, neutraal=d.neutraal(key), avoid=avoid,
                               scalebar={"fontsize": 6}, north={"fontsize": 8})  # fmt: skip
    extra = []
    if d.sessies:
        sessie_kaart.overlay(ax, d.buurten, d.sessies, line_width=1.2, size=6)
        extra = sessie_kaart.legend_handles(d.sessies, 6)
    yy += map_h + 4
    half = (sheet.width - 2 * m) / 2
    lax = fig.add_axes(sheet.rect(m, yy, half - 4, 50))
    _legend(lax, res, ind, size=8, extra=extra)
    _fit_key(fig, sheet, m + half, yy, half, 50, res.key, size=7, min_size=4.5,
             title="Genummerde buurten")  # fmt: skip
    yy += 54
    note = d.zonder_tekst(key) or (texts.MARGES_UITLEG if res.classification.marges else "")
    if note:
        t = _paragraph(fig, sheet, m, yy, note, size=8, max_w=sheet.width - 2 * m,
                       fontweight="bold" if res.neutraal else "normal")  # fmt: skip
        yy = _bottom_mm(fig, sheet, t) + 1.5
    t = _paragraph(fig, sheet, m, yy, f"Definitie: {ind.definitie}", size=8,
                   max_w=sheet.width - 2 * m)  # fmt: skip
    t = _paragraph(fig, sheet, m, _bottom_mm(fig, sheet, t) + 1.5, f"Bron: {ind.bron}", size=8,
                   max_w=sheet.width - 2 * m)  # fmt: skip
    _colophon(fig, sheet, d, m, sheet.height - m - 16, sheet.width - 2 * m - 18, 6, [ind])
    fig.text(sheet.fx(sheet.width - m), sheet.fy(sheet.height - m), f"{page}/{pages}",
             ha="right", va="bottom", fontsize=8, color=BLACK)  # fmt: skip
    _fold_and_crop_marks(fig, sheet, "A4")
    return fig


def _sheet(formaat: str, cfg: dict[str, Any]) -> Sheet:
    if formaat not in PAPER_MM:
        raise ValueError(f"onbekend formaat {formaat!r}; kies uit {', '.join(PAPER_MM)}")
    w, h = PAPER_MM[formaat]
    return Sheet(w, h, BLEED_MM if cfg.get("afloopmarge") else 0.0)


def build_pages(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    cfg: dict[str, Any] | None,
    formaat: str,
    sessies: dict[str, Any] | None = None,
) -> list[Figure]:
    """All pages of one format (one for A1 and A3, one per indicator for A4).

    Parameters
    ----------
    indicatoren, buurten, registry, meta, cfg, formaat, sessies
        As in :func:`render_vouwkaart`.

    Returns
    -------
    list of matplotlib.figure.Figure
    """
    d = _prepare(indicatoren, buurten, registry, meta, cfg, sessies)
    sheet = _sheet(formaat, d.cfg)
    if d.cfg["hoofdindicator"] not in registry:
        raise KeyError(f"hoofdindicator {d.cfg['hoofdindicator']!r} staat niet in het register")
    with mpl.rc_context(maps.PRINT_RC):
        if formaat == "A1":
            return [_a1(d, sheet)]
        if formaat == "A3":
            return [_a3(d, sheet)]
        keys = main_indicators(indicatoren, registry)
        return [_a4(d, sheet, k, i, len(keys)) for i, k in enumerate(keys, start=1)]


def build_figure(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    cfg: dict[str, Any] | None,
    formaat: str,
    indicator: str | None = None,
    sessies: dict[str, Any] | None = None,
) -> Figure:
    """Build one page as a Figure, without writing anything (pure).

    Parameters
    ----------
    indicatoren, buurten, registry, meta, cfg, formaat
        As in :func:`render_vouwkaart`.
    indicator
        A4 only: the indicator of the page (default: the configured hoofdindicator).
    sessies
        Session input (second edition), as in :func:`render_vouwkaart`.

    Returns
    -------
    matplotlib.figure.Figure
        Exactly the paper size (plus bleed when ``afloopmarge``).
    """
    if formaat != "A4":
        return build_pages(indicatoren, buurten, registry, meta, cfg, formaat, sessies)[0]
    d = _prepare(indicatoren, buurten, registry, meta, cfg, sessies)
    key = indicator or d.cfg["hoofdindicator"]
    keys = main_indicators(indicatoren, registry)
    page = keys.index(key) + 1 if key in keys else 1
    with mpl.rc_context(maps.PRINT_RC):
        return _a4(d, _sheet("A4", d.cfg), key, page, len(keys))


def render_vouwkaart(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    cfg: dict[str, Any] | None,
    formaat: str,
    out_pdf: Path,
    sessies: dict[str, Any] | None = None,
) -> None:
    """Render one vouwkaart format to a vector PDF, atomically.

    Parameters
    ----------
    indicatoren
        Published indicator table (long by year).
    buurten
        GeoDataFrame ``code, naam, geometry`` (EPSG:28992).
    registry
        Indicator registry (every label comes from here).
    meta
        ``bronnen.json`` contents (gemeentenaam, jaar, horizon, fictief, bronnen, ...).
    cfg
        Validated ``vouwkaart`` config section (missing keys take :data:`DEFAULT_CFG`).
    formaat
        ``'A1'``, ``'A3'`` or ``'A4'``.
    out_pdf
        Destination; written via a temporary file and ``os.replace``.
    sessies
        Validated session input (:func:`pipeline.ingest.sessie_lezen.lees_sessies`): the second
        edition outlines the proposed proefbuurten, marks initiatives with symbols and asks
        the questions of the next round (``vragen_volgende_ronde``). None: first edition.
    """
    pages = build_pages(indicatoren, buurten, registry, meta, cfg, formaat, sessies)
    gm = meta.get("gemeentenaam", "")
    editie = editie_tekst(sessies)
    info = {
        "Title": f"Wijkscan {gm} — vouwkaart {formaat}"
        + (f" — tweede editie, {editie}" if editie else ""),
        "Author": "wijkscan",
        "Subject": "Vouwkaart voor het gesprek over zorgzame buurten"
        + (" (FICTIEF — demogegevens)" if meta.get("fictief") else ""),
        "Creator": f"wijkscan {meta.get('versie', '')}".strip(),
    }
    with atomic_path(out_pdf) as tmp, mpl.rc_context(maps.PRINT_RC):
        with PdfPages(tmp, metadata=info) as pdf:
            for fig in pages:
                # No bbox_inches="tight": the page must keep the exact paper size.
                pdf.savefig(fig)
