"""The regional comparison report: gemeenten side by side, and buurten across the region."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

import pipeline
from pipeline.model.registry import Indicator
from pipeline.present import fmt, klassen, report, sessie_kaart, texts
from pipeline.present.report.sjablonen import rapport_css

#: Indicators in the side-by-side table (base year and last horizon year).
KERN = (
    "inwoners",
    "aandeel_65plus",
    "aantal_85plus",
    "mantelzorgpotentieel",
    "dementie_aantal",
    "eenzaam_pct",
)
#: Of these, the ones also shown for the last horizon year (keeps the table on A4).
KERN_PROGNOSE = ("aantal_85plus", "mantelzorgpotentieel", "dementie_aantal")


def slug(naam: str) -> str:
    """File-system friendly region name: ``'De Liemers & Arnhem'`` -> ``'de_liemers_arnhem'``.

    A leading "Regio" is dropped: the files are already called ``wijkscan_regio_<slug>``.
    """
    s = re.sub(r"[^0-9a-z]+", "_", naam.lower()).strip("_")
    s = re.sub(r"^regio(_|$)", "", s)
    return s or "regio"


def _cell(value: Any, ind: Indicator) -> str:
    if fmt.is_missing(value):
        return fmt.NB
    if ind.eenheid == "%":
        return fmt.procent(value, ind.decimalen)
    return fmt.getal(value, ind.decimalen)


def _volgende_plaats(scores: pd.DataFrame, shown: int, top: int) -> dict[str, Any] | None:
    """The shared place that stopped the list of the ``top`` highest after ``shown`` buurten.

    Parameters
    ----------
    scores
        The ranking (:func:`pipeline.present.report.buurt_scores`), by place.
    shown
        Buurten listed (those surely among the first ``top`` places).
    top
        Length the list was meant to have.

    Returns
    -------
    dict or None
        ``n`` (buurten sharing the place), ``van`` and ``tot`` (the places); None when the
        next ranked buurt lies surely below place ``top`` or there is none.
    """
    rest = scores.iloc[shown:].dropna(subset=["score"])
    if rest.empty:
        return None
    van = rest["plaats_van"].iloc[0]
    if fmt.is_missing(van) or int(van) > top:
        return None
    groep = rest[rest["plaats_van"] == van]
    return {"n": len(groep), "van": int(van), "tot": int(groep["plaats_tot"].iloc[0])}


def _in_het_kort(
    regio_rij: dict[int, pd.Series],
    gemeenten: list[tuple[str, dict[int, pd.Series]]],
    registry: dict[str, Indicator],
    j0: int,
    j1: int,
    topbuurt: dict[str, Any] | None,
    regio_zin: str,
    gedeeld_eerste: int = 0,
) -> list[str]:
    """The title page's summary: a few plain sentences from the region row and the ranking.

    A sentence whose numbers are missing (e.g. no region row, or a source 'geen') is left
    out rather than printed with "n.b." in it.
    """

    def val(rows: dict[int, pd.Series], key: str, jaar: int) -> float | None:
        r = rows.get(jaar)
        v = None if r is None or key not in registry else r.get(key)
        return None if fmt.is_missing(v) else float(v)

    zinnen = []
    # "in de regio Liemers", but a proper name ("Regio Arnhem-Oost") without "de".
    waar = f"de {regio_zin}" if regio_zin.startswith("regio ") else regio_zin
    inw, p65 = val(regio_rij, "inwoners", j0), val(regio_rij, "aandeel_65plus", j0)
    if inw is not None and p65 is not None:
        zinnen.append(
            f"In {j0} wonen in {waar} {fmt.getal(inw)} mensen; {fmt.procent(p65)} van hen is "
            "65 jaar of ouder."
        )
    if j1 != j0:
        a, b = val(regio_rij, "aantal_85plus", j0), val(regio_rij, "aantal_85plus", j1)
        if a is not None and b is not None:
            groei = fmt.pct_verandering(a, b)
            zinnen.append(
                f"Het aantal 85-plussers gaat naar verwachting van {fmt.getal(a)} in {j0} naar "
                f"{fmt.getal(b)} in {j1}"
                + ("." if fmt.is_missing(groei) else f" ({fmt.verandering(groei)}).")
            )
        a, b = (
            val(regio_rij, "mantelzorgpotentieel", j0),
            val(regio_rij, "mantelzorgpotentieel", j1),
        )
        if a is not None and b is not None:
            mz = registry["mantelzorgpotentieel"]
            zinnen.append(
                f"{mz.label} ({mz.kort}): {fmt.ratio(a)} in {j0}, {fmt.ratio(b)} in {j1}."
                + (
                    " Er zijn dan minder potentiële mantelzorgers per zeer oude inwoner."
                    if b < a
                    else ""
                )
            )
        a, b = val(regio_rij, "dementie_aantal", j0), val(regio_rij, "dementie_aantal", j1)
        if a is not None and b is not None:
            zinnen.append(
                f"Geschat aantal mensen met dementie: {fmt.getal(a)} in {j0}, "
                f"{fmt.getal(b)} in {j1}."
            )
    oudste = [(n, v) for n, rows in gemeenten if (v := val(rows, "aandeel_65plus", j0)) is not None]
    if len(oudste) > 1:
        naam, v = max(oudste, key=lambda x: x[1])
        zinnen.append(
            f"Van de gemeenten heeft {naam} het grootste aandeel 65-plussers ({fmt.procent(v)})."
        )
    if topbuurt is not None:
        zinnen.append(
            f"Van alle buurten in de regio heeft {topbuurt['naam']} ({topbuurt['gemeente']}) de "
            "grootste gewogen opgave; de ranglijst staat verderop in dit rapport."
        )
    elif gedeeld_eerste:
        zinnen.append(
            "Geen buurt in de regio heeft zeker de grootste gewogen opgave: binnen de marges "
            f"van de schatting delen {fmt.getal(gedeeld_eerste)} buurten de eerste plaats."
        )
    return zinnen


def build_context(
    tables: list[pd.DataFrame],
    refs: pd.DataFrame | None,
    registry: dict[str, Indicator],
    metas: list[dict[str, Any]],
    naam: str,
    weging: dict[str, float],
    template_dir: Path = report.TEMPLATE_DIR,
    top: int = 20,
    sessies: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Template data for the regional report (pure).

    Parameters
    ----------
    tables
        Published indicator tables of the member gemeenten.
    refs
        Region and NL reference rows (``niveau`` 'regio'/'nederland'), or None.
    registry
        Indicator registry.
    metas
        Provenance of each member gemeente.
    naam
        Region name.
    weging
        Weights of the buurt ranking (same rule as the gemeente report).
    template_dir
        Directory with ``rapport.css`` (inlined).
    top
        Number of buurten in the cross-gemeente overview.
    sessies
        Validated session input of the member gemeenten that have it
        (:func:`pipeline.ingest.sessie_lezen.lees_sessies`); their proposals are shown side by side.

    Returns
    -------
    dict
        Context for ``regio.html.j2``.
    """
    alle = pd.concat(tables, ignore_index=True)
    j0 = int(alle["jaar"].min())
    j1 = int(alle["jaar"].max())
    keys = [k for k in KERN if k in registry]

    def years(k: str) -> list[int]:
        return [j0, j1] if k in KERN_PROGNOSE and j1 != j0 else [j0]

    kolommen = [
        {"label": registry[k].kort, "jaar": j, "soort": registry[k].soort}
        for k in keys
        for j in years(k)
    ]

    def rij(row_by_year: dict[int, pd.Series], kop: str, klasse: str = "") -> dict[str, Any]:
        cellen = []
        for k in keys:
            for j in years(k):
                r = row_by_year.get(j)
                cellen.append(_cell(None if r is None else r.get(k), registry[k]))
        return {"kop": kop, "cellen": cellen, "klasse": klasse}

    rijen = []
    per_gemeente = []
    for t in tables:
        g = t[t["niveau"] == "gemeente"]
        by_year = {int(r["jaar"]): r for _, r in g.iterrows()}
        per_gemeente.append((str(g["naam"].iloc[0]), by_year))
        rijen.append(rij(by_year, str(g["naam"].iloc[0])))
    regio_rij: dict[int, pd.Series] = {}
    for niveau, kop in (("regio", naam), ("nederland", "Nederland")):
        if refs is not None and len(refs[refs["niveau"] == niveau]):
            part = refs[refs["niveau"] == niveau]
            by_year = {int(r["jaar"]): r for _, r in part.iterrows()}
            if niveau == "regio":
                regio_rij = by_year
            rijen.append(rij(by_year, kop, "referentie"))
    # Model-only in any member gemeente: not comparable across the region's buurten.
    zonder = klassen.zonder_signaal(metas, [k for k in weging if k in registry])
    telt = [k for k in weging if k in registry and k not in zonder]
    scores, uitgesloten = report.buurt_scores(alle, registry, weging, j0, zonder_signaal=zonder)
    gm_naam = alle[alle["niveau"] == "gemeente"].drop_duplicates("code").set_index("code")["naam"]
    # Only buurten surely among the first `top` places: cutting the list inside a shared
    # place would rank buurten whose difference lies inside the margins.
    zeker = klassen.zeker_bovenaan(scores, top)
    buurten = []
    for _, r in zeker.iterrows():
        plaats, gedeeld = report.plaats_tekst(r)
        buurten.append(
            {
                "rang": plaats,
                "gedeeld": gedeeld,
                "naam": r["naam"],
                "code": r["code"],
                "gemeente": gm_naam.get(fmt.gemeente_van(r["code"]), r["code"][2:6]),
                "score": fmt.getal(r["score"], 2),
                "score_marge": report.score_marge(r),
                "waarden": [
                    {
                        "tekst": _cell(r[k], registry[k]),
                        "marge": fmt.marge(
                            r.get(k + klassen.LAAG), r.get(k + klassen.HOOG), registry[k]
                        ),
                    }
                    for k in telt
                ],
            }
        )
    volgende = _volgende_plaats(scores, len(zeker), top)
    bronnen = {}
    for m in metas:
        for b in m.get("bronnen", []):
            bronnen[(b["onderwerp"], b["tabel"], b["jaar"], b["type_label"])] = b
    # In a sentence: "regio Liemers", but a name that already says "Regio ..." as is.
    regio_zin = naam if naam.lower().startswith("regio") else f"regio {naam}"
    return {
        "sessies_regio": voorstellen_per_gemeente(metas, sessies, scores),
        "editie": fmt.editie_tekst({"sessies": [x for s in sessies for x in s.get("sessies", [])]}),
        "css": rapport_css(Path(template_dir)),
        "regio": naam,
        "regio_zin": regio_zin,
        "in_het_kort": _in_het_kort(
            regio_rij,
            per_gemeente,
            registry,
            j0,
            j1,
            buurten[0] if buurten and buurten[0]["rang"] == "1" else None,
            regio_zin,
            gedeeld_eerste=volgende["n"] if not buurten and volgende else 0,
        ),
        "gemeenten": [m["gemeentenaam"] for m in metas],
        "fictief": any(m.get("fictief") for m in metas),
        "fictief_kop": texts.fictief_kop(*metas),
        "basisjaar": j0,
        "laatste_jaar": j1,
        "kolommen": kolommen,
        "rijen": rijen,
        "weging": [
            {
                "label": registry[k].label,
                # Rank scores only use indicators with numbers (e.g. loneliness with source
                # 'geen' has none): say so instead of showing a weight that does nothing.
                "gewicht": f"{fmt.getal(w, 1)} (telt niet mee: geen verschillen per buurt bekend)"
                if k in zonder
                else fmt.getal(w, 1)
                if f"rs_{k}" in scores and scores[f"rs_{k}"].notna().any()
                else f"{fmt.getal(w, 1)} (telt niet mee: geen cijfers)",
            }
            for k, w in weging.items()
            if k in registry
        ],
        "weggelaten": [
            {
                "label": registry[k].label,
                "uitleg": next(
                    (u for m in metas if (u := klassen.buurtsignaal(m, k).uitleg)),
                    texts.UITLEG_STANDAARD,
                ),
            }
            for k in zonder
        ],
        "gedeeld": any(b["gedeeld"] for b in buurten),
        "top": top,
        "volgende": volgende,
        "weging_koppen": [registry[k].kort for k in telt],
        "buurten": buurten,
        "n_buurten": int(len(scores)),
        "n_uitgesloten": int(len(uitgesloten)),
        "bronnen": list(bronnen.values()),
        "versie": pipeline.__version__,
        "gebouwd": fmt.datum(dt.date.today().isoformat()),
        "nb": fmt.NB,
    }


def voorstellen_per_gemeente(
    metas: list[dict[str, Any]], sessies: Sequence[dict[str, Any]], scores: pd.DataFrame
) -> list[dict[str, Any]]:
    """Per member gemeente what its sessions proposed, for the side-by-side table.

    Parameters
    ----------
    metas
        Provenance of each member gemeente (order of the report).
    sessies
        Session input of the gemeenten that have it.
    scores
        The regional ranking (:func:`pipeline.present.report.buurt_scores` over all buurten).

    Returns
    -------
    list of dict
        ``[]`` without any session input; else one entry per gemeente: ``naam``,
        ``datums``, ``voorstellen`` (``naam, plaats, redenen``), ``initiatieven`` (count per
        kind) and ``n_buurten_besproken``.
    """
    if not sessies:
        return []
    per_gm = {s["gemeente"]: s for s in sessies}
    sc = scores.set_index("code", drop=False)
    out = []
    for m in metas:
        s = per_gm.get(m.get("gemeente"))
        entry: dict[str, Any] = {"naam": m.get("gemeentenaam", m.get("gemeente", "")), "datums": ""}
        entry |= {"voorstellen": [], "initiatieven": [], "n_buurten_besproken": 0}
        if s:
            namen = {r["code"]: r["naam"] for r in s["inbreng"]}
            entry["datums"] = fmt.opsomming(
                fmt.datum(d) for d in sorted({x["datum"] for x in s["sessies"]})
            )
            for code, n in sorted(sessie_kaart.proefbuurten(s).items(), key=lambda x: namen[x[0]]):
                entry["voorstellen"].append(
                    {
                        "naam": namen[code],
                        "n": n,
                        "plaats": report.plaats_tekst(sc.loc[code])[0] if code in sc.index else "",
                        "redenen": [
                            r["waarom"]
                            for r in s["inbreng"]
                            if r["code"] == code and r["proefbuurt"] is True and r["waarom"]
                        ],
                    }
                )
            telling: dict[str, int] = {}
            for kinds in sessie_kaart.initiatieven(s).values():
                for k in kinds:
                    telling[k] = telling.get(k, 0) + 1
            entry["initiatieven"] = [f"{k}: {n}" for k, n in telling.items()]
            entry["n_buurten_besproken"] = len(namen)
        out.append(entry)
    return out


def render_html(context: dict[str, Any], template_dir: Path) -> str:
    """Render the regional report (autoescape, StrictUndefined)."""
    html = report.make_environment(template_dir).get_template("regio.html.j2").render(**context)
    return report.houd_samen(html)  # "85-plussers" never breaks at its hyphen here either
