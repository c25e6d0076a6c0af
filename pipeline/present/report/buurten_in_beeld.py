"""The chapter "Buurten in beeld": the weighted ranking as a heat table and small maps."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline import codes
from pipeline.model.registry import Indicator
from pipeline.present import fmt, kaartgegevens, kaartklassen, kaartlegenda, klassen, texts
from pipeline.present.figuur import to_data_uri
from pipeline.present.kaartfiguren import small_multiples
from pipeline.present.report import figuren, tabellen
from pipeline.present.report.rangorde import plaats_tekst, score_marge

# Heat-table classes of the rank score (0-1), darkest = largest task.
_HEAT_EDGES = (0.2, 0.4, 0.6, 0.8)


#: Why a buurt with this status has no score (completes "Daar ...").
_WAAROM_UITGESLOTEN = {
    codes.STATUS_TE_WEINIG: "wonen te weinig mensen voor betrouwbare percentages",
    codes.STATUS_GEEN_GEGEVENS: "is geen cijfer",
}


def _heat(scores: pd.DataFrame, col: str, lo: str, hi: str) -> np.ndarray:
    """Heat class per row, ``-1`` (no colour) where the range crosses a colour boundary."""
    return klassen.zekere_klassen(scores[col], scores[lo], scores[hi], _HEAT_EDGES)


def buurten_in_beeld(
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
    """The ranking chapter. ``zonder``: views
    (:func:`pipeline.present.report.context._zonder_signaal`) of weighted or other
    indicators without buurt signal; a weighted one is listed with its weight and the
    reason it does not count, and the shares are taken over the rest."""
    zonder = zonder or {}
    weging = cfg["weging"]
    keys = [k for k in weging if k not in zonder]
    weggelaten = [k for k in weging if k in zonder]
    # A weighted indicator without a single buurt figure (e.g. loneliness not loaded) would
    # keep its share in the table while counting nowhere: left out and said so instead.
    leeg = [k for k in keys if k not in scores or scores[k].isna().all()]
    keys = [k for k in keys if k not in leeg]
    totaal_w = sum(weging[k] for k in keys)
    colours = kaartklassen.palette(len(_HEAT_EDGES) + 1, 1)
    legenda = [
        {
            "kleur": colours[i],
            "tekst": f"{fmt.getal(lo, 1)} – {fmt.getal(hi, 1)}",
            "donker": i >= 3,
        }
        for i, (lo, hi) in enumerate(zip((0.0, *_HEAT_EDGES), (*_HEAT_EDGES, 1.0), strict=True))
    ]
    # A colour says in which fifth of the ranking a buurt lies; where the margins let a
    # buurt lie in more than one fifth, the cell stays white (klassen.zekere_klassen).
    heat = {k: _heat(scores, f"rs_{k}", f"rsmin_{k}", f"rsmax_{k}") for k in keys}
    heat_totaal = _heat(scores, "score", "score_min", "score_max")
    rijen = []
    vorige = None
    for i, (_, r) in enumerate(scores.iterrows()):
        cellen = []
        for k in keys:
            rs = r[f"rs_{k}"]
            cel = tabellen.cel(r[k], registry[k], status=fmt.status_van(r, k), marker=False)
            marge = fmt.marge(r.get(k + klassen.LAAG), r.get(k + klassen.HOOG), registry[k])
            cel["marge"] = marge
            h = int(heat[k][i])
            cel |= {
                "score": "" if fmt.is_missing(rs) else fmt.getal(rs, 2),
                "kleur": colours[h] if h >= 0 else "",
                "donker": h >= 3,
            }
            cellen.append(cel)
        totaal = r["score"]
        h = int(heat_totaal[i])
        bereik = score_marge(r)
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
                "bereik": bereik,
                "kleur": colours[h] if h >= 0 else "",
                "donker": h >= 3,
                "volledig": int(r["n_indicatoren"]) == len(keys),
                "n": int(r["n_indicatoren"]),
            }
        )
        vorige = plaats
    names = tabellen.naam_map(indicatoren)
    figuur = None
    if keys and len(buurten):
        waarden = [kaartgegevens.buurt_values(indicatoren, k, j0) for k in keys]
        panels = [(registry[k], v) for k, (v, _) in zip(keys, waarden, strict=True)]
        intervals = [kaartgegevens.buurt_intervals(indicatoren, k, j0) for k in keys]
        fig, results = small_multiples(
            buurten, panels, status=[st for _, st in waarden], wijken=wijken, intervals=intervals
        )
        for res, (ind, _vals) in zip(results, panels, strict=True):
            figuren.relabel_nodata(res)
            if res.legend is not None:
                res.legend.set_title(
                    "\n".join(kaartlegenda.legend_title(ind).split("\n")[1:]) or None
                )
        teller[0] += 1
        alt_parts = []
        for res, (ind, vals) in zip(results, panels, strict=True):
            donker = (
                ""
                if res.neutraal
                else figuren.donkerste_klasse(vals, names, ind, res.classification)
            )
            # Without classes the panel's own legend says why (model-only, or one colour).
            waarom = " ".join(res.neutraal.split()) if res.neutraal else "geen klassen"
            alt_parts.append(f"{ind.label}: {fmt.kleine_letter(donker) if donker else waarom}")
        figuur = {
            "nummer": teller[0],
            "id": f"figuur-{teller[0]}",
            "src": to_data_uri(fig),
            "alt": (
                f"{len(panels)} kleine kaarten van {gemeente} naast elkaar, één per gewogen "
                f"indicator ({j0}); donker is telkens de grootste opgave. "
                + "; ".join(alt_parts)
                + "."
            ),
            "bijschrift": f"De gewogen indicatoren per buurt, {j0}."
            + (
                # No panel with classes: neither a dark end nor "between classes" to explain.
                " Geen van de kaarten heeft klassen; de legenda bij elke kaart zegt waarom."
                if all(r.neutraal for r in results)
                else " Donker = grootste opgave."
                + (
                    f" {texts.MARGES_UITLEG}"
                    if any(r.classification.marges and not r.neutraal for r in results)
                    else ""
                )
            ),
            "soort": "kaarten",
        }
    # The worksheet lists only buurten surely among the three highest (as the summary does);
    # when the margins tie them, the table fills in its own rows.
    top = klassen.zeker_bovenaan(scores, 3)
    gedeeld = any(r["gedeeld"] for r in rijen)
    # Every buurt shares the first place: there is no order to show, and a table of
    # dozens of rows "1-66 gedeeld" would look precise while saying nothing (real
    # Deventer: five pages). The numbers per buurt stay in the appendix.
    alle_gedeeld = len(rijen) > 1 and not any(r["grens"] for r in rijen)
    marges = any(c["marge"] for r in rijen for c in r["cellen"])
    return {
        "weging": [
            {
                "kop": tabellen.kop(registry[k]),
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
        "niet_ingelezen": [
            {
                "label": registry[k].label,
                "gewicht": fmt.getal(weging[k], 0 if float(weging[k]).is_integer() else 1),
            }
            for k in leeg
        ],
        # Not weighted and without a theme chapter of its own: explained here.
        "zonder_overig": [
            v
            for k, v in zonder.items()
            if k not in weging and registry[k].thema not in figuren.HOOFDSTUKKEN
        ],
        "kolommen": [tabellen.kop(registry[k]) for k in keys],
        "rijen": rijen,
        "legenda": legenda,
        "figuur": figuur,
        "uitgesloten": [
            {"naam": r["naam"], "status": r["status"]} for _, r in uitgesloten.iterrows()
        ],
        # De Scheg has no data at all: "daar wonen te weinig mensen" would be wrong there.
        "uitgesloten_waarom": " of ".join(
            _WAAROM_UITGESLOTEN.get(st, "is geen cijfer")
            for st in dict.fromkeys(uitgesloten["status"].map(fmt.tekst))
        ),
        "onvolledig": any(not r["volledig"] for r in rijen),
        "gedeeld": gedeeld,
        "alle_gedeeld": alle_gedeeld,
        "marges": marges,
        # A score without a colour: its margins cross a colour boundary.
        "wit": any(
            bool(((h < 0) & scores[col].notna().to_numpy()).any())
            for h, col in [(heat[k], f"rs_{k}") for k in keys] + [(heat_totaal, "score")]
        ),
        "top": [str(n) for n in top["naam"]],
        "jaar": j0,
        "n_indicatoren": len(keys),
    }
