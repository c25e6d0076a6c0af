"""Reading single cells of a session workbook: text, choices, dates, privacy (Dutch errors).

Helpers of :mod:`pipeline.sessie_lezen`; every error names where (file, sheet, row,
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

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Dutch numbers (06-12345678, 026 123 45 67, +31 6 1234 5678) and other international ones.
_TELEFOON = re.compile(
    r"(?<![\w.,])(?:(?:\+|00)31|0)(?:[\s\-()]*\d){9}(?!\d)|\+\d(?:[\s\-()]*\d){8,}"
)
_MAANDEN = (
    "januari februari maart april mei juni juli augustus september oktober november december"
).split()


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
    for patroon, wat in ((_EMAIL, "een e-mailadres"), (_TELEFOON, "een telefoonnummer")):
        m = patroon.search(value)
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
    """``value`` as one of ``opties`` (case-insensitive), or a Dutch error with the list."""
    key = value.strip().lower()
    for o in opties:
        if key == o.lower():
            return o
    close = difflib.get_close_matches(key, list(opties), n=1, cutoff=0.6)
    raise WijkscanError(
        f"'{value.strip()}' is geen geldige {wat}"
        + (f" (bedoelt u '{close[0]}'?)." if close else "."),
        waar=waar,
        oplossing=f"Kies een van: {', '.join(opties)}.",
    )


def datum_van(value: Any, waar: str) -> dt.date:
    """The session date of a cell (date, or text as dd-mm-jjjj, jjjj-mm-dd, 12 maart 2025)."""
    if isinstance(value, dt.datetime):
        d = value.date()
    elif isinstance(value, dt.date):
        d = value
    else:
        d = parse_datum(cel_tekst(value).strip())
    if d is None or not 2000 <= d.year <= 2100:
        raise WijkscanError(
            f"'{cel_tekst(value)}' is geen geldige datum van de sessie.",
            waar=waar,
            oplossing="Schrijf de datum als dag-maand-jaar, bijvoorbeeld 12-03-2025.",
        )
    return d


def parse_datum(s: str) -> dt.date | None:
    """A Dutch date text as a date, or None when it is none (or does not exist)."""
    s = s.strip().lower()
    m = re.fullmatch(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})", s)
    parts: tuple[int, int, int] | None = None
    if m:
        parts = (int(m.group(3)), int(m.group(2)), int(m.group(1)))
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(t.*)?", s):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif (m := re.fullmatch(r"(\d{1,2}) ([a-z]+) (\d{4})", s)) and m.group(2) in _MAANDEN:
        parts = (int(m.group(3)), _MAANDEN.index(m.group(2)) + 1, int(m.group(1)))
    if parts is None:
        return None
    try:
        return dt.date(*parts)
    except ValueError:
        return None
