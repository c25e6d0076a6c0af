"""CBS StatLine tables by age: 03759ned, 85171NED, and RIVM *Gezondheid per wijk en buurt*.

All three are read in the OData v3 "onbewerkte dataset" (``UntypedDataSet``) layout: one
column per dimension holding dimension *keys* (not titles), one column per measure whose
OData key carries a position suffix (``BevolkingOp1Januari_1``, ``Eenzaam_27``).

CBS quirks handled here (sources and evidence: ``docs/invoerformaten.md``):

* Keys are right-padded with spaces to the longest key of the dimension: ``'3000   '``
  (Geslacht, padded to the 7 characters of ``T001038``), ``'NL01  '`` (RegioS, 6
  characters), ``'BU02260101'``/``'GM0226    '`` (WijkenEnBuurten, 10 characters). Every
  key is stripped before use.
* Suppressed or unknown cells are ``'.'`` (or empty / ``None`` in JSON); they become NaN,
  never 0. Numbers may be left-padded with spaces (``'  862965'``).
* Age dimensions mix a total (``10000``), single years and overlapping subtotals. In
  03759ned ``22000`` ("95 jaar of ouder") overlaps the single years 95-104 and ``22300``
  ("105 jaar of ouder"); on older periods gemeenten only have single years up to 94.
  :func:`kies_indeling` therefore picks the finest *non-overlapping* partition of the age
  range that has data.
* 85171NED publishes values in thousands (``TotaleBevolking_1 = 31.2`` means 31,200).
  Since July 2023 PBL/CBS only keep totals per gemeente in this table: the age and sex
  detail was withdrawn as unreliable.
* The measure suffix of the RIVM tables differs per edition (``Eenzaam_27`` in 50120NED,
  ``Eenzaam_25`` in 50150NED) and 50150NED renamed "ernstig eenzaam" to ``SterkEenzaam``;
  measures are matched on their name prefix, never on the suffix.

The shared tidy format and its validation (:func:`validate_bevolking`) also serve
:mod:`pipeline.ingest.primos` and :mod:`pipeline.ingest.brp`.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError

# --------------------------------------------------------------------------------------
# Tidy format and shared helpers
# --------------------------------------------------------------------------------------

#: Columns of the canonical tidy ``bevolking`` table (BRP adds ``buurtcode`` in front).
TIDY_COLUMNS: tuple[str, ...] = (
    "gemeentecode",
    "jaar",
    "geslacht",
    "leeftijd_van",
    "leeftijd_tot",
    "aantal",
)
GESLACHTEN: tuple[str, ...] = ("man", "vrouw", "totaal")

#: Cell values that mean "no figure" (CBS: '.' secret/unknown, 'x' secret; user files:
#: '*', '<5' for small suppressed cells). They become NaN - missing is never zero.
MISSING_STRINGS: frozenset[str] = frozenset(
    {"", ".", "x", "-", "?", "*", "<5", "nan", "none", "null", "na", "n/a"}
)

_GEMEENTE_RE = re.compile(r"^GM\d{4}$")


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


def _strip_keys(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip()


def _voorbeelden(values: Iterable[Any], n: int = 5) -> str:
    vals = [str(v) for v in values]
    more = f" (en {len(vals) - n} meer)" if len(vals) > n else ""
    return ", ".join(vals[:n]) + more


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
        sep = ";" if head.count(";") > head.count(",") else ","
        return pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            quoting=csv.QUOTE_MINIMAL,
            skipinitialspace=False,
        )
    except WijkscanError:
        raise
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise WijkscanError(
            f"Het bestand is geen leesbare CSV: {path} ({exc.__class__.__name__})",
            oplossing="Gebruik de StatLine-export 'onbewerkte dataset' als CSV (UTF-8).",
        ) from exc


def _require_columns(df: pd.DataFrame, columns: Sequence[str], waar: str, oplossing: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise WijkscanError(
            f"Kolom(men) {', '.join(repr(c) for c in missing)} ontbreken.",
            waar=f"{waar}; aanwezige kolommen: {_voorbeelden(df.columns, 10)}",
            oplossing=oplossing,
        )


# --------------------------------------------------------------------------------------
# Partition of the age range
# --------------------------------------------------------------------------------------


def kies_indeling(
    klassen: Sequence[Leeftijdsklasse], ontbreekt: Sequence[bool]
) -> list[int] | None:
    """Pick the finest non-overlapping set of classes that covers age 0 to the open top.

    CBS tables offer overlapping classes (single years *and* "95 jaar of ouder" *and*
    "105 jaar of ouder"). The chosen partition first minimises the number of classes
    without a value, then maximises the number of classes (finest detail).

    Parameters
    ----------
    klassen
        Candidate classes (no totals).
    ontbreekt
        Per class: True when its value is missing.

    Returns
    -------
    list of int or None
        Indices into ``klassen`` in age order, or None when no partition from 0 to an
        open top class exists.
    """
    by_start: dict[int, list[int]] = defaultdict(list)
    for i, k in enumerate(klassen):
        by_start[k.van].append(i)
    memo: dict[int, tuple[tuple[int, int], list[int]] | None] = {}

    def best(start: int) -> tuple[tuple[int, int], list[int]] | None:
        if start in memo:
            return memo[start]
        result: tuple[tuple[int, int], list[int]] | None = None
        for i in by_start.get(start, []):
            k = klassen[i]
            if k.tot is None:
                cand = ((int(ontbreekt[i]), -1), [i])
            else:
                rest = best(k.tot + 1)
                if rest is None:
                    continue
                cost = (rest[0][0] + int(ontbreekt[i]), rest[0][1] - 1)
                cand = (cost, [i, *rest[1]])
            if result is None or cand[0] < result[0]:
                result = cand
        memo[start] = result
        return result

    found = best(0)
    return None if found is None else found[1]


def _select_partition(
    klassen: list[Leeftijdsklasse],
    waarden: list[float],
    totaal: float | None,
    wie: str,
    waar: str,
    tolerantie: float,
) -> list[tuple[Leeftijdsklasse, float]]:
    ontbreekt = [bool(np.isnan(v)) for v in waarden]
    idx = kies_indeling(klassen, ontbreekt)
    if idx is None:
        raise WijkscanError(
            f"De leeftijdsklassen van {wie} sluiten niet aan: er is geen indeling die van 0 jaar "
            "tot en met een open bovenklasse loopt.",
            waar=f"{waar}; klassen: {_voorbeelden(sorted({k.label() for k in klassen}), 12)}",
            oplossing="Download de tabel met alle leeftijden (losse jaren of 5-jaarsklassen "
            "tot en met de hoogste klasse 'jaar of ouder').",
        )
    gekozen = [(klassen[i], waarden[i]) for i in idx]
    som = float(np.sum([v for _, v in gekozen]))
    if totaal is not None and not np.isnan(totaal) and not any(np.isnan(v) for _, v in gekozen):
        if abs(som - totaal) > tolerantie + 1e-3 * abs(totaal):
            raise WijkscanError(
                f"De leeftijdsklassen van {wie} tellen op tot {som:,.0f}, maar het totaal is "
                f"{totaal:,.0f}.",
                waar=waar,
                oplossing="Controleer of de Leeftijd-dimensietabel bij deze download hoort "
                "(sleutels en titels), en of er geen rijen ontbreken.",
            )
    return gekozen


# --------------------------------------------------------------------------------------
# Validation of tidy tables
# --------------------------------------------------------------------------------------


def validate_bevolking(
    df: pd.DataFrame,
    waar: str,
    regio_kolom: str = "gemeentecode",
    rij_kolom: str | None = None,
) -> pd.DataFrame:
    """Check and type a tidy population table.

    Checks: required columns, sex values, integer ages, non-negative counts, no duplicate
    classes, and per (region, jaar, geslacht) classes that partition the age range from
    0 up to and including one open top class (no gaps, no overlaps).

    Parameters
    ----------
    df
        Tidy table (:data:`TIDY_COLUMNS`, with ``regio_kolom`` as region column).
    waar
        File or table, for error messages.
    regio_kolom
        ``'gemeentecode'`` or ``'buurtcode'``.
    rij_kolom
        Optional column with source row numbers, used in messages and then dropped.

    Returns
    -------
    pandas.DataFrame
        Typed copy sorted by region, jaar, geslacht, leeftijd_van.

    Raises
    ------
    WijkscanError
        On the first failing check, naming rows/regions.
    """
    cols = [regio_kolom, *[c for c in TIDY_COLUMNS if c != "gemeentecode"]]
    if regio_kolom != "gemeentecode" and "gemeentecode" in df.columns:
        cols.insert(1, "gemeentecode")
    _require_columns(df, cols, waar, "Lever een tabel met deze kolommen aan.")
    out = df[[*cols, *([rij_kolom] if rij_kolom else [])]].copy()

    def rijen(mask: pd.Series) -> str:
        if rij_kolom:
            return "rij " + _voorbeelden(out.loc[mask, rij_kolom].tolist())
        return _voorbeelden(out.loc[mask, regio_kolom].astype(str).unique().tolist())

    bad_sex = ~out["geslacht"].isin(GESLACHTEN)
    if bad_sex.any():
        raise WijkscanError(
            f"Onbekende waarde(n) in kolom 'geslacht': "
            f"{_voorbeelden(out.loc[bad_sex, 'geslacht'].astype(str).unique())}.",
            waar=f"{waar}, kolom geslacht ({rijen(bad_sex)})",
            oplossing="Gebruik man, vrouw of totaal.",
        )
    aantal = pd.to_numeric(out["aantal"], errors="coerce").astype(float)
    neg = aantal < 0
    if neg.any():
        raise WijkscanError(
            "Negatieve aantallen.",
            waar=f"{waar}, kolom aantal ({rijen(neg)})",
            oplossing="Aantallen personen kunnen niet negatief zijn; controleer het bestand.",
        )
    out["aantal"] = aantal
    out["jaar"] = pd.to_numeric(out["jaar"], errors="raise").astype("int64")
    out["leeftijd_van"] = pd.to_numeric(out["leeftijd_van"], errors="raise").astype("int64")
    out["leeftijd_tot"] = pd.array(out["leeftijd_tot"], dtype="Int64")
    if (out["leeftijd_van"] < 0).any():
        raise WijkscanError("Negatieve leeftijd.", waar=f"{waar}, kolom leeftijd_van")
    omgekeerd = out["leeftijd_tot"].notna() & (out["leeftijd_tot"] < out["leeftijd_van"])
    if omgekeerd.fillna(False).any():
        mask = omgekeerd.fillna(False).astype(bool)
        raise WijkscanError(
            "Leeftijdsklasse met bovengrens onder de ondergrens.",
            waar=f"{waar}, kolom leeftijd ({rijen(mask)})",
            oplossing="Schrijf klassen als '85-89' (beide grenzen inclusief) of '90+'.",
        )
    key = [regio_kolom, "jaar", "geslacht", "leeftijd_van"]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        raise WijkscanError(
            "Dubbele regels: dezelfde leeftijdsklasse komt meer dan eens voor.",
            waar=f"{waar} ({rijen(dup)})",
            oplossing="Elke combinatie van gebied, jaar, geslacht en leeftijd mag één keer "
            "voorkomen; tel dubbele regels op of verwijder ze.",
        )
    out = out.sort_values(key, kind="stable").reset_index(drop=True)
    for (regio, jaar, sex), grp in out.groupby([regio_kolom, "jaar", "geslacht"], sort=False):
        van = grp["leeftijd_van"].to_numpy()
        tot = grp["leeftijd_tot"].to_numpy(dtype=object, na_value=None)
        wie = f"{regio}, {jaar}, {sex}"
        if van[0] != 0:
            raise WijkscanError(
                f"De leeftijden van {wie} beginnen bij {van[0]} jaar in plaats van 0.",
                waar=waar,
                oplossing="Lever alle leeftijden aan, vanaf 0 jaar.",
            )
        for i in range(len(van)):
            top = tot[i]
            if top is None:
                if i != len(van) - 1:
                    raise WijkscanError(
                        f"Overlappende leeftijdsklassen bij {wie}: open klasse {van[i]}+ "
                        f"overlapt met {van[i + 1]}.",
                        waar=waar,
                        oplossing="Gebruik één open bovenklasse (bijv. '90+') en geen "
                        "subtotalen zoals '65+' naast losse klassen.",
                    )
                continue
            if i == len(van) - 1:
                raise WijkscanError(
                    f"De hoogste leeftijdsklasse van {wie} ({van[i]}-{top}) is niet open.",
                    waar=waar,
                    oplossing="Laat de hoogste klasse open eindigen, bijv. '95+' of "
                    "'100 jaar of ouder'.",
                )
            nxt = van[i + 1]
            if nxt <= top:
                raise WijkscanError(
                    f"Overlappende leeftijdsklassen bij {wie}: {van[i]}-{top} en vanaf {nxt}.",
                    waar=waar,
                    oplossing="Verwijder subtotalen; klassen mogen elkaar niet overlappen.",
                )
            if nxt > top + 1:
                raise WijkscanError(
                    f"Gat in de leeftijdsklassen bij {wie}: {top + 1} t/m {nxt - 1} jaar "
                    "ontbreekt.",
                    waar=waar,
                    oplossing="Lever alle leeftijden aan; een ontbrekend aantal wordt leeg "
                    "('.'), niet weggelaten.",
                )
    if rij_kolom:
        out = out.drop(columns=[rij_kolom])
    return out


def _tidy_frame(records: list[dict[str, Any]], regio_kolom: str = "gemeentecode") -> pd.DataFrame:
    cols = [regio_kolom, *[c for c in TIDY_COLUMNS if c != "gemeentecode"]]
    if not records:
        df = pd.DataFrame({c: [] for c in cols})
    else:
        df = pd.DataFrame.from_records(records, columns=cols)
    df["jaar"] = df["jaar"].astype("int64")
    df["leeftijd_van"] = df["leeftijd_van"].astype("int64")
    df["leeftijd_tot"] = pd.array(df["leeftijd_tot"], dtype="Int64")
    df["aantal"] = df["aantal"].astype(float)
    return df


# --------------------------------------------------------------------------------------
# Dimension keys
# --------------------------------------------------------------------------------------

#: Geslacht keys shared by CBS population tables (03759ned, 85171NED).
GESLACHT_KEYS: dict[str, str] = {"T001038": "totaal", "3000": "man", "4000": "vrouw"}
GESLACHT_TITELS: dict[str, str] = {
    "T001038": "Totaal mannen en vrouwen",
    "3000": "Mannen",
    "4000": "Vrouwen",
}
#: BurgerlijkeStaat total in 03759ned.
BURGERLIJKE_STAAT_TOTAAL = "T001019"
#: BurgerlijkeStaat categories of 03759ned (key -> our label). Verified (issue 16) with the
#: search tool: a public data dictionary of a CBS StatLine extract (a repository's README,
#: "MetaMarital table", found with find_string "Totaal burgerlijke staat") lists the codes
#: "T001019, 1010, 1020, 1050 or 1080" with the titles "Totaal burgerlijke staat, Ongehuwd,
#: Gehuwd, Verweduwd or Gescheiden" in that order; CBS uses one code list for this dimension
#: across its population tables. T001019 as the 03759ned total is confirmed by several
#: projects that query 03759ned ("BurgerlijkeStaat eq 'T001019'"). The order-based pairing
#: of 1050/1080 with verweduwd/gescheiden is NOT seen in a 03759ned download itself: the
#: parser therefore also accepts the dimension table (Key, Title) and then trusts the titles.
BURGERLIJKE_STAAT_KEYS: dict[str, str] = {
    "1010": "ongehuwd",
    "1020": "gehuwd",
    "1050": "verweduwd",
    "1080": "gescheiden",
}
BURGERLIJKE_STAAT_TITELS: dict[str, str] = {
    BURGERLIJKE_STAAT_TOTAAL: "Totaal burgerlijke staat",
    "1010": "Ongehuwd",
    "1020": "Gehuwd",
    "1050": "Verweduwd",
    "1080": "Gescheiden",
}
#: Our categories, in the order of the contract (``bevolking_gemeente_bs.parquet``).
BURGERLIJKE_STATEN: tuple[str, ...] = ("ongehuwd", "gehuwd", "gescheiden", "verweduwd")
#: Columns of the joint gemeente table age x sex x burgerlijke staat.
BS_COLUMNS: tuple[str, ...] = (*TIDY_COLUMNS, "burgerlijke_staat")
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
_KEY_VAN_KLASSE: dict[Leeftijdsklasse | None, str] = {
    k: key for key, (k, _) in LEEFTIJD_03759NED.items()
}


def _leeftijd_map(
    leeftijd_dim: pd.DataFrame | None, bron: str
) -> dict[str, Leeftijdsklasse | None]:
    """Key -> class from a dimension table (Key, Title), else the built-in 03759ned map."""
    if leeftijd_dim is None:
        return {k: v[0] for k, v in LEEFTIJD_03759NED.items()}
    cols = {str(c).strip().lower(): c for c in leeftijd_dim.columns}
    if "key" not in cols or "title" not in cols:
        raise WijkscanError(
            "De Leeftijd-dimensietabel mist de kolommen 'Key' en/of 'Title'.",
            waar=f"{bron} (Leeftijd-dimensie); kolommen: {_voorbeelden(leeftijd_dim.columns)}",
            oplossing="Download de dimensie via <tabel>/Leeftijd van de OData-API (Key, Title).",
        )
    out: dict[str, Leeftijdsklasse | None] = {}
    for key, title in zip(
        _strip_keys(leeftijd_dim[cols["key"]]), leeftijd_dim[cols["title"]], strict=True
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


def _map_keys(
    keys: pd.Series, mapping: Mapping[str, Any], dimensie: str, waar: str, oplossing: str
) -> pd.Series:
    unknown = sorted(set(keys) - set(mapping))
    if unknown:
        raise WijkscanError(
            f"Onbekende sleutel(s) in dimensie {dimensie}: {_voorbeelden(unknown)}.",
            waar=f"{waar}, kolom {dimensie}",
            oplossing=oplossing,
        )
    return keys.map(lambda k: mapping[k])


def _jaar_van_periode(perioden: pd.Series) -> pd.Series:
    """'2024JJ00' -> 2024; other period types (quarters, months) -> NA."""
    m = perioden.str.extract(r"^(\d{4})JJ00$")[0]
    return pd.to_numeric(m, errors="coerce").astype("Int64")


def _gemeenten_arg(gemeenten: Sequence[str], waar: str) -> list[str]:
    codes = [str(g).strip().upper() for g in gemeenten]
    bad = [g for g in codes if not _GEMEENTE_RE.match(g)]
    if bad or not codes:
        raise WijkscanError(
            f"Ongeldige gemeentecode(s): {_voorbeelden(bad) or '(geen)'}.",
            waar=waar,
            oplossing="Gebruik CBS-gemeentecodes van de vorm GM0226.",
        )
    return codes


# --------------------------------------------------------------------------------------
# 03759ned: Bevolking op 1 januari en gemiddelde; geslacht, leeftijd en regio
# --------------------------------------------------------------------------------------


def parse_03759ned(
    data: pd.DataFrame,
    leeftijd_dim: pd.DataFrame | None,
    jaar: int,
    gemeenten: Sequence[str],
    *,
    bron: str = "03759ned",
) -> pd.DataFrame:
    """Parse 03759ned rows into the tidy ``bevolking`` table.

    Parameters
    ----------
    data
        UntypedDataSet rows: ``Geslacht, Leeftijd, BurgerlijkeStaat, RegioS, Perioden,
        BevolkingOp1Januari_1`` (extra columns such as ``ID`` and
        ``GemiddeldeBevolking_2`` are ignored). Keys may be padded; values may be strings.
    leeftijd_dim
        The table's Leeftijd dimension (``Key``, ``Title``). Ages are then parsed from the
        titles; without it the documented built-in key map is used.
    jaar
        Year of 1 January, selects ``Perioden == f'{jaar}JJ00'``.
    gemeenten
        Gemeente codes (``GM0226``) to return.
    bron
        File or table name for messages.

    Returns
    -------
    pandas.DataFrame
        Tidy table (:data:`TIDY_COLUMNS`) with the finest non-overlapping age partition
        per gemeente and sex; the table's total and subtotal rows are dropped.

    Raises
    ------
    WijkscanError
        Missing columns, unknown keys, year or gemeente absent, negative counts, age
        classes that do not partition the range or do not add up to the total.
    """
    codes = _gemeenten_arg(gemeenten, f"{bron}: gemeenten")
    oplossing = (
        "Download 03759ned als 'onbewerkte dataset' met de kolommen Geslacht, Leeftijd, "
        "RegioS, Perioden en BevolkingOp1Januari_1."
    )
    maat = find_measure(data.columns, "BevolkingOp1Januari", bron)
    if maat is None:
        raise WijkscanError(
            "Kolom 'BevolkingOp1Januari_1' ontbreekt.",
            waar=f"{bron}; kolommen: {_voorbeelden(data.columns, 10)}",
            oplossing=oplossing,
        )
    _require_columns(data, ["Geslacht", "Leeftijd", "RegioS", "Perioden"], bron, oplossing)
    df = pd.DataFrame(
        {
            "geslacht_key": _strip_keys(data["Geslacht"]),
            "leeftijd_key": _strip_keys(data["Leeftijd"]),
            "regio": _strip_keys(data["RegioS"]),
            "periode": _strip_keys(data["Perioden"]),
        }
    )
    if "BurgerlijkeStaat" in data.columns:
        staat = _strip_keys(data["BurgerlijkeStaat"])
        if BURGERLIJKE_STAAT_TOTAAL not in set(staat) and staat.nunique() > 1:
            raise WijkscanError(
                "De totaalcategorie 'T001019' (Totaal burgerlijke staat) ontbreekt.",
                waar=f"{bron}, kolom BurgerlijkeStaat",
                oplossing="Selecteer bij de download 'Totaal burgerlijke staat'.",
            )
        if BURGERLIJKE_STAAT_TOTAAL in set(staat):
            df = df[staat == BURGERLIJKE_STAAT_TOTAAL]
    df["jaar"] = _jaar_van_periode(df["periode"])
    beschikbaar = sorted(int(j) for j in df["jaar"].dropna().unique())
    if jaar not in beschikbaar:
        raise WijkscanError(
            f"Jaar {jaar} ontbreekt in {bron} "
            f"(aanwezig: {_voorbeelden(beschikbaar, 8) or 'geen'}).",
            waar=f"{bron}, kolom Perioden",
            oplossing=f"Download de tabel met periode {jaar}JJ00, of kies een beschikbaar jaar.",
        )
    values, bad = to_float(data.loc[df.index, maat])
    df["aantal"] = values.to_numpy()
    if bad.any():
        raise WijkscanError(
            f"Geen getal in kolom {maat}: "
            f"{_voorbeelden(data.loc[df.index[bad.to_numpy()], maat])}.",
            waar=f"{bron}, kolom {maat}",
            oplossing="Gebruik de onbewerkte dataset; onderdrukte cellen zijn '.'.",
        )
    df = df[df["jaar"] == jaar]
    absent = [g for g in codes if g not in set(df["regio"])]
    if absent:
        raise WijkscanError(
            f"Gemeente(n) {_voorbeelden(absent)} ontbreken in {bron} voor {jaar}.",
            waar=f"{bron}, kolom RegioS",
            oplossing="Controleer de gemeentecode (herindelingen!) en download de tabel voor "
            "deze gemeenten.",
        )
    df = df[df["regio"].isin(codes)]
    if (df["aantal"] < 0).any():
        raise WijkscanError(
            "Negatieve aantallen.",
            waar=f"{bron}, kolom {maat}",
            oplossing="Controleer de download.",
        )
    df["geslacht"] = _map_keys(
        df["geslacht_key"],
        GESLACHT_KEYS,
        "Geslacht",
        bron,
        "Verwacht: T001038 (totaal), 3000 (mannen), 4000 (vrouwen).",
    )
    leeftijd = _leeftijd_map(leeftijd_dim, bron)
    df["klasse"] = _map_keys(
        df["leeftijd_key"],
        leeftijd,
        "Leeftijd",
        bron,
        "Geef de Leeftijd-dimensietabel (Key, Title) van deze download mee.",
    )
    return _partition_records(df, bron, tolerantie=0.5)


def lege_bs_tabel() -> pd.DataFrame:
    """An empty joint table age x sex x burgerlijke staat (columns :data:`BS_COLUMNS`)."""
    df = _tidy_frame([])
    df["burgerlijke_staat"] = pd.Series([], dtype=object)
    return df[list(BS_COLUMNS)]


def _staat_map(staat_dim: pd.DataFrame | None, bron: str) -> dict[str, str | None]:
    """BurgerlijkeStaat key -> category (None = total), from titles when a dimension is given."""
    if staat_dim is None:
        return {BURGERLIJKE_STAAT_TOTAAL: None, **BURGERLIJKE_STAAT_KEYS}
    cols = {str(c).strip().lower(): c for c in staat_dim.columns}
    if "key" not in cols or "title" not in cols:
        raise WijkscanError(
            "De BurgerlijkeStaat-dimensietabel mist de kolommen 'Key' en/of 'Title'.",
            waar=f"{bron} (BurgerlijkeStaat-dimensie)",
            oplossing="Download de dimensie via 03759ned/BurgerlijkeStaat (Key, Title).",
        )
    by_title = {t.lower(): k for k, t in BURGERLIJKE_STAAT_TITELS.items()}
    out: dict[str, str | None] = {}
    for key, title in zip(
        _strip_keys(staat_dim[cols["key"]]), staat_dim[cols["title"]], strict=True
    ):
        known = by_title.get(str(title).strip().lower())
        if known is None:
            raise WijkscanError(
                f"Onbekende burgerlijke staat {title!r} (sleutel {key}).",
                waar=f"{bron} (BurgerlijkeStaat-dimensie), kolom Title",
                oplossing="Verwacht: Totaal burgerlijke staat, Ongehuwd, Gehuwd, Verweduwd, "
                "Gescheiden.",
            )
        out[key] = None if known == BURGERLIJKE_STAAT_TOTAAL else BURGERLIJKE_STAAT_KEYS[known]
    return out


def parse_03759ned_burgerlijke_staat(
    data: pd.DataFrame,
    leeftijd_dim: pd.DataFrame | None,
    jaar: int,
    gemeenten: Sequence[str],
    *,
    staat_dim: pd.DataFrame | None = None,
    bron: str = "03759ned",
    tolerantie: float = 0.5,
) -> pd.DataFrame:
    """Parse the joint age x sex x burgerlijke staat table of 03759ned.

    Parameters
    ----------
    data
        UntypedDataSet rows as for :func:`parse_03759ned`, with a ``BurgerlijkeStaat``
        column holding the total ``T001019`` and the four categories.
    leeftijd_dim
        Leeftijd dimension (``Key``, ``Title``) or None for the built-in keys.
    jaar
        Year of 1 January.
    gemeenten
        Gemeente codes to return.
    staat_dim
        Optional BurgerlijkeStaat dimension (``Key``, ``Title``); categories are then
        recognised by title instead of the built-in keys :data:`BURGERLIJKE_STAAT_KEYS`.
    bron
        File or table name for messages.
    tolerantie
        Largest accepted difference between the sum of the four categories and the
        total of a class (persons).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BS_COLUMNS`; ``geslacht`` is ``man``/``vrouw`` only, every class of
        the total's age partition has one row per category. An EMPTY table (same columns)
        when the source has no marital-status categories (only the total).

    Raises
    ------
    WijkscanError
        When only some categories are present, a key is unknown, a category has other age
        classes than the total, or the categories do not add up to the total.
    """
    if "BurgerlijkeStaat" not in data.columns:
        return lege_bs_tabel()
    mapping = _staat_map(staat_dim, bron)
    staat = _strip_keys(data["BurgerlijkeStaat"])
    present = set(staat)
    categorie = {k: v for k, v in mapping.items() if v is not None}
    if not present & set(categorie):
        return lege_bs_tabel()
    ontbreekt = [f"{v} ({k})" for k, v in categorie.items() if k not in present]
    if ontbreekt:
        raise WijkscanError(
            f"Niet alle categorieën van burgerlijke staat zijn aanwezig; ontbreken: "
            f"{_voorbeelden(ontbreekt)}.",
            waar=f"{bron}, kolom BurgerlijkeStaat",
            oplossing="Download 03759ned met alle vier categorieën (ongehuwd, gehuwd, "
            "verweduwd, gescheiden) plus het totaal, of alleen met het totaal.",
        )
    onbekend = sorted(present - set(mapping))
    if onbekend:
        raise WijkscanError(
            f"Onbekende sleutel(s) in dimensie BurgerlijkeStaat: {_voorbeelden(onbekend)}.",
            waar=f"{bron}, kolom BurgerlijkeStaat",
            oplossing="Verwacht: T001019 (totaal), 1010, 1020, 1050, 1080; of geef de "
            "BurgerlijkeStaat-dimensietabel (Key, Title) mee.",
        )
    totaal = parse_03759ned(data, leeftijd_dim, jaar, gemeenten, bron=bron)
    key = ["gemeentecode", "jaar", "geslacht", "leeftijd_van"]
    klassen = totaal[[*key, "leeftijd_tot"]]
    parts = []
    for code, naam in categorie.items():
        sub = data[(staat == code).to_numpy()].copy()
        # The category rows have the same layout as the total rows: parse them as one.
        sub["BurgerlijkeStaat"] = BURGERLIJKE_STAAT_TOTAAL
        part = parse_03759ned(sub, leeftijd_dim, jaar, gemeenten, bron=f"{bron} ({naam})")
        merged = klassen.merge(part, on=[*key, "leeftijd_tot"], how="outer", indicator=True)
        if (merged["_merge"] != "both").any():
            afwijkend = merged.loc[merged["_merge"] != "both"]
            labels = sorted(
                {
                    Leeftijdsklasse(int(v), None if pd.isna(t) else int(t)).label()
                    for v, t in zip(
                        afwijkend["leeftijd_van"], afwijkend["leeftijd_tot"], strict=True
                    )
                }
            )
            raise WijkscanError(
                f"De leeftijdsklassen van '{naam}' wijken af van die van het totaal: "
                f"{_voorbeelden(labels)}.",
                waar=f"{bron}, BurgerlijkeStaat {code}",
                oplossing="Download alle categorieën voor dezelfde leeftijden als het totaal.",
            )
        parts.append(part.assign(burgerlijke_staat=naam))
    joint = pd.concat(parts, ignore_index=True)
    som = joint.groupby(key, sort=False)["aantal"].sum(min_count=len(categorie))
    vergelijk = totaal.set_index(key)["aantal"].to_frame("totaal").join(som.rename("som"))
    verschil = (vergelijk["som"] - vergelijk["totaal"]).abs()
    fout = verschil > tolerantie
    if fout.any():
        voorbeeld = vergelijk[fout].reset_index().iloc[0]
        raise WijkscanError(
            f"De categorieën van burgerlijke staat tellen niet op tot het totaal: "
            f"{voorbeeld['gemeentecode']} {voorbeeld['jaar']} {voorbeeld['geslacht']}, "
            f"leeftijd vanaf {voorbeeld['leeftijd_van']}: som {voorbeeld['som']:,.0f}, "
            f"totaal {voorbeeld['totaal']:,.0f} ({int(fout.sum())} klasse(n) wijken af).",
            waar=f"{bron}, kolom BurgerlijkeStaat",
            oplossing="Controleer of alle categorieën uit dezelfde download komen; het "
            "totaal T001019 moet de som van 1010, 1020, 1050 en 1080 zijn.",
        )
    joint = joint[joint["geslacht"].isin(["man", "vrouw"])]
    order = {n: i for i, n in enumerate(BURGERLIJKE_STATEN)}
    joint = joint.assign(_o=joint["burgerlijke_staat"].map(order)).sort_values(
        ["gemeentecode", "jaar", "geslacht", "leeftijd_van", "_o"], kind="stable"
    )
    return joint.drop(columns="_o")[list(BS_COLUMNS)].reset_index(drop=True)


def _partition_records(df: pd.DataFrame, bron: str, tolerantie: float) -> pd.DataFrame:
    records: list[dict[str, Any]] = []
    for (regio, jaar, sex), grp in df.groupby(["regio", "jaar", "geslacht"], sort=True):
        totals = [v for k, v in zip(grp["klasse"], grp["aantal"], strict=True) if k is None]
        klassen = [k for k in grp["klasse"] if k is not None]
        waarden = [v for k, v in zip(grp["klasse"], grp["aantal"], strict=True) if k is not None]
        wie = f"{regio} {jaar} ({sex})"
        if not klassen and totals:
            # Only a total (e.g. 85171NED since 2023): one open class 0+.
            gekozen = [(Leeftijdsklasse(0, None), float(totals[0]))]
        else:
            dup = {k for k in klassen if klassen.count(k) > 1}
            if dup:
                raise WijkscanError(
                    f"Leeftijdsklasse(n) {_voorbeelden(sorted(k.label() for k in dup))} komen "
                    f"dubbel voor bij {wie}.",
                    waar=f"{bron}, kolom Leeftijd",
                    oplossing="Lever één regel per sleutelcombinatie aan.",
                )
            gekozen = _select_partition(
                klassen,
                waarden,
                float(totals[0]) if totals else None,
                wie,
                bron,
                tolerantie * max(1, len(klassen)),
            )
        for klasse, waarde in gekozen:
            records.append(
                {
                    "gemeentecode": regio,
                    "jaar": int(jaar),
                    "geslacht": sex,
                    "leeftijd_van": klasse.van,
                    "leeftijd_tot": klasse.tot,
                    "aantal": float(waarde),
                }
            )
    return validate_bevolking(_tidy_frame(records), bron)


def _format_waarde(v: float, decimals: int = 0, width: int = 8) -> str:
    if v is None or np.isnan(v):
        return ".".rjust(width)
    return f"{v:.{decimals}f}".rjust(width)


def _raw_values(
    bevolking: pd.DataFrame, met_totaal_geslacht: bool
) -> dict[tuple[str, int, str, str], float]:
    """(gemeente, jaar, geslacht, Leeftijd key) -> value, with CBS's totals and subtotals."""
    tidy = validate_bevolking(bevolking, "raw_03759ned")
    if met_totaal_geslacht and "totaal" not in set(tidy["geslacht"]):
        mv = tidy[tidy["geslacht"].isin(["man", "vrouw"])]
        if set(mv["geslacht"]) == {"man", "vrouw"}:
            tot = (
                mv.groupby(["gemeentecode", "jaar", "leeftijd_van"], sort=False)
                .agg(
                    leeftijd_tot=("leeftijd_tot", "first"),
                    aantal=("aantal", lambda s: s.sum(min_count=len(s))),
                )
                .reset_index()
                .assign(geslacht="totaal")
            )
            tidy = validate_bevolking(pd.concat([tidy, tot], ignore_index=True), "raw_03759ned")
    values: dict[tuple[str, int, str, str], float] = {}
    for row in tidy.itertuples(index=False):
        tot = None if pd.isna(row.leeftijd_tot) else int(row.leeftijd_tot)
        klasse = Leeftijdsklasse(int(row.leeftijd_van), tot)
        key = _KEY_VAN_KLASSE.get(klasse)
        if key is None or (klasse.tot is None and klasse.van not in (95, 105)):
            raise ValueError(f"03759ned kent geen leeftijdsklasse {klasse.label()}")
        values[(row.gemeentecode, int(row.jaar), row.geslacht, key)] = float(row.aantal)

    def som(parts: list[float]) -> float:
        return float(np.sum(parts)) if not any(np.isnan(p) for p in parts) else np.nan

    groups = tidy[["gemeentecode", "jaar", "geslacht"]].drop_duplicates()
    for g in groups.itertuples(index=False):
        base = (g.gemeentecode, int(g.jaar), g.geslacht)
        single = [_KEY_VAN_KLASSE[Leeftijdsklasse(n, n)] for n in range(105)]
        if (*base, "22300") in values:
            # Detail up to 104 plus 105+: CBS adds the overlapping subtotal 95+ (22000).
            values[(*base, "22000")] = som(
                [values[(*base, k)] for k in single[95:]] + [values[(*base, "22300")]]
            )
            values[(*base, LEEFTIJD_TOTAAL)] = som(
                [values[(*base, k)] for k in single] + [values[(*base, "22300")]]
            )
        else:
            # 95+ is the top class: CBS leaves 95..104 and 105+ empty for such periods.
            for k in [*single[95:], "22300"]:
                values[(*base, k)] = np.nan
            values[(*base, LEEFTIJD_TOTAAL)] = som(
                [values[(*base, k)] for k in single[:95]] + [values[(*base, "22000")]]
            )
    return values


def raw_03759ned(
    bevolking: pd.DataFrame, *, met_totaal_geslacht: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write a tidy table in the real 03759ned UntypedDataSet layout.

    Used by the demo generator and the tests. Reproduces the CBS quirks: padded keys,
    right-aligned values, ``'.'`` for missing, the total ``10000`` and the overlapping
    subtotal ``22000`` (95+) next to the single years.

    Parameters
    ----------
    bevolking
        Tidy table with single years ``0..n`` and an open top class of 95+ or 105+.
        With 95+ the single years 95-104 and 105+ are written as ``'.'`` (as CBS does for
        gemeenten on older periods). With an extra column ``burgerlijke_staat``
        (:data:`BURGERLIJKE_STATEN`) the four categories are written as well, each with
        its own totals, plus their sum as ``T001019`` (as in the full 03759ned cube).
    met_totaal_geslacht
        Add ``T001038`` rows (men + women) when the tidy table has no 'totaal' rows.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(rows, leeftijd_dim)``: rows with columns ``ID, Geslacht, Leeftijd,
        BurgerlijkeStaat, RegioS, Perioden, BevolkingOp1Januari_1, GemiddeldeBevolking_2``
        (the average is not reproduced: ``'.'``), and the Leeftijd dimension (``Key,
        Title, Description, CategoryGroupID``). Rows follow the dimension order Geslacht,
        Leeftijd, BurgerlijkeStaat (total first), RegioS, Perioden.

    Raises
    ------
    ValueError
        For age classes 03759ned does not have (e.g. 5-year bands) or an unknown
        burgerlijke staat.
    """
    staat_key = {v: k for k, v in BURGERLIJKE_STAAT_KEYS.items()}
    per_staat: dict[str, dict[tuple[str, int, str, str], float]] = {}
    if "burgerlijke_staat" in bevolking.columns:
        onbekend = set(bevolking["burgerlijke_staat"]) - set(BURGERLIJKE_STATEN)
        if onbekend:
            raise ValueError(f"onbekende burgerlijke staat: {sorted(onbekend)}")
        keys = ["gemeentecode", "jaar", "geslacht", "leeftijd_van"]
        totaal = (
            bevolking.groupby(keys, sort=False)
            .agg(
                leeftijd_tot=("leeftijd_tot", "first"),
                aantal=("aantal", lambda s: s.sum(min_count=len(s))),
            )
            .reset_index()
        )
        per_staat[BURGERLIJKE_STAAT_TOTAAL] = _raw_values(totaal, met_totaal_geslacht)
        for naam in BURGERLIJKE_STATEN:
            part = bevolking[bevolking["burgerlijke_staat"] == naam].drop(
                columns="burgerlijke_staat"
            )
            per_staat[staat_key[naam]] = _raw_values(part, met_totaal_geslacht)
    else:
        per_staat[BURGERLIJKE_STAAT_TOTAAL] = _raw_values(bevolking, met_totaal_geslacht)
    sex_order = {"totaal": 0, "man": 1, "vrouw": 2}
    sex_key = {v: k for k, v in GESLACHT_KEYS.items()}
    key_order = {k: i for i, k in enumerate(LEEFTIJD_03759NED)}
    staat_order = {k: i for i, k in enumerate(BURGERLIJKE_STAAT_TITELS)}
    ordered = sorted(
        ((k, st, v) for st, values in per_staat.items() for k, v in values.items()),
        key=lambda e: (
            sex_order[e[0][2]],
            key_order[e[0][3]],
            staat_order[e[1]],
            e[0][0],
            e[0][1],
        ),
    )
    rows = pd.DataFrame(
        {
            "ID": [str(i) for i in range(len(ordered))],
            # Geslacht keys are padded to 7 characters, the length of 'T001038'.
            "Geslacht": [sex_key[k[2]].ljust(7) for k, _, _ in ordered],
            "Leeftijd": [k[3] for k, _, _ in ordered],
            # Padded like Geslacht, to the 7 characters of 'T001019' (assumed for 1010...).
            "BurgerlijkeStaat": [st.ljust(7) for _, st, _ in ordered],
            # RegioS keys are padded to 6 characters ('NL01  '); GM codes fill them.
            "RegioS": [k[0].ljust(6) for k, _, _ in ordered],
            "Perioden": [f"{k[1]}JJ00" for k, _, _ in ordered],
            "BevolkingOp1Januari_1": [_format_waarde(v) for _, _, v in ordered],
            "GemiddeldeBevolking_2": ".".rjust(8),
        }
    )
    dim = pd.DataFrame(
        {
            "Key": list(LEEFTIJD_03759NED),
            "Title": [t for _, t in LEEFTIJD_03759NED.values()],
            "Description": "",
            "CategoryGroupID": "",
        }
    )
    return rows, dim


# --------------------------------------------------------------------------------------
# 85171NED: Regionale prognose 2023-2050; bevolking, regio-indeling 2021
# --------------------------------------------------------------------------------------

#: Region column of 85171NED/85173NED; older forecasts (84525NED) are matched via prefix.
REGIO_KOLOM_85171NED = "RegioIndeling2021"
#: Forecast variant keys of the interval table 85173NED (median, 67% bounds).
PROGNOSE_INTERVALLEN: dict[str, str] = {
    "MW00000": "prognose",
    "MOG0067": "ondergrens 67%",
    "MBG0067": "bovengrens 67%",
}


def prognose_tabel(columns: Iterable[Any]) -> str | None:
    """Which CBS/PBL forecast table a raw file comes from, told by its dimensions.

    The tables differ in their region classification and in the interval dimension:
    85171NED (indeling 2021, no intervals), 85173NED (2021, with ``PrognoseInterval``;
    the central variant MW00000 is used), 84525NED / 84527NED (indeling 2018, without /
    with intervals). Provenance then names the table a gemeente's numbers really came
    from, also when a list of files or the online fallback picked it.

    Parameters
    ----------
    columns
        Column names of the raw rows.

    Returns
    -------
    str or None
        Table id (with the variant for interval tables), or None if unknown.
    """
    cols = {str(c) for c in columns}
    interval = "PrognoseInterval" in cols
    if "RegioIndeling2021" in cols:
        return "85173NED (MW00000)" if interval else "85171NED"
    if "RegioIndeling2018" in cols:
        return "84527NED (MW00000)" if interval else "84525NED"
    return None


def parse_85171ned(
    data: pd.DataFrame,
    leeftijd_dim: pd.DataFrame | None = None,
    *,
    gemeenten: Sequence[str],
    jaren: Sequence[int] | None = None,
    variant: str = "MW00000",
    eenheid: float = 1000.0,
    bron: str = "85171NED",
) -> pd.DataFrame:
    """Parse the PBL/CBS regional forecast (85171NED, or 85173NED with intervals).

    Parameters
    ----------
    data
        UntypedDataSet rows with ``RegioIndeling2021`` (any ``RegioIndeling*`` or
        ``RegioS`` column), ``Perioden`` (``'2030JJ00'``) and ``TotaleBevolking_1``;
        optional dimensions ``Geslacht``, ``Leeftijd`` and ``PrognoseInterval``.
    leeftijd_dim
        Leeftijd dimension (``Key``, ``Title``) when the rows carry age classes; the
        built-in 03759ned keys are used otherwise (``10000`` = total).
    gemeenten
        Gemeente codes to return.
    jaren
        Forecast years to return (default: all years in the table).
    variant
        ``PrognoseInterval`` key to keep when that dimension is present (85173NED).
    eenheid
        Multiplier of the published values: 1000 (the table is in thousands).
    bron
        File or table name for messages.

    Returns
    -------
    pandas.DataFrame
        Tidy table. With totals only (the current state of 85171NED) each gemeente/year
        has one row: geslacht 'totaal', ``leeftijd_van`` 0, ``leeftijd_tot`` <NA>.

    Raises
    ------
    WijkscanError
        Missing columns, unknown keys, absent years/gemeenten/variant, negative values.
    """
    codes = _gemeenten_arg(gemeenten, f"{bron}: gemeenten")
    oplossing = (
        "Download 85171NED als 'onbewerkte dataset' met RegioIndeling2021, Perioden en "
        "TotaleBevolking_1."
    )
    regio_col = next(
        (c for c in data.columns if str(c).startswith("RegioIndeling")),
        "RegioS" if "RegioS" in data.columns else None,
    )
    maat = find_measure(data.columns, "TotaleBevolking", bron)
    missing = [
        n for n, c in (("RegioIndeling2021", regio_col), ("TotaleBevolking_1", maat)) if c is None
    ]
    if missing:
        raise WijkscanError(
            f"Kolom(men) {', '.join(missing)} ontbreken.",
            waar=f"{bron}; kolommen: {_voorbeelden(data.columns, 10)}",
            oplossing=oplossing,
        )
    _require_columns(data, ["Perioden"], bron, oplossing)
    assert regio_col is not None and maat is not None
    df = pd.DataFrame(
        {"regio": _strip_keys(data[regio_col]), "periode": _strip_keys(data["Perioden"])}
    )
    if "PrognoseInterval" in data.columns:
        interval = _strip_keys(data["PrognoseInterval"])
        if variant not in set(interval):
            raise WijkscanError(
                f"Prognosevariant {variant!r} ontbreekt "
                f"(aanwezig: {_voorbeelden(sorted(set(interval)))}).",
                waar=f"{bron}, kolom PrognoseInterval",
                oplossing="Kies MW00000 (prognose), MOG0067 of MBG0067.",
            )
        df = df[interval == variant]
    df["geslacht_key"] = (
        _strip_keys(data.loc[df.index, "Geslacht"]) if "Geslacht" in data.columns else "T001038"
    )
    df["leeftijd_key"] = (
        _strip_keys(data.loc[df.index, "Leeftijd"])
        if "Leeftijd" in data.columns
        else LEEFTIJD_TOTAAL
    )
    values, bad = to_float(data.loc[df.index, maat])
    if bad.any():
        raise WijkscanError(
            f"Geen getal in kolom {maat}: "
            f"{_voorbeelden(data.loc[df.index[bad.to_numpy()], maat])}.",
            waar=f"{bron}, kolom {maat}",
            oplossing="Gebruik de onbewerkte dataset (decimale punt, '.' voor onbekend).",
        )
    df["aantal"] = values.to_numpy() * eenheid
    df["jaar"] = _jaar_van_periode(df["periode"])
    df = df[df["jaar"].notna()]
    beschikbaar = sorted(int(j) for j in df["jaar"].unique())
    wanted = list(beschikbaar) if jaren is None else [int(j) for j in jaren]
    absent_years = [j for j in wanted if j not in beschikbaar]
    if absent_years or not wanted:
        raise WijkscanError(
            f"Prognosejaar/jaren {_voorbeelden(absent_years) or '(geen)'} ontbreken in {bron} "
            f"(aanwezig: {_voorbeelden(beschikbaar, 8) or 'geen'}).",
            waar=f"{bron}, kolom Perioden",
            oplossing="Kies horizonjaren die in de prognose zitten (85171NED: 2023-2050).",
        )
    df = df[df["jaar"].isin(wanted)]
    absent = [g for g in codes if g not in set(df["regio"])]
    if absent:
        raise WijkscanError(
            f"Gemeente(n) {_voorbeelden(absent)} ontbreken in {bron}.",
            waar=f"{bron}, kolom {regio_col}",
            oplossing="85171NED volgt de gemeentelijke indeling van 2021; bij een latere "
            "herindeling moet de prognose van de oude gemeenten worden opgeteld.",
        )
    df = df[df["regio"].isin(codes)]
    if (df["aantal"] < 0).any():
        raise WijkscanError("Negatieve aantallen.", waar=f"{bron}, kolom {maat}")
    df["geslacht"] = _map_keys(
        df["geslacht_key"], GESLACHT_KEYS, "Geslacht", bron, "Verwacht: T001038, 3000, 4000."
    )
    df["klasse"] = _map_keys(
        df["leeftijd_key"],
        _leeftijd_map(leeftijd_dim, bron),
        "Leeftijd",
        bron,
        "Geef de Leeftijd-dimensietabel (Key, Title) van deze download mee.",
    )
    # Rounded to 0.1 thousand: classes may differ from the total by 50 persons each.
    return _partition_records(df, bron, tolerantie=0.5 * eenheid / 10)


def raw_85171ned(
    prognose: pd.DataFrame, *, eenheid: float = 1000.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write a tidy forecast in the 85171NED UntypedDataSet layout.

    Parameters
    ----------
    prognose
        Tidy table; classes must exist in the built-in Leeftijd keys (total ``0+``,
        single years, 95+ or 105+). Values are written in thousands with one decimal,
        as CBS publishes them (so round-trips are exact for multiples of 100).
    eenheid
        Divisor for the written values.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(rows, leeftijd_dim)``. Columns ``ID, Geslacht, Leeftijd, RegioIndeling2021,
        Perioden, TotaleBevolking_1``: names confirmed, column order assumed.

    Raises
    ------
    ValueError
        For age classes without a built-in key.
    """
    tidy = validate_bevolking(prognose, "raw_85171ned")
    sex_key = {v: k for k, v in GESLACHT_KEYS.items()}
    rows: list[dict[str, str]] = []
    used: set[str] = set()
    for i, r in enumerate(tidy.itertuples(index=False)):
        tot = None if pd.isna(r.leeftijd_tot) else int(r.leeftijd_tot)
        klasse = Leeftijdsklasse(int(r.leeftijd_van), tot)
        key = LEEFTIJD_TOTAAL if klasse == Leeftijdsklasse(0, None) else _KEY_VAN_KLASSE.get(klasse)
        if key is None:
            raise ValueError(f"85171NED-schrijver kent geen leeftijdsklasse {klasse.label()}")
        used.add(key)
        v = float(r.aantal) / eenheid
        rows.append(
            {
                "ID": str(i),
                "Geslacht": sex_key[r.geslacht].ljust(7),
                "Leeftijd": key,
                REGIO_KOLOM_85171NED: r.gemeentecode.ljust(6),
                "Perioden": f"{int(r.jaar)}JJ00",
                "TotaleBevolking_1": "." if np.isnan(v) else f"{v:.1f}",
            }
        )
    dim = pd.DataFrame(
        [
            {"Key": k, "Title": t, "Description": "", "CategoryGroupID": ""}
            for k, (_, t) in LEEFTIJD_03759NED.items()
            if k in used
        ],
        columns=["Key", "Title", "Description", "CategoryGroupID"],
    )
    return pd.DataFrame(
        rows,
        columns=[
            "ID",
            "Geslacht",
            "Leeftijd",
            REGIO_KOLOM_85171NED,
            "Perioden",
            "TotaleBevolking_1",
        ],
    ), dim


# --------------------------------------------------------------------------------------
# RIVM Gezondheid per wijk en buurt (50120NED, 50150NED) on dataderden.cbs.nl
# --------------------------------------------------------------------------------------

#: Leeftijd key "18 jaar of ouder" and Marges key "waarde" (the point estimate).
GEZONDHEID_LEEFTIJD_18PLUS = "20300"
GEZONDHEID_MARGES_WAARDE = "MW00000"


@dataclass(frozen=True)
class GezondheidMaat:
    """A RIVM measure: our column, the accepted OData name prefixes, required or not."""

    kolom: str
    prefixen: tuple[str, ...]
    verplicht: bool = False


#: Measures read from the Gezondheidsmonitor tables (prefix match, any suffix).
GEZONDHEID_MATEN: tuple[GezondheidMaat, ...] = (
    GezondheidMaat("eenzaam_pct", ("Eenzaam",), verplicht=True),
    # 50120NED: ErnstigZeerErnstigEenzaam_28; 50150NED: SterkEenzaam_26.
    GezondheidMaat("ernstig_eenzaam_pct", ("ErnstigZeerErnstigEenzaam", "SterkEenzaam")),
    GezondheidMaat("emotioneel_eenzaam_pct", ("EmotioneelEenzaam",)),
    GezondheidMaat("sociaal_eenzaam_pct", ("SociaalEenzaam",)),
    GezondheidMaat("mantelzorger_pct", ("Mantelzorger",)),
)
GEZONDHEID_KOLOMMEN: tuple[str, ...] = (
    "code",
    "niveau",
    "jaar",
    *(m.kolom for m in GEZONDHEID_MATEN),
)

#: Measure keys per table edition (name -> position suffix). 50120NED and the 2020
#: edition are confirmed by several public projects; 50150NED by one (see docs).
GEZONDHEID_SUFFIXEN: dict[str, dict[str, int]] = {
    "50120NED": {
        "Eenzaam": 27,
        "ErnstigZeerErnstigEenzaam": 28,
        "EmotioneelEenzaam": 29,
        "SociaalEenzaam": 30,
        "Mantelzorger": 31,
    },
    "50150NED": {
        "Eenzaam": 25,
        "SterkEenzaam": 26,
        "EmotioneelEenzaam": 27,
        "SociaalEenzaam": 28,
        "Mantelzorger": 30,
    },
    "2020": {
        "Eenzaam": 28,
        "ErnstigZeerErnstigEenzaam": 29,
        "EmotioneelEenzaam": 30,
        "SociaalEenzaam": 31,
        "Mantelzorger": 32,
    },
}
_NIVEAU = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}


def parse_gezondheidsmonitor(
    data: pd.DataFrame,
    gemeente: str,
    jaar: int | None = None,
    *,
    leeftijd: str = GEZONDHEID_LEEFTIJD_18PLUS,
    marges: str = GEZONDHEID_MARGES_WAARDE,
    bron: str = "50150NED",
) -> pd.DataFrame:
    """Parse RIVM *Gezondheid per wijk en buurt* for one gemeente and survey year.

    Parameters
    ----------
    data
        UntypedDataSet rows: ``WijkenEnBuurten``, ``Perioden`` and measures such as
        ``Eenzaam_27``/``Eenzaam_25`` (matched by name prefix); optional dimensions
        ``Leeftijd`` and ``Marges``.
    gemeente
        Gemeente code; its GM, WK and BU rows are returned.
    jaar
        Survey year (2012, 2016, 2020, 2022, 2024); default: the newest year with a
        loneliness figure for this gemeente.
    leeftijd
        Leeftijd key to keep when that dimension is present; ``'20300'`` = 18 jaar of ouder.
    marges
        Marges key to keep when present; ``'MW00000'`` = the estimate itself.
    bron
        File or table name for messages.

    Returns
    -------
    pandas.DataFrame
        :data:`GEZONDHEID_KOLOMMEN`: ``code`` (stripped), ``niveau``, ``jaar`` and the
        percentages (0-100, NaN when suppressed or not in this edition).

    Raises
    ------
    WijkscanError
        Missing columns, gemeente/year/age key absent, ambiguous measures, values
        outside 0-100.
    """
    gm = _gemeenten_arg([gemeente], f"{bron}: gemeente")[0]
    oplossing = (
        "Download de RIVM-tabel (dataderden.cbs.nl) als onbewerkte dataset met "
        "WijkenEnBuurten, Perioden en de eenzaamheidsmaten."
    )
    _require_columns(data, ["WijkenEnBuurten", "Perioden"], bron, oplossing)
    kolommen: dict[str, str | None] = {}
    for maat in GEZONDHEID_MATEN:
        found = [c for p in maat.prefixen if (c := find_measure(data.columns, p, bron))]
        if len(found) > 1:
            raise WijkscanError(
                f"Zowel {found[0]} als {found[1]} aanwezig voor {maat.kolom}.",
                waar=bron,
                oplossing="Lever één editie van de tabel per bestand aan.",
            )
        if not found and maat.verplicht:
            raise WijkscanError(
                f"Geen kolom voor {'/'.join(maat.prefixen)}_<nr> gevonden.",
                waar=f"{bron}; kolommen: {_voorbeelden(data.columns, 12)}",
                oplossing=oplossing,
            )
        kolommen[maat.kolom] = found[0] if found else None
    codes = _strip_keys(data["WijkenEnBuurten"])
    nummer = gm[2:]
    mask = (codes == gm) | codes.str.match(rf"^(WK{nummer}[0-9A-Z]{{2}}|BU{nummer}[0-9A-Z]{{4}})$")
    if not mask.any():
        raise WijkscanError(
            f"Gemeente {gm} komt niet voor in {bron}.",
            waar=f"{bron}, kolom WijkenEnBuurten",
            oplossing="Controleer de gemeentecode; 50150NED volgt de indeling van 2024.",
        )
    df = data[mask].copy()
    df["code"] = codes[mask]
    for dim, key in (("Leeftijd", leeftijd), ("Marges", marges)):
        if dim in df.columns:
            keys = _strip_keys(df[dim])
            if key not in set(keys):
                raise WijkscanError(
                    f"{dim}-sleutel {key!r} ontbreekt "
                    f"(aanwezig: {_voorbeelden(sorted(set(keys)))}).",
                    waar=f"{bron}, kolom {dim}",
                    oplossing="Leeftijd 20300 = 18 jaar of ouder; Marges MW00000 = de schatting.",
                )
            df = df[keys == key]
    df["jaar"] = _jaar_van_periode(_strip_keys(df["Perioden"]))
    df = df[df["jaar"].notna()]
    for maat_kolom, col in kolommen.items():
        if col is None:
            df[maat_kolom] = np.nan
            continue
        values, bad = to_float(df[col])
        if bad.any():
            raise WijkscanError(
                f"Geen getal in kolom {col}: {_voorbeelden(df.loc[bad.to_numpy(), col])}.",
                waar=f"{bron}, kolom {col}",
                oplossing="Onderdrukte cellen horen '.' of leeg te zijn.",
            )
        buiten = (values < 0) | (values > 100)
        if buiten.any():
            raise WijkscanError(
                f"Percentage buiten 0-100 in kolom {col}: {_voorbeelden(values[buiten])}.",
                waar=f"{bron}, kolom {col}",
                oplossing="Controleer of dit de tabel met percentages is.",
            )
        df[maat_kolom] = values.to_numpy()
    met_waarde = df.loc[df["eenzaam_pct"].notna(), "jaar"]
    beschikbaar = sorted(int(j) for j in met_waarde.unique())
    if jaar is None:
        if not beschikbaar:
            raise WijkscanError(
                f"Geen eenzaamheidscijfers voor {gm} in {bron}.",
                waar=f"{bron}, kolom {kolommen['eenzaam_pct']}",
                oplossing="Kies een andere editie van de tabel of een ander jaar.",
            )
        jaar = beschikbaar[-1]
    elif jaar not in set(int(j) for j in df["jaar"].unique()):
        raise WijkscanError(
            f"Meetjaar {jaar} ontbreekt in {bron} "
            f"(met cijfers: {_voorbeelden(beschikbaar) or 'geen'}).",
            waar=f"{bron}, kolom Perioden",
            oplossing="De Gezondheidsmonitor is er voor 2012, 2016, 2020, 2022 en 2024.",
        )
    df = df[df["jaar"] == jaar]
    dup = df["code"].duplicated(keep=False)
    if dup.any():
        raise WijkscanError(
            f"Gebied(en) {_voorbeelden(df.loc[dup, 'code'].unique())} komen dubbel voor in {jaar}.",
            waar=f"{bron}, kolom WijkenEnBuurten",
            oplossing="Filter op één Leeftijd- en Marges-sleutel.",
        )
    df["niveau"] = df["code"].str[:2].map(_NIVEAU)
    df["jaar"] = df["jaar"].astype("int64")
    out = df[list(GEZONDHEID_KOLOMMEN)].copy()
    order = out["niveau"].map({"gemeente": 0, "wijk": 1, "buurt": 2})
    return (
        out.assign(_o=order).sort_values(["_o", "code"]).drop(columns="_o").reset_index(drop=True)
    )


def raw_gezondheidsmonitor(
    gezondheid: pd.DataFrame,
    *,
    suffixen: str | Mapping[str, int] = "50150NED",
    leeftijd: str = GEZONDHEID_LEEFTIJD_18PLUS,
    marges: str = GEZONDHEID_MARGES_WAARDE,
) -> pd.DataFrame:
    """Write tidy Gezondheidsmonitor figures in the UntypedDataSet layout.

    Parameters
    ----------
    gezondheid
        Columns ``code``, ``jaar`` and any of the percentage columns of
        :data:`GEZONDHEID_MATEN`.
    suffixen
        Edition preset (``'50120NED'``, ``'50150NED'``, ``'2020'``) or a mapping from
        OData measure name to suffix; its names also decide ``SterkEenzaam`` versus
        ``ErnstigZeerErnstigEenzaam``.
    leeftijd, marges
        Keys written in the ``Leeftijd`` and ``Marges`` columns.

    Returns
    -------
    pandas.DataFrame
        ``ID, Leeftijd, Marges, WijkenEnBuurten, Perioden, SoortRegio_2, Codering_3`` and
        the measures; codes padded to 10 characters, missing values ``'.'``. Column order
        and the SoortRegio_2 wording are assumed (the parser does not depend on them).
    """
    mapping = dict(GEZONDHEID_SUFFIXEN[suffixen] if isinstance(suffixen, str) else suffixen)
    measure_cols: list[tuple[str, str]] = []
    for maat in GEZONDHEID_MATEN:
        if maat.kolom not in gezondheid.columns:
            continue
        naam = next((p for p in maat.prefixen if p in mapping), None)
        if naam is None:
            raise ValueError(f"geen suffix voor {maat.kolom} in {mapping}")
        measure_cols.append((maat.kolom, f"{naam}_{mapping[naam]}"))
    measure_cols.sort(key=lambda kc: int(kc[1].rsplit("_", 1)[1]))
    codes = gezondheid["code"].astype(str).str.strip()
    out = pd.DataFrame(
        {
            "ID": [str(i) for i in range(len(gezondheid))],
            "Leeftijd": leeftijd,
            "Marges": marges,
            "WijkenEnBuurten": codes.str.ljust(10).to_numpy(),
            "Perioden": [f"{int(j)}JJ00" for j in gezondheid["jaar"]],
            "SoortRegio_2": codes.str[:2]
            .map({"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"})
            .str.ljust(10)
            .to_numpy(),
            "Codering_3": codes.str.ljust(10).to_numpy(),
        }
    )
    for kolom, odata in measure_cols:
        out[odata] = [
            "." if pd.isna(v) else f"{float(v):.1f}" for v in gezondheid[kolom].to_numpy()
        ]
    return out


# --------------------------------------------------------------------------------------
# 03759ned bulk download (CBS OData v4 / "datasets.cbs.nl/csv" distribution)
# --------------------------------------------------------------------------------------

#: Measure code of "Bevolking op 1 januari" in the OData v4 layout of 03759ned (seen in two
#: public projects: an R script reading the bulk ``Observations.csv`` and a sync service
#: filtering ``Measure eq 'M000352'``). Looked up by title first; this is the fallback.
MAAT_BEVOLKING_1_JANUARI = "M000352"
#: Fixed (non-dimension) columns of ``Observations.csv`` in the bulk download.
BULK_VASTE_KOLOMMEN: frozenset[str] = frozenset(
    {"Id", "Measure", "ValueAttribute", "Value", "StringValue"}
)


def _codes_titels(codes: pd.DataFrame, dimensie: str, bron: str) -> dict[str, str]:
    cols = {str(c).strip().lower(): c for c in codes.columns}
    if "identifier" not in cols or "title" not in cols:
        raise WijkscanError(
            f"Het codebestand van {dimensie} mist de kolommen 'Identifier' en/of 'Title'.",
            waar=f"{bron}, {dimensie}Codes.csv",
            oplossing="Gebruik de volledige download van CBS (datasets.cbs.nl/csv/CBS/nl/"
            "<tabel>), niet een bewerkte versie.",
        )
    return dict(
        zip(
            _strip_keys(codes[cols["identifier"]]),
            codes[cols["title"]].astype(str).str.strip(),
            strict=True,
        )
    )


def maat_bevolking(measure_codes: pd.DataFrame, bron: str = "03759ned") -> str:
    """The measure code of "Bevolking op 1 januari" from ``MeasureCodes.csv``.

    Raises
    ------
    WijkscanError
        When no measure has that title and the documented code is absent too.
    """
    titels = _codes_titels(measure_codes, "Measure", bron)
    for code, titel in titels.items():
        if titel.lower().startswith("bevolking op 1 januari"):
            return code
    if MAAT_BEVOLKING_1_JANUARI in titels:
        return MAAT_BEVOLKING_1_JANUARI
    raise WijkscanError(
        "Geen maat 'Bevolking op 1 januari' in de download.",
        waar=f"{bron}, MeasureCodes.csv (maten: {_voorbeelden(titels.values())})",
        oplossing="Controleer het tabelnummer (cbs.bevolking_tabel): verwacht 03759ned.",
    )


def bulk_naar_untyped(
    observaties: pd.DataFrame,
    codes: Mapping[str, pd.DataFrame],
    maat: str,
    *,
    bron: str = "03759ned",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Convert 03759ned rows of the bulk download to the UntypedDataSet layout.

    The bulk download (a zip with ``Observations.csv`` and one ``<Dimensie>Codes.csv``
    per dimension, ``;``-separated) is long: one row per measure with ``Measure``,
    ``Value`` and ``ValueAttribute``. The rows of one gemeente and year are turned into
    the layout :func:`parse_03759ned` reads, so both routes share every check.

    Parameters
    ----------
    observaties
        Rows of ``Observations.csv`` (as text), already limited to one gemeente/year.
    codes
        Dimension name -> its codes file (``Identifier``, ``Title``); needs ``Leeftijd``
        and, when the rows have that dimension, ``BurgerlijkeStaat``.
    maat
        Measure code of "Bevolking op 1 januari" (:func:`maat_bevolking`).
    bron
        Name for messages.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(rows, leeftijd_dim)``: rows with ``ID, Geslacht, Leeftijd, BurgerlijkeStaat,
        RegioS, Perioden, BevolkingOp1Januari_1`` (empty value -> ``'.'``), and the
        Leeftijd dimension (``Key``, ``Title``) from ``LeeftijdCodes.csv``.
        BurgerlijkeStaat codes are translated to the keys of :data:`BURGERLIJKE_STAAT_TITELS`
        by their title, so a different code list cannot mislabel a category.

    Raises
    ------
    WijkscanError
        Missing columns or codes files, unknown BurgerlijkeStaat titles.
    """
    oplossing = "Gebruik de volledige download van CBS (datasets.cbs.nl/csv/CBS/nl/03759ned)."
    dims = ["Geslacht", "Leeftijd", "RegioS", "Perioden"]
    _require_columns(observaties, ["Measure", "Value", *dims], bron, oplossing)
    if "Leeftijd" not in codes:
        raise WijkscanError(
            "LeeftijdCodes.csv ontbreekt in de download.", waar=bron, oplossing=oplossing
        )
    df = observaties[_strip_keys(observaties["Measure"]) == maat]
    waarde = df["Value"].fillna("").astype(str).str.strip().str.replace(",", ".", regex=False)
    rows = pd.DataFrame(
        {
            "ID": [str(i) for i in range(len(df))],
            "Geslacht": _strip_keys(df["Geslacht"]).to_numpy(),
            "Leeftijd": _strip_keys(df["Leeftijd"]).to_numpy(),
            "BurgerlijkeStaat": BURGERLIJKE_STAAT_TOTAAL,
            "RegioS": _strip_keys(df["RegioS"]).to_numpy(),
            "Perioden": _strip_keys(df["Perioden"]).to_numpy(),
            "BevolkingOp1Januari_1": waarde.where(waarde != "", ".").to_numpy(),
        }
    )
    if "BurgerlijkeStaat" in df.columns:
        if "BurgerlijkeStaat" not in codes:
            raise WijkscanError(
                "BurgerlijkeStaatCodes.csv ontbreekt in de download.",
                waar=bron,
                oplossing=oplossing,
            )
        titels = _codes_titels(codes["BurgerlijkeStaat"], "BurgerlijkeStaat", bron)
        by_title = {t.lower(): k for k, t in BURGERLIJKE_STAAT_TITELS.items()}
        vertaling = {}
        for code, titel in titels.items():
            if titel.lower() not in by_title:
                raise WijkscanError(
                    f"Onbekende burgerlijke staat {titel!r} (code {code}) in de download.",
                    waar=f"{bron}, BurgerlijkeStaatCodes.csv",
                    oplossing="Verwacht: Totaal burgerlijke staat, Ongehuwd, Gehuwd, "
                    "Verweduwd, Gescheiden. Meld dit: CBS heeft de indeling veranderd.",
                )
            vertaling[code] = by_title[titel.lower()]
        staat = _strip_keys(df["BurgerlijkeStaat"])
        onbekend = sorted(set(staat) - set(vertaling))
        if onbekend:
            raise WijkscanError(
                f"BurgerlijkeStaat-code(s) {_voorbeelden(onbekend)} staan niet in "
                "BurgerlijkeStaatCodes.csv.",
                waar=bron,
                oplossing=oplossing,
            )
        rows["BurgerlijkeStaat"] = staat.map(vertaling).to_numpy()
    leeftijd = _codes_titels(codes["Leeftijd"], "Leeftijd", bron)
    dim = pd.DataFrame({"Key": list(leeftijd), "Title": list(leeftijd.values())})
    return rows, dim


def kies_prognosebestand(
    tabellen: Mapping[str, pd.DataFrame], gemeente: str
) -> tuple[str, pd.DataFrame]:
    """Pick the rows of one gemeente from forecast tables given in order of preference.

    ``bronnen.prognose.pad`` may list several files (e.g. 85171NED, which has only the
    88 largest gemeenten, then an older or interval table with all gemeenten). The
    gemeente is taken from the FIRST file that contains it, so the list order states
    which forecast wins where they overlap.

    Parameters
    ----------
    tabellen
        File name -> its rows (as read by :func:`lees_cbs_csv`), in order of preference.
    gemeente
        Gemeente code.

    Returns
    -------
    tuple
        ``(file name, rows of that gemeente)``.

    Raises
    ------
    WijkscanError
        When a table has no region column or no file contains the gemeente.
    """
    gm = _gemeenten_arg([gemeente], "prognose: gemeente")[0]
    for naam, data in tabellen.items():
        regio_col = next(
            (c for c in data.columns if str(c).startswith("RegioIndeling")),
            "RegioS" if "RegioS" in data.columns else None,
        )
        if regio_col is None:
            raise WijkscanError(
                f"Geen regiokolom (RegioIndeling<jaar> of RegioS) in {naam}.",
                waar=f"{naam}; kolommen: {_voorbeelden(data.columns, 10)}",
                oplossing="Gebruik de onbewerkte dataset van een CBS/PBL-prognosetabel.",
            )
        rows = data[_strip_keys(data[regio_col]) == gm]
        if len(rows):
            return naam, rows
    raise WijkscanError(
        f"Gemeente {gm} komt in geen van de prognosebestanden voor.",
        waar=f"bronnen.prognose.pad: {_voorbeelden(list(tabellen))}",
        oplossing="85171NED heeft alleen de 88 grootste gemeenten; voeg een tabel met alle "
        "gemeenten toe (85173NED, of een oudere prognose zoals 84527NED).",
    )
