"""Reading CBS StatLine tables: the "onbewerkte dataset" CSV, its cells, keys and ages.

The CBS tables are read in the OData v3 "onbewerkte dataset" (``UntypedDataSet``) layout:
one column per dimension holding dimension *keys* (not titles), one column per measure
whose OData key carries a position suffix (``BevolkingOp1Januari_1``, ``Eenzaam_27``).

CBS quirks handled here (sources and evidence: ``docs/invoerformaten.md``):

* Keys are right-padded with spaces to the longest key of the dimension: ``'3000   '``
  (Geslacht, padded to the 7 characters of ``T001038``), ``'NL01  '`` (RegioS, 6
  characters), ``'BU02260101'``/``'GM0226    '`` (WijkenEnBuurten, 10 characters). Every
  key is stripped before use.
* Suppressed or unknown cells are ``'.'`` (or empty / ``None`` in JSON); they become NaN,
  never 0. Numbers may be left-padded with spaces (``'  862965'``).
* The measure suffix may differ per table edition: :func:`find_measure` matches measures
  on their name prefix, never on the suffix.

The tables themselves: :mod:`pipeline.ingest.gemeentebevolking` (03759ned),
:mod:`pipeline.ingest.prognose` (85171NED, 85173NED, 84527NED) and
:mod:`pipeline.ingest.gezondheidsmonitor` (RIVM); the tidy table they produce:
:mod:`pipeline.ingest.bevolking`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.codes import GEMEENTE_RE
from pipeline.errors import WijkscanError

# --------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------

#: Cell values that mean "no figure" (CBS: '.' secret/unknown, 'x' secret; user files:
#: '*', '<5' for small suppressed cells). They become NaN - missing is never zero.
MISSING_STRINGS: frozenset[str] = frozenset(
    {"", ".", "x", "-", "?", "*", "<5", "nan", "none", "null", "na", "n/a"}
)


def to_float(values: Iterable[Any], decimal_comma: bool = False) -> tuple[pd.Series, pd.Series]:
    """Convert cells to floats without ever turning a missing cell into 0.

    Parameters
    ----------
    values
        Strings (possibly space padded, ``'.'`` for suppressed), numbers or None.
    decimal_comma
        Read ``'1.234,5'`` as 1234.5 (Dutch notation); otherwise ``','`` is an error.

    Returns
    -------
    tuple of pandas.Series
        The floats (NaN for missing) and a boolean mask of cells that were not numbers.
    """
    out: list[float] = []
    bad: list[bool] = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out.append(np.nan)
            bad.append(False)
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out.append(float(v))
            bad.append(False)
            continue
        s = str(v).strip().replace("\u00a0", "").replace(" ", "")
        if s.lower() in MISSING_STRINGS:
            out.append(np.nan)
            bad.append(False)
            continue
        if decimal_comma:
            if re.match(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$", s):
                s = s.replace(".", "")
            s = s.replace(",", ".")
        try:
            f = float(s)
        except ValueError:
            out.append(np.nan)
            bad.append(True)
            continue
        out.append(f if np.isfinite(f) else np.nan)
        bad.append(not np.isfinite(f))
    index = values.index if isinstance(values, pd.Series) else None
    return pd.Series(out, index=index, dtype=float), pd.Series(bad, index=index, dtype=bool)


def strip_keys(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip()


def voorbeelden(values: Iterable[Any], n: int = 5) -> str:
    vals = [str(v) for v in values]
    more = f" (en {len(vals) - n} meer)" if len(vals) > n else ""
    return ", ".join(vals[:n]) + more


# --------------------------------------------------------------------------------------
# Reading a StatLine CSV and its columns
# --------------------------------------------------------------------------------------


def separator(head: str) -> str:
    """The separator of a CBS CSV from its first line(s): ``;`` (StatLine NL) or ``,``."""
    return ";" if head.count(";") > head.count(",") else ","


def read_cells(path: Path, sep: str) -> pd.DataFrame:
    """All cells of a CBS CSV as strings.

    No cell becomes NaN here (``keep_default_na=False``): whether ``.`` or an empty cell is
    missing is for the parsers to say, so a secret cell can never silently turn into 0.
    """
    return pd.read_csv(
        path,
        sep=sep,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
        quoting=csv.QUOTE_MINIMAL,
    )


def lees_cbs_csv(path: Path) -> pd.DataFrame:
    """Read a StatLine "onbewerkte dataset" CSV (``;`` or ``,`` separated) as text.

    Parameters
    ----------
    path
        CSV as downloaded from StatLine or written by the ``raw_*`` functions.

    Returns
    -------
    pandas.DataFrame
        All cells as strings, padding preserved (keys are stripped by the parsers).

    Raises
    ------
    WijkscanError
        When the file is missing, empty or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise WijkscanError(
            f"Het bestand bestaat niet: {path}",
            oplossing="Controleer het pad in de configuratie.",
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            head = fh.readline()
        if not head.strip():
            raise WijkscanError(
                f"Het bestand is leeg: {path}", oplossing="Download de tabel opnieuw."
            )
        return read_cells(path, separator(head))
    except WijkscanError:
        raise
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise WijkscanError(
            f"Het bestand is geen leesbare CSV: {path} ({exc.__class__.__name__})",
            oplossing="Gebruik de StatLine-export 'onbewerkte dataset' als CSV (UTF-8).",
        ) from exc


def require_columns(df: pd.DataFrame, columns: Sequence[str], waar: str, oplossing: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise WijkscanError(
            f"Kolom(men) {', '.join(repr(c) for c in missing)} ontbreken.",
            waar=f"{waar}; aanwezige kolommen: {voorbeelden(df.columns, 10)}",
            oplossing=oplossing,
        )


def find_measure(columns: Iterable[Any], prefix: str, waar: str) -> str | None:
    """Find the measure column ``<prefix>_<n>`` whatever its position suffix.

    Parameters
    ----------
    columns
        Column names of a StatLine table.
    prefix
        Measure name without suffix, e.g. ``'Eenzaam'`` (does not match ``'SociaalEenzaam_30'``).
    waar
        Table or file, for the error message.

    Returns
    -------
    str or None
        The column, or None if no column has that prefix.

    Raises
    ------
    WijkscanError
        When two columns match (ambiguous).
    """
    pattern = re.compile(rf"^{re.escape(prefix)}(_\d+)?$")
    matches = [str(c) for c in columns if pattern.match(str(c).strip())]
    if len(matches) > 1:
        raise WijkscanError(
            f"Meerdere kolommen voor maat '{prefix}': {', '.join(matches)}.",
            waar=waar,
            oplossing="Lever één tabel per bestand aan (onbewerkte dataset, één editie).",
        )
    return matches[0] if matches else None


# --------------------------------------------------------------------------------------
# Dimension keys
# --------------------------------------------------------------------------------------


def map_keys(
    keys: pd.Series, mapping: Mapping[str, Any], dimensie: str, waar: str, oplossing: str
) -> pd.Series:
    unknown = sorted(set(keys) - set(mapping))
    if unknown:
        raise WijkscanError(
            f"Onbekende sleutel(s) in dimensie {dimensie}: {voorbeelden(unknown)}.",
            waar=f"{waar}, kolom {dimensie}",
            oplossing=oplossing,
        )
    return keys.map(lambda k: mapping[k])


def jaar_van_periode(perioden: pd.Series) -> pd.Series:
    """'2024JJ00' -> 2024; other period types (quarters, months) -> NA."""
    m = perioden.str.extract(r"^(\d{4})JJ00$")[0]
    return pd.to_numeric(m, errors="coerce").astype("Int64")


def gemeenten_arg(gemeenten: Sequence[str], waar: str) -> list[str]:
    codes = [str(g).strip().upper() for g in gemeenten]
    bad = [g for g in codes if not GEMEENTE_RE.match(g)]
    if bad or not codes:
        raise WijkscanError(
            f"Ongeldige gemeentecode(s): {voorbeelden(bad) or '(geen)'}.",
            waar=waar,
            oplossing="Gebruik CBS-gemeentecodes van de vorm GM0226.",
        )
    return codes


# --------------------------------------------------------------------------------------
# Age classes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Leeftijdsklasse:
    """An age class with an inclusive upper bound; ``tot=None`` is an open top class."""

    van: int
    tot: int | None

    def label(self) -> str:
        """Human readable label such as ``'85-89'``, ``'7'`` or ``'95+'``."""
        if self.tot is None:
            return f"{self.van}+"
        if self.tot == self.van:
            return str(self.van)
        return f"{self.van}-{self.tot}"


def _norm_label(label: str) -> str:
    s = str(label).strip().lower().replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", s)


def parse_leeftijd(label: Any) -> Leeftijdsklasse | None:
    """Parse a CBS or user age label.

    Parameters
    ----------
    label
        E.g. ``'0 jaar'``, ``'45 tot 50 jaar'`` (CBS: upper bound exclusive),
        ``'95 jaar of ouder'``, ``'Jonger dan 5 jaar'``, ``'Totaal'``; or user styles
        ``'85-89'`` / ``'85 t/m 89'`` (inclusive), ``'90+'``, ``'90 en ouder'``, ``7``.

    Returns
    -------
    Leeftijdsklasse or None
        None for a total ("Totaal", "Totaal leeftijd", "Totaal alle leeftijden").

    Raises
    ------
    ValueError
        When the label is not an age class.
    """
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        if label < 0:
            raise ValueError(f"negatieve leeftijd: {label}")
        return Leeftijdsklasse(int(label), int(label))
    if isinstance(label, (float, np.floating)) and float(label).is_integer() and label >= 0:
        return Leeftijdsklasse(int(label), int(label))
    s = _norm_label(label)
    if s.startswith("totaal") or s in {"alle leeftijden", "total"}:
        return None
    patterns: list[tuple[str, Callable[[re.Match[str]], Leeftijdsklasse]]] = [
        (r"^(\d+)( jaar)?$", lambda m: Leeftijdsklasse(int(m[1]), int(m[1]))),
        # CBS: "45 tot 50 jaar" = 45..49 ("tot" excludes the upper bound).
        (r"^(\d+) tot (\d+)( jaar)?$", lambda m: Leeftijdsklasse(int(m[1]), int(m[2]) - 1)),
        # Users: "85-89", "85 t/m 89", "85 tot en met 89" include the upper bound.
        (
            r"^(\d+) ?(?:-|t/m|tm|tot en met) ?(\d+)( jaar)?$",
            lambda m: Leeftijdsklasse(int(m[1]), int(m[2])),
        ),
        (r"^(\d+) ?(jaar)? ?\+$", lambda m: Leeftijdsklasse(int(m[1]), None)),
        (
            r"^(\d+)( jaar)? (?:of|en) (?:ouder|meer)$",
            lambda m: Leeftijdsklasse(int(m[1]), None),
        ),
        (r"^(?:vanaf|>=) ?(\d+)( jaar)?$", lambda m: Leeftijdsklasse(int(m[1]), None)),
        (r"^jonger dan (\d+)( jaar)?$", lambda m: Leeftijdsklasse(0, int(m[1]) - 1)),
    ]
    for pattern, make in patterns:
        m = re.match(pattern, s)
        if m:
            klasse = make(m)
            if klasse.tot is not None and klasse.tot < klasse.van:
                raise ValueError(f"bovengrens kleiner dan ondergrens in {label!r}")
            return klasse
    raise ValueError(f"onbekende leeftijdsklasse {label!r}")


# --------------------------------------------------------------------------------------
# Geslacht and Leeftijd keys of the CBS population tables
# --------------------------------------------------------------------------------------

#: Geslacht keys shared by CBS population tables (03759ned, 85171NED).
GESLACHT_KEYS: dict[str, str] = {"T001038": "totaal", "3000": "man", "4000": "vrouw"}
GESLACHT_TITELS: dict[str, str] = {
    "T001038": "Totaal mannen en vrouwen",
    "3000": "Mannen",
    "4000": "Vrouwen",
}

LEEFTIJD_TOTAAL = "10000"


def _builtin_leeftijd() -> dict[str, tuple[Leeftijdsklasse | None, str]]:
    """Built-in Leeftijd keys of 03759ned (Key -> class, Title), in dimension order.

    Confirmed from a real 03759ned UntypedDataSet download (108 Leeftijd keys) and a
    published Key/Title listing; see docs/invoerformaten.md. Single years 1-99 are
    ``10000 + 100*n``, 100-104 are ``19901``-``19905``; ``22000`` and ``22300`` are the
    overlapping open classes 95+ and 105+.
    """
    m: dict[str, tuple[Leeftijdsklasse | None, str]] = {
        LEEFTIJD_TOTAAL: (None, "Totaal"),
        "10010": (Leeftijdsklasse(0, 0), "0 jaar"),
    }
    for n in range(1, 95):
        m[str(10000 + 100 * n)] = (Leeftijdsklasse(n, n), f"{n} jaar")
    m["22000"] = (Leeftijdsklasse(95, None), "95 jaar of ouder")
    for n in range(95, 100):
        m[str(10000 + 100 * n)] = (Leeftijdsklasse(n, n), f"{n} jaar")
    for n in range(100, 105):
        m[str(19900 + n - 99)] = (Leeftijdsklasse(n, n), f"{n} jaar")
    m["22300"] = (Leeftijdsklasse(105, None), "105 jaar of ouder")
    return m


#: Key -> (class or None for the total, title), in the real dimension order.
LEEFTIJD_03759NED: dict[str, tuple[Leeftijdsklasse | None, str]] = _builtin_leeftijd()
KEY_VAN_KLASSE: dict[Leeftijdsklasse | None, str] = {
    k: key for key, (k, _) in LEEFTIJD_03759NED.items()
}


def leeftijd_map(leeftijd_dim: pd.DataFrame | None, bron: str) -> dict[str, Leeftijdsklasse | None]:
    """Key -> class from a dimension table (Key, Title), else the built-in 03759ned map."""
    if leeftijd_dim is None:
        return {k: v[0] for k, v in LEEFTIJD_03759NED.items()}
    cols = {str(c).strip().lower(): c for c in leeftijd_dim.columns}
    if "key" not in cols or "title" not in cols:
        raise WijkscanError(
            "De Leeftijd-dimensietabel mist de kolommen 'Key' en/of 'Title'.",
            waar=f"{bron} (Leeftijd-dimensie); kolommen: {voorbeelden(leeftijd_dim.columns)}",
            oplossing="Download de dimensie via <tabel>/Leeftijd van de OData-API (Key, Title).",
        )
    out: dict[str, Leeftijdsklasse | None] = {}
    for key, title in zip(
        strip_keys(leeftijd_dim[cols["key"]]), leeftijd_dim[cols["title"]], strict=True
    ):
        try:
            out[key] = parse_leeftijd(title)
        except ValueError as exc:
            raise WijkscanError(
                f"Leeftijdstitel {title!r} (sleutel {key}) is niet te lezen.",
                waar=f"{bron} (Leeftijd-dimensie), kolom Title",
                oplossing="Verwachte titels: '0 jaar', '45 tot 50 jaar', '95 jaar of ouder', "
                "'Totaal'.",
            ) from exc
    return out
