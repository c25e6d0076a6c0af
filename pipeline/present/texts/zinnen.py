"""Generated Dutch sentences shared by the summary and the theme chapters.

Each builder reads the published indicator table and returns a :class:`Bevinding` whose
numbers are :class:`Cijfer` objects from :mod:`pipeline.present.texts.cijfers`; the sentence
is built from the already formatted numbers, so the text can be checked against the table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.model.registry import Indicator
from pipeline.present import fmt, klassen
from pipeline.present.texts.cijfers import (
    Bevinding,
    Cijfer,
    basisjaar,
    cijfer,
    gemeente_code,
    horizonjaren,
    referentie_cijfer,
    verandering,
)


def bevinding(kop: str, template: str, cijfers: list[Cijfer], thema: str, **kw: Any) -> Bevinding:
    """Fill ``{0}``, ``{1}``, ... of ``template`` with the formatted numbers."""
    text = template.format(*(c.tekst for c in cijfers))
    return Bevinding(kop, text, tuple(cijfers), thema, sjabloon=template, **kw)


def buurten_met_cijfer(indicatoren: pd.DataFrame, jaar: int, key: str) -> pd.DataFrame:
    """Buurten of one year with a value for ``key`` and no suppression status."""
    b = indicatoren[(indicatoren["niveau"] == "buurt") & (indicatoren["jaar"] == jaar)]
    b = b[(b["status"].fillna("") == "") & b[key].notna()]
    return b


def niet_te_scheiden(b: pd.DataFrame, key: str, code: str) -> list[str]:
    """Codes of the other buurten in ``b`` whose difference from ``code`` lies inside the intervals.

    A sentence that names "the highest buurt" is a ranking: it may only single a buurt
    out when this list is empty (:func:`pipeline.present.klassen.indistinguishable`).
    """
    lo, hi = klassen.intervallen(b, key)
    v = b[key].to_numpy(dtype=float)
    lo_ = lo.fillna(b[key]).to_numpy(dtype=float)
    hi_ = hi.fillna(b[key]).to_numpy(dtype=float)
    i = int((b["code"].astype(str) == code).to_numpy().nonzero()[0][0])
    bad = klassen.indistinguishable(v, lo_, hi_)[i]
    bad[i] = False
    return [str(c) for c in b["code"].to_numpy()[bad]]


def zeker_apart(b: pd.DataFrame, key: str, code: str) -> bool:
    """True when buurt ``code`` is distinguishable from every other buurt in ``b``."""
    return not niet_te_scheiden(b, key, code)


def _meer_minder(change: Cijfer, meer: str = "meer", minder: str = "minder") -> str:
    if fmt.is_missing(change.waarde):
        return ""
    return meer if change.waarde > 0 else minder


def _met_eenheid(ind: Indicator, jaar: int | None = None) -> str:
    """Label plus, for a ratio, what it counts, and the year if given.

    ``'Mantelzorgpotentieel (50-64-jarigen per 85-plusser, 2024)'``,
    ``'Aandeel 75-plussers (2024)'``.
    """
    extra = [ind.kort] if ind.eenheid == "ratio" else []
    if jaar is not None:
        extra.append(str(jaar))
    return f"{ind.label} ({', '.join(extra)})" if extra else ind.label


def wie_van(ind: Indicator) -> str:
    """Noun phrase of a count indicator from its label: 'Aantal 85-plussers' -> '85-plussers'."""
    label = ind.label
    for prefix in ("Geschat aantal ", "Aantal "):
        if label.startswith(prefix):
            return label[len(prefix) :]
    return fmt.kleine_letter(label)


def veilig(naam: Any) -> str:
    """A region name for use in a ``str.format`` template (braces doubled)."""
    return str(naam).replace("{", "{{").replace("}", "}}")


def nu_en_later(
    indicatoren: pd.DataFrame, registry: dict[str, Indicator], key: str
) -> tuple[int, list[int], Cijfer, Cijfer] | None:
    """The gemeente's figure in the base year and the last horizon year, if both are known.

    Returns
    -------
    tuple or None
        ``(basisjaar, horizonjaren, nu, later)``; None without horizon years or when either
        figure is missing (a missing figure never reads as a change).
    """
    gm, j0, horizon = gemeente_code(indicatoren), basisjaar(indicatoren), horizonjaren(indicatoren)
    if not horizon:
        return None
    a = cijfer(indicatoren, registry, gm, j0, key)
    b = cijfer(indicatoren, registry, gm, horizon[-1], key)
    if fmt.is_missing(a.waarde) or fmt.is_missing(b.waarde):
        return None
    return j0, list(horizon), a, b


def groei_aantal(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    key: str,
    naam: str,
    kop: str,
    wie: str | None = None,
) -> Bevinding | None:
    """Growth of a count at gemeente level from the base year to the last horizon.

    Parameters
    ----------
    indicatoren
        Published indicator table.
    registry
        Indicator registry.
    key
        Count indicator (``aantal_85plus``, ``dementie_aantal``).
    naam
        Gemeente name.
    kop
        Heading of the finding.
    wie
        Noun phrase used in the sentence; default: the registry label without
        its leading "(Geschat) aantal" (``'85-plussers'``, ``'mensen met dementie'``).
    """
    ind = registry[key]
    wie = wie or wie_van(ind)
    paar = nu_en_later(indicatoren, registry, key)
    if paar is None:
        return None
    j0, horizon, a, b = paar
    ch = verandering(a, b)
    schatting = "naar schatting " if ind.soort != "gemeten" else ""
    if fmt.is_missing(ch.waarde) or fmt.afgerond(ch.waarde) == 0:
        template = (
            f"In {j0} wonen in {naam} {schatting}{{0}} {wie}. In {horizon[-1]} zijn dat er naar "
            "verwachting ongeveer evenveel: {1}."
        )
        return bevinding(kop, template, [a, b], ind.thema)
    template = (
        f"In {j0} wonen in {naam} {schatting}{{0}} {wie}. In {horizon[-1]} zijn dat er naar "
        f"verwachting {{1}}. Dat is {{2}} {_meer_minder(ch)}."
    )
    return bevinding(kop, template, [a, b, ch], ind.thema)


def ontwikkeling(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    key: str,
    naam: str,
    kop: str | dict[str, str],
    refs: pd.DataFrame | None = None,
) -> Bevinding | None:
    """A rate at gemeente level now and in the last horizon year (and NL if known).

    ``kop`` is the heading, or a dict with a heading per direction
    (``'stijgt'``, ``'daalt'``, ``'blijft'``).
    """
    ind = registry[key]
    paar = nu_en_later(indicatoren, registry, key)
    if paar is None:
        return None
    j0, horizon, a, b = paar
    if a.tekst == b.tekst:
        richting = "blijft"
    else:
        richting = "stijgt" if b.waarde > a.waarde else "daalt"
    if richting == "blijft":
        template = (
            f"{_met_eenheid(ind)} in {naam}: {{0}} in {j0}. In {horizon[-1]} naar verwachting "
            "ongeveer gelijk: {1}."
        )
    else:
        woord = "stijging" if richting == "stijgt" else "daling"
        template = (
            f"{_met_eenheid(ind)} in {naam}: {{0}} in {j0}. In {horizon[-1]} naar verwachting {{1}}. "
            f"Dat is een {woord}."
        )
    cijfers = [a, b]
    extra = ""
    nl = referentie_cijfer(refs, registry, "nederland", key, j0)
    if nl is not None:
        cijfers.append(nl)
        extra = f" In Nederland is dat {{{len(cijfers) - 1}}} ({nl.peiljaar})."
    if key == "mantelzorgpotentieel" and richting == "daalt":
        extra += " Er zijn dan dus minder mensen die kunnen helpen."
    if isinstance(kop, dict):
        kop = kop.get(richting, ind.label)
    return bevinding(kop, template + extra, cijfers, ind.thema)


def spreiding(
    indicatoren: pd.DataFrame, registry: dict[str, Indicator], key: str, naam: str
) -> Bevinding | None:
    """Where a rate is largest and smallest among the buurten, against the gemeente.

    "Largest" follows the registry ``richting``: for mantelzorgpotentieel a low
    value is the largest task, so the sentence names the lowest buurt first.
    """
    ind = registry[key]
    gm, j0 = gemeente_code(indicatoren), basisjaar(indicatoren)
    b = buurten_met_cijfer(indicatoren, j0, key)
    if len(b) < 2:
        return None
    asc = ind.richting < 0
    b = b.sort_values([key, "naam"], ascending=[asc, True])
    top, bottom = b.iloc[0], b.iloc[-1]
    c_top = cijfer(indicatoren, registry, str(top["code"]), j0, key)
    c_bot = cijfer(indicatoren, registry, str(bottom["code"]), j0, key)
    g = cijfer(indicatoren, registry, gm, j0, key)
    jaar = c_top.peiljaar
    if c_top.tekst == c_bot.tekst:
        template = (
            f"{_met_eenheid(ind, jaar)}: in alle buurten met een cijfer ongeveer even hoog, {{0}}. "
            f"In heel {naam}: {{1}}."
        )
        return bevinding(ind.label, template, [c_top, g], ind.thema)
    hoog, laag = ("laagst", "hoogst") if asc else ("hoogst", "laagst")
    # Say only what the margins leave open: the two ends may well differ from each other
    # while neither is surely the single highest or lowest buurt.
    open_einden = [
        f"de {w}e"
        for w, r in ((hoog, top), (laag, bottom))
        if not zeker_apart(b, key, str(r["code"]))
    ]
    if open_einden:
        template = (
            f"{_met_eenheid(ind, jaar)}: geschat van {{1}} in {veilig(bottom['naam'])} tot {{0}} "
            f"in {veilig(top['naam'])}, maar binnen de marges van de schatting is geen buurt "
            f"zeker {' of '.join(open_einden)}. In heel {naam}: {{2}}."
        )
        return bevinding(ind.label, template, [c_top, c_bot, g], ind.thema)
    template = (
        f"{_met_eenheid(ind, jaar)}: het {hoog} in {veilig(top['naam'])} ({{0}}), het {laag} in "
        f"{veilig(bottom['naam'])} ({{1}}). In heel {naam}: {{2}}."
    )
    return bevinding(ind.label, template, [c_top, c_bot, g], ind.thema)
