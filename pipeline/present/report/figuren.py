"""The figures of the report: orientation map and per theme chapter map, trend and bars.

Figures are drawn by :mod:`pipeline.present.charts`, :mod:`pipeline.present.kaartfiguren` and
:mod:`pipeline.present.overzichtskaart`, and embedded as ``data:`` URIs; each gets an alt text that says what it shows in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline import codes
from pipeline.model.registry import Indicator
from pipeline.present import charts, fmt, kaartgegevens, kaartklassen, klassen, maps, texts
from pipeline.present.figuur import to_data_uri
from pipeline.present.kaartfiguren import map_figure
from pipeline.present.overzichtskaart import overview_map
from pipeline.present.report.tabellen import naam_map

HOOFDSTUKKEN: dict[str, dict[str, Any]] = {
    "vergrijzing": {
        # The published 65+ share first: it has real buurt differences, while the estimated
        # 75+ share often has margins too wide to split any buurten.
        "kaart": ["aandeel_65plus", "aandeel_75plus"],
        "staaf": "aandeel_75plus",
        "trend": ["aantal_65plus", "aantal_75plus", "aantal_85plus"],
    },
    "mantelzorg": {
        "kaart": ["mantelzorgpotentieel"],
        "staaf": "mantelzorgpotentieel",
        "trend": ["mantelzorgpotentieel"],
    },
    "dementie": {
        "kaart": ["dementie_per_100_65plus"],
        "staaf": "dementie_aantal",
        "trend": ["dementie_aantal", "dementie_per_100_65plus"],
    },
    "eenzaamheid": {"kaart": ["eenzaam_pct"], "staaf": "eenzaam_pct", "trend": []},
    "wonen": {
        "kaart": ["aandeel_eenpersoonshuishoudens"],
        "staaf": "afstand_huisarts",
        "trend": [],
    },
}
"""Per theme chapter: the map indicators, the ranked-bar indicator, trend indicators."""

_MAX_BARS = 25
# Above this many buurten the theme maps carry no names (they would crowd); the
# orientation map then gets a full page and its numbered key is printed as text.
_MAX_NAMEN = 40


# --------------------------------------------------------- alt texts


#: Names listed for the darkest class of a map before "en N andere".
_MAX_DONKER = 5


def donkerste_klasse(
    values: pd.Series, names: pd.Series, ind: Indicator, cls: kaartklassen.Classification
) -> str:
    """``'Donkerste klasse (25 – 30%): Noord en West'``; ``''`` without classes.

    What a screen reader hears follows the map: the buurten the map colours darkest,
    not the single highest value, which the margins may not single out (real Duiven:
    the alt text said "hoogst in Het Broek" where the text said no buurt surely is).
    """
    if cls.k <= 1:
        return ""
    klasse = cls.assign(values)
    top = 0 if ind.richting < 0 else cls.k - 1
    codes_ = klasse.index[klasse == top]
    if not len(codes_):
        return ""
    ordered = values.reindex(codes_).sort_values(ascending=ind.richting < 0, kind="mergesort")
    namen = [str(names.get(c, c)) for c in ordered.index]
    if len(namen) > _MAX_DONKER:
        namen = [*namen[:_MAX_DONKER], f"{len(namen) - _MAX_DONKER} andere"]
    return f"Donkerste klasse ({cls.labels[top]}): {fmt.opsomming(namen)}"


def _alt_kaart(
    gemeente: str,
    ind: Indicator,
    jaar: int,
    values: pd.Series,
    status: pd.Series,
    names: pd.Series,
    cls: kaartklassen.Classification,
) -> str:
    """Alt text of a choropleth: what it shows, the classes, extremes, blanks."""
    richting = (
        "Hoe donkerder de kleur, hoe lager de waarde en hoe groter de opgave."
        if ind.richting < 0
        else "Hoe donkerder de kleur, hoe hoger de waarde."
    )
    van = cls.labels[0].split(" – ")[0] if cls.labels else fmt.NB
    tot = cls.labels[-1].split(" – ")[-1] if cls.labels else fmt.NB
    if cls.k <= 1:
        # The margins left one class (KAART_MARGES_EEN_KLASSE): the text must not rank
        # what the map deliberately does not (it said "in 1 klassen ... Hoogst: Noord").
        # One class of equal values is just that value.
        waarden = f"De waarden lopen van {van} tot {tot}." if van != tot else f"Waarde: {van}."
        noot = texts.marges_noot(ind, cls)
        parts = [
            f"Kaart van de buurten van {gemeente}: {fmt.kleine_letter(ind.label)} in {jaar}. "
            + (f"{noot} " if noot else "")
            + waarden
        ]
    else:
        parts = [
            f"Kaart van de buurten van {gemeente}: {fmt.kleine_letter(ind.label)} in {jaar}, "
            f"in {cls.k} klassen van {van} tot {tot}. {richting}"
        ]
    donker = donkerste_klasse(values, names, ind, cls)
    if donker:
        parts.append(f"{donker}.")
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


def _alt_staaf(
    gemeente: str,
    ind: Indicator,
    jaar: int,
    s: pd.Series,
    gem: float | None,
    n_totaal: int,
    lo: pd.Series,
    hi: pd.Series,
    volgorde: Sequence[str],
    soort: str,
) -> str:
    """Alt text of a ranked bar chart: values with their 90 % margins, as the whiskers.

    ``lo``/``hi`` (indexed like ``s``) are the margins; without them a listener would
    hear an order the chart itself qualifies. ``volgorde`` and ``soort`` are the bars and
    their order (:func:`_bars_order`), as drawn.
    """
    shown = s.reindex(list(volgorde))

    def item(n: Any, v: float) -> str:
        marge = fmt.marge(lo.get(n), hi.get(n), ind)
        return f"{n}: {fmt.waarde(v, ind)}" + (f" (marge {marge})" if marge else "")

    items = [item(n, v) for n, v in shown.items()]
    if len(items) > 12:
        items = items[:6] + [f"{len(items) - 9} buurten daartussen"] + items[-3:]
    richting = "laagste naar hoogste" if ind.richting < 0 else "hoogste naar laagste"
    wat = _VOLGORDE[soort][1].format(richting=richting)
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


# ----------------------------------------------------------- figures


def relabel_nodata(res: maps.MapResult) -> None:
    """Legend text for buurten without a value that are not suppressed for size.

    maps.py calls them 'geen gegevens'; for a ratio over a small group (e.g. too few
    85-plussers for mantelzorgpotentieel) 'geen cijfer' is the honest wording.
    """
    if res.legend is None:
        return
    for t in res.legend.get_texts():
        if t.get_text() == codes.STATUS_GEEN_GEGEVENS:
            t.set_text("geen cijfer")


def overzicht(
    indicatoren: pd.DataFrame, geo: Any, wijken: Any, gemeente: str, j0: int
) -> dict[str, Any] | None:
    """Orientation map of wijken and buurten (figure 1 of the reading guide)."""
    if wijken is None or not len(geo):
        return None
    w = indicatoren[(indicatoren["niveau"] == "wijk") & (indicatoren["jaar"] == j0)]
    namen = dict(zip(w["code"].astype(str), w["naam"].astype(str), strict=True))
    groot = len(geo) > _MAX_NAMEN
    fig, key = overview_map(geo, wijken, namen, height_mm=200 if groot else 84, sleutel=False)
    per_wijk = []
    for wk in wijken["wijkcode"].astype(str):
        leden = indicatoren[
            (indicatoren["niveau"] == "buurt")
            & (indicatoren["jaar"] == j0)
            & (indicatoren["wijkcode"] == wk)
        ]["naam"]
        naam = namen.get(wk, wk)
        # CBS names many wijken "Wijk 01 Bedrijventerrein": no "wijk Wijk 01".
        wijk = naam if naam.lower().startswith("wijk") else f"wijk {naam}"
        per_wijk.append(f"{wijk}: {fmt.opsomming(sorted(map(str, leden)))}")
    return {
        "nummer": 1,
        "id": "figuur-1",
        "src": to_data_uri(fig),
        "alt": (
            f"Overzichtskaart van {gemeente} met de grenzen van de wijken (dikke lijnen) en de "
            f"namen van de buurten. " + "; ".join(per_wijk) + "."
        ),
        "bijschrift": f"De wijken en buurten van {gemeente}."
        + (" " + texts.NUMMERS_IN_DE_LIJST if key else ""),
        "soort": "overzicht",
        "sleutel": [{"nr": nr, "naam": naam} for nr, naam in key],
        "groot": groot,
    }


def kaarten_zonder_cijfers(
    thema: str, indicatoren: pd.DataFrame, registry: dict[str, Indicator], j0: int
) -> list[str]:
    """Map indicators of a theme chapter that no buurt has a value for in ``j0``.

    Such a map would be all hatching (e.g. household shares when the KWB file read lacks
    them): it is left out and the chapter says why.
    """
    return [
        k
        for k in HOOFDSTUKKEN[thema]["kaart"]
        if k in registry
        and k in indicatoren
        and kaartgegevens.buurt_values(indicatoren, k, j0)[0].isna().all()
    ]


def _bars_order(
    waarden: pd.Series, lo: pd.Series, hi: pd.Series, richting: int
) -> tuple[list[str], str]:
    """Which buurten a ranked bar chart shows, in which order, and what that order says.

    All buurten when they fit (:data:`_MAX_BARS`); otherwise the buurten whose shared
    place (:func:`pipeline.present.klassen.rang_groepen`) ends within the first
    :data:`_MAX_BARS`, so the cut never falls between buurten whose difference lies inside
    the 90 % intervals; none when no such cut exists (then no ranking is drawn). They go by
    place, and buurten that share a place by name, as in "Buurten in beeld": ordering those
    by their estimate would rank them after all.

    Returns
    -------
    (names, volgorde)
        The buurt names, top bar first, and ``'rang'`` (every buurt a place of its own),
        ``'deels'`` (some places shared) or ``'geen'`` (all share one place: by name only).
    """
    s = waarden.dropna()
    # Rank groups count from the largest task: for a lower-is-worse indicator, flip signs.
    sign = -1.0 if richting < 0 else 1.0
    a, b = sign * lo.reindex(s.index), sign * hi.reindex(s.index)
    groepen = klassen.rang_groepen(sign * s, np.fmin(a, b), np.fmax(a, b))
    if len(s) > _MAX_BARS:
        groepen = groepen[groepen["tot"] <= _MAX_BARS]
    if groepen.empty:
        return [], "geen"
    groepen = groepen.assign(naam=groepen.index).sort_values(["van", "tot", "naam"])
    gedeeld = groepen["van"] < groepen["tot"]
    if len(groepen) > 1 and gedeeld.all() and groepen["van"].nunique() == 1:
        return list(groepen.index), "geen"
    return list(groepen.index), "deels" if gedeeld.any() else "rang"


#: Caption of bars with margins. It states the rule the order follows
#: (:func:`pipeline.present.klassen.indistinguishable`): margins that merely overlap
#: between two values do not make the difference uncertain (real Duiven, dementia: West
#: 80 (50-120) stands above Zuidwest 40 (20-75)).
_STREEPJES = (
    " Zwarte streepjes: de 90%-marges. Ligt een cijfer binnen het streepje van een andere "
    "buurt, dan is het verschil niet zeker."
)

#: Per order of a bar chart (:func:`_bars_order`): the caption's words and the alt text's.
_VOLGORDE = {
    "rang": (
        "gerangschikt; bovenaan de grootste opgave.",
        "van {richting} waarde",
    ),
    "deels": (
        "gerangschikt; bovenaan de grootste opgave. Buurten die gelijk zijn of niet zeker "
        "van hun buren verschillen, staan onderling op naam.",
        "van {richting} waarde, buurten die een plaats delen op naam",
    ),
    "geen": (
        "op naam: de cijfers van de buurten verschillen niet zeker van elkaar, dus er is "
        "geen volgorde.",
        "op naam, want de cijfers verschillen niet zeker van elkaar",
    ),
}


def thema_figuren(
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
    names = naam_map(indicatoren)
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

    leeg = kaarten_zonder_cijfers(thema, indicatoren, registry, j0)
    for key in spec["kaart"] if len(buurten) else []:
        if key not in registry or key not in indicatoren or key in leeg:
            continue
        ind = registry[key]
        values, status = kaartgegevens.buurt_values(indicatoren, key, j0)
        lo, hi = kaartgegevens.buurt_intervals(indicatoren, key, j0)
        neutraal = texts.KAART_ZONDER_SIGNAAL if key in zonder_signaal else ""
        fig, res = map_figure(
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
        relabel_nodata(res)
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
            richting = "Donker = laag = grootste opgave." if ind.richting < 0 else "Donker = hoog."
            bijschrift = " ".join(
                t
                for t in (
                    f"{ind.label} per buurt, {j0}. Dikke lijnen: wijkgrenzen. {namen}".strip(),
                    richting if res.classification.k > 1 else "",
                    texts.marges_noot(ind, res.classification),
                )
                if t
            )
        add(to_data_uri(fig), alt, bijschrift, "kaart")
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
            to_data_uri(fig),
            _alt_trend(gemeente, panels, j0),
            f"{gemeente} als geheel: {j0} en prognose. Gearceerde staven zijn een prognose; "
            "≈ staat bij elk geschat cijfer.",
            "trend",
        )
    key = spec["staaf"]
    volgorde: list[str] = []
    # Bars rank the buurten: not for an indicator whose buurt differences are model-only.
    if key in registry and key in indicatoren and key not in zonder_signaal:
        ind = registry[key]
        values, status = kaartgegevens.buurt_values(indicatoren, key, j0)
        lo, hi = kaartgegevens.buurt_intervals(indicatoren, key, j0)
        values = values[status == ""]
        label = [names.get(c, c) for c in values.index]
        by_name = pd.Series(values.to_numpy(), index=label)
        lo_n = pd.Series(lo.reindex(values.index).to_numpy(), index=label)
        hi_n = pd.Series(hi.reindex(values.index).to_numpy(), index=label)
        # A gemeente total next to buurt counts would mislead: reference line for rates only.
        gem = None if ind.is_aantal else texts.opzoeken(indicatoren, gm, j0, key)
        volgorde, soort = _bars_order(by_name, lo_n, hi_n, ind.richting)
    if volgorde:
        fig, n = charts.ranked_bar_chart(
            by_name, ind, gemeente_waarde=gem, gemeente_naam=gemeente, lo=lo_n, hi=hi_n,
            volgorde=volgorde,
        )  # fmt: skip
        whiskers = bool((hi_n > by_name).any() or (lo_n < by_name).any())
        n_totaal = int(by_name.notna().sum())
        extra = (
            f" De {n} buurten met de grootste opgave; alle buurten staan in de bijlage."
            if n_totaal > n
            else ""
        )
        add(
            to_data_uri(fig),
            _alt_staaf(gemeente, ind, j0, by_name, gem, n_totaal, lo_n, hi_n, volgorde, soort),
            f"{ind.label} per buurt, {j0}, {_VOLGORDE[soort][0]}{extra}"
            + (_STREEPJES if whiskers else ""),
            "staaf",
        )
    return figs
