"""Reading single cells of a session workbook: text, choices, dates, privacy (Dutch messages).

Helpers of :mod:`pipeline.ingest.sessie_lezen`; every error names where (file, sheet, row,
column) through the ``waar`` text the caller builds with :func:`waar`.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import WijkscanError
from pipeline.present.sessie import BLAD_SESSIE, INVULKOLOMMEN, SESSIE_LABELS, VRIJE_TEKST

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Dutch numbers (06-12345678, 026 123 45 67, +31 6 1234 5678) and other international ones.
_TELEFOON = re.compile(
    r"(?<![\w.,])(?:(?:\+|00)31|0)(?:[\s\-()]*\d){9}(?!\d)|\+\d(?:[\s\-()]*\d){8,}"
)
# A date (dd-mm-jjjj or jjjj-mm-dd) is masked before the phone search: "01-02-2025 - 03-04-2025"
# has ten digits after a 0 but is a period, not a number. Four-digit years only, so that
# "06-12-34-56-78" stays a phone number.
_DATUM_IN_TEKST = re.compile(
    r"(?<!\d)(?:(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?:19|20)\d\d"
    r"|(?:19|20)\d\d-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01]))(?!\d)"
)
_MAANDEN = (
    "januari februari maart april mei juni juli augustus september oktober november december"
).split()
#: Short month names as written in Dutch (mrt, sept); the full names are in _MAANDEN.
_MAAND_KORT = {
    "jan": 1, "feb": 2, "mrt": 3, "maa": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "okt": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAG = (
    r"(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|ma|di|wo|do|vr|za|zo)\.?,?\s+"
)
# A time after the date ("19:30", "19.30 uur", "00:00:00"): ignored, the date is what counts.
_TIJD = r"(?:\s+\d{1,2}[:.]\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*uur)?)?"
#: Excel's serial day numbers of 2000-01-01 and 2100-12-31 (a date cell that lost its format).
_EXCEL_SERIEEL = (36526, 73415)
# Names of people cannot be recognised; these patterns catch the common way a table writes
# one down ("bel Jan de Vries", "vraag bij mevrouw Jansen") so the facilitator can check.
_HOOFD = r"[A-ZÀ-Ý][a-zà-ÿ'’-]+"
_TUSSEN = r"(?:(?:van|de|der|den|het|ter|ten|te|in|'t|van de|van der|van den)\s+)?"
_NAAM = re.compile(
    r"\b(?i:vraag|vragen|bel|bellen|mail|mailen|met|bij|via|contact met|navragen bij)\s+"
    rf"{_HOOFD}\s+{_TUSSEN}{_HOOFD}"
    r"|\b(?i:mevrouw|meneer|mevr\.|mw\.|dhr\.|de heer)\s+"
    rf"{_TUSSEN}{_HOOFD}"
)


def waar(bestand: str, blad: str | None = None, rij: int | None = None, kolom: str = "") -> str:
    """Where a cell is, for a message: ``f.xlsx, blad 'Buurten', rij 4, kolom 'Zorgen'``."""
    parts = [bestand]
    if blad:
        parts.append(f"blad '{blad}'")
    if rij is not None:
        parts.append(f"rij {rij}")
    if kolom:
        parts.append(f"kolom '{kolom}'")
    return ", ".join(parts)


def open_xlsx(path: Path, read_only: bool = False) -> Any:
    """Open a workbook, or a Dutch error when it is not a readable ``.xlsx``."""
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=read_only, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise WijkscanError(
            f"Sessiebestand '{path}' is geen leesbaar Excel-werkboek ({type(exc).__name__}).",
            waar=str(path),
            oplossing="Open het in Excel of LibreOffice en sla het opnieuw op als .xlsx "
            "(Excel-werkmap), of lever de CSV-versie.",
        ) from None


def csv_rijen(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and non-empty rows ``(line number, {header: text})`` of a session CSV.

    UTF-8 (with or without BOM) or, failing that, Windows-1252 (Excel's "CSV
    (gescheiden door lijstscheidingsteken)"); comma, semicolon or tab, whichever the
    header line uses most.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's "CSV (gescheiden door lijstscheidingsteken)" writes Windows-1252.
        text = raw.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delim = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(text.splitlines(), delimiter=delim)
    kop = [h.strip() for h in next(reader, [])]
    rows = []
    for n, values in enumerate(reader, start=2):
        if any(v.strip() for v in values):
            rows.append((n, dict(zip(kop, values, strict=False))))
    return kop, rows


def cel_tekst(value: Any) -> str:
    """A cell as text: numbers without '.0', dates as ISO, None as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return str(value)


def privacy(value: str, waar: str) -> None:
    """Refuse text that looks like an e-mail address or a phone number."""
    zonder_datums = _DATUM_IN_TEKST.sub(lambda m: "#" * len(m.group(0)), value)
    for patroon, wat in ((_EMAIL, "een e-mailadres"), (_TELEFOON, "een telefoonnummer")):
        m = patroon.search(value if patroon is _EMAIL else zonder_datums)
        if m:
            raise WijkscanError(
                f"Deze cel lijkt {wat} te bevatten ('{m.group(0).strip()}'). Contactgegevens "
                "horen niet in de wijkscan.",
                waar=waar,
                oplossing="Haal het e-mailadres of telefoonnummer weg (noem eventueel de soort "
                "organisatie, zoals 'wijkteam') en draai opnieuw.",
            )


def geen_formule(value: Any, waar: str) -> None:
    """Refuse a cell that holds a formula (or text a spreadsheet would run as one)."""
    if isinstance(value, str) and value.startswith("="):
        raise WijkscanError(
            f"Deze cel bevat een formule ({value[:40]}); wijkscan leest alleen tekst.",
            waar=waar,
            oplossing="Typ de tekst zonder '=' vooraan (of zet er een apostrof voor).",
        )


def keuze(value: str, opties: Sequence[str], waar: str, wat: str) -> str:
    """``value`` as one of ``opties``, or a Dutch error with the list.

    Case does not matter, and what a facilitator naturally writes is accepted when it points
    at exactly one option: part of it ("huisarts" for "huisarts of praktijkondersteuner"),
    or text that holds one of its words of six letters or more ("huisartsenpraktijk",
    "gemeente Duiven"). When it fits several options the message names them.
    """
    key = value.strip().lower()
    for o in opties:
        if key == o.lower():
            return o
    passend = [o for o in opties if _past(key, o.lower())]
    if len(passend) == 1:
        return passend[0]
    if len(passend) > 1:
        raise WijkscanError(
            f"'{value.strip()}' past bij meer dan één {wat}: {', '.join(passend)}.",
            waar=waar,
            oplossing=f"Schrijf welke u bedoelt (een van: {', '.join(passend)}).",
        )
    close = difflib.get_close_matches(key, list(opties), n=1, cutoff=0.6)
    raise WijkscanError(
        f"'{value.strip()}' is geen geldige {wat}"
        + (f" (bedoelt u '{close[0]}'?)." if close else "."),
        waar=waar,
        oplossing=f"Kies een van: {', '.join(opties)}.",
    )


def _past(key: str, optie: str) -> bool:
    """Does ``key`` (lower case) point at ``optie``: part of it, or holding one of its words?"""
    if len(key) >= 3 and key in optie:
        return True
    woorden = [w for w in re.split(r"\s+of\s+|\s+", optie) if len(w) >= 6]
    return any(w in key for w in woorden)


def datum_van(value: Any, waar: str) -> dt.date:
    """The session date of a cell: a date cell, an Excel day number, or text.

    Text as :func:`parse_datum` reads it ("12-03-2025", "3/12/26", "12 mrt 2025",
    "maandag 12 maart 2025", "12-3-2025 19:30", "2025-03-12 00:00:00").
    """
    d: dt.date | None
    if isinstance(value, dt.datetime):
        d = value.date()
    elif isinstance(value, dt.date):
        d = value
    elif (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and float(value).is_integer()
        and _EXCEL_SERIEEL[0] <= value <= _EXCEL_SERIEEL[1]
    ):
        # A date cell whose date format was lost shows Excel's day number (1900 system).
        d = dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    else:
        d = parse_datum(cel_tekst(value).strip())
    if d is None or not 2000 <= d.year <= 2100:
        raise WijkscanError(
            f"'{cel_tekst(value)}' is geen geldige datum van de sessie.",
            waar=waar,
            oplossing="Schrijf de datum als dag-maand-jaar, bijvoorbeeld 12-03-2025 of "
            "12 maart 2025.",
        )
    return d


def parse_datum(s: str) -> dt.date | None:
    """A Dutch date text as a date, or None when it is none (or does not exist).

    Day first (d-m-jjjj, d/m/jj with jj as 20jj, d.m.jjjj), ISO (jjjj-mm-dd, also with a
    time), or with the month in words, full or short ("12 maart 2025", "12 mrt. 2025"),
    optionally after the weekday ("maandag 12 maart 2025"); a time after the date is ignored.
    """
    s = re.sub(r"\s+", " ", s.strip().lower())
    s = re.sub(rf"^{_WEEKDAG}", "", s)
    parts: tuple[int, int, int] | None = None
    if m := re.fullmatch(rf"(\d{{1,2}})[-/. ](\d{{1,2}})[-/. ](\d{{4}}|\d{{2}}){_TIJD}", s):
        jaar = int(m.group(3))
        parts = (jaar + 2000 if len(m.group(3)) == 2 else jaar, int(m.group(2)), int(m.group(1)))
    elif m := re.fullmatch(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})(?:t.*|{_TIJD})", s):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := re.fullmatch(rf"(\d{{1,2}})[ -]([a-z]+)\.?[ -](\d{{4}}){_TIJD}", s):
        maand = _maand(m.group(2))
        if maand is not None:
            parts = (int(m.group(3)), maand, int(m.group(1)))
    if parts is None:
        return None
    try:
        return dt.date(*parts)
    except ValueError:
        return None


def _maand(woord: str) -> int | None:
    if woord in _MAANDEN:
        return _MAANDEN.index(woord) + 1
    return _MAAND_KORT.get(woord)


def mogelijke_namen(value: str) -> list[str]:
    """Fragments of ``value`` that look like a person's name ("bel Jan de Vries").

    A heuristic for a warning, never a refusal: names cannot be recognised reliably (a
    "bij Dorpshuis Kruispunt" is a place), so the facilitator is asked to check.
    """
    return [m.group(0) for m in _NAAM.finditer(value)]


def mogelijke_namen_meldingen(sessies: dict[str, Any]) -> list[str]:
    """Dutch warnings for free text that may name a person (file, sheet, row, column).

    Names cannot be recognised reliably, so this never refuses: the build log asks the
    facilitator to check the text before the products are shared.

    Parameters
    ----------
    sessies
        The result of :func:`lees_sessies`.

    Returns
    -------
    list of str
        One line per cell with fragments like "bel Jan de Vries" or "mevrouw Jansen".
    """
    uit = []
    for s in sessies.get("sessies", []):
        for frag in mogelijke_namen(str(s.get("plaats") or "")):
            uit.append(
                f"{Path(s['bestand']).name}, blad '{BLAD_SESSIE}', "
                f"{SESSIE_LABELS['plaats']}: '{frag}'"
            )
    for r in sessies.get("inbreng", []):
        for key in VRIJE_TEKST:
            for frag in mogelijke_namen(str(r.get(key) or "")):
                uit.append(f"{r['bron']}, kolom '{INVULKOLOMMEN[key]}': '{frag}'")
    return [
        f"Mogelijk de naam van een persoon in {u}. Wijkscan kan namen niet herkennen; "
        "controleer de tekst en haal namen van personen weg voordat u rapport en vouwkaart "
        "deelt."
        for u in uit
    ]
