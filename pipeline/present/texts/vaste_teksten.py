"""Fixed Dutch texts of the products: chapter introductions, notes, map legends.

None of these carries a number: numbers come from the table (:mod:`pipeline.present.texts.cijfers`).
"""

from __future__ import annotations

from typing import Any

from pipeline import codes
from pipeline.model.registry import Indicator
from pipeline.present import fmt

NIET_GELADEN: dict[str, str] = {
    "eenzaamheid": (
        "Voor deze wijkscan zijn geen cijfers over eenzaamheid ingelezen. Ze bestaan wel: het "
        "RIVM schat per buurt hoeveel volwassenen zich eenzaam voelen (Gezondheid per wijk en "
        "buurt, tabel 50150NED, op basis van de Gezondheidsmonitor). Wordt die tabel "
        "ingelezen, dan komen hier een kaart en de cijfers per buurt; wie de wijkscan maakt, "
        "kan hem toevoegen. De definities hieronder horen bij die cijfers."
    ),
}
"""What a theme chapter says when its source was not loaded (source 'geen')."""


NIET_GELADEN_KORT: dict[str, str] = {
    "eenzaamheid": (
        "Niet ingelezen voor deze kaart. Het RIVM heeft eenzaamheid per buurt (tabel "
        "50150NED); vraag de maker van de wijkscan om die toe te voegen."
    ),
}
"""The same, short, for a vouwkaart panel."""

THEMA_INLEIDING: dict[str, str] = {
    "vergrijzing": (
        "Het aantal ouderen groeit, en vooral het aantal mensen van boven de tachtig. Zij hebben "
        "vaker hulp en zorg nodig. In dit hoofdstuk ziet u in welke buurten veel ouderen wonen "
        "en hoe dat de komende jaren verandert."
    ),
    "mantelzorg": (
        "Dit cijfer laat zien hoeveel mensen van middelbare leeftijd er zijn voor "
        "elke zeer oude inwoner. Het is een ruwe maat: het zegt niet wie echt helpt. Maar als "
        "het getal daalt, wordt het lastiger om zorg door familie en buren te organiseren."
    ),
    "dementie": (
        "Van mensen met dementie bestaat geen telling per buurt. Wijkscan schat het aantal met "
        "landelijke percentages per leeftijd en geslacht. Hoe meer oude inwoners, hoe meer "
        "mensen met dementie. Gebruik de cijfers als ordegrootte, niet als exacte telling."
    ),
    "eenzaamheid": (
        "De cijfers over eenzaamheid komen uit de Gezondheidsmonitor van GGD'en, CBS en RIVM. "
        "Het RIVM schat met een rekenmodel hoeveel volwassenen in een buurt zich eenzaam voelen. "
        "Het is dus een modelschatting, geen meting in de buurt zelf."
    ),
    "wonen": (
        "Of ouderen thuis kunnen blijven wonen, hangt ook af van het huis en de buurt. Wie "
        "alleen woont, heeft minder hulp in huis. Is de huisarts of supermarkt ver weg, dan "
        "wordt zelfstandig wonen lastiger als iemand minder mobiel wordt."
    ),
}
"""Short B1 introduction per theme chapter (no numbers: those come from the data)."""


NIET_IN_DATA: list[str] = [
    "Of mensen echt mantelzorg geven of krijgen, en hoe zwaar dat is.",
    "Hoe sterk het netwerk van familie, vrienden en buren is. Familie woont vaak niet in "
    "dezelfde buurt.",
    "Wat er al is in de buurt: ontmoetingsplekken, vrijwilligers, wijkteams, verenigingen, "
    "kerken en moskeeën.",
    "Of woningen geschikt zijn om oud in te worden, bijvoorbeeld gelijkvloers of met een lift.",
    "Hoe bewoners hun buurt zelf ervaren, en waarom.",
    "Veel buurtcijfers zijn schattingen. Kleine verschillen tussen buurten zeggen weinig.",
    "Prognoses gaan uit van de trends van nu. Nieuwbouw, sloop of een nieuw zorgcomplex "
    "verandert het beeld.",
]
"""What the numbers cannot tell (chapter 'Data en lokale kennis')."""

NUMMERS_IN_DE_LIJST = (
    "Buurten met een nummer staan in de lijst onder de kaart. Een buurt heeft op elke kaart "
    "hetzelfde nummer; staat de naam op de kaart zelf, dan ontbreekt het nummer in de lijst."
)
"""Caption note of a map with numbered buurten: the list skips numbers (Duiven's started
at 5), which readers took for buurten that had gone missing."""

KAART_ZONDER_SIGNAAL = "geen klassen: verschillen\ntussen buurten komen\nalleen uit het rekenmodel"
"""Legend text of the single neutral fill on the map of an indicator without buurt signal."""
KAART_MARGES_EEN_KLASSE = (
    "één kleur: elke klassegrens\nzou buurten scheiden die\nbinnen elkaars marge liggen"
)
"""Legend of a map whose interval-aware classes left one class: no break separates
buurten whose difference lies inside their intervals, so nothing is coloured apart."""

UITLEG_STANDAARD = (
    "Cijfers per buurt uit een bron die de buurten zelf telt (bijvoorbeeld een uittreksel "
    "uit de BRP) zouden dat wel laten zien."
)
"""Fallback when ``bronnen.json`` gives no ``uitleg`` for an indicator without buurt signal."""


MARGES_UITLEG = (
    "Valt het cijfer van een buurt binnen de 90%-marge van de schatting van een andere buurt, "
    "dan staan ze in dezelfde klasse: alleen tussen klassen is het verschil echt."
)
"""Caption note of a map whose classes were placed with the estimation intervals: the
rule of :func:`pipeline.present.klassen.indistinguishable` (a value inside the other's
interval), not "intervals overlap", which would promise more separation than it gives."""

MARGES_UITLEG_AFRONDING = (
    "Valt het cijfer van een buurt binnen de marge die de afronding van CBS (op 5) een andere "
    "buurt geeft, dan staan ze in dezelfde klasse: alleen tussen klassen is het verschil echt."
)
"""The same note for a base-year number CBS publishes: its interval is only the rounding."""


def marges_uitleg(ind: Indicator) -> str:
    """Caption note of a base-year map classed with intervals.

    Parameters
    ----------
    ind
        The mapped indicator. A number CBS counts (no estimate marker in the base year,
        :func:`pipeline.present.fmt.teken`) is not an estimate: calling its margins "of
        the estimate" would misstate a published figure.

    Returns
    -------
    str
        :data:`MARGES_UITLEG_AFRONDING` or :data:`MARGES_UITLEG`.
    """
    return MARGES_UITLEG if fmt.teken(ind) else MARGES_UITLEG_AFRONDING


def marges_noot(ind: Indicator, classification: Any) -> str:
    """Caption note of a map classed with intervals; '' for a map classed without.

    Parameters
    ----------
    ind
        The mapped indicator.
    classification
        The map's :class:`pipeline.present.klassen.Classification` (``marges``, ``k``).

    Returns
    -------
    str
        :func:`marges_uitleg`, or, where the intervals left a single class, why all buurten
        share one colour: not "they do not differ" (the extremes may), but that every break
        would separate buurten whose values lie inside each other's margin.
    """
    if not classification.marges:
        return ""
    if classification.k > 1:
        return marges_uitleg(ind)
    if not classification.samengevoegd:
        return ""  # equal values, or one buurt: nothing the margins did
    marge = (
        "de 90%-marge van de schatting"
        if fmt.teken(ind)
        else "de afrondingsmarge (CBS rondt af op 5)"
    )
    return (
        "Alle buurten hebben één kleur: elke grens tussen klassen zou buurten scheiden "
        f"waarvan het cijfer binnen {marge} van de andere ligt."
    )


def zonder_signaal_zin(
    ind: Indicator, gemeente: str, jaar: int, waarde: str, marge: str, uitleg: str
) -> str:
    """Why an indicator has no buurt classes or ranks, with the gemeente figure.

    Parameters
    ----------
    ind
        Registry entry of the indicator without buurt signal.
    gemeente
        Gemeente name.
    jaar
        Year of the gemeente figure.
    waarde
        The gemeente figure as printed (:func:`pipeline.present.fmt.waarde`), or ``'n.b.'``.
    marge
        Its 90 % interval as printed (:func:`pipeline.present.fmt.marge`), ``''`` when none.
    uitleg
        ``bronnen.json`` text: which data would give buurt detail (may be empty).

    Returns
    -------
    str
        Plain Dutch (B1): what is shown instead, and what would help.
    """
    cijfer = f"{waarde} (90%-marge {marge})" if marge else waarde
    # The uitleg of bronnen.json already says why (model-only differences) and what would
    # help; without one, say both here.
    waarom = uitleg.strip() or (
        "De verschillen tussen de buurten komen alleen uit het rekenmodel: geen cijfer over "
        f"de buurten zelf heeft ze bepaald. {UITLEG_STANDAARD}"
    )
    return (
        f"{ind.label}: de buurten staan voor dit cijfer niet in klassen op de kaart, krijgen "
        "geen plaats in een rangorde en het cijfer telt niet mee in de weging. Voor heel "
        f"{gemeente} is het in {jaar} {cijfer}. {waarom}"
    )


#: What each demo input stands in for, in the FICTIEF texts (keys of ``fictief_onderdelen``).
_FICTIEF_DEEL = {
    "kwb": "buurtcijfers",
    "geometrie": "buurtgrenzen",
    "bevolking": "leeftijdsopbouw",
    "prognose": "prognose",
    "gezondheidsmonitor": "eenzaamheid",
}
#: What rests on a demo age profile (the KWB gives only broad age groups per buurt).
_OP_LEEFTIJD = "75-plussers, 85-plussers, mantelzorgpotentieel, dementie en de toekomstcijfers"


def _fictieve_delen(meta: dict[str, Any]) -> list[str]:
    return [str(x) for x in meta.get("fictief_onderdelen", []) or []]


def alles_fictief(meta: dict[str, Any]) -> bool:
    """True when every number rests on demo parts (the demo gemeente: KWB and ages)."""
    return _alles_fictief(_fictieve_delen(meta))


def _alles_fictief(delen: list[str]) -> bool:
    return not delen or {"kwb", "bevolking"} <= set(delen)


def fictief_tekst(meta: dict[str, Any]) -> str:
    """The FICTIEF banner: which parts are made up, so real CBS figures are not tarred.

    With every input fictitious (the demo gemeente) it is simply "demogegevens"; with real
    KWB figures and a demo age profile it names the demo parts and what rests on them.
    """
    delen = _fictieve_delen(meta)
    if _alles_fictief(delen):
        return "FICTIEF — demogegevens"
    namen = fmt.opsomming([_FICTIEF_DEEL.get(x, x) for x in delen])
    rust = " (75+, 85+, dementie, mantelzorg, toekomst)" if "bevolking" in delen else ""
    return f"FICTIEF: {namen}{rust}"


def fictief_kop(*metas: dict[str, Any]) -> str:
    """The short FICTIEF heading (page header, cover, workbook header) of one or more builds.

    "FICTIEF – demogegevens" when every fictitious build is all demo; "FICTIEF – deels
    demogegevens" when real CBS counts carry a demo part: the heading does not call real
    numbers made up.
    """
    fictief = [m for m in metas if m.get("fictief")]
    return (
        "FICTIEF – demogegevens"
        if all(alles_fictief(m) for m in fictief)
        else "FICTIEF – deels demogegevens"
    )


def fictief_uitleg(meta: dict[str, Any]) -> str:
    """The report's cover note: what is made up, what rests on it, and what is real.

    Real Deventer with a demo age profile said "verzonnen gegevens (bevolking)", as if the
    CBS counts of inwoners and 65-plussers were made up too.
    """
    delen = _fictieve_delen(meta)
    if _alles_fictief(delen):
        return (
            "Dit rapport is gemaakt met verzonnen gegevens. De cijfers laten zien hoe een "
            "Wijkscan eruitziet. Gebruik ze niet voor beleid."
        )
    zinnen = [f"Verzonnen (demo): {fmt.opsomming([_FICTIEF_DEEL.get(x, x) for x in delen])}."]
    if "bevolking" in delen:
        zinnen.append(
            "De leeftijdsopbouw binnen de leeftijdsgroepen van CBS komt van een fictieve "
            f"demogemeente. Daarom zijn ook {_OP_LEEFTIJD} fictief."
        )
    elif "prognose" in delen:
        zinnen.append("Daarom zijn de toekomstcijfers fictief.")
    if "gezondheidsmonitor" in delen:
        zinnen.append("De cijfers over eenzaamheid zijn fictief.")
    if "kwb" not in delen:
        zinnen.append(
            "De buurtcijfers die CBS zelf publiceert, zoals het aantal inwoners en "
            "65-plussers, zijn echt."
        )
    zinnen.append("Gebruik de fictieve cijfers niet voor beleid.")
    return " ".join(zinnen)


def fictief_bij(ind: Indicator, meta: dict[str, Any]) -> str:
    """Per indicator (export 'Toelichting'): is it fictitious, in part or as a whole?

    Returns ``''`` for an indicator with nothing made up in it.
    """
    delen = set(_fictieve_delen(meta))
    if not meta.get("fictief"):
        return ""
    if _alles_fictief(list(delen)):
        return "FICTIEF: demogegevens"
    if ind.thema == "eenzaamheid" and "gezondheidsmonitor" in delen:
        return "FICTIEF: eenzaamheid (demo)"
    if "kwb" in delen and ind.thema != "eenzaamheid":
        return "FICTIEF: buurtcijfers (demo)"
    # RIVM's modelled shares do not rest on the age profile; counts made from it do.
    if "bevolking" in delen and ind.soort == "geschat":
        return "FICTIEF: leeftijdsopbouw (demo)"
    # Future totals come from the forecast alone; everything else about the future also
    # rests on the age profile the forecast is split by.
    toekomst = {"prognose"} if ind.key == "inwoners" else {"bevolking", "prognose"}
    if ind.prognose and delen & toekomst:
        return "basisjaar echt (CBS); toekomstcijfers FICTIEF"
    return ""


#: Why a cell with a reason of this kind (:func:`pipeline.codes.soort_reden`) stays empty.
_UITLEG_REDEN = {
    "geheim": (
        "het CBS houdt dit aantal geheim; een schatting staat er niet waar u een telling van "
        "het CBS verwacht"
    ),
    "op_geheim": (
        "in die buurt zou de schatting alleen het geheime aantal 65-plussers verdelen, ook in "
        "latere jaren"
    ),
    "niet_gepubliceerd": (
        "het CBS publiceert dit cijfer voor deze buurt niet (geheim, onbekend of niet "
        "betrouwbaar genoeg), en wijkscan schat het niet"
    ),
    "weinig_ouderen": "een verhouding over zo weinig mensen zegt niets",
    "afgerond": (
        "een geschat aantal boven 0 dat op 0 zou afronden; er zou „0” staan, en dat "
        "leest als „niemand”"
    ),
}


def uitleg_reden(reden: str) -> str:
    """Why a cell with this reason (``reden_<key>``, :mod:`pipeline.codes`) stays empty."""
    return _UITLEG_REDEN.get(codes.soort_reden(reden), "zie de toelichting bij de cijfers")
