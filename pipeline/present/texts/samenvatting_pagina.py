"""The findings of the summary page: growth, loneliness, where to start, caveats."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from pipeline.model.registry import Indicator
from pipeline.present import fmt, klassen
from pipeline.present.texts.cijfers import Bevinding, Cijfer, basisjaar, cijfer, gemeente_code
from pipeline.present.texts.zinnen import (
    bevinding,
    buurten_met_cijfer,
    groei_aantal,
    ontwikkeling,
    spreiding,
    veilig,
)

# A buurt with this many times the gemeente share of 75-plussers (and at least
# the minimum share) most likely houses a care institution.
_INSTELLING_FACTOR = 3.0
_INSTELLING_MIN_PCT = 25.0


def eenzaamheid(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    naam: str,
    zonder_signaal: Collection[str] = (),
) -> Bevinding | None:
    """Share and number of lonely adults in the gemeente, and the highest buurt.

    The highest buurt is not named when ``eenzaam_pct`` is in ``zonder_signaal`` (its
    buurt differences come only from the model).
    """
    gm, j0 = gemeente_code(indicatoren), basisjaar(indicatoren)
    pct = cijfer(indicatoren, registry, gm, j0, "eenzaam_pct")
    if fmt.is_missing(pct.waarde):
        return None
    cijfers = [pct]
    template = (
        f"In {naam} voelt {{0}} van de volwassenen zich eenzaam ({pct.peiljaar}, modelschatting)."
    )
    n = cijfer(indicatoren, registry, gm, j0, "eenzaam_aantal")
    if not fmt.is_missing(n.waarde):
        cijfers.append(n)
        template += f" Dat zijn ongeveer {{{len(cijfers) - 1}}} mensen."
    b = buurten_met_cijfer(indicatoren, j0, "eenzaam_pct")
    if len(b) > 1 and "eenzaam_pct" not in zonder_signaal:
        top = b.sort_values(["eenzaam_pct", "naam"], ascending=[False, True]).iloc[0]
        c = cijfer(indicatoren, registry, str(top["code"]), j0, "eenzaam_pct")
        cijfers.append(c)
        template += f" Het hoogst is het in {veilig(top['naam'])}: {{{len(cijfers) - 1}}}."
    return bevinding("Eenzaamheid", template, cijfers, "eenzaamheid")


def grootste_opgave(
    scores: pd.DataFrame,
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    n: int = 3,
) -> Bevinding | None:
    """The buurten with the highest weighted rank score, with what stands out there.

    Parameters
    ----------
    scores
        Output of :func:`pipeline.present.report.rangorde.buurt_scores` (sorted, ``rs_<key>``
        rank-score columns, ``score``).
    indicatoren
        Published indicator table.
    registry
        Indicator registry.
    n
        Number of buurten named.
    """
    if scores is None or scores.empty or len(scores) < 2:
        return None
    j0 = basisjaar(indicatoren)
    keys = [c[3:] for c in scores.columns if c.startswith("rs_")]
    top = klassen.zeker_bovenaan(scores, n)
    if top.empty:
        gm = gemeente_code(indicatoren)
        # Every buurt near the top shares its place: naming "the highest" would be a ranking
        # the margins do not carry.
        gedeeld = int((pd.to_numeric(scores["plaats_van"], errors="coerce") == 1).sum())
        return bevinding(
            "Waar beginnen?",
            f"In 'Buurten in beeld' is geen buurt zeker de hoogste ({j0}): binnen de marges "
            f"van de schatting delen {gedeeld} buurten de eerste plaats. De cijfers wijzen "
            "dus geen buurt aan om mee te beginnen; dat kiest het gesprek, met wat de "
            "partners van de buurten weten.",
            [],
            "vergrijzing",
            extra={"codes": []},
            # The statement prints no indicator value but rests on the weighted ones: they
            # give the card its year and sources.
            grond=tuple(
                cijfer(indicatoren, registry, gm, j0, k)
                for k in keys
                if scores[f"rs_{k}"].notna().any()  # a weight without data has no source here
            ),
        )
    namen: list[str] = []
    delen: list[str] = []
    cijfers: list[Cijfer] = []
    for _, r in top.iterrows():
        rs = {k: r[f"rs_{k}"] for k in keys if not fmt.is_missing(r[f"rs_{k}"])}
        if not rs:
            continue
        # the indicator where this buurt ranks highest (ties: registry order)
        best = max(rs, key=lambda k: (rs[k], -keys.index(k)))
        c = cijfer(indicatoren, registry, str(r["code"]), j0, best)
        cijfers.append(c)
        namen.append(veilig(r["naam"]))
        delen.append(
            f"{veilig(r['naam'])}: {fmt.kleine_letter(registry[best].label)} {{{len(cijfers) - 1}}}"
        )
    if not cijfers:
        return None
    template = (
        f"De hoogste totaalscore in 'Buurten in beeld' {'heeft' if len(namen) == 1 else 'hebben'} "
        f"{fmt.opsomming(namen)} ({j0}). "
        f"Daar komen meerdere opgaven samen. Wat per buurt het meest opvalt: {'; '.join(delen)}."
    )
    return bevinding(
        "Waar beginnen?",
        template,
        cijfers,
        "vergrijzing",
        extra={"codes": list(top["code"])},
    )


def instellingen(indicatoren: pd.DataFrame, registry: dict[str, Indicator]) -> list[Bevinding]:
    """Caveats for buurten that most likely house a care institution.

    A buurt whose share of 75-plussers is at least three times the gemeente share
    (and at least 25%) probably has a nursing home or care complex. Its numbers
    describe the institution more than the neighbourhood.
    """
    gm, j0 = gemeente_code(indicatoren), basisjaar(indicatoren)
    g = cijfer(indicatoren, registry, gm, j0, "aandeel_75plus")
    if fmt.is_missing(g.waarde):
        return []
    grens = max(_INSTELLING_FACTOR * g.waarde, _INSTELLING_MIN_PCT)
    b = buurten_met_cijfer(indicatoren, j0, "aandeel_75plus")
    b = b[b["aandeel_75plus"] >= grens].sort_values("aandeel_75plus", ascending=False)
    ind = registry["aandeel_75plus"]
    schatting = "naar schatting " if fmt.teken(ind) else ""
    # The 75+ share of a buurt is estimated from its published 65+ count: the counted 65+
    # share is what the caveat really rests on, so it is printed beside it.
    g65 = cijfer(indicatoren, registry, gm, j0, "aandeel_65plus")
    out = []
    for _, r in b.iterrows():
        c = cijfer(indicatoren, registry, str(r["code"]), j0, "aandeel_75plus")
        c65 = cijfer(indicatoren, registry, str(r["code"]), j0, "aandeel_65plus")
        cijfers = [c, g]
        template = (
            f"{ind.label} in {veilig(r['naam'])}: {schatting}{{0}} ({j0}). In de hele "
            "gemeente is dat {1}."
        )
        if not (fmt.is_missing(c65.waarde) or fmt.is_missing(g65.waarde)):
            cijfers += [c65, g65]
            template += (
                " Het aandeel 65-plussers, door CBS geteld, is er {2}, tegen {3} in de hele "
                "gemeente."
            )
        template += (
            " Mogelijk staat hier een verpleeghuis of zorgcomplex; de gemeente weet of dat zo "
            "is. De cijfers van deze buurt gaan dan vooral over de bewoners van die instelling. "
            "Vergelijk deze buurt daarom niet zomaar met andere buurten."
        )
        out.append(
            bevinding(f"Let op: {r['naam']}", template, cijfers, "vergrijzing", soort="let_op")
        )
    return out


def samenvatting(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    naam: str,
    scores: pd.DataFrame | None = None,
    refs: pd.DataFrame | None = None,
    zonder_signaal: Collection[str] = (),
) -> list[Bevinding]:
    """The key findings for the summary page (4 to 6, plus caveats).

    Parameters
    ----------
    indicatoren
        Published indicator table of one gemeente.
    registry
        Indicator registry.
    naam
        Gemeente name (used in the sentences).
    scores
        Buurt rank scores (:func:`pipeline.present.report.rangorde.buurt_scores`), for the
        "where to start" finding.
    refs
        Optional region/NL reference rows.
    zonder_signaal
        Indicators without buurt signal: no finding names a buurt as highest or
        lowest for them.

    Returns
    -------
    list of Bevinding
        Findings (``soort == 'bevinding'``) followed by caveats (``'let_op'``).
    """
    kandidaten = [
        groei_aantal(indicatoren, registry, "aantal_85plus", naam, "Meer 85-plussers"),
        ontwikkeling(
            indicatoren,
            registry,
            "aandeel_65plus",
            naam,
            {"stijgt": "Meer ouderen", "daalt": "Minder ouderen"},
            refs,
        ),
        ontwikkeling(
            indicatoren,
            registry,
            "mantelzorgpotentieel",
            naam,
            {"daalt": "Minder mantelzorgers per oudere", "stijgt": "Meer mantelzorgers per oudere"},
            refs,
        ),
        groei_aantal(indicatoren, registry, "dementie_aantal", naam, "Meer mensen met dementie"),
        eenzaamheid(indicatoren, registry, naam, zonder_signaal),
        grootste_opgave(scores, indicatoren, registry) if scores is not None else None,
    ]
    found = [b for b in kandidaten if b is not None]
    # Without projections (base year only) the growth findings drop out: fill up
    # with where the buurten differ most, so the summary still has four findings.
    for key in ("aandeel_75plus", "mantelzorgpotentieel", "dementie_per_100_65plus"):
        if len(found) >= 4:
            break
        if key in registry and key in indicatoren and key not in zonder_signaal:
            extra = spreiding(indicatoren, registry, key, naam)
            if extra is not None:
                found.insert(len(found) - 1 if scores is not None else len(found), extra)
    return found[:6] + instellingen(indicatoren, registry)
