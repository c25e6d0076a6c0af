"""The second edition of the report: what the tables saw, next to what the numbers say.

:func:`context` turns validated session input (:func:`pipeline.ingest.sessie_lezen.lees_sessies`)
and the report's own ranking (:func:`pipeline.present.report.buurt_scores`) into template data for
the chapter "Data en lokale kennis": per buurt the key numbers and the tables' notes, the
proposed proefbuurten, a map, and where numbers and tables disagree.

Disagreement is judged with the report's ranking machinery and nothing else: indicators
without buurt signal are not in it, and a buurt is only called high (or low) when its
*whole* shared place (the range its 90 % intervals allow) lies in the top (or bottom)
third. When the intervals are too wide for that, the section says so instead of guessing.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from pipeline.model.registry import Indicator
from pipeline.present import fmt, klassen, sessie_kaart, texts
from pipeline.present.sessie import SOORTEN

#: Questions for the next round when the chapter finds nothing specific to ask.
VRAAG_NIET_BESPROKEN = "Wat weten partners over {buurten}? Daar is in de sessies niets over gezegd."
VRAAG_HOOG = (
    "{buurt} heeft volgens de cijfers een grote opgave, maar geen tafel noemde de buurt. "
    "Wat zien partners daar, en wie zou er aan tafel moeten zitten?"
)
VRAAG_LAAG = (
    "De tafels maken zich zorgen over {buurt}, maar de cijfers laten daar een kleine opgave zien. "
    "Wat zien de tafels dat de cijfers missen?"
)


def _derde(n: int) -> int:
    return max(1, math.ceil(n / 3))


def oordeel(scores: pd.DataFrame) -> dict[str, str]:
    """Buurt code -> ``'hoog'``, ``'laag'`` or ``'onzeker'`` from the shared places.

    ``'hoog'``: the worst place the intervals allow is still in the top third;
    ``'laag'``: the best place is still in the bottom third. Buurten without a score
    are left out.
    """
    s = scores.dropna(subset=["score"])
    n = len(s)
    out: dict[str, str] = {}
    for _, r in s.iterrows():
        van = r["plaats_van"] if not fmt.is_missing(r.get("plaats_van")) else r["rang"]
        tot = r["plaats_tot"] if not fmt.is_missing(r.get("plaats_tot")) else r["rang"]
        if n >= 3 and int(tot) <= _derde(n):
            out[str(r["code"])] = "hoog"
        elif n >= 3 and int(van) > n - _derde(n):
            out[str(r["code"])] = "laag"
        else:
            out[str(r["code"])] = "onzeker"
    return out


def _cijfers(
    row: pd.Series, registry: dict[str, Indicator], keys: list[str]
) -> list[dict[str, str]]:
    out = []
    for k in keys:
        ind = registry[k]
        lo, hi = row.get(k + klassen.LAAG), row.get(k + klassen.HOOG)
        # A margin that prints as '27–27%' says nothing: left out.
        breed = not fmt.is_missing(lo) and fmt.getal(lo, ind.decimalen) != fmt.getal(
            hi, ind.decimalen
        )
        out.append(
            {
                "label": ind.label,
                "waarde": fmt.waarde(row.get(k), ind, status=fmt.status_van(row, k), marker=True),
                "marge": fmt.marge(lo, hi, ind) if breed else "",
            }
        )
    return out


def context(
    sessies: dict[str, Any],
    indicatoren: pd.DataFrame,
    geo: Any,
    wijken: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    scores: pd.DataFrame,
    uitgesloten: pd.DataFrame,
    gemeente: str,
    weging: dict[str, float],
    figuur_nummer: int,
) -> dict[str, Any]:
    """Template data of the second edition's chapter (pure apart from drawing the map).

    Parameters
    ----------
    sessies
        Validated session input of this gemeente.
    indicatoren
        Published indicator table.
    geo, wijken
        Buurt and wijk polygons as drawn in the report (EPSG:28992).
    registry, meta
        Indicator registry and ``bronnen.json``.
    scores, uitgesloten
        The report's ranking (:func:`pipeline.present.report.buurt_scores`).
    gemeente
        Gemeente name.
    weging
        The weights of the ranking (the indicators shown per buurt).
    figuur_nummer
        Number of the map in the report.

    Returns
    -------
    dict
        ``editie``, ``sessies``, ``buurten``, ``voorstellen``, ``figuur``, ``verschil``.
    """
    from pipeline.present.figuur import to_data_uri
    from pipeline.present.report import plaats_tekst

    j0 = texts.basisjaar(indicatoren)
    b = indicatoren[(indicatoren["niveau"] == "buurt") & (indicatoren["jaar"] == j0)]
    b = b.drop_duplicates("code").set_index("code", drop=False)
    namen = b["naam"].astype(str).to_dict()
    wk = indicatoren[indicatoren["niveau"] == "wijk"].drop_duplicates("code")
    wijknaam = dict(zip(wk["code"].astype(str), wk["naam"].astype(str), strict=True))
    zonder = {k for k in registry if k in indicatoren and not klassen.buurtsignaal(meta, k).signaal}
    keys = [k for k in ("aandeel_65plus", *weging) if k in registry and k in b and k not in zonder]
    keys = list(dict.fromkeys(keys))
    sc = scores.set_index("code", drop=False) if len(scores) else scores
    plaats = {c: plaats_tekst(sc.loc[c])[0] for c in sc.index} if len(sc) else {}
    n_rang = int(scores["score"].notna().sum()) if len(scores) else 0
    sessie_lijst = [
        {
            "nr": i + 1,
            "datum": fmt.datum(s["datum"]),
            "plaats": s.get("plaats") or "",
            "deelnemers": fmt.getal(s["deelnemers"]) if s.get("deelnemers") else "",
            "organisaties": s.get("organisaties") or [],
        }
        for i, s in enumerate(sessies["sessies"])
    ]
    per_buurt: dict[str, list[dict[str, Any]]] = {}
    for r in sessies["inbreng"]:
        per_buurt.setdefault(r["code"], []).append(r)
    buurten = []
    order = sorted(per_buurt, key=lambda c: (wijknaam.get(str(b.at[c, "wijkcode"]), ""), namen[c]))
    for code in order:
        row = b.loc[code]
        buurten.append(
            {
                "code": code,
                "naam": namen[code],
                "wijk": wijknaam.get(str(row["wijkcode"]), ""),
                "plaats": plaats.get(code, ""),
                "n_rang": n_rang,
                "status": fmt.tekst(row.get("status", "")),
                "cijfers": _cijfers(row, registry, keys),
                "inbreng": [
                    {
                        "sessie": sessie_lijst[r["sessie"]]["datum"],
                        "signalen": r["signalen"],
                        "initiatieven": r["initiatieven"],
                        "soort": r["soort"],
                        "zorgen": r["zorgen"],
                        "proefbuurt": r["proefbuurt"],
                        "waarom": r["waarom"],
                        "aan_tafel": r["aan_tafel"],
                    }
                    for r in per_buurt[code]
                ],
            }
        )
    proef = sessie_kaart.proefbuurten(sessies)
    voorstellen = [
        {
            "naam": namen[c],
            "code": c,
            "n": n,
            "plaats": plaats.get(c, ""),
            "redenen": [
                {"sessie": sessie_lijst[r["sessie"]]["datum"], "tekst": r["waarom"]}
                for r in per_buurt[c]
                if r["proefbuurt"] is True
            ],
        }
        for c, n in sorted(proef.items(), key=lambda x: (-x[1], namen[x[0]]))
    ]
    figuur = None
    if len(geo):
        fig, key = sessie_kaart.figuur(geo, wijken, sessies)
        figuur = {
            "nummer": figuur_nummer,
            "id": f"figuur-{figuur_nummer}",
            "src": to_data_uri(fig),
            "alt": sessie_kaart.alt_tekst(gemeente, sessies, namen),
            "bijschrift": "Voorgestelde proefbuurten (omlijnd) en wat er al is (symbolen), "
            f"{fmt.editie_tekst(sessies)}." + (" " + texts.NUMMERS_IN_DE_LIJST if key else ""),
            "soort": "kaart",
            "sleutel": [{"nr": nr, "naam": naam} for nr, naam in key],
        }
    return {
        "editie": fmt.editie_tekst(sessies),
        "sessies": sessie_lijst,
        "buurten": buurten,
        "voorstellen": voorstellen,
        "figuur": figuur,
        "soorten": [s for s in SOORTEN if s in sessie_kaart.soorten_in(sessies)],
        "verschil": verschillen(sessies, scores, uitgesloten, namen, registry, weging, zonder),
    }


def verschillen(
    sessies: dict[str, Any],
    scores: pd.DataFrame,
    uitgesloten: pd.DataFrame,
    namen: dict[str, str],
    registry: dict[str, Indicator],
    weging: dict[str, float],
    zonder: set[str],
) -> dict[str, Any]:
    """Where numbers and tables disagree, and the questions that follows from it.

    Parameters
    ----------
    sessies
        Validated session input.
    scores, uitgesloten
        The report's ranking (shared places from the 90 % intervals).
    namen
        Buurt code -> name.
    registry, weging, zonder
        Registry, weights, and the indicators without buurt signal (not ranked).

    Returns
    -------
    dict
        ``hoog_niet_genoemd`` and ``zorgen_laag`` (lists of ``naam, plaats``),
        ``zorgen_zonder_score`` (names), ``niet_besproken`` (names), ``onzeker`` (True
        when the intervals leave no buurt clearly high or low), ``n``, ``derde``,
        ``indicatoren`` (labels of the ranking), ``weggelaten`` (labels not ranked),
        ``vragen``.
    """
    from pipeline.present.report import plaats_tekst

    genoemd = {r["code"] for r in sessies["inbreng"]}
    zorgen = {r["code"] for r in sessies["inbreng"] if r["zorgen"] or r["proefbuurt"] is True}
    oordelen = oordeel(scores)
    sc = scores.set_index("code", drop=False)
    n = len(oordelen)

    def item(code: str) -> dict[str, str]:
        return {"naam": namen.get(code, code), "plaats": plaats_tekst(sc.loc[code])[0]}

    volgorde = [str(c) for c in scores["code"]]
    hoog = [item(c) for c in volgorde if oordelen.get(c) == "hoog" and c not in genoemd]
    laag = [item(c) for c in volgorde if oordelen.get(c) == "laag" and c in zorgen]
    zonder_score = sorted(
        namen.get(c, c) for c in zorgen if c in set(uitgesloten["code"].astype(str))
    )
    niet_besproken = sorted(namen[c] for c in namen if c not in genoemd)
    vragen = [VRAAG_HOOG.format(buurt=h["naam"]) for h in hoog]
    vragen += [VRAAG_LAAG.format(buurt=x["naam"]) for x in laag]
    if not vragen and niet_besproken:
        vragen.append(VRAAG_NIET_BESPROKEN.format(buurten=fmt.opsomming(niet_besproken)))
    return {
        "hoog_niet_genoemd": hoog,
        "zorgen_laag": laag,
        "zorgen_zonder_score": zonder_score,
        "niet_besproken": niet_besproken,
        "onzeker": n > 0 and all(v == "onzeker" for v in oordelen.values()),
        "n": n,
        "derde": _derde(n) if n else 0,
        "indicatoren": [
            registry[k].label
            for k in weging
            if k in registry and f"rs_{k}" in scores and scores[f"rs_{k}"].notna().any()
        ],
        "weggelaten": [registry[k].label for k in weging if k in registry and k in zonder],
        "vragen": vragen,
    }
