"""The session workbook: what the tables at a vouwkaart session write down, per buurt.

One workbook per gemeente (``reports/<GM>/sessie_<GM>.xlsx``, with a CSV twin) holds one
row per buurt with its code, name, wijk and key figures (with the ≈/* markers of the
report), and empty columns for what a table notes: signalen, what already exists
(initiatieven en voorzieningen, with a type from a short list), zorgen, whether the table
proposes the buurt as proefbuurt and why, and which kinds of organisation were at the
table. A 'Sessie' sheet holds the date, place and organisations present; 'Toelichting'
explains how to fill it in, and that names and contact details do not belong in it.

Facilitators naturally fill the generated file itself; before a rebuild writes a new one,
:func:`bewaar_ingevuld` moves a filled one aside (``sessie_<GM>_ingevuld_<tijd>.xlsx``), so
that no note is lost (the rule marks the outputs ``update()`` so Snakemake does not delete
them first).

The layout (sheet names, headers, lists) is defined here once; :mod:`pipeline.ingest.sessie_lezen`
reads a filled workbook (or its CSV) back with the same constants.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.io import atomic_path, source_date_epoch
from pipeline.model.registry import Indicator
from pipeline.present import fmt, klassen, texts
from pipeline.present.export import (
    csv_safe,
    reproducible_xlsx,
    text_cells_as_text,
    with_warning,
)

BLAD_BUURTEN = "Buurten"
BLAD_SESSIE = "Sessie"
BLAD_TOELICHTING = "Toelichting"
BLAD_LIJSTEN = "Lijsten"

KOL_CODE = "Buurtcode"
KOL_NAAM = "Buurt"
KOL_WIJK = "Wijk"
KOL_PLAATS = "Plaats in 'Buurten in beeld'"

#: Columns a table fills in: internal key -> Dutch header (also in error messages).
INVULKOLOMMEN: dict[str, str] = {
    "signalen": "Signalen",
    "initiatieven": "Initiatieven en voorzieningen",
    "soort": "Soort initiatief",
    "zorgen": "Zorgen",
    "proefbuurt": "Proefbuurt (ja/nee)",
    "waarom": "Waarom proefbuurt",
    "aan_tafel": "Organisaties aan tafel",
}
#: Free-text columns (kept verbatim; everything else is a choice from a list).
VRIJE_TEKST = ("signalen", "initiatieven", "zorgen", "waarom")

#: Kinds of initiative or facility (short list; the map gives each its own symbol).
SOORTEN: tuple[str, ...] = (
    "ontmoetingsplek",
    "buurthulp of vrijwilligers",
    "mantelzorgondersteuning",
    "zorg of wijkverpleging",
    "wonen of woningaanpassing",
    "dementievriendelijk initiatief",
    "activiteit of vereniging",
    "anders",
)
#: Kinds of organisation at the table: types, never names of people.
ORGANISATIES: tuple[str, ...] = (
    "gemeente",
    "wijkteam",
    "huisarts of praktijkondersteuner",
    "wijkverpleging of thuiszorg",
    "welzijnsorganisatie",
    "woningcorporatie",
    "mantelzorgondersteuning",
    "bewoners",
    "vrijwilligersorganisatie",
    "ouderenbond",
    "anders",
)
JA_NEE: tuple[str, ...] = ("ja", "nee")

#: CSV only (a CSV has one sheet): the session details, on the first row.
CSV_SESSIE: dict[str, str] = {
    "datum": "Sessiedatum",
    "plaats": "Sessieplaats",
    "organisaties": "Organisaties aanwezig",
}

#: Labels in column A of the 'Sessie' sheet (the reader finds the values next to them).
SESSIE_LABELS: dict[str, str] = {
    "gemeentecode": "Gemeentecode",
    "gemeente": "Gemeente",
    "datum": "Datum (dd-mm-jjjj)",
    "plaats": "Plaats",
    "deelnemers": "Aantal deelnemers",
    "organisaties": "Organisaties aanwezig (één soort per regel)",
}
#: Rows for organisation types on the 'Sessie' sheet.
SESSIE_ORG_RIJEN = 12

#: Key figures per buurt, in this order, when the registry has them and they have buurt signal.
KERNCIJFERS: tuple[str, ...] = (
    "inwoners",
    "aandeel_65plus",
    "aandeel_75plus",
    "mantelzorgpotentieel",
    "dementie_per_100_65plus",
    "eenzaam_pct",
)
#: Longest free text accepted in one cell (a long paragraph fits; a pasted document not).
MAX_TEKST = 2000

TOELICHTING: tuple[str, ...] = (
    "Sessiewerkboek wijkscan – zo vult u het in",
    "",
    "Dit werkboek is voor wat de tafels tijdens de sessie met de vouwkaart bespreken. Per buurt "
    "één regel: de cijfers staan er al (≈ = geschat door wijkscan, * = modelschatting van het "
    "RIVM), de kolommen rechts vult u in.",
    "",
    "Blad 'Buurten':",
    f"- {INVULKOLOMMEN['signalen']}: wat de tafel ziet of hoort in de buurt.",
    f"- {INVULKOLOMMEN['initiatieven']}: wat er al is (ontmoetingsplek, buurthulp, ...); "
    f"kies in '{INVULKOLOMMEN['soort']}' de soort uit de lijst (meer soorten gescheiden door "
    "een puntkomma, bijvoorbeeld 'ontmoetingsplek; buurthulp of vrijwilligers').",
    f"- {INVULKOLOMMEN['zorgen']}: waar de tafel zich zorgen over maakt.",
    f"- {INVULKOLOMMEN['proefbuurt']}: 'ja' als de tafel deze buurt voorstelt als proefbuurt, "
    f"en in '{INVULKOLOMMEN['waarom']}' waarom.",
    f"- {INVULKOLOMMEN['aan_tafel']}: welke soorten organisaties over deze buurt spraken "
    "(uit de lijst; meer soorten gescheiden door een komma of puntkomma). Een deel van de "
    "naam is genoeg als het maar bij één soort past ('huisarts', 'welzijn').",
    "- Laat Buurtcode en Buurt staan; een buurt hoort er één keer in. Regels zonder invulling "
    "tellen niet mee. Een nieuwe regel mag de buurtnaam in plaats van de code hebben; een wijk "
    "kan niet: schrijf per buurt van de wijk een regel.",
    f"- {KOL_PLAATS}: de plaats van de buurt in het rapport. Een reeks als '1–13' betekent dat de "
    "onzekerheidsmarges de buurten niet van elkaar scheiden: de buurt staat ergens op die "
    "plaatsen, de precieze volgorde is niet te zeggen.",
    "",
    "Blad 'Sessie': datum (bijvoorbeeld 12-03-2025 of 12 maart 2025), plaats, aantal "
    "deelnemers en welke soorten organisaties er waren.",
    "",
    "PRIVACY: schrijf geen namen van personen, e-mailadressen of telefoonnummers in dit "
    "werkboek. Noem organisaties bij hun soort (wijkteam, huisarts), niet bij naam van een "
    "medewerker of bewoner. Wijkscan weigert een werkboek met iets dat op een e-mailadres of "
    "telefoonnummer lijkt. Namen van personen kan wijkscan niet betrouwbaar herkennen: bij "
    "tekst als 'bel Jan de Vries' of 'mevrouw Jansen' staat een waarschuwing in het bouwlog, "
    "maar controleer de teksten zelf voordat u rapport en vouwkaart deelt. Het ingevulde "
    "werkboek zelf bevat lokale kennis: deel het niet verder dan nodig.",
    "",
    "Na de sessie: sla het ingevulde werkboek op buiten de map reports (bijvoorbeeld "
    "sessies/<gemeente>_<datum>.xlsx), zet het in de instellingen onder bronnen.sessies "
    "(type: lokaal, pad: het bestand of een lijst van bestanden) en draai wijkscan opnieuw: "
    "rapport en vouwkaart krijgen dan een tweede editie met wat de tafels zagen. Vulde u dit "
    "bestand in de map reports zelf in? Dan zet wijkscan het bij de volgende bouw opzij als "
    "sessie_<gemeente>_ingevuld_<datum-tijd>.xlsx (en meldt dat) voordat er een nieuw leeg "
    "werkboek komt.",
    "",
    "Een CSV-versie (sessie_<gemeente>.csv) kan ook: dezelfde kolommen, met op de eerste regel "
    f"ook {CSV_SESSIE['datum']}, {CSV_SESSIE['plaats']} en {CSV_SESSIE['organisaties']}.",
)


def kerncijfers(
    registry: dict[str, Indicator], meta: dict[str, Any], indicatoren: pd.DataFrame
) -> list[str]:
    """Key figures of the workbook: :data:`KERNCIJFERS` that exist, have values and buurt signal.

    An indicator whose buurt differences come only from the model (``bronnen.json``
    ``buurtsignaal``) is left out: a table would read its buurt numbers as differences.
    """
    b = indicatoren[indicatoren["niveau"] == "buurt"]
    return [
        k
        for k in KERNCIJFERS
        if k in registry and k in b and b[k].notna().any() and klassen.buurtsignaal(meta, k).signaal
    ]


#: Header suffix of the column with a key figure's 90 % margin (beside the figure).
MARGE_ACHTER = " – marge (90%)"


def _als_getal(x: float) -> float | int:
    """A whole number as ``int``: a CSV shows ``155``, not ``155.0``."""
    return int(x) if math.isfinite(x) and x == int(x) else x


def kolomkop(ind: Indicator) -> str:
    """Header of a key-figure column: label, unit and estimate marker (``'… (%) ≈'``)."""
    eenheid = f" ({ind.eenheid})" if ind.eenheid in ("%", "km") else ""
    teken = fmt.teken(ind)
    return f"{ind.label}{eenheid}" + (f" {teken}" if teken else "")


def werkboek_rijen(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    meta: dict[str, Any],
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per buurt (base year): code, name, wijk, key figures, place, empty columns.

    Parameters
    ----------
    indicatoren
        Published indicator table of one gemeente.
    registry
        Indicator registry (labels, units, markers).
    meta
        ``bronnen.json`` (buurt signal per indicator).
    scores
        Optional ranking (:func:`pipeline.present.report.buurt_scores`); adds the printed place.

    Returns
    -------
    pandas.DataFrame
        Dutch headers; key figures as numbers rounded as printed, a suppressed value as
        its status text ('te weinig inwoners'), missing as empty; fill columns empty.
    """
    from pipeline.present.report import plaats_tekst

    j0 = texts.basisjaar(indicatoren)
    rows = indicatoren[(indicatoren["niveau"] == "buurt") & (indicatoren["jaar"] == j0)]
    wijken = indicatoren[indicatoren["niveau"] == "wijk"].drop_duplicates("code")
    wijknaam = dict(zip(wijken["code"].astype(str), wijken["naam"].astype(str), strict=True))
    rows = rows.assign(_wijk=rows["wijkcode"].astype(str).map(wijknaam).fillna(""))
    rows = rows.sort_values(["_wijk", "naam", "code"], kind="mergesort")
    keys = kerncijfers(registry, meta, indicatoren)
    plaats: dict[str, str] = {}
    if scores is not None:
        plaats = {str(r["code"]): plaats_tekst(r)[0] for _, r in scores.iterrows()}
    out = pd.DataFrame(
        {
            KOL_CODE: rows["code"].astype(str).to_numpy(),
            KOL_NAAM: rows["naam"].astype(str).to_numpy(),
            KOL_WIJK: rows["_wijk"].to_numpy(),
        }
    )
    for k in keys:
        ind = registry[k]
        kop = kolomkop(ind)
        out[kop] = [
            (st or None) if fmt.is_missing(v) else _als_getal(fmt.afgerond(v, ind.decimalen))
            for v, st in zip(rows[k].to_numpy(), fmt.statussen_van(rows, k).to_numpy(), strict=True)
        ]
        if fmt.teken(ind) and k + klassen.LAAG in rows:
            # At the table an estimate without its margin reads as exact: 21,9 against 5,0
            # looks like a difference, 2,5–44,8 against 1,2–20,2 does not. A number CBS
            # counts has no estimate to qualify (its "margin" is only CBS's rounding).
            out[kop + MARGE_ACHTER] = [
                fmt.marge(lo, hi, ind) or None
                for lo, hi in zip(rows[k + klassen.LAAG], rows[k + klassen.HOOG], strict=True)
            ]
    if scores is not None:
        out[KOL_PLAATS] = [plaats.get(c) or None for c in out[KOL_CODE]]
    for kop in INVULKOLOMMEN.values():
        out[kop] = None
    return out


def _lijst_bereik(col: str, n: int) -> str:
    return f"{BLAD_LIJSTEN}!${col}$2:${col}${n + 1}"


def _validatie(dv: Any, titel: str, uitleg: str, fout: str, stijl: str = "stop") -> Any:
    """Make a data validation speak: a prompt on entering the cell, an error on bad input.

    openpyxl writes ``showErrorMessage`` and ``showInputMessage`` as false by default; then
    Excel and LibreOffice accept anything without a word. Titles are at most 32 characters
    and texts at most 255 (Excel's limits).
    """
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.errorStyle = stijl
    dv.errorTitle = titel[:32]
    dv.error = fout[:255]
    dv.promptTitle = titel[:32]
    dv.prompt = uitleg[:255]
    return dv


def write_workbook(
    rijen: pd.DataFrame, gemeente: str, gemeentenaam: str, path: Path, *, fictief: str = ""
) -> None:
    """Write the session workbook (Buurten, Sessie, Toelichting, Lijsten) atomically.

    Fill columns get data validation (lists for soort, ja/nee and organisation types);
    every text cell is stored as text, never as a formula (:func:`pipeline.present.export.
    text_cells_as_text`). With ``SOURCE_DATE_EPOCH`` the bytes are reproducible.

    Parameters
    ----------
    rijen
        :func:`werkboek_rijen`.
    gemeente, gemeentenaam
        Code and name (pre-filled on the 'Sessie' sheet; the reader checks them).
    path
        Destination ``.xlsx``.
    fictief
        For demo data its heading (:func:`pipeline.present.texts.fictief_kop`): on top
        of the Toelichting and in the print header of every sheet; ``''`` for real data.
    """
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    n = len(rijen)
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            rijen.to_excel(xw, sheet_name=BLAD_BUURTEN, index=False)
            wb = xw.book
            ws = xw.sheets[BLAD_BUURTEN]
            ws.freeze_panes = "C2"
            invul = set(INVULKOLOMMEN.values())
            vul = PatternFill("solid", fgColor="FFF6D5")
            for i, kop in enumerate(rijen.columns, start=1):
                letter = get_column_letter(i)
                breed = kop in invul and INVULKOLOMMEN.get("soort") != kop
                ws.column_dimensions[letter].width = 40 if breed else 16
                ws.cell(1, i).alignment = Alignment(wrap_text=True, vertical="top")
                if kop in invul:
                    for r in range(2, n + 2):
                        ws.cell(r, i).fill = vul
                        ws.cell(r, i).alignment = Alignment(wrap_text=True, vertical="top")
            # Lists on their own sheet: a list in the validation itself may hold 255 characters.
            lijsten = wb.create_sheet(BLAD_LIJSTEN)
            for c, (kop, items) in enumerate(
                (("Soort initiatief", SOORTEN), ("Ja/nee", JA_NEE), ("Organisatie", ORGANISATIES)),
                start=1,
            ):
                lijsten.cell(1, c, kop).font = Font(bold=True)
                for r, item in enumerate(items, start=2):
                    lijsten.cell(r, c, item)
            lijsten.sheet_state = "hidden"
            kolom = {kop: get_column_letter(i) for i, kop in enumerate(rijen.columns, start=1)}
            # Several kinds in one cell ("wijkteam; bewoners") stay possible: for those columns
            # Excel warns (and lets the facilitator go on), wijkscan checks every part.
            meer = "Meer soorten: scheid ze met een puntkomma."
            regels = (
                ("soort", _lijst_bereik("A", len(SOORTEN)), "warning", meer),
                ("proefbuurt", _lijst_bereik("B", len(JA_NEE)), "stop", "Kies ja of nee."),
                ("aan_tafel", _lijst_bereik("C", len(ORGANISATIES)), "warning", meer),
            )
            for key, bereik, stijl, uitleg in regels:
                dv = _validatie(
                    DataValidation(type="list", formula1=bereik, allow_blank=True),
                    INVULKOLOMMEN[key],
                    f"Kies een waarde uit de lijst. {uitleg}",
                    f"Dit is geen waarde uit de lijst. {uitleg}",
                    stijl,
                )
                letter = kolom[INVULKOLOMMEN[key]]
                dv.add(f"{letter}2:{letter}{max(n, 1) + 1}")
                ws.add_data_validation(dv)
            tekst = _validatie(
                DataValidation(
                    type="textLength",
                    operator="lessThanOrEqual",
                    formula1=str(MAX_TEKST),
                    allow_blank=True,
                ),
                "Vrije tekst",
                f"Hoogstens {MAX_TEKST} tekens. Geen namen van personen of contactgegevens.",
                f"Hoogstens {MAX_TEKST} tekens per cel: vat de tekst samen.",
            )
            for key in VRIJE_TEKST:
                letter = kolom[INVULKOLOMMEN[key]]
                tekst.add(f"{letter}2:{letter}{max(n, 1) + 1}")
            ws.add_data_validation(tekst)

            sessie = wb.create_sheet(BLAD_SESSIE, 1)
            labels = list(SESSIE_LABELS.values())
            for r, label in enumerate(labels, start=1):
                sessie.cell(r, 1, label).font = Font(bold=True)
            sessie.cell(1, 2, gemeente)
            sessie.cell(2, 2, gemeentenaam)
            sessie.column_dimensions["A"].width = 44
            sessie.column_dimensions["B"].width = 40
            rij = {k: r for r, k in enumerate(SESSIE_LABELS, start=1)}
            datum = _validatie(
                DataValidation(
                    type="date", operator="greaterThan", formula1="36526", allow_blank=True
                ),
                "Datum van de sessie",
                "Dag-maand-jaar, bijvoorbeeld 12-03-2025.",
                "Dit is geen datum. Vul een datum in, bijvoorbeeld 12-03-2025.",
            )
            datum.add(f"B{rij['datum']}")
            aantal = _validatie(
                DataValidation(
                    type="whole", operator="between", formula1="1", formula2="999", allow_blank=True
                ),
                "Aantal deelnemers",
                "Een heel getal, bijvoorbeeld 14.",
                "Vul een heel getal in (1 tot 999).",
            )
            aantal.add(f"B{rij['deelnemers']}")
            org = _validatie(
                DataValidation(
                    type="list", formula1=_lijst_bereik("C", len(ORGANISATIES)), allow_blank=True
                ),
                "Organisatie aanwezig",
                "Eén soort organisatie per regel, uit de lijst.",
                "Kies een soort organisatie uit de lijst (één per regel).",
            )
            eerste = rij["organisaties"]
            org.add(f"B{eerste}:B{eerste + SESSIE_ORG_RIJEN - 1}")
            for dv in (datum, aantal, org):
                sessie.add_data_validation(dv)
            sessie.cell(rij["datum"], 2).number_format = "DD-MM-YYYY"

            info = wb.create_sheet(BLAD_TOELICHTING, 2)
            regels_t = [f"{fictief}: een oefenwerkboek."] if fictief else []
            for r, t in enumerate([*regels_t, *TOELICHTING], start=1):
                info.cell(r, 1, t).alignment = Alignment(wrap_text=True, vertical="top")
            info.column_dimensions["A"].width = 110
            info.cell(1, 1).font = Font(bold=True)
            for sheet in wb.worksheets:
                text_cells_as_text(sheet)
                if fictief:
                    # A printed sheet on the table says it too, not only the Toelichting.
                    sheet.oddHeader.center.text = fictief
        when = source_date_epoch()
        if when is not None:
            reproducible_xlsx(tmp, when)


def csv_rijen(rijen: pd.DataFrame) -> pd.DataFrame:
    """The CSV twin's table: the 'Buurten' columns plus the session columns (empty)."""
    out = rijen.copy()
    # The numbers are written with a decimal point; their margins (text) then too.
    for kop in (k for k in out.columns if str(k).endswith(MARGE_ACHTER)):
        out[kop] = [fmt.met_decimaalpunt(v) if isinstance(v, str) else v for v in out[kop]]
    for kop in CSV_SESSIE.values():
        out[kop] = None
    return out


def write_csv(rijen: pd.DataFrame, path: Path, let_op: str = "") -> None:
    """Write the CSV twin (UTF-8, comma), text cells guarded against formulas, atomically.

    ``let_op``: the FICTIEF warning on every row (first column), as in the indicator CSV.
    """
    with atomic_path(path) as tmp:
        csv_safe(with_warning(csv_rijen(rijen), let_op)).to_csv(tmp, index=False, encoding="utf-8")
