"""The chapter "Verantwoording": definitions, sources, licences and estimation notes."""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline import codes
from pipeline.model.estimate_inputs import KWB_BANDS
from pipeline.model.registry import THEMAS, Indicator
from pipeline.present import fmt, klassen, texts


def verantwoording(
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    cfg: dict[str, Any],
    intervallen: bool = False,
    indicatoren: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Context of the chapter: definitions, sources, estimation and privacy notes.

    ``indicatoren`` (the published table) lets the privacy notes name the reasons for
    empty cells that occur in this gemeente (:func:`lege_cellen`).
    """
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
    # Real KWB extracts may hold only some of the five age groups (the national 2024
    # extract: 0-14 and 65+); the text then says so instead of claiming all five fit.
    groepen = meta.get("kwb_leeftijdsgroepen")
    ontbreken = groepen is not None and len(groepen) < len(KWB_BANDS)
    return {
        "kwb_groepen": fmt.opsomming(
            [_band_tekst(van, tot) for n, van, tot in KWB_BANDS if n in (groepen or [])]
        )
        if ontbreken
        else "",
        "definities": definities,
        "prognose_aangesloten": bool(meta.get("prognose_aansluiting")),
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
        "lege_cellen": lege_cellen(indicatoren, registry) if indicatoren is not None else [],
    }


def lege_cellen(indicatoren: pd.DataFrame, registry: dict[str, Indicator]) -> list[dict[str, Any]]:
    """The reasons of empty cells in this table, each with its indicators and why.

    Parameters
    ----------
    indicatoren
        Published indicator table with ``reden_<key>`` columns.
    registry
        Indicator registry (labels).

    Returns
    -------
    list of dict
        ``{'reden', 'labels', 'uitleg'}`` per reason that occurs, in order of first
        indicator.
    """
    per_reden: dict[str, list[str]] = {}
    for key, ind in registry.items():
        kolom = codes.reden_kolom(key)
        if kolom not in indicatoren:
            continue
        for reden in dict.fromkeys(indicatoren[kolom].map(fmt.tekst)):
            if reden:
                per_reden.setdefault(reden, []).append(ind.label)
    return [
        {"reden": r, "labels": labels, "uitleg": texts.uitleg_reden(r)}
        for r, labels in per_reden.items()
    ]


def _band_tekst(van: int, tot: int | None) -> str:
    """``(0, 14)`` -> ``'0–14'``, ``(65, None)`` -> ``'65 jaar en ouder'``."""
    return f"{van} jaar en ouder" if tot is None else f"{van}–{tot}"
