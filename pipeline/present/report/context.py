"""The template context of the council report, computed from the inputs (pure).

:func:`build_context` gathers everything ``rapport.html.j2`` prints: the findings of
:mod:`pipeline.present.texts` with their lettered sources, the figures
(:mod:`~pipeline.present.report.figuren`), the tables
(:mod:`~pipeline.present.report.tabellen`), the ranking chapter
(:mod:`~pipeline.present.report.buurten_in_beeld`) and the accountability chapter
(:mod:`~pipeline.present.report.verantwoording`). The CSS is inlined.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

import pipeline
from pipeline import codes
from pipeline.errors import WijkscanError
from pipeline.model.registry import THEMAS, Indicator
from pipeline.present import fmt, kaartgegevens, klassen, texts
from pipeline.present.figuur import to_data_uri
from pipeline.present.kaartfiguren import cover_map
from pipeline.present.report import buurten_in_beeld, figuren, tabellen, verantwoording
from pipeline.present.report.figuren import HOOFDSTUKKEN
from pipeline.present.report.instellingen import rapport_config
from pipeline.present.report.rangorde import buurt_scores
from pipeline.present.report.sjablonen import CSS_SESSIES, TEMPLATE_DIR, inline_css, rapport_css
from pipeline.present.report.tabellen import dementie_vergelijking

_ID_COLUMNS = ("code", "naam", "niveau", "gemeentecode", "wijkcode", "jaar", "status")


def _check_table(indicatoren: pd.DataFrame, registry: dict[str, Indicator]) -> None:
    missing = [c for c in _ID_COLUMNS if c not in indicatoren]
    if missing:
        raise WijkscanError(
            f"De indicatorentabel mist de kolom(men) {', '.join(missing)}.", "indicatoren.parquet"
        )
    texts.gemeente_code(indicatoren)


def _bronnen(b: texts.Bevinding, registry: dict[str, Indicator], j0: int) -> list[str]:
    """The sources of a finding's numbers, in order (:meth:`Indicator.bron_van` per number).

    A number CBS publishes cites the KWB alone: real Deventer's "Aandeel 65-plussers (2024):
    het hoogst in Dorp Colmschate (54%)" cited the demo age profile and the forecast too.
    """
    return list(
        dict.fromkeys(
            # A change spans a horizon year: its whole chain.
            registry[c.key].bron if c.afgeleid else registry[c.key].bron_van(c.jaar, j0)
            for c in b.getallen()
            if c.key in registry
        )
    )


def _bevindingen(
    items: Sequence[texts.Bevinding], registry: dict[str, Indicator], j0: int
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Template views of findings plus their lettered source list.

    Each finding shows its years and the letters of its sources (A, B, ...); the
    sources themselves (registry ``bron``) are listed once below the findings.
    Letters, not numbers, so that every digit near a finding is a data number.

    Returns
    -------
    (views, bronnen)
        ``views``: ``kop, html`` (numbers in bold), ``tekst, jaren, letters,
        soort, thema``; ``bronnen``: ``letter, tekst``.
    """
    letters: dict[str, str] = {}
    views = []
    for b in items:
        bronnen = _bronnen(b, registry, j0)
        for bron in bronnen:
            letters.setdefault(bron, _letter(len(letters)))
        args = [Markup("<strong>{}</strong>").format(c.tekst) for c in b.cijfers]
        html = Markup(escape(b.sjabloon)).format(*args) if b.sjabloon else escape(b.tekst)
        views.append(
            {
                "kop": b.kop,
                "html": html,
                "tekst": b.tekst,
                "jaren": fmt.jaren(b.jaren),
                "letters": ", ".join(letters[x] for x in bronnen),
                "soort": b.soort,
                "thema": b.thema,
            }
        )
    return views, [{"letter": v, "tekst": k} for k, v in letters.items()]


def _letter(i: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _zonder_signaal(
    key: str,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    indicatoren: pd.DataFrame,
    gemeente: str,
    j0: int,
) -> dict[str, Any]:
    """Template view of an indicator without buurt signal: gemeente figure and why."""
    ind = registry[key]
    gm = texts.gemeente_code(indicatoren)
    row = indicatoren[(indicatoren["code"] == gm) & (indicatoren["jaar"] == j0)]
    waarde = row[key].iloc[0] if len(row) and key in row else float("nan")
    lo, hi = klassen.intervallen(row, key)
    marge = fmt.marge(lo.iloc[0], hi.iloc[0], ind) if len(row) else ""
    sig = klassen.buurtsignaal(meta, key)
    return {
        "key": key,
        "label": ind.label,
        "gemeente": fmt.waarde(waarde, ind, marker=True),
        "marge": marge,
        "uitleg": sig.uitleg or texts.UITLEG_STANDAARD,
        "marges": list(sig.marges),
        "tekst": texts.zonder_signaal_zin(
            ind, gemeente, j0, fmt.waarde(waarde, ind, marker=True), marge, sig.uitleg
        ),
    }


# ----------------------------------------------------------- context


def build_context(
    indicatoren: pd.DataFrame,
    buurten: Any,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    rapport_cfg: dict[str, Any] | None,
    refs: pd.DataFrame | None = None,
    *,
    template_dir: Path = TEMPLATE_DIR,
    sessies: dict[str, Any] | None = None,
    volgende_ronde: Sequence[str] = (),
) -> dict[str, Any]:
    """Everything the template needs, computed from the inputs (pure).

    Parameters
    ----------
    indicatoren, buurten, registry, meta, rapport_cfg, refs, sessies, volgende_ronde
        See :func:`render_html`.
    template_dir
        Directory of ``rapport.css`` (inlined).

    Returns
    -------
    dict
        Template context.
    """
    _check_table(indicatoren, registry)
    indicatoren = tabellen.unieke_namen(indicatoren)
    cfg = rapport_config(rapport_cfg, registry)
    gm = texts.gemeente_code(indicatoren)
    j0 = texts.basisjaar(indicatoren)
    horizon = texts.horizonjaren(indicatoren)
    gem_rows = indicatoren[indicatoren["code"] == gm]
    naam = str(meta.get("gemeentenaam") or gem_rows["naam"].iloc[0])
    names = tabellen.naam_map(indicatoren)

    geo = buurten[buurten["code"].astype(str).isin(set(names.index))].copy()
    if getattr(geo, "crs", None) is not None and geo.crs.to_epsg() != 28992:
        geo = geo.to_crs(28992)  # maps, scale bar and labels work in RD metres
    geo["code"] = geo["code"].astype(str)
    geo["naam"] = geo["code"].map(names).fillna(geo.get("naam", geo["code"]))
    wijken = kaartgegevens.dissolve_wijken(geo, indicatoren) if len(geo) else None

    # Indicators whose buurt differences come only from the model: no classes, ranks or weight.
    zonder = [k for k in registry if k in indicatoren and not klassen.buurtsignaal(meta, k).signaal]
    scores, uitgesloten = buurt_scores(
        indicatoren, registry, cfg["weging"], j0, zonder_signaal=zonder
    )
    samenvatting = texts.samenvatting(
        indicatoren, registry, naam, scores=scores, refs=refs, zonder_signaal=zonder
    )
    teller = [1]  # figure 1 is the orientation map
    hoofdstukken = []
    for nr, thema in enumerate(HOOFDSTUKKEN, start=1):
        if thema not in THEMAS:
            continue
        views, bronnen = _bevindingen(
            texts.thema_bevindingen(thema, indicatoren, registry, naam, refs, zonder),
            registry,
            j0,
        )
        # A theme whose source was not loaded ('geen') has no numbers at all: say what is
        # missing and how it gets in, instead of empty maps under a text about the data.
        keys = [k for k, i in registry.items() if i.thema == thema and k in indicatoren]
        geladen = {b.get("invoer") for b in meta.get("bronnen", [])}
        niet_geladen = (
            texts.NIET_GELADEN.get(thema, "")
            if thema == "eenzaamheid"
            and "gezondheidsmonitor" not in geladen
            and keys
            and indicatoren[keys].isna().all().all()
            else ""
        )
        hoofdstukken.append(
            {
                "id": f"thema-{thema}",
                "thema": thema,
                "titel": THEMAS[thema],
                "nummer": nr,
                "niet_geladen": niet_geladen,
                "inleiding": texts.THEMA_INLEIDING.get(thema, ""),
                "bevindingen": views,
                "bronnen": bronnen,
                "figuren": []
                if niet_geladen
                else figuren.thema_figuren(
                    thema, indicatoren, geo, wijken, registry, naam, j0, refs, teller, zonder
                ),
                # Maps left out because no buurt has a value (not when the whole source
                # was not loaded: the chapter says that already).
                "zonder_cijfers": []
                if niet_geladen
                else [
                    registry[k].label
                    for k in figuren.kaarten_zonder_cijfers(thema, indicatoren, registry, j0)
                ],
                "zonder_signaal": [
                    _zonder_signaal(k, registry, meta, indicatoren, naam, j0)
                    for k in zonder
                    if registry[k].thema == thema
                ],
                "tabel": tabellen.thema_tabel(thema, indicatoren, registry, j0, horizon, refs),
                "vergelijking": (
                    dementie_vergelijking(indicatoren, refs, meta, j0)
                    if thema == "dementie"
                    else None
                ),
                "definities": [
                    {"label": i.label, "definitie": i.definitie}
                    for i in registry.values()
                    if i.thema == thema
                ],
            }
        )
    bib = buurten_in_beeld.buurten_in_beeld(
        indicatoren, geo, wijken, registry, cfg, naam, j0, scores, uitgesloten, teller,
        {k: _zonder_signaal(k, registry, meta, indicatoren, naam, j0) for k in zonder},
    )  # fmt: skip
    tweede = None
    if sessies:
        # Second edition: what the tables saw (sessions), numbered after the ranking's map.
        from pipeline.present import sessie_rapport

        teller[0] += 1
        tweede = sessie_rapport.context(
            sessies, indicatoren, geo, wijken, registry, meta, scores, uitgesloten, naam,
            cfg["weging"], teller[0],
        )  # fmt: skip
        tweede["volgende_ronde"] = [str(v) for v in volgende_ronde]
        tweede["css"] = inline_css(Path(template_dir) / CSS_SESSIES)
    sv_views, sv_bronnen = _bevindingen(samenvatting, registry, j0)
    omslag = None
    if len(geo):
        n_wijken = 0 if wijken is None else len(wijken)
        omslag = {
            "src": to_data_uri(cover_map(geo, wijken)),
            "alt": (
                f"Omtrek van de gemeente {naam} met de grenzen van de {n_wijken} wijken "
                f"(donkere lijnen) en {len(geo)} buurten (witte lijnen)."
            ),
        }
    overzicht = figuren.overzicht(indicatoren, geo, wijken, naam, j0)
    inhoud = [
        {"id": "samenvatting", "titel": "Samenvatting"},
        {"id": "leeswijzer", "titel": "Zo leest u dit rapport"},
        *({"id": h["id"], "titel": h["titel"]} for h in hoofdstukken),
        {"id": "buurten-in-beeld", "titel": "Buurten in beeld"},
        {"id": "lokale-kennis", "titel": "Data en lokale kennis"},
        *(
            [{"id": "cijfers-en-tafels", "titel": "Cijfers en tafels naast elkaar"}]
            if tweede
            else []
        ),
        {"id": "verantwoording", "titel": "Verantwoording"},
        {"id": "bijlage", "titel": "Bijlage: alle cijfers per buurt"},
    ]
    leeg = tabellen.lege_kolommen(indicatoren, registry, j0)
    bijlage = tabellen.bijlage(indicatoren, registry, j0, zonder, leeg)
    return {
        "css": rapport_css(Path(template_dir)),
        "titel": f"Wijkscan {naam}",
        "gemeente": {"code": gm, "naam": naam},
        "jaar": j0,
        "horizon": horizon,
        "horizon_tekst": fmt.jaren(horizon),
        "laatste_jaar": horizon[-1] if horizon else j0,
        "gebouwd": fmt.datum(str(meta.get("gebouwd", ""))),
        "versie": pipeline.__version__,
        "data_versie": str(meta.get("versie", "")),
        "fictief": bool(meta.get("fictief", False)),
        # A short heading on the cover; the note below it names the parts.
        "fictief_kop": texts.fictief_kop(meta),
        "fictief_uitleg": texts.fictief_uitleg(meta),
        # The on-screen bar: the banner text of the vouwkaart and exports, not "verzonnen".
        "fictief_balk": texts.fictief_tekst(meta) if meta.get("fictief") else "",
        # The title promises loneliness only when its chapter has numbers.
        "eenzaamheid_geladen": not any(
            h["niet_geladen"] for h in hoofdstukken if h["thema"] == "eenzaamheid"
        ),
        "inhoud": inhoud,
        "samenvatting": [v for v in sv_views if v["soort"] != "let_op"],
        "let_op": [v for v in sv_views if v["soort"] == "let_op"],
        "samenvatting_bronnen": sv_bronnen,
        "overzicht": overzicht,
        "omslag": omslag,
        "omgekeerd": [i.label for i in registry.values() if i.richting < 0],
        "markers": [{"teken": k, "uitleg": v} for k, v in fmt.MARKERS.items()],
        "nb": fmt.NB,
        "te_weinig": codes.STATUS_TE_WEINIG,
        "hoofdstukken": hoofdstukken,
        "bib": bib,
        "vragen": list(cfg["vragen"]),
        "niet_in_data": texts.NIET_IN_DATA,
        "verantwoording": verantwoording.verantwoording(
            registry,
            meta,
            cfg,
            any(c.endswith(klassen.LAAG) for c in indicatoren.columns),
            indicatoren,
        ),
        "bijlage": bijlage,
        "bijlage_marges": any(t["marges"] for t in bijlage),
        "bijlage_zonder": fmt.opsomming(fmt.kleine_letter(registry[k].label) for k in leeg),
        "n_buurten": int(len(names)),
        "zonder_kaart": sorted(
            str(names[c]) for c in names.index if c not in set(geo["code"].astype(str))
        ),
        "refs": refs is not None,
        "regio_naam": tabellen.ref_naam(refs, "regio", "Regio"),
        "tweede": tweede,
    }
