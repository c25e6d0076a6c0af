"""The tables of the report: cells and headers, theme tables, appendix, dementia range.

Every number is a cell of the indicator table, formatted by :mod:`pipeline.present.fmt`;
every label and unit comes from the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline.model.intervals import HOOG, LAAG
from pipeline.model.registry import THEMAS, Indicator
from pipeline.present import fmt, texts


def cel(
    value: Any,
    ind: Indicator,
    *,
    status: str = "",
    projectie: bool = False,
    marker: bool = True,
    eenheid: bool = False,
) -> dict[str, Any]:
    """A table cell: printed text plus a CSS class for missing/suppressed values."""
    text = fmt.waarde(
        value, ind, status=status, marker=marker, projectie=projectie, eenheid=eenheid
    )
    klasse = "getal"
    if fmt.is_missing(value):
        klasse = "leeg" if not status else "leeg onderdrukt"
    return {"tekst": text, "klasse": klasse}


def _eenheid_kop(ind: Indicator) -> str:
    """Unit note for a column header ('' when the label says it already)."""
    if ind.eenheid == "%":
        return "%"
    if ind.eenheid == "km":
        return "km"
    if ind.eenheid == "ratio":
        return ind.kort
    return ""


def kop(ind: Indicator, projectie: bool = False) -> dict[str, str]:
    """Column/row header of an indicator: label, unit note and estimate marker."""
    return {
        "label": ind.label,
        "kort": ind.kort,
        "eenheid": _eenheid_kop(ind),
        "teken": fmt.teken(ind, projectie),
        "key": ind.key,
    }


def naam_map(indicatoren: pd.DataFrame) -> pd.Series:
    """Buurt code -> name (unique within the gemeente once :func:`unieke_namen` ran)."""
    b = indicatoren[indicatoren["niveau"] == "buurt"].drop_duplicates("code")
    return b.set_index("code")["naam"].astype(str)


def unieke_namen(indicatoren: pd.DataFrame) -> pd.DataFrame:
    """The table with every buurt name unique within the gemeente.

    Two buurten of one gemeente can share a name (24 gemeenten in 2024, e.g. two
    'Verspreide huizen' in GM0047). Those get their code behind the name, so a reader can
    tell them apart in every sentence, table and bar of the report (and the bars, indexed
    by name, stay unique). Other tables are returned as they are.

    Parameters
    ----------
    indicatoren
        Published indicator table of one gemeente.

    Returns
    -------
    pandas.DataFrame
        The same rows; only ``naam`` of buurten whose name occurs twice differs.
    """
    namen = naam_map(indicatoren)
    dubbel = set(namen.index[namen.duplicated(keep=False)])
    if not dubbel:
        return indicatoren
    out = indicatoren.copy()
    rows = (out["niveau"] == "buurt") & out["code"].isin(dubbel)
    out.loc[rows, "naam"] = out.loc[rows, "naam"].astype(str) + " (" + out.loc[rows, "code"] + ")"
    return out


def ref_veld(refs: pd.DataFrame | None, niveau: str, kolom: str, default: str = "") -> str:
    """A text field (``naam``, ``reden``) of the reference row of ``niveau``, else ``default``."""
    if refs is None or kolom not in refs or "niveau" not in refs:
        return default
    sel = refs.loc[refs["niveau"] == niveau, kolom].dropna().astype(str)
    return sel.iloc[0] if len(sel) and sel.iloc[0] else default


def ref_naam(refs: pd.DataFrame | None, niveau: str, default: str) -> str:
    return ref_veld(refs, niveau, "naam", default)


# ------------------------------------------------------------ tables


def thema_tabel(
    thema: str,
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    j0: int,
    horizon: list[int],
    refs: pd.DataFrame | None,
) -> dict[str, Any]:
    """Gemeente over the years vs region and NL, one row per indicator of the theme."""
    gm = texts.gemeente_code(indicatoren)
    gmr = indicatoren[indicatoren["code"] == gm].set_index("jaar")
    # A comparison column only for a reference that was built: without a regio in the
    # configuration a column "Regio" full of n.b. only raised the question which regio.
    niveaus = [
        n
        for n in ("regio", "nederland")
        if refs is not None and "niveau" in refs and (refs["niveau"] == n).any()
    ]
    namen = {"regio": ref_naam(refs, "regio", "Regio"), "nederland": "Nederland"}
    kolommen = [{"tekst": f"{j0}", "sub": "nu"}] + [
        {"tekst": f"{j}", "sub": "prognose"} for j in horizon
    ]
    kolommen += [{"tekst": namen[n], "sub": f"{j0}"} for n in niveaus]
    rijen = []
    for key, ind in registry.items():
        if ind.thema != thema or key not in indicatoren:
            continue
        cellen = [cel(gmr.at[j0, key], ind, marker=True)]
        for j in horizon:
            if ind.prognose:
                cellen.append(cel(gmr.at[j, key], ind, projectie=True))
            else:
                cellen.append({"tekst": "–", "klasse": "leeg"})
        for niveau in niveaus:
            c = texts.referentie_cijfer(refs, registry, niveau, key, j0)
            cellen.append(cel(c.waarde if c else float("nan"), ind))
        rijen.append({"kop": kop(ind), "cellen": cellen})
    return {
        "kolommen": kolommen,
        "rijen": rijen,
        "refs": bool(niveaus),
        # Caption: "Duiven, Regio Liemers en Nederland" (only what the table holds).
        "bijschrift": fmt.opsomming([str(gmr["naam"].iloc[0]), *(namen[n] for n in niveaus)]),
        # Why Nederland has no figures (the reference step's reason), or "".
        "reden": ref_veld(refs, "nederland", "reden"),
    }


def dementie_vergelijking(
    indicatoren: pd.DataFrame, refs: pd.DataFrame | None, meta: dict[str, Any], jaar: int
) -> dict[str, Any] | None:
    """The gemeente's dementia estimate next to published national totals, as a range.

    Published national figures differ a lot by definition (known to the GP versus
    estimated in the population), so the report shows them all, each per 1,000
    inhabitants when the national population is known, instead of one "true" number.

    Parameters
    ----------
    indicatoren
        Published indicator table.
    refs
        Reference rows (``niveau == 'nederland'`` gives the national population).
    meta
        Provenance with ``dementie_landelijk`` (rows of ``config/dementie_landelijk.csv``).
    jaar
        Base year.

    Returns
    -------
    dict or None
        Template data, or None when no national figures are configured.
    """
    rows = meta.get("dementie_landelijk") or []
    gm = indicatoren[(indicatoren["niveau"] == "gemeente") & (indicatoren["jaar"] == jaar)]
    if not rows or gm.empty:
        return None
    g = gm.iloc[0]
    nl_inw = None
    if refs is not None and "niveau" in refs:
        nl = refs[refs["niveau"] == "nederland"]
        if len(nl) and pd.notna(nl["inwoners"].iloc[0]):
            nl_inw = float(nl["inwoners"].iloc[0])
    per_1000 = g["dementie_aantal"] / g["inwoners"] * 1000 if g["inwoners"] else float("nan")
    landelijk = []
    for r in sorted(rows, key=lambda r: int(r["aantal"])):
        landelijk.append(
            {
                "jaar": int(r["jaar"]),
                "aantal": fmt.getal(float(r["aantal"])),
                "per_1000": fmt.getal(float(r["aantal"]) / nl_inw * 1000, 1) if nl_inw else fmt.NB,
                "definitie": r["definitie"],
                "bron": r["bron"],
            }
        )
    return {
        "gemeente_aantal": fmt.getal(float(g["dementie_aantal"])),
        "gemeente_per_1000": fmt.getal(per_1000, 1),
        "jaar": jaar,
        "laag": landelijk[0]["aantal"],
        "hoog": landelijk[-1]["aantal"],
        "landelijk": landelijk,
        "nl_bekend": nl_inw is not None,
    }


def lege_kolommen(indicatoren: pd.DataFrame, registry: dict[str, Indicator], j0: int) -> list[str]:
    """Indicators without a single value in ``j0`` at any level (a source not read).

    Such a column would print a page of "n.b." in the appendix; it is left out and named.
    """
    rows = indicatoren[indicatoren["jaar"] == j0]
    return [k for k in registry if k in rows and rows[k].isna().all()]


def _marge(r: pd.Series, ind: Indicator) -> str:
    """The printed 90 % interval of an estimate in row ``r``; '' for a published number."""
    if not fmt.teken(ind):
        return ""  # CBS's own count: its bounds are only the rounding, shown as published
    return fmt.marge(r.get(ind.key + LAAG), r.get(ind.key + HOOG), ind)


def bijlage(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    j0: int,
    zonder_signaal: Sequence[str] = (),
    leeg: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Appendix tables: per theme all buurten (grouped by wijk) of the base year.

    Columns of indicators without buurt signal are marked (``geen_signaal``): their
    buurt numbers are printed, as in the data export, but are not to be compared. Every
    estimate carries its 90 % interval (``marge``), so the appendix never shows an
    estimate bare (``marges``: whether a table has any). The columns ``leeg`` (without any
    value, :func:`lege_kolommen`) are left out; a theme with none left is left out as a
    whole.
    """
    rows = indicatoren[indicatoren["jaar"] == j0]
    buurt = rows[rows["niveau"] == "buurt"]
    wijk = rows[rows["niveau"] == "wijk"].set_index("code")
    gm = rows[rows["niveau"] == "gemeente"].iloc[0]
    leeg = set(leeg)

    def cellen(r: Any, keys: list[str]) -> list[dict[str, Any]]:
        return [
            cel(r[k], registry[k], status=fmt.status_van(r, k), marker=False)
            | {"marge": _marge(r, registry[k])}
            for k in keys
        ]

    # The wijk groups are the same for every theme: group and turn rows into plain
    # mappings once (row access on a DataFrame per theme and buurt cost ~0.5 s in Arnhem).
    wijkcode = buurt["wijkcode"].fillna("").astype(str)
    indeling = []
    for wk in dict.fromkeys(wijkcode):
        leden = buurt[wijkcode == wk].sort_values("naam")
        wr = wijk.loc[wk].to_dict() if wk in wijk.index else None
        indeling.append((wk, wr, leden.to_dict("records")))

    out = []
    for thema, titel in THEMAS.items():
        keys = [
            k
            for k, i in registry.items()
            if i.thema == thema and k in indicatoren and k not in leeg
        ]
        if not keys:
            continue
        groepen = [
            {
                "naam": (str(wr["naam"]) if wr is not None else wk or "Zonder wijk"),
                "code": wk,
                "cellen": cellen(wr, keys) if wr is not None else [],
                "buurten": [
                    {"naam": str(r["naam"]), "code": str(r["code"]), "cellen": cellen(r, keys)}
                    for r in leden
                ],
            }
            for wk, wr, leden in indeling
        ]
        out.append(
            {
                "id": f"bijlage-{thema}",
                "titel": titel,
                "kolommen": [
                    kop(registry[k]) | {"geen_signaal": k in zonder_signaal} for k in keys
                ],
                "zonder_signaal": [registry[k].label for k in keys if k in zonder_signaal],
                "groepen": groepen,
                "gemeente": {"naam": str(gm["naam"]), "cellen": cellen(gm, keys)},
                "marges": any(
                    c["marge"] for g in groepen for b in g["buurten"] for c in b["cellen"]
                ),
            }
        )
    return out
