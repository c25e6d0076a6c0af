"""The generated sentences of the theme chapters (see :data:`THEMA_TEKSTEN`)."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from pipeline.model.registry import Indicator
from pipeline.present.texts.cijfers import Bevinding, basisjaar, cijfer
from pipeline.present.texts.zinnen import (
    bevinding,
    buurten_met_cijfer,
    groei_aantal,
    ontwikkeling,
    spreiding,
    veilig,
    wie_van,
    zeker_apart,
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
    top = b.sort_values([key, "naam"], ascending=[False, True]).iloc[0]
    c = cijfer(indicatoren, registry, str(top["code"]), j0, key)
    schatting = "naar schatting " if ind.soort != "gemeten" else ""
    template = f"De meeste {wie} wonen in {veilig(top['naam'])}: {schatting}{{0}} ({j0})."
    if not zeker_apart(b, key, str(top["code"])):
        template = (
            f"De meeste {wie} wonen naar schatting in {veilig(top['naam'])} ({{0}}, {j0}), maar "
            "andere buurten liggen binnen de marge van de schatting."
        )
    return bevinding(ind.label, template, [c], ind.thema)


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
