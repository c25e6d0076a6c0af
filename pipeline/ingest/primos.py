"""Reading a Primos population forecast (ABF Research) delivered by the user.

The Primos export layout is licensed and not publicly documented, so wijkscan defines its
own accepted layout (``docs/invoerformaten.md``): one row per gemeente, year, sex and age
class with the columns ``gemeentecode, jaar, leeftijd, geslacht, aantal``. Headers are
matched tolerantly (case, spaces, common synonyms such as 'Gemeente', 'Leeftijdsklasse',
'Aantal personen'); the content is validated strictly and every problem is reported with
file, row and column.

The tolerant table reader and the header/value normalisers are shared with
:mod:`pipeline.ingest.brp`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest.bevolking import validate_bevolking
from pipeline.ingest.statline import Leeftijdsklasse, parse_leeftijd, to_float, voorbeelden
from pipeline.io import check_records

#: Accepted header spellings per canonical column (compared after lower-casing and
#: removing everything but letters and digits, so 'Aantal personen' == 'aantalpersonen').
PRIMOS_KOLOMMEN: dict[str, tuple[str, ...]] = {
    "gemeentecode": (
        "gemeentecode",
        "gemeente",
        "gemcode",
        "gmcode",
        "gemeentenummer",
        "cbscode",
        "regiocode",
        "regio",
    ),
    "jaar": ("jaar", "prognosejaar", "peiljaar", "year", "perioden", "periode"),
    "leeftijd": (
        "leeftijd",
        "leeftijdsklasse",
        "leeftijdklasse",
        "leeftijdsgroep",
        "leeftijdscategorie",
        "age",
    ),
    "geslacht": ("geslacht", "sekse", "gender", "sex"),
    "aantal": (
        "aantal",
        "aantalpersonen",
        "personen",
        "aantalinwoners",
        "inwoners",
        "bevolking",
        "waarde",
        "value",
    ),
}

#: Sex spellings (lower case) -> canonical value.
GESLACHT_WAARDEN: dict[str, str] = {
    "m": "man",
    "man": "man",
    "mannen": "man",
    "male": "man",
    "v": "vrouw",
    "vrouw": "vrouw",
    "vrouwen": "vrouw",
    "f": "vrouw",
    "female": "vrouw",
    "t": "totaal",
    "totaal": "totaal",
    "mv": "totaal",
    "m+v": "totaal",
    "m/v": "totaal",
    "beide": "totaal",
    "totaal mannen en vrouwen": "totaal",
}


def _norm_header(name: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).strip().lower())


def lees_tabel(path: Path, wat: str) -> tuple[pd.DataFrame, bool, str]:
    """Read a user CSV (``;``, ``,`` or tab, decimal comma allowed) or XLSX file.

    Parameters
    ----------
    path
        ``.csv``/``.txt`` or ``.xlsx``/``.xlsm``. For Excel the sheet named 'data' is used,
        else the first sheet.
    wat
        What the file is ('Primos-bestand', 'BRP-extract'), for messages.

    Returns
    -------
    tuple
        ``(table, decimal_comma, waar)``: cells as strings (CSV) or Excel values, an
        extra column ``_rij`` with the row number as the user sees it (header = row 1),
        whether numbers use a decimal comma, and a location string for messages.

    Raises
    ------
    WijkscanError
        When the file is missing, empty, of an unknown type or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise WijkscanError(
            f"Het {wat} bestaat niet: {path}",
            oplossing="Controleer het pad in de configuratie (bronnen.*.pad).",
        )
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types
            raise WijkscanError(
                f"Het {wat} is geen leesbaar Excel-bestand: {path} ({exc.__class__.__name__}).",
                oplossing="Sla het bestand op als .xlsx of als CSV (UTF-8).",
            ) from exc
        if not sheets:
            raise WijkscanError(f"Het {wat} bevat geen werkbladen: {path}")
        name = next((n for n in sheets if str(n).strip().lower() == "data"), next(iter(sheets)))
        df = sheets[name].dropna(how="all")
        waar = f"{path.name} (werkblad '{name}')"
        decimal_comma = False  # Excel stores real numbers
    elif suffix in {".csv", ".txt", ".tsv"}:
        encoding = "utf-8-sig"
        try:
            with path.open(encoding=encoding, newline="") as fh:
                head = fh.readline()
        except UnicodeDecodeError:
            encoding = "cp1252"  # Excel on Windows saves 'CSV (gescheiden door ;)' this way
            with path.open(encoding=encoding, newline="") as fh:
                head = fh.readline()
        if not head.strip():
            raise WijkscanError(f"Het {wat} is leeg: {path}", oplossing="Exporteer opnieuw.")
        sep = max((";", ",", "\t"), key=head.count)
        check_records(path, sep, wat=wat, laatste="de laatste gemeente of buurt", encoding=encoding)
        try:
            df = pd.read_csv(
                path,
                sep=sep,
                dtype=str,
                keep_default_na=False,
                encoding=encoding,
                quoting=csv.QUOTE_MINIMAL,
                skip_blank_lines=True,
            )
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise WijkscanError(
                f"Het {wat} is geen leesbare CSV: {path} ({exc.__class__.__name__}).",
                oplossing="Gebruik één scheidingsteken (; of ,) en UTF-8.",
            ) from exc
        waar = path.name
        # Dutch Excel exports use ';' with a decimal comma.
        decimal_comma = sep != ","
    else:
        raise WijkscanError(
            f"Onbekend bestandstype '{path.suffix}' voor het {wat}: {path}",
            oplossing="Lever een .csv of .xlsx aan.",
        )
    if df.empty:
        raise WijkscanError(f"Het {wat} bevat geen regels: {path}", oplossing="Exporteer opnieuw.")
    df = df.reset_index(drop=True)
    df["_rij"] = np.arange(len(df)) + 2  # header is row 1 for the user
    return df, decimal_comma, waar


def koppel_kolommen(
    df: pd.DataFrame,
    synoniemen: Mapping[str, Sequence[str]],
    verplicht: Sequence[str],
    waar: str,
) -> dict[str, str]:
    """Map canonical column names to the file's headers.

    Parameters
    ----------
    df
        Table as read by :func:`lees_tabel`.
    synoniemen
        Canonical name -> accepted normalised spellings (first = canonical).
    verplicht
        Canonical names that must be found.
    waar
        File for messages.

    Returns
    -------
    dict
        Canonical name -> header in the file (only for columns that were found).

    Raises
    ------
    WijkscanError
        When a required column is missing or a column is ambiguous.
    """
    headers = {c: _norm_header(c) for c in df.columns if c != "_rij"}
    found: dict[str, str] = {}
    for canon, names in synoniemen.items():
        exact = [c for c, n in headers.items() if n == _norm_header(canon)]
        cands = exact or [c for c, n in headers.items() if n in names]
        if len(cands) > 1:
            raise WijkscanError(
                f"Meerdere kolommen passen bij '{canon}': {', '.join(map(str, cands))}.",
                waar=waar,
                oplossing=f"Hernoem één van deze kolommen naar '{canon}'.",
            )
        if cands:
            found[canon] = cands[0]
    missing = [c for c in verplicht if c not in found]
    if missing:
        raise WijkscanError(
            f"Verplichte kolom(men) {', '.join(repr(m) for m in missing)} niet gevonden.",
            waar=f"{waar}; kolommen in het bestand: {voorbeelden(headers, 10)}",
            oplossing="Gebruik de kolomkoppen uit docs/invoerformaten.md, bijvoorbeeld "
            + ", ".join(repr(m) for m in missing)
            + ".",
        )
    return found


def _fout_in_rijen(
    df: pd.DataFrame, mask: pd.Series, kolom: str, waar: str, wat: str, oplossing: str
) -> WijkscanError:
    rijen = df.loc[mask, "_rij"].tolist()
    waarden = df.loc[mask, kolom].astype(str).tolist()
    cellen = ", ".join(f"rij {r}: {v!r}" for r, v in list(zip(rijen, waarden, strict=True))[:5])
    meer = f" (en {len(rijen) - 5} meer)" if len(rijen) > 5 else ""
    return WijkscanError(
        f"{wat} in kolom '{kolom}': {cellen}{meer}.",
        waar=f"{waar}, kolom '{kolom}', rij {voorbeelden(rijen)}",
        oplossing=oplossing,
    )


def normaliseer(
    df: pd.DataFrame,
    kolom: str,
    functie: Callable[[Any], Any],
    waar: str,
    wat: str,
    oplossing: str,
) -> pd.Series:
    """Apply ``functie`` per cell; cells where it raises ValueError are reported by row."""
    out: list[Any] = []
    bad: list[bool] = []
    for v in df[kolom].tolist():
        try:
            out.append(functie(v))
            bad.append(False)
        except ValueError:
            out.append(None)
            bad.append(True)
    mask = pd.Series(bad, index=df.index)
    if mask.any():
        raise _fout_in_rijen(df, mask, kolom, waar, wat, oplossing)
    return pd.Series(out, index=df.index, dtype=object)


def gemeentecode(value: Any) -> str:
    """'GM0226', '0226', '226' or 226 -> 'GM0226'; anything else raises ValueError."""
    if isinstance(value, (int, np.integer)) or (
        isinstance(value, (float, np.floating)) and float(value).is_integer()
    ):
        n = int(value)
        if 0 < n < 10000:
            return f"GM{n:04d}"
        raise ValueError(value)
    s = str(value).strip().upper().replace(" ", "")
    m = re.match(r"^(?:GM)?(\d{1,4})$", s)
    if not m:
        raise ValueError(value)
    return f"GM{int(m[1]):04d}"


def jaartal(value: Any) -> int:
    """A year 1990-2100 (also '2030JJ00', '2030.0' or a date '2024-01-01')."""
    if isinstance(value, pd.Timestamp):
        return int(value.year)
    s = str(value).strip()
    m = re.match(r"^(\d{4})(?:JJ00|\.0+)?$", s) or re.match(r"^(\d{4})-\d{2}-\d{2}", s)
    m = m or re.match(r"^\d{1,2}-\d{1,2}-(\d{4})$", s)
    if not m:
        raise ValueError(value)
    j = int(m[1])
    if not 1990 <= j <= 2100:
        raise ValueError(value)
    return j


def geslacht(value: Any) -> str:
    """Sex spelling -> 'man' | 'vrouw' | 'totaal' (see :data:`GESLACHT_WAARDEN`)."""
    s = re.sub(r"\s+", " ", str(value).strip().lower())
    if s not in GESLACHT_WAARDEN:
        raise ValueError(value)
    return GESLACHT_WAARDEN[s]


def leeftijd(value: Any) -> Leeftijdsklasse | None:
    """Age class via :func:`parse_leeftijd`; None for a total row."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
        raise ValueError(value)
    return parse_leeftijd(value)


def aantallen(df: pd.DataFrame, kolom: str, decimal_comma: bool, waar: str) -> pd.Series:
    """Counts as floats (NaN for empty/suppressed); non-numbers and negatives raise."""
    values, bad = to_float(df[kolom], decimal_comma=decimal_comma)
    if bad.any():
        raise _fout_in_rijen(
            df,
            bad,
            kolom,
            waar,
            "Geen getal",
            "Gebruik getallen (decimale komma mag bij ;-gescheiden bestanden); laat een "
            "onbekend aantal leeg of zet er '.' in - nooit 0.",
        )
    neg = values < 0
    if neg.any():
        raise _fout_in_rijen(
            df, neg, kolom, waar, "Negatief aantal", "Aantallen personen kunnen niet negatief zijn."
        )
    return values


def klassen_kolommen(klassen: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split age classes into ``leeftijd_van`` (int) and ``leeftijd_tot`` (Int64)."""
    van = pd.Series([k.van for k in klassen], index=klassen.index, dtype="int64")
    tot = pd.Series(pd.array([k.tot for k in klassen], dtype="Int64"), index=klassen.index)
    return van, tot


def sex_age_count(
    df: pd.DataFrame,
    cols: dict[str, str],
    waar: str,
    wat: str,
    decimal_comma: bool,
    hoogste: str,
) -> pd.DataFrame:
    """Sex, age class and count of a delivered population file (Primos, BRP), checked.

    Parameters
    ----------
    df
        Rows with the columns ``geslacht``, ``leeftijd`` and ``aantal`` (as text).
    cols
        Our column -> the file's own column name, for messages.
    waar
        File name (and row), for messages.
    wat
        What the file is ("Primos-bestand", "BRP-extract"), for messages.
    decimal_comma
        Whether counts use a decimal comma.
    hoogste
        Example of the open top class in the fix text (``'90+'``).

    Returns
    -------
    pandas.DataFrame
        The rows without 'totaal' ages (they overlap the classes), with ``geslacht``
        normalised, ``aantal`` a number and ``leeftijd_van``/``leeftijd_tot``.

    Raises
    ------
    WijkscanError
        An unknown sex or age class (with the rows), a count that is no number, or a file
        with total rows only.
    """
    df["geslacht"] = normaliseer(
        df, "geslacht", geslacht, waar, "Onbekend geslacht", "Gebruik m/v/man/vrouw of totaal."
    )
    klassen = normaliseer(
        df,
        "leeftijd",
        leeftijd,
        waar,
        "Onbekende leeftijdsklasse",
        f"Gebruik losse jaren (0, 1, ...) of klassen zoals '85-89' en '{hoogste}'.",
    )
    df["aantal"] = aantallen(df, "aantal", decimal_comma, waar)
    if klassen.isna().all():
        raise WijkscanError(
            f"Het {wat} bevat alleen totaalregels, geen leeftijdsklassen.",
            waar=f"{waar}, kolom '{cols['leeftijd']}'",
            oplossing="Lever aantallen per leeftijd of leeftijdsklasse aan.",
        )
    df = df[klassen.notna()].copy()  # drop 'totaal' rows: they overlap the classes
    klassen = klassen[klassen.notna()]
    df["leeftijd_van"], df["leeftijd_tot"] = klassen_kolommen(klassen)
    return df


def check_every_year_complete(df: pd.DataFrame, waar: str, wat: str) -> None:
    """Refuse a forecast in which a year lacks classes that the gemeente's other years have.

    A file cut off at a line end loses the last rows whole: no field is short, and the
    model later said "heeft geslacht ['man'], de buurten ['man', 'vrouw']" without naming
    the file. Every year of a gemeente must have the same sexes and age classes.

    Parameters
    ----------
    df
        Tidy forecast rows (``gemeentecode, jaar, geslacht, leeftijd_van, leeftijd_tot``).
    waar, wat
        The file (for the message) and what it is.

    Raises
    ------
    WijkscanError
        Naming gemeente, year and the missing sex or age class.
    """
    tot = ("-" + df["leeftijd_tot"].astype("string")).fillna("+")  # open class: "90+"
    cel = df["geslacht"].astype(str) + " " + df["leeftijd_van"].astype(str) + tot
    for g, part in df.assign(_cel=cel).groupby("gemeentecode", sort=False):
        alle = set(part["_cel"])
        for jaar, rows in part.groupby("jaar", sort=True):
            mist = sorted(alle - set(rows["_cel"]))
            if mist:
                raise WijkscanError(
                    f"In het {wat} mist {g} in {jaar} {len(mist)} combinatie(s) van geslacht "
                    f"en leeftijd die de andere jaren wel hebben, bijvoorbeeld "
                    f"{voorbeelden(mist)}. Is het bestand afgebroken?",
                    waar=waar,
                    oplossing="Exporteer de prognose opnieuw en controleer dat elk jaar alle "
                    "leeftijdsklassen voor elk geslacht heeft.",
                )


def read_primos(path: Path, gemeenten: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a Primos forecast file in the wijkscan layout.

    Parameters
    ----------
    path
        CSV (``;`` with decimal comma, or ``,``) or XLSX (sheet 'data' or the first sheet)
        with columns gemeentecode, jaar, leeftijd, geslacht, aantal (see
        ``docs/invoerformaten.md`` for accepted spellings and values).
    gemeenten
        Gemeente codes to keep; each must be present in the file.

    Returns
    -------
    pandas.DataFrame
        Tidy ``bevolking`` table (``gemeentecode, jaar, geslacht, leeftijd_van,
        leeftijd_tot, aantal``); rows with leeftijd 'totaal' are dropped.

    Raises
    ------
    WijkscanError
        Naming file, row and column for: missing columns, unreadable codes, years, ages or
        sexes, negative or non-numeric counts, duplicate rows, overlapping classes or gaps,
        and requested gemeenten that are absent.
    """
    wat = "Primos-bestand"
    df, decimal_comma, waar = lees_tabel(path, wat)
    cols = koppel_kolommen(df, PRIMOS_KOLOMMEN, list(PRIMOS_KOLOMMEN), waar)
    df = df.rename(columns={v: k for k, v in cols.items()})
    df["gemeentecode"] = normaliseer(
        df,
        "gemeentecode",
        gemeentecode,
        waar,
        "Ongeldige gemeentecode",
        "Gebruik de CBS-code, bijv. GM0226 of 0226.",
    )
    df["jaar"] = normaliseer(
        df, "jaar", jaartal, waar, "Ongeldig jaar", "Gebruik een jaartal zoals 2030."
    )
    df = sex_age_count(df, cols, waar, wat, decimal_comma, hoogste="90+")
    check_every_year_complete(df, waar, wat)
    if gemeenten is not None:
        wanted = [gemeentecode(g) for g in gemeenten]
        absent = [g for g in wanted if g not in set(df["gemeentecode"])]
        if absent:
            raise WijkscanError(
                f"Gemeente(n) {voorbeelden(absent)} ontbreken in het {wat}.",
                waar=f"{waar}, kolom '{cols['gemeentecode']}'",
                oplossing="Vraag de prognose voor deze gemeenten op of pas 'gemeenten' aan.",
            )
        df = df[df["gemeentecode"].isin(wanted)]
    return validate_bevolking(df, waar, rij_kolom="_rij")
