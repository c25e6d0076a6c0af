"""The generated sentences of the theme chapters (see :data:`THEMA_TEKSTEN`)."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from pipeline.model.registry import Indicator
from pipeline.present import fmt
from pipeline.present.texts.cijfers import Bevinding, basisjaar, cijfer
from pipeline.present.texts.zinnen import (
    bevinding,
    buurten_met_cijfer,
    groei_aantal,
    niet_te_scheiden,
    ontwikkeling,
    spreiding,
    veilig,
    wie_van,
)


def meeste(
    indicatoren: pd.DataFrame, registry: dict[str, Indicator], key: str, wie: str | None = None
) -> Bevinding | None:
    """The buurt with the largest count (e.g. most people with dementia)."""
    ind = registry[key]
    wie = wie or wie_van(ind)
    j0 = basisjaar(indicatoren)
    b = buurten_met_cijfer(indicatoren, j0, key)
    if len(b) < 2:
        return None
    order = b.sort_values([key, "naam"], ascending=[False, True])
    top = order.iloc[0]
    c = cijfer(indicatoren, registry, str(top["code"]), j0, key)
    schatting = "naar schatting " if ind.soort != "gemeten" else ""
    naast = niet_te_scheiden(b, key, str(top["code"]))
    if not naast:
        template = f"De meeste {wie} wonen in {veilig(top['naam'])}: {schatting}{{0}} ({j0})."
        return bevinding(ind.label, template, [c], ind.thema)
    # Buurten inside each other's margins share the first place: name them all (a few)
    # or none, never one of them as "the" buurt with the most.
    kandidaten = order[order["code"].astype(str).isin([str(top["code"]), *naast])]
    if len(kandidaten) <= MAX_GEDEELD_GENOEMD:
        cs = [
            cijfer(indicatoren, registry, str(r["code"]), j0, key) for _, r in kandidaten.iterrows()
        ]
        namen = fmt.opsomming(
            [f"{veilig(r['naam'])} ({{{i}}})" for i, (_, r) in enumerate(kandidaten.iterrows())],
            "of",
        )
        template = (
            f"De meeste {wie} wonen {schatting}in {namen} ({j0}); binnen de marges van de "
            "schatting is niet te zeggen in welke van deze buurten."
        )
        return bevinding(ind.label, template, cs, ind.thema)
    # More than a few: name none, and print no number a reader would pin on one buurt.
    template = (
        f"Binnen de marges van de schatting is niet te zeggen in welke buurt de meeste {wie} "
        f"wonen: de schattingen van veel buurten liggen binnen elkaars marges ({j0})."
    )
    return bevinding(ind.label, template, [], ind.thema, grond=(c,))


#: At most this many buurten that share the first place are named in a sentence.
MAX_GEDEELD_GENOEMD = 3


THEMA_TEKSTEN: dict[str, tuple[tuple[str, ...], ...]] = {
    "vergrijzing": (
        ("groei", "aantal_75plus"),
        ("spreiding", "aandeel_65plus"),
        ("spreiding", "aandeel_75plus"),
        ("ontwikkeling", "dubbele_vergrijzing"),
    ),
    "mantelzorg": (("ontwikkeling", "mantelzorgpotentieel"), ("spreiding", "mantelzorgpotentieel")),
    "dementie": (
        ("groei", "dementie_aantal"),
        ("meeste", "dementie_aantal"),
        ("spreiding", "dementie_per_100_65plus"),
    ),
    "eenzaamheid": (("spreiding", "eenzaam_pct"), ("spreiding", "ernstig_eenzaam_pct")),
    "wonen": (
        ("spreiding", "aandeel_eenpersoonshuishoudens"),
        ("spreiding", "afstand_huisarts"),
    ),
}
"""Which generated sentences each theme chapter gets (kind, key, [noun])."""


def thema_bevindingen(
    thema: str,
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    naam: str,
    refs: pd.DataFrame | None = None,
    zonder_signaal: Collection[str] = (),
) -> list[Bevinding]:
    """The generated sentences of one theme chapter (see :data:`THEMA_TEKSTEN`).

    Sentences that compare buurten (``spreiding``, ``meeste``) are left out for the
    indicators in ``zonder_signaal``: their buurt differences come only from the model.
    """
    out: list[Bevinding | None] = []
    for spec in THEMA_TEKSTEN.get(thema, ()):
        kind, key = spec[0], spec[1]
        if key not in registry or key not in indicatoren:
            continue
        if kind in ("spreiding", "meeste") and key in zonder_signaal:
            continue
        if kind == "groei":
            out.append(groei_aantal(indicatoren, registry, key, naam, registry[key].label))
        elif kind == "ontwikkeling":
            out.append(ontwikkeling(indicatoren, registry, key, naam, registry[key].label, refs))
        elif kind == "spreiding":
            out.append(spreiding(indicatoren, registry, key, naam))
        elif kind == "meeste":
            out.append(meeste(indicatoren, registry, key))
    return [b for b in out if b is not None]
