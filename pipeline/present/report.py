"""The council report: one self-contained HTML file per gemeente and an A4 PDF of it.

:func:`render_html` is pure: published indicator table + buurt geometry + registry +
meta + report config in, HTML text out. Every number it prints is a cell of the
indicator table, formatted by :mod:`pipeline.present.fmt`; every label, unit, definition and
source comes from the registry; every generated sentence comes from
:mod:`pipeline.present.texts`. Figures are drawn by :mod:`pipeline.present.charts` (and
:mod:`pipeline.present.maps`) and embedded as ``data:`` URIs, the CSS is inlined, so the
HTML opens from disk without any external resource and without JavaScript.

:func:`html_to_pdf` turns the HTML into an A4 PDF with WeasyPrint (running header,
page numbers, table of contents with page numbers). WeasyPrint may only read
``data:`` and ``file:`` URLs, so a PDF build never touches the network.

The "Buurten in beeld" ranking (:func:`buurt_scores`) is deliberately simple and
printed in full: per indicator a rank score from 0 (smallest task) to 1 (largest
task), respecting the registry ``richting``, and the weighted mean of those scores
with the configured weights. Estimated indicators carry a 90 % interval: buurten whose
scores cannot be told apart share a place, and an indicator without buurt signal
(``bronnen.json["buurtsignaal"]``) gets no classes, no rank and no weight
(:mod:`pipeline.present.klassen`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

import pipeline
from pipeline.errors import WijkscanError
from pipeline.io import atomic_path, write_text
from pipeline.model.registry import THEMAS, Indicator
from pipeline.present import charts, fmt, klassen, lettertype, maps, texts

log = logging.getLogger("wijkscan")

TEMPLATE = "rapport.html.j2"
CSS = "rapport.css"
#: Styles of the second edition only, so that a first edition stays as it was.
CSS_SESSIES = "sessies.css"
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"

DEFAULT_RAPPORT: dict[str, Any] = {
    "weging": {
        "aandeel_75plus": 1,
        "mantelzorgpotentieel": 1,
        "dementie_per_100_65plus": 1,
        "eenzaam_pct": 1,
    },
    "vragen": [
        "Waar ligt de grootste opgave?",
        "Wat is er al in deze buurten?",
        "Wat zien jullie dat de cijfers niet laten zien?",
        "Met welke buurt beginnen we, en met wie?",
    ],
    "min_inwoners": 50,
    "afronding": 5,
}
"""Report settings with their defaults (``rapport`` plus the disclosure thresholds)."""

HOOFDSTUKKEN: dict[str, dict[str, Any]] = {
    "vergrijzing": {
        "kaart": "aandeel_75plus",
        "staaf": "aandeel_75plus",
        "trend": ["aantal_65plus", "aantal_75plus", "aantal_85plus"],
    },
    "mantelzorg": {
        "kaart": "mantelzorgpotentieel",
        "staaf": "mantelzorgpotentieel",
        "trend": ["mantelzorgpotentieel"],
    },
    "dementie": {
        "kaart": "dementie_per_100_65plus",
        "staaf": "dementie_aantal",
        "trend": ["dementie_aantal", "dementie_per_100_65plus"],
    },
    "eenzaamheid": {"kaart": "eenzaam_pct", "staaf": "eenzaam_pct", "trend": []},
    "wonen": {
        "kaart": "aandeel_eenpersoonshuishoudens",
        "staaf": "afstand_huisarts",
        "trend": [],
    },
}
"""Per theme chapter: the map indicator, the ranked-bar indicator, trend indicators."""

_ID_COLUMNS = ("code", "naam", "niveau", "gemeentecode", "wijkcode", "jaar", "status")
_MAX_BARS = 25
# Above this many buurten the theme maps carry no names (they would crowd); the
# orientation map then gets a full page and its numbered key is printed as text.
_MAX_NAMEN = 40
# Heat-table classes of the rank score (0-1), darkest = largest task.
_HEAT_EDGES = (0.2, 0.4, 0.6, 0.8)


# ------------------------------------------------------------------ config


def rapport_config(cfg: dict[str, Any] | None, registry: dict[str, Indicator]) -> dict[str, Any]:
    """Validate the report settings and fill in defaults.

    Parameters
    ----------
    cfg
        ``rapport`` section of the config, optionally with ``min_inwoners`` and
        ``afronding`` (the disclosure thresholds of ``indicatoren``).
    registry
        Indicator registry (weights must name indicators with a ``richting``).

    Returns
    -------
    dict
        ``weging`` (key -> weight > 0, registry order), ``vragen``,
        ``min_inwoners``, ``afronding``.

    Raises
    ------
    WijkscanError
        Unknown indicator, indicator without direction, negative weight, all
        weights zero, or a non-text question.
    """
    cfg = dict(cfg or {})
    out = {k: cfg.get(k, v) for k, v in DEFAULT_RAPPORT.items()}
    weging: dict[str, float] = {}
    for key, w in dict(out["weging"]).items():
        if key not in registry:
            raise WijkscanError(
                f"Onbekende indicator '{key}' in de weging.",
                "config: rapport.weging",
                f"Kies uit: {', '.join(k for k, i in registry.items() if i.richting)}.",
            )
        if registry[key].richting == 0:
            raise WijkscanError(
                f"Indicator '{key}' heeft geen richting (hoger is niet beter of slechter) en kan "
                "niet gewogen worden.",
                "config: rapport.weging",
            )
        if not isinstance(w, int | float) or isinstance(w, bool) or w < 0 or math.isnan(w):
            raise WijkscanError(
                f"Gewicht van '{key}' moet een getal van 0 of meer zijn, niet {w!r}.",
                "config: rapport.weging",
            )
        if w > 0:
            weging[key] = float(w)
    if not weging:
        raise WijkscanError("Alle gewichten zijn 0.", "config: rapport.weging")
    out["weging"] = {k: weging[k] for k in registry if k in weging}
    vragen = out["vragen"]
    if not isinstance(vragen, list) or not all(isinstance(v, str) for v in vragen):
        raise WijkscanError(
            "De gespreksvragen moeten een lijst met teksten zijn.", "rapport.vragen"
        )
    out["min_inwoners"] = int(out["min_inwoners"])
    out["afronding"] = int(out["afronding"])
    return out


# ------------------------------------------------------------------ ranking


def buurt_scores(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    weging: dict[str, float],
    jaar: int | None = None,
    *,
    zonder_signaal: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transparent rank scores per buurt for choosing pilot buurten.

    For each weighted indicator the buurten with a value get a rank score
    ``(rank - 1) / (n - 1)``: 0 for the smallest task, 1 for the largest (ties share
    the average rank). For ``richting == -1`` (lower is a larger task, e.g.
    mantelzorgpotentieel) the score is mirrored. The total is the weighted mean of
    the available rank scores: ``sum(w * score) / sum(w)`` over the indicators the
    buurt has a value for. Buurten with a status (``'te weinig inwoners'``,
    ``'geen gegevens'``) are left out.

    An estimated indicator with a 90 % interval (``K_laag``/``K_hoog``) also gives each
    buurt the lowest and highest rank score its interval allows
    (:func:`pipeline.present.klassen.rangscores`); their weighted means bound the total, and
    buurten whose totals cannot be told apart share a place
    (:func:`pipeline.present.klassen.rang_groepen`). Indicators in ``zonder_signaal`` get no
    rank score and no weight.

    Parameters
    ----------
    indicatoren
        Published indicator table.
    registry
        Indicator registry.
    weging
        Indicator key -> weight (> 0).
    jaar
        Year; default the base year.
    zonder_signaal
        Weighted indicators without buurt signal: left out of the ranking (their
        weight is not used; the report says so).

    Returns
    -------
    (scores, uitgesloten)
        ``scores``: one row per buurt, sorted by ``score`` descending, with ``code,
        naam, wijkcode``, the indicator values and their ``<key>_laag``/``<key>_hoog``
        (NaN without interval), ``rs_<key>`` rank scores with their range
        ``rsmin_<key>``/``rsmax_<key>``, ``score`` with ``score_min``/``score_max``,
        ``n_indicatoren``, ``rang`` (strict place, ties share the best) and
        ``plaats_van``/``plaats_tot`` (the shared place); ``uitgesloten``: ``code,
        naam, status`` of the buurten left out.
    """
    j = texts.basisjaar(indicatoren) if jaar is None else jaar
    b = indicatoren[(indicatoren["niveau"] == "buurt") & (indicatoren["jaar"] == j)]
    status = b["status"].fillna("").astype(str)
    uitgesloten = b.loc[status != "", ["code", "naam", "status"]].reset_index(drop=True)
    keys = [k for k, w in weging.items() if w > 0 and k not in set(zonder_signaal)]
    rows = b.loc[status == ""].reset_index(drop=True)
    out = rows[["code", "naam", "wijkcode", *keys]].copy()
    num = pd.Series(0.0, index=out.index)
    num_min = pd.Series(0.0, index=out.index)
    num_max = pd.Series(0.0, index=out.index)
    den = pd.Series(0.0, index=out.index)
    for k in keys:
        lo, hi = klassen.intervallen(rows, k)
        out[k + klassen.LAAG], out[k + klassen.HOOG] = lo, hi
        rs = klassen.rangscores(out[k].astype(float), lo, hi)
        if registry[k].richting < 0:
            # Mirrored: the lowest possible rank score becomes the highest.
            rs = pd.DataFrame(
                {"rs": 1 - rs["rs"], "rs_min": 1 - rs["rs_max"], "rs_max": 1 - rs["rs_min"]}
            )
        out[f"rs_{k}"], out[f"rsmin_{k}"], out[f"rsmax_{k}"] = rs["rs"], rs["rs_min"], rs["rs_max"]
        has = rs["rs"].notna()
        num[has] += weging[k] * rs.loc[has, "rs"]
        num_min[has] += weging[k] * rs.loc[has, "rs_min"]
        num_max[has] += weging[k] * rs.loc[has, "rs_max"]
        den[has] += weging[k]
    den = den.where(den > 0)
    out["score"] = (num / den).astype(float)
    out["score_min"] = (num_min / den).astype(float)
    out["score_max"] = (num_max / den).astype(float)
    out["n_indicatoren"] = [
        int(sum(not fmt.is_missing(out.at[i, f"rs_{k}"]) for k in keys)) for i in out.index
    ]
    out = out.sort_values(["score", "naam"], ascending=[False, True], na_position="last")
    out["rang"] = out["score"].rank(ascending=False, method="min")
    plaats = klassen.rang_groepen(out["score"], out["score_min"], out["score_max"])
    out["plaats_van"], out["plaats_tot"] = plaats["van"], plaats["tot"]
    return out.reset_index(drop=True), uitgesloten


# ------------------------------------------------------------------ helpers


def _check_table(indicatoren: pd.DataFrame, registry: dict[str, Indicator]) -> None:
    missing = [c for c in _ID_COLUMNS if c not in indicatoren]
    if missing:
        raise WijkscanError(
            f"De indicatorentabel mist de kolom(men) {', '.join(missing)}.", "indicatoren.parquet"
        )
    texts.gemeente_code(indicatoren)


def _status(row: pd.Series) -> str:
    return fmt.tekst(row.get("status", ""))


def _cell(
    value: Any,
    ind: Indicator,
    *,
    status: str = "",
    projectie: bool = False,
    marker: bool = True,
    eenheid: bool = False,
) -> dict[str, Any]:
    """A table cell: printed text plus a CSS class for missing/suppressed values."""
    text = fmt.waarde(
        value, ind, status=status, marker=marker, projectie=projectie, eenheid=eenheid
    )
    klasse = "getal"
    if fmt.is_missing(value):
        klasse = "leeg" if not status else "leeg onderdrukt"
    return {"tekst": text, "klasse": klasse}


def _eenheid_kop(ind: Indicator) -> str:
    """Unit note for a column header ('' when the label says it already)."""
    if ind.eenheid == "%":
        return "%"
    if ind.eenheid == "km":
        return "km"
    if ind.eenheid == "ratio":
        return ind.kort
    return ""


def _kop(ind: Indicator, projectie: bool = False) -> dict[str, str]:
    """Column/row header of an indicator: label, unit note and estimate marker."""
    return {
        "label": ind.label,
        "kort": ind.kort,
        "eenheid": _eenheid_kop(ind),
        "teken": fmt.teken(ind, projectie),
        "key": ind.key,
    }


def _bevindingen(
    items: Sequence[texts.Bevinding], registry: dict[str, Indicator]
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Template views of findings plus their lettered source list.

    Each finding shows its years and the letters of its sources (A, B, ...); the
    sources themselves (registry ``bron``) are listed once below the findings.
    Letters, not numbers, so that every digit near a finding is a data number.

    Returns
    -------
    (views, bronnen)
        ``views``: ``kop, html`` (numbers in bold), ``tekst, jaren, letters,
        soort, thema``; ``bronnen``: ``letter, tekst``.
    """
    letters: dict[str, str] = {}
    views = []
    for b in items:
        bronnen = list(dict.fromkeys(registry[k].bron for k in b.bron_keys if k in registry))
        for bron in bronnen:
            letters.setdefault(bron, _letter(len(letters)))
        args = [Markup("<strong>{}</strong>").format(c.tekst) for c in b.cijfers]
        html = Markup(escape(b.sjabloon)).format(*args) if b.sjabloon else escape(b.tekst)
        views.append(
            {
                "kop": b.kop,
                "html": html,
                "tekst": b.tekst,
                "jaren": fmt.jaren(b.jaren),
                "letters": ", ".join(letters[x] for x in bronnen),
                "soort": b.soort,
                "thema": b.thema,
            }
        )
    return views, [{"letter": v, "tekst": k} for k, v in letters.items()]


def _letter(i: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _naam_map(indicatoren: pd.DataFrame) -> pd.Series:
    b = indicatoren[indicatoren["niveau"] == "buurt"].drop_duplicates("code")
    return b.set_index("code")["naam"].astype(str)


def _hoogste_laagste(values: pd.Series, names: pd.Series, ind: Indicator) -> tuple[str, str] | None:
    v = values.dropna()
    if v.empty:
        return None
    order = v.sort_values(ascending=ind.richting < 0, kind="mergesort")
    first, last = order.index[0], order.index[-1]
    return (
        f"{names.get(first, first)} ({fmt.waarde(order.iloc[0], ind)})",
        f"{names.get(last, last)} ({fmt.waarde(order.iloc[-1], ind)})",
    )


def _alt_kaart(
    gemeente: str,
    ind: Indicator,
    jaar: int,
    values: pd.Series,
    status: pd.Series,
    names: pd.Series,
    cls: maps.Classification,
) -> str:
    """Alt text of a choropleth: what it shows, the classes, extremes, blanks."""
    richting = (
        "Hoe donkerder de kleur, hoe lager de waarde en hoe groter de opgave."
        if ind.richting < 0
        else "Hoe donkerder de kleur, hoe hoger de waarde."
    )
    parts = [
        f"Kaart van de buurten van {gemeente}: {fmt.kleine_letter(ind.label)} in {jaar}, "
        f"in {cls.k} klassen van {cls.labels[0].split(' – ')[0] if cls.labels else fmt.NB} "
        f"tot {cls.labels[-1].split(' – ')[-1] if cls.labels else fmt.NB}. {richting}"
    ]
    hl = _hoogste_laagste(values, names, ind)
    if hl:
        lead = ("Laagst", "hoogst") if ind.richting < 0 else ("Hoogst", "laagst")
        parts.append(f"{lead[0]}: {hl[0]}; {lead[1]}: {hl[1]}.")
    leeg = [str(names.get(c, c)) for c in values.index[values.isna()]]
    if leeg:
        parts.append(f"Gearceerd, zonder cijfer: {fmt.opsomming(leeg)}.")
    return " ".join(parts)


def _alt_kaart_neutraal(
    gemeente: str, ind: Indicator, jaar: int, values: pd.Series, names: pd.Series
) -> str:
    """Alt text of the classless map of an indicator without buurt signal."""
    text = (
        f"Kaart van de buurten van {gemeente}: {fmt.kleine_letter(ind.label)} in {jaar}. Alle "
        "buurten hebben dezelfde grijze kleur, zonder klassen: de verschillen tussen buurten "
        "komen alleen uit het rekenmodel."
    )
    leeg = [str(names.get(c, c)) for c in values.index[values.isna()]]
    if leeg:
        text += f" Gearceerd, zonder cijfer: {fmt.opsomming(leeg)}."
    return text


def _zonder_signaal(
    key: str,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    indicatoren: pd.DataFrame,
    gemeente: str,
    j0: int,
) -> dict[str, Any]:
    """Template view of an indicator without buurt signal: gemeente figure and why."""
    ind = registry[key]
    gm = texts.gemeente_code(indicatoren)
    row = indicatoren[(indicatoren["code"] == gm) & (indicatoren["jaar"] == j0)]
    waarde = row[key].iloc[0] if len(row) and key in row else float("nan")
    lo, hi = klassen.intervallen(row, key)
    marge = fmt.marge(lo.iloc[0], hi.iloc[0], ind) if len(row) else ""
    sig = klassen.buurtsignaal(meta, key)
    return {
        "key": key,
        "label": ind.label,
        "gemeente": fmt.waarde(waarde, ind, marker=True),
        "marge": marge,
        "uitleg": sig.uitleg or texts.UITLEG_STANDAARD,
        "marges": list(sig.marges),
        "tekst": texts.zonder_signaal_zin(
            ind, gemeente, j0, fmt.waarde(waarde, ind, marker=True), marge, sig.uitleg
        ),
    }


def _alt_staaf(
    gemeente: str, ind: Indicator, jaar: int, s: pd.Series, gem: float | None, n_totaal: int
) -> str:
    """Alt text of a ranked bar chart (all values when there are few)."""
    order = s.dropna().sort_values(ascending=ind.richting < 0, kind="mergesort")
    shown = order.head(_MAX_BARS)
    items = [f"{n}: {fmt.waarde(v, ind)}" for n, v in shown.items()]
    if len(items) > 12:
        items = items[:6] + ["…"] + items[-3:]
    wat = (
        "van laagste naar hoogste waarde" if ind.richting < 0 else "van hoogste naar laagste waarde"
    )
    text = (
        f"Staafdiagram: {fmt.kleine_letter(ind.label)} per buurt in {jaar}, {wat}. "
        f"{'; '.join(items)}."
    )
    if gem is not None and not fmt.is_missing(gem):
        text += f" Een stippellijn geeft {gemeente} als geheel aan: {fmt.waarde(gem, ind)}."
    if n_totaal > len(shown):
        text += f" Getoond: {len(shown)} van de {n_totaal} buurten met een cijfer."
    return text


def _alt_trend(gemeente: str, panels: Sequence[charts.TrendPanel], basisjaar: int) -> str:
    parts = []
    for p in panels:
        vals = "; ".join(f"{j}: {fmt.waarde(v, p.indicator)}" for j, v in sorted(p.waarden.items()))
        refs = "".join(
            f" Stippellijn {lab}: {fmt.waarde(v, p.indicator)}." for lab, v in p.referenties.items()
        )
        parts.append(f"{p.indicator.label}: {vals}.{refs}")
    return (
        f"Staafdiagram per jaar voor {gemeente} als geheel. {basisjaar} is het basisjaar; "
        f"de latere jaren zijn een prognose (gearceerde staven). " + " ".join(parts)
    )


def _relabel_nodata(res: maps.MapResult) -> None:
    """Legend text for buurten without a value that are not suppressed for size.

    maps.py calls them 'geen gegevens'; for a ratio over a small group (e.g. too few
    85-plussers for mantelzorgpotentieel) 'geen cijfer' is the honest wording.
    """
    if res.legend is None:
        return
    for t in res.legend.get_texts():
        if t.get_text() == maps.GEEN_GEGEVENS:
            t.set_text("geen cijfer")


def _overzicht(
    indicatoren: pd.DataFrame, geo: Any, wijken: Any, gemeente: str, j0: int
) -> dict[str, Any] | None:
    """Orientation map of wijken and buurten (figure 1 of the reading guide)."""
    if wijken is None or not len(geo):
        return None
    w = indicatoren[(indicatoren["niveau"] == "wijk") & (indicatoren["jaar"] == j0)]
    namen = dict(zip(w["code"].astype(str), w["naam"].astype(str), strict=True))
    groot = len(geo) > _MAX_NAMEN
    fig, key = charts.overview_map(
        geo, wijken, namen, height_mm=200 if groot else 84, sleutel=False
    )
    per_wijk = []
    for wk in wijken["wijkcode"].astype(str):
        leden = indicatoren[
            (indicatoren["niveau"] == "buurt")
            & (indicatoren["jaar"] == j0)
            & (indicatoren["wijkcode"] == wk)
        ]["naam"]
        per_wijk.append(f"wijk {namen.get(wk, wk)}: {fmt.opsomming(sorted(map(str, leden)))}")
    return {
        "nummer": 1,
        "id": "figuur-1",
        "src": charts.to_data_uri(fig),
        "alt": (
            f"Overzichtskaart van {gemeente} met de grenzen van de wijken (dikke lijnen) en de "
            f"namen van de buurten. " + "; ".join(per_wijk) + "."
        ),
        "bijschrift": f"De wijken en buurten van {gemeente}."
        + (" Buurten met een nummer staan in de lijst onder de kaart." if key else ""),
        "soort": "overzicht",
        "sleutel": [{"nr": nr, "naam": naam} for nr, naam in key],
        "groot": groot,
    }


def _thema_figuren(
    thema: str,
    indicatoren: pd.DataFrame,
    buurten: Any,
    wijken: Any,
    registry: dict[str, Indicator],
    gemeente: str,
    j0: int,
    refs: pd.DataFrame | None,
    teller: list[int],
    zonder_signaal: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Map, trend chart and ranked bars of one theme chapter.

    An indicator without buurt signal gets a map in one neutral grey (no classes) and
    no ranked bars; an estimated one gets classes and whiskers from its 90 % interval.
    """
    spec = HOOFDSTUKKEN[thema]
    names = _naam_map(indicatoren)
    gm = texts.gemeente_code(indicatoren)
    figs: list[dict[str, Any]] = []

    def add(src: str, alt: str, bijschrift: str, soort: str) -> None:
        teller[0] += 1
        figs.append(
            {
                "nummer": teller[0],
                "id": f"figuur-{teller[0]}",
                "src": src,
                "alt": alt,
                "bijschrift": bijschrift,
                "soort": soort,
            }
        )

    key = spec["kaart"]
    if key in registry and key in indicatoren and len(buurten):
        ind = registry[key]
        values, status = maps.buurt_values(indicatoren, key, j0)
        lo, hi = maps.buurt_intervals(indicatoren, key, j0)
        neutraal = texts.KAART_ZONDER_SIGNAAL if key in zonder_signaal else ""
        fig, res = charts.map_figure(
            buurten,
            values,
            ind,
            status=status,
            wijken=wijken,
            jaar=j0,
            labels="names" if len(buurten) <= _MAX_NAMEN else False,
            lo=lo,
            hi=hi,
            neutraal=neutraal,
        )
        _relabel_nodata(res)
        namen = "Buurtnamen: zie figuur 1. " if len(buurten) > _MAX_NAMEN else ""
        if neutraal:
            alt = _alt_kaart_neutraal(gemeente, ind, j0, values, names)
            bijschrift = (
                f"{ind.label}, {j0}: alle buurten in één grijze kleur, zonder klassen. De "
                "verschillen tussen buurten komen alleen uit het rekenmodel (zie het kader "
                f"bij dit hoofdstuk). Dikke lijnen: wijkgrenzen. {namen}"
            ).strip()
        else:
            alt = _alt_kaart(gemeente, ind, j0, values, status, names, res.classification)
            bijschrift = (
                f"{ind.label} per buurt, {j0}. Dikke lijnen: wijkgrenzen. {namen}"
                + ("Donker = laag = grootste opgave." if ind.richting < 0 else "Donker = hoog.")
                + (f" {texts.MARGES_UITLEG}" if res.classification.marges else "")
            )
        add(charts.to_data_uri(fig), alt, bijschrift, "kaart")
    trend = [k for k in spec["trend"] if k in registry and k in indicatoren]
    if trend:
        gmr = indicatoren[indicatoren["code"] == gm].set_index("jaar")
        panels = []
        for k in trend:
            refs_k = {}
            nl = texts.referentie_cijfer(refs, registry, "nederland", k, j0)
            # A national count next to a gemeente's count (3.7 million 65-plussers against
            # 5.460) squashes the bars to nothing; only shares compare across levels.
            if nl is not None and not registry[k].is_aantal:
                refs_k[f"Nederland {j0}"] = nl.waarde
            panels.append(
                charts.TrendPanel(registry[k], {int(j): gmr.at[j, k] for j in gmr.index}, refs_k)
            )
        width = min(170.0, 20 + 50.0 * len(panels))
        fig = charts.trend_chart(panels, j0, width_mm=width)
        add(
            charts.to_data_uri(fig),
            _alt_trend(gemeente, panels, j0),
            f"{gemeente} als geheel: {j0} en prognose. Gearceerde staven met ≈ zijn een prognose.",
            "trend",
        )
    key = spec["staaf"]
    # Bars rank the buurten: not for an indicator whose buurt differences are model-only.
    if key in registry and key in indicatoren and key not in zonder_signaal:
        ind = registry[key]
        values, status = maps.buurt_values(indicatoren, key, j0)
        lo, hi = maps.buurt_intervals(indicatoren, key, j0)
        values = values[status == ""]
        label = [names.get(c, c) for c in values.index]
        by_name = pd.Series(values.to_numpy(), index=label)
        lo_n = pd.Series(lo.reindex(values.index).to_numpy(), index=label)
        hi_n = pd.Series(hi.reindex(values.index).to_numpy(), index=label)
        # A gemeente total next to buurt counts would mislead: reference line for rates only.
        gem = None if ind.is_aantal else texts.opzoeken(indicatoren, gm, j0, key)
        fig, n = charts.ranked_bar_chart(
            by_name, ind, gemeente_waarde=gem, gemeente_naam=gemeente, max_n=_MAX_BARS,
            lo=lo_n, hi=hi_n,
        )  # fmt: skip
        whiskers = bool((hi_n > by_name).any() or (lo_n < by_name).any())
        n_totaal = int(by_name.notna().sum())
        extra = (
            f" De {n} buurten met de grootste opgave; alle buurten staan in de bijlage."
            if n_totaal > n
            else ""
        )
        add(
            charts.to_data_uri(fig),
            _alt_staaf(gemeente, ind, j0, by_name, gem, n_totaal),
            f"{ind.label} per buurt, {j0}, gerangschikt; bovenaan de grootste opgave.{extra}"
            + (
                " De zwarte streepjes zijn de 90%-marges van de schatting: waar ze overlappen, "
                "is het verschil tussen buurten niet zeker."
                if whiskers
                else ""
            ),
            "staaf",
        )
    return figs


def _thema_tabel(
    thema: str,
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    j0: int,
    horizon: list[int],
    refs: pd.DataFrame | None,
) -> dict[str, Any]:
    """Gemeente over the years vs region and NL, one row per indicator of the theme."""
    gm = texts.gemeente_code(indicatoren)
    gmr = indicatoren[indicatoren["code"] == gm].set_index("jaar")
    regio_naam = _ref_naam(refs, "regio", "Regio")
    kolommen = [{"tekst": f"{j0}", "sub": "nu"}] + [
        {"tekst": f"{j}", "sub": "prognose"} for j in horizon
    ]
    kolommen += [
        {"tekst": regio_naam, "sub": f"{j0}"},
        {"tekst": "Nederland", "sub": f"{j0}"},
    ]
    rijen = []
    for key, ind in registry.items():
        if ind.thema != thema or key not in indicatoren:
            continue
        cellen = [_cell(gmr.at[j0, key], ind, marker=True)]
        for j in horizon:
            if ind.prognose:
                cellen.append(_cell(gmr.at[j, key], ind, projectie=True))
            else:
                cellen.append({"tekst": "–", "klasse": "leeg"})
        for niveau in ("regio", "nederland"):
            c = texts.referentie_cijfer(refs, registry, niveau, key, j0)
            cellen.append(_cell(c.waarde if c else float("nan"), ind))
        rijen.append({"kop": _kop(ind), "cellen": cellen})
    return {"kolommen": kolommen, "rijen": rijen, "refs": refs is not None}


def _ref_naam(refs: pd.DataFrame | None, niveau: str, default: str) -> str:
    if refs is None or "naam" not in refs or "niveau" not in refs:
        return default
    sel = refs.loc[refs["niveau"] == niveau, "naam"].dropna()
    return str(sel.iloc[0]) if len(sel) else default


def _heat_class(score: float) -> int:
    return int(np.searchsorted(_HEAT_EDGES, score, side="right"))


def plaats_tekst(r: pd.Series) -> tuple[str, bool]:
    """Printed place of a ranked buurt (``'3'`` or ``'3–5'``) and whether it is shared."""
    van, tot = r.get("plaats_van"), r.get("plaats_tot")
    if fmt.is_missing(van) or fmt.is_missing(tot):
        return ("" if fmt.is_missing(r["rang"]) else str(int(r["rang"]))), False
    if int(tot) > int(van):
        return f"{int(van)}–{int(tot)}", True
    return str(int(van)), False


def _buurten_in_beeld(
    indicatoren: pd.DataFrame,
    buurten: Any,
    wijken: Any,
    registry: dict[str, Indicator],
    cfg: dict[str, Any],
    gemeente: str,
    j0: int,
    scores: pd.DataFrame,
    uitgesloten: pd.DataFrame,
    teller: list[int],
    zonder: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ranking chapter. ``zonder``: views (:func:`_zonder_signaal`) of weighted or
    other indicators without buurt signal; a weighted one is listed with its weight and
    the reason it does not count, and the shares are taken over the rest."""
    zonder = zonder or {}
    weging = cfg["weging"]
    keys = [k for k in weging if k not in zonder]
    weggelaten = [k for k in weging if k in zonder]
    totaal_w = sum(weging[k] for k in keys)
    colours = maps.palette(len(_HEAT_EDGES) + 1, 1)
    legenda = [
        {
            "kleur": colours[i],
            "tekst": f"{fmt.getal(lo, 1)} – {fmt.getal(hi, 1)}",
            "donker": i >= 3,
        }
        for i, (lo, hi) in enumerate(zip((0.0, *_HEAT_EDGES), (*_HEAT_EDGES, 1.0), strict=True))
    ]
    rijen = []
    vorige = None
    for _, r in scores.iterrows():
        cellen = []
        for k in keys:
            rs = r[f"rs_{k}"]
            cel = _cell(r[k], registry[k], marker=False)
            marge = fmt.marge(r.get(k + klassen.LAAG), r.get(k + klassen.HOOG), registry[k])
            cel["marge"] = marge
            if not fmt.is_missing(rs):
                h = _heat_class(float(rs))
                cel |= {"score": fmt.getal(rs, 2), "kleur": colours[h], "donker": h >= 3}
            else:
                cel |= {"score": "", "kleur": "", "donker": False}
            cellen.append(cel)
        totaal = r["score"]
        h = _heat_class(float(totaal)) if not fmt.is_missing(totaal) else -1
        plaats, gedeeld = plaats_tekst(r)
        rijen.append(
            {
                "naam": r["naam"],
                "rang": plaats,
                "gedeeld": gedeeld,
                # First row of a new place: the line above it marks a real difference.
                "grens": vorige is not None and plaats != vorige,
                "cellen": cellen,
                "totaal": fmt.getal(totaal, 2),
                "kleur": colours[h] if h >= 0 else "",
                "donker": h >= 3,
                "volledig": int(r["n_indicatoren"]) == len(keys),
                "n": int(r["n_indicatoren"]),
            }
        )
        vorige = plaats
    names = _naam_map(indicatoren)
    figuur = None
    if keys and len(buurten):
        status = maps.buurt_values(indicatoren, keys[0], j0)[1]
        panels = [(registry[k], maps.buurt_values(indicatoren, k, j0)[0]) for k in keys]
        intervals = [maps.buurt_intervals(indicatoren, k, j0) for k in keys]
        fig, results = charts.small_multiples(
            buurten, panels, status=status, wijken=wijken, intervals=intervals
        )
        for res, (ind, _vals) in zip(results, panels, strict=True):
            _relabel_nodata(res)
            if res.legend is not None:
                res.legend.set_title("\n".join(maps.legend_title(ind).split("\n")[1:]) or None)
        teller[0] += 1
        alt_parts = []
        for ind, vals in panels:
            hl = _hoogste_laagste(vals, names, ind)
            if hl:
                lead = "laagst" if ind.richting < 0 else "hoogst"
                alt_parts.append(f"{ind.label}: {lead} in {hl[0]}")
        figuur = {
            "nummer": teller[0],
            "id": f"figuur-{teller[0]}",
            "src": charts.to_data_uri(fig),
            "alt": (
                f"{len(panels)} kleine kaarten van {gemeente} naast elkaar, één per gewogen "
                f"indicator ({j0}); donker is telkens de grootste opgave. "
                + "; ".join(alt_parts)
                + "."
            ),
            "bijschrift": f"De gewogen indicatoren per buurt, {j0}. Donker = grootste opgave."
            + (f" {texts.MARGES_UITLEG}" if any(r.classification.marges for r in results) else ""),
            "soort": "kaarten",
        }
    top = scores.dropna(subset=["score"]).head(3)
    gedeeld = any(r["gedeeld"] for r in rijen)
    marges = any(c["marge"] for r in rijen for c in r["cellen"])
    return {
        "weging": [
            {
                "kop": _kop(registry[k]),
                "gewicht": fmt.getal(w, 0 if float(w).is_integer() else 1),
                "aandeel": fmt.procent(100 * w / totaal_w) if k in keys and totaal_w else "–",
                "telt_mee": k in keys,
                "richting": (
                    "lager = grotere opgave"
                    if registry[k].richting < 0
                    else "hoger = grotere opgave"
                ),
            }
            for k, w in weging.items()
        ],
        "weggelaten": [
            zonder[k]
            | {
                "gewicht": fmt.getal(weging[k], 0 if float(weging[k]).is_integer() else 1),
                "aandeel_oorspronkelijk": fmt.procent(100 * weging[k] / sum(weging.values())),
            }
            for k in weggelaten
        ],
        # Not weighted and without a theme chapter of its own: explained here.
        "zonder_overig": [
            v
            for k, v in zonder.items()
            if k not in weging and registry[k].thema not in HOOFDSTUKKEN
        ],
        "kolommen": [_kop(registry[k]) for k in keys],
        "rijen": rijen,
        "legenda": legenda,
        "figuur": figuur,
        "uitgesloten": [
            {"naam": r["naam"], "status": r["status"]} for _, r in uitgesloten.iterrows()
        ],
        "onvolledig": any(not r["volledig"] for r in rijen),
        "gedeeld": gedeeld,
        "marges": marges,
        "top": [str(n) for n in top["naam"]],
        "jaar": j0,
        "n_indicatoren": len(keys),
    }


def _bijlage(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    j0: int,
    zonder_signaal: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Appendix tables: per theme all buurten (grouped by wijk) of the base year.

    Columns of indicators without buurt signal are marked (``geen_signaal``): their
    buurt numbers are printed, as in the data export, but are not to be compared.
    """
    rows = indicatoren[indicatoren["jaar"] == j0]
    buurt = rows[rows["niveau"] == "buurt"]
    wijk = rows[rows["niveau"] == "wijk"].set_index("code")
    gm = rows[rows["niveau"] == "gemeente"].iloc[0]
    out = []
    for thema, titel in THEMAS.items():
        keys = [k for k, i in registry.items() if i.thema == thema and k in indicatoren]
        if not keys:
            continue
        groepen = []
        wijkcodes = list(dict.fromkeys(buurt["wijkcode"].fillna("").astype(str)))
        for wk in wijkcodes:
            leden = buurt[buurt["wijkcode"].fillna("").astype(str) == wk].sort_values("naam")
            wr = wijk.loc[wk] if wk in wijk.index else None
            groepen.append(
                {
                    "naam": (str(wr["naam"]) if wr is not None else wk or "Zonder wijk"),
                    "code": wk,
                    "cellen": (
                        [_cell(wr[k], registry[k], status=_status(wr), marker=False) for k in keys]
                        if wr is not None
                        else []
                    ),
                    "buurten": [
                        {
                            "naam": str(r["naam"]),
                            "code": str(r["code"]),
                            "cellen": [
                                _cell(r[k], registry[k], status=_status(r), marker=False)
                                for k in keys
                            ],
                        }
                        for _, r in leden.iterrows()
                    ],
                }
            )
        out.append(
            {
                "id": f"bijlage-{thema}",
                "titel": titel,
                "kolommen": [
                    _kop(registry[k]) | {"geen_signaal": k in zonder_signaal} for k in keys
                ],
                "zonder_signaal": [registry[k].label for k in keys if k in zonder_signaal],
                "groepen": groepen,
                "gemeente": {
                    "naam": str(gm["naam"]),
                    "cellen": [_cell(gm[k], registry[k], marker=False) for k in keys],
                },
            }
        )
    return out


def _verantwoording(
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    cfg: dict[str, Any],
    intervallen: bool = False,
) -> dict[str, Any]:
    soort_tekst = {
        "gemeten": "gemeten (CBS)",
        "geschat": "geschat door Wijkscan",
        "gemodelleerd": "modelschatting (RIVM)",
        "gemeten/geschat": "gemeten in het basisjaar, geschat voor later",
    }
    definities = [
        {
            "thema": THEMAS.get(i.thema, i.thema),
            "label": i.label,
            "definitie": i.definitie,
            "eenheid": i.eenheid,
            "soort": soort_tekst.get(i.soort, i.soort),
            "teken": fmt.teken(i),
            "bron": i.bron,
            "prognose": "ja" if i.prognose else "nee",
        }
        for i in registry.values()
    ]
    bronnen = [
        {
            "onderwerp": b.get("onderwerp", ""),
            "uitgever": b.get("uitgever", ""),
            "tabel": b.get("tabel", ""),
            "jaar": b.get("jaar", ""),
            "type": b.get("type_label") or str(b.get("type", "")),
            "licentie": b.get("licentie", ""),
            "bestand": b.get("bestand", ""),
        }
        for b in meta.get("bronnen", [])
    ]
    # Which buurt margins the estimate used (the same for every indicator of a gemeente),
    # and whether they gave the split inside 65+ buurt detail (the maps follow that).
    binnen = [k for k, i in registry.items() if i.binnen_band]
    signalen = [klassen.buurtsignaal(meta, k) for k in binnen]
    marges = signalen[0].marges if signalen else ()
    return {
        "definities": definities,
        "bronnen": bronnen,
        "schatting_marges": [m for m in marges if m.startswith("burgerlijke staat")],
        "binnen_65plus_signaal": bool(signalen) and all(x.signaal for x in signalen),
        "brp": any("BRP" in m for m in marges),
        "intervallen": intervallen,
        "licenties": sorted({b["licentie"] for b in bronnen if b["licentie"]}),
        "min_inwoners": fmt.getal(cfg["min_inwoners"]),
        "afronding": fmt.getal(cfg["afronding"]),
        "geschat": [i.label for i in registry.values() if i.soort == "geschat"],
        "gemodelleerd": [i.label for i in registry.values() if i.soort == "gemodelleerd"],
        "deels": [i.label for i in registry.values() if i.soort == "gemeten/geschat"],
        "waarschuwingen": [str(w) for w in meta.get("waarschuwingen", [])],
    }


# ------------------------------------------------------------------ rendering


def dementie_vergelijking(
    indicatoren: pd.DataFrame, refs: pd.DataFrame | None, meta: dict[str, Any], jaar: int
) -> dict[str, Any] | None:
    """The gemeente's dementia estimate next to published national totals, as a range.

    Published national figures differ a lot by definition (known to the GP versus
    estimated in the population), so the report shows them all, each per 1,000
    inhabitants when the national population is known, instead of one "true" number.

    Parameters
    ----------
    indicatoren
        Published indicator table.
    refs
        Reference rows (``niveau == 'nederland'`` gives the national population).
    meta
        Provenance with ``dementie_landelijk`` (rows of ``config/dementie_landelijk.csv``).
    jaar
        Base year.

    Returns
    -------
    dict or None
        Template data, or None when no national figures are configured.
    """
    rows = meta.get("dementie_landelijk") or []
    gm = indicatoren[(indicatoren["niveau"] == "gemeente") & (indicatoren["jaar"] == jaar)]
    if not rows or gm.empty:
        return None
    g = gm.iloc[0]
    nl_inw = None
    if refs is not None and "niveau" in refs:
        nl = refs[refs["niveau"] == "nederland"]
        if len(nl) and pd.notna(nl["inwoners"].iloc[0]):
            nl_inw = float(nl["inwoners"].iloc[0])
    per_1000 = g["dementie_aantal"] / g["inwoners"] * 1000 if g["inwoners"] else float("nan")
    landelijk = []
    for r in sorted(rows, key=lambda r: int(r["aantal"])):
        landelijk.append(
            {
                "jaar": int(r["jaar"]),
                "aantal": fmt.getal(float(r["aantal"])),
                "per_1000": fmt.getal(float(r["aantal"]) / nl_inw * 1000, 1) if nl_inw else fmt.NB,
                "definitie": r["definitie"],
                "bron": r["bron"],
            }
        )
    return {
        "gemeente_aantal": fmt.getal(float(g["dementie_aantal"])),
        "gemeente_per_1000": fmt.getal(per_1000, 1),
        "jaar": jaar,
        "laag": landelijk[0]["aantal"],
        "hoog": landelijk[-1]["aantal"],
        "landelijk": landelijk,
        "nl_bekend": nl_inw is not None,
    }


def make_environment(template_dir: Path) -> jinja2.Environment:
    """Jinja2 environment of the report: autoescape on, undefined variables fail.

    Parameters
    ----------
    template_dir
        Directory with ``rapport.html.j2``, its ``_*.html.j2`` partials and
        ``rapport.css``.

    Returns
    -------
    jinja2.Environment
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["kleine_letter"] = fmt.kleine_letter
    return env


def build_context(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    rapport_cfg: dict[str, Any] | None,
    refs: pd.DataFrame | None = None,
    *,
    template_dir: Path = TEMPLATE_DIR,
    sessies: dict[str, Any] | None = None,
    volgende_ronde: Sequence[str] = (),
) -> dict[str, Any]:
    """Everything the template needs, computed from the inputs (pure).

    Parameters
    ----------
    indicatoren, buurten, registry, meta, rapport_cfg, refs, sessies, volgende_ronde
        See :func:`render_html`.
    template_dir
        Directory of ``rapport.css`` (inlined).

    Returns
    -------
    dict
        Template context.
    """
    _check_table(indicatoren, registry)
    cfg = rapport_config(rapport_cfg, registry)
    gm = texts.gemeente_code(indicatoren)
    j0 = texts.basisjaar(indicatoren)
    horizon = texts.horizonjaren(indicatoren)
    gem_rows = indicatoren[indicatoren["code"] == gm]
    naam = str(meta.get("gemeentenaam") or gem_rows["naam"].iloc[0])
    names = _naam_map(indicatoren)

    geo = buurten[buurten["code"].astype(str).isin(set(names.index))].copy()
    if getattr(geo, "crs", None) is not None and geo.crs.to_epsg() != 28992:
        geo = geo.to_crs(28992)  # maps, scale bar and labels work in RD metres
    geo["code"] = geo["code"].astype(str)
    geo["naam"] = geo["code"].map(names).fillna(geo.get("naam", geo["code"]))
    wijken = maps.dissolve_wijken(geo, indicatoren) if len(geo) else None

    # Indicators whose buurt differences come only from the model: no classes, ranks or weight.
    zonder = [k for k in registry if k in indicatoren and not klassen.buurtsignaal(meta, k).signaal]
    scores, uitgesloten = buurt_scores(
        indicatoren, registry, cfg["weging"], j0, zonder_signaal=zonder
    )
    samenvatting = texts.samenvatting(
        indicatoren, registry, naam, scores=scores, refs=refs, zonder_signaal=zonder
    )
    teller = [1]  # figure 1 is the orientation map
    hoofdstukken = []
    for nr, thema in enumerate(HOOFDSTUKKEN, start=1):
        if thema not in THEMAS:
            continue
        views, bronnen = _bevindingen(
            texts.thema_bevindingen(thema, indicatoren, registry, naam, refs, zonder), registry
        )
        # A theme whose source was not loaded ('geen') has no numbers at all: say what is
        # missing and how it gets in, instead of empty maps under a text about the data.
        keys = [k for k, i in registry.items() if i.thema == thema and k in indicatoren]
        geladen = {b.get("invoer") for b in meta.get("bronnen", [])}
        niet_geladen = (
            texts.NIET_GELADEN.get(thema, "")
            if thema == "eenzaamheid"
            and "gezondheidsmonitor" not in geladen
            and keys
            and indicatoren[keys].isna().all().all()
            else ""
        )
        hoofdstukken.append(
            {
                "id": f"thema-{thema}",
                "thema": thema,
                "titel": THEMAS[thema],
                "nummer": nr,
                "niet_geladen": niet_geladen,
                "inleiding": texts.THEMA_INLEIDING.get(thema, ""),
                "bevindingen": views,
                "bronnen": bronnen,
                "figuren": []
                if niet_geladen
                else _thema_figuren(
                    thema, indicatoren, geo, wijken, registry, naam, j0, refs, teller, zonder
                ),
                "zonder_signaal": [
                    _zonder_signaal(k, registry, meta, indicatoren, naam, j0)
                    for k in zonder
                    if registry[k].thema == thema
                ],
                "tabel": _thema_tabel(thema, indicatoren, registry, j0, horizon, refs),
                "vergelijking": (
                    dementie_vergelijking(indicatoren, refs, meta, j0)
                    if thema == "dementie"
                    else None
                ),
                "definities": [
                    {"label": i.label, "definitie": i.definitie}
                    for i in registry.values()
                    if i.thema == thema
                ],
            }
        )
    bib = _buurten_in_beeld(
        indicatoren, geo, wijken, registry, cfg, naam, j0, scores, uitgesloten, teller,
        {k: _zonder_signaal(k, registry, meta, indicatoren, naam, j0) for k in zonder},
    )  # fmt: skip
    tweede = None
    if sessies:
        # Second edition: what the tables saw (sessions), numbered after the ranking's map.
        from pipeline.present import sessie_rapport

        teller[0] += 1
        tweede = sessie_rapport.context(
            sessies, indicatoren, geo, wijken, registry, meta, scores, uitgesloten, naam,
            cfg["weging"], teller[0],
        )  # fmt: skip
        tweede["volgende_ronde"] = [str(v) for v in volgende_ronde]
        css2 = (Path(template_dir) / CSS_SESSIES).read_text(encoding="utf-8")
        tweede["css"] = Markup(css2.replace("</", "<\\/"))
    sv_views, sv_bronnen = _bevindingen(samenvatting, registry)
    omslag = None
    if len(geo):
        n_wijken = 0 if wijken is None else len(wijken)
        omslag = {
            "src": charts.to_data_uri(charts.cover_map(geo, wijken)),
            "alt": (
                f"Omtrek van de gemeente {naam} met de grenzen van de {n_wijken} wijken "
                f"(donkere lijnen) en {len(geo)} buurten (witte lijnen)."
            ),
        }
    overzicht = _overzicht(indicatoren, geo, wijken, naam, j0)
    css = (Path(template_dir) / CSS).read_text(encoding="utf-8")
    inhoud = [
        {"id": "samenvatting", "titel": "Samenvatting"},
        {"id": "leeswijzer", "titel": "Zo leest u dit rapport"},
        *({"id": h["id"], "titel": h["titel"]} for h in hoofdstukken),
        {"id": "buurten-in-beeld", "titel": "Buurten in beeld"},
        {"id": "lokale-kennis", "titel": "Data en lokale kennis"},
        *(
            [{"id": "cijfers-en-tafels", "titel": "Cijfers en tafels naast elkaar"}]
            if tweede
            else []
        ),
        {"id": "verantwoording", "titel": "Verantwoording"},
        {"id": "bijlage", "titel": "Bijlage: alle cijfers per buurt"},
    ]
    return {
        "css": Markup(css.replace("</", "<\\/")),
        "titel": f"Wijkscan {naam}",
        "gemeente": {"code": gm, "naam": naam},
        "jaar": j0,
        "horizon": horizon,
        "horizon_tekst": fmt.jaren(horizon),
        "laatste_jaar": horizon[-1] if horizon else j0,
        "gebouwd": fmt.datum(str(meta.get("gebouwd", ""))),
        "versie": pipeline.__version__,
        "data_versie": str(meta.get("versie", "")),
        "fictief": bool(meta.get("fictief", False)),
        "fictief_onderdelen": [str(x) for x in meta.get("fictief_onderdelen", [])],
        "inhoud": inhoud,
        "samenvatting": [v for v in sv_views if v["soort"] != "let_op"],
        "let_op": [v for v in sv_views if v["soort"] == "let_op"],
        "samenvatting_bronnen": sv_bronnen,
        "overzicht": overzicht,
        "omslag": omslag,
        "omgekeerd": [i.label for i in registry.values() if i.richting < 0],
        "verhoudingen": [i.label for i in registry.values() if i.eenheid == "ratio"],
        "markers": [{"teken": k, "uitleg": v} for k, v in fmt.MARKERS.items()],
        "nb": fmt.NB,
        "te_weinig": fmt.TE_WEINIG,
        "hoofdstukken": hoofdstukken,
        "bib": bib,
        "vragen": list(cfg["vragen"]),
        "niet_in_data": texts.NIET_IN_DATA,
        "verantwoording": _verantwoording(
            registry, meta, cfg, any(c.endswith(klassen.LAAG) for c in indicatoren.columns)
        ),
        "bijlage": _bijlage(indicatoren, registry, j0, zonder),
        "n_buurten": int(len(names)),
        "zonder_kaart": sorted(
            str(names[c]) for c in names.index if c not in set(geo["code"].astype(str))
        ),
        "refs": refs is not None,
        "regio_naam": _ref_naam(refs, "regio", "Regio"),
        "tweede": tweede,
    }


def render_html(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    rapport_cfg: dict[str, Any] | None,
    refs: pd.DataFrame | None = None,
    *,
    template_dir: Path = TEMPLATE_DIR,
    sessies: dict[str, Any] | None = None,
    volgende_ronde: Sequence[str] = (),
) -> str:
    """Render the council report of one gemeente as self-contained HTML (pure).

    Parameters
    ----------
    indicatoren
        Published indicator table (long by year) of one gemeente.
    buurten
        GeoDataFrame ``code, naam, geometry`` (EPSG:28992).
    registry
        Indicator registry (:func:`pipeline.model.registry.build_registry`).
    meta
        ``bronnen.json`` content (gemeentenaam, fictief, bronnen, waarschuwingen, ...).
    rapport_cfg
        ``rapport`` config (``weging``, ``vragen``) plus optionally ``min_inwoners``
        and ``afronding``; missing keys get :data:`DEFAULT_RAPPORT`.
    refs
        Optional region/NL rows (``niveau`` 'regio'/'nederland', indicator columns,
        optionally ``naam`` and ``jaar``); ``None`` prints "n.b.".
    template_dir
        Directory with the templates and ``rapport.css``.
    sessies
        Validated session input (:func:`pipeline.ingest.sessie_lezen.lees_sessies`): a second
        edition, "na de sessies van ...", with the chapter "Data en lokale kennis" filled
        per buurt, a map of proposals and initiatives, and "Cijfers en tafels naast
        elkaar". None (default): the first edition, unchanged.
    volgende_ronde
        Questions for the next round (second edition only).

    Returns
    -------
    str
        The HTML document.
    """
    ctx = build_context(
        indicatoren, buurten, registry, meta, rapport_cfg, refs, template_dir=template_dir,
        sessies=sessies, volgende_ronde=volgende_ronde,
    )  # fmt: skip
    return make_environment(Path(template_dir)).get_template(TEMPLATE).render(**ctx)


def write_html(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    rapport_cfg: dict[str, Any] | None,
    refs: pd.DataFrame | None = None,
    *,
    path: Path,
    template_dir: Path = TEMPLATE_DIR,
    sessies: dict[str, Any] | None = None,
    volgende_ronde: Sequence[str] = (),
) -> None:
    """Render the report (:func:`render_html`) and write it atomically to ``path``."""
    html = render_html(
        indicatoren, buurten, registry, meta, rapport_cfg, refs, template_dir=template_dir,
        sessies=sessies, volgende_ronde=volgende_ronde,
    )  # fmt: skip
    write_text(html, path)


def html_to_pdf(html_path: Path, pdf_path: Path) -> int:
    """Print the HTML report to an A4 PDF with WeasyPrint, atomically.

    Only ``data:`` and ``file:`` URLs may be fetched, so the PDF build is offline.

    Parameters
    ----------
    html_path
        The HTML written by :func:`write_html`.
    pdf_path
        Destination PDF.

    Returns
    -------
    int
        Number of pages.
    """
    import weasyprint

    html_path = Path(html_path)
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data", "file"})
    doc = weasyprint.HTML(
        filename=str(html_path), base_url=str(html_path.parent), url_fetcher=fetcher
    )
    # The pinned report font, embedded: the page count does not depend on system fonts.
    fonts = lettertype.pdf_render_kwargs(fetcher)
    with atomic_path(pdf_path) as tmp:
        try:
            # Tagged PDF (PDF/UA-1): headings, tables and alt texts reach screen readers.
            # The variant also sets layout options, so render() needs it too.
            rendered = doc.render(pdf_variant="pdf/ua-1", **fonts)
            rendered.write_pdf(str(tmp), pdf_variant="pdf/ua-1")
        except Exception:  # pragma: no cover - older WeasyPrint without this variant
            log.warning("PDF/UA niet gelukt; gewone PDF gemaakt", exc_info=True)
            rendered = doc.render(**fonts)
            rendered.write_pdf(str(tmp))
    return len(rendered.pages)
