"""The numbers of the generated findings: :class:`Cijfer`, :class:`Bevinding` and lookups.

A finding never carries a number that is not in the published indicator table (or, for a
change in percent, computed from two numbers that are): each number is a :class:`Cijfer`
with the exact table value, the region code, the year and the indicator key whose registry
entry names the source. The lookups here read the table; the sentences are built in
:mod:`pipeline.present.texts.zinnen` and the chapter modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.model.registry import Indicator
from pipeline.present import fmt

# Keys whose year of measurement is in the column ``eenzaamheid_jaar``.
_EENZAAMHEID_KEYS = frozenset(
    {
        "eenzaam_pct",
        "ernstig_eenzaam_pct",
        "emotioneel_eenzaam_pct",
        "sociaal_eenzaam_pct",
        "eenzaam_aantal",
    }
)


@dataclass(frozen=True)
class Cijfer:
    """One number in a finding, traceable to the indicator table.

    Attributes
    ----------
    key
        Indicator key (column of the table; the registry gives label and source).
    code
        Region code (buurt, wijk or gemeente) of the table row.
    jaar
        Year of the table row (``jaar`` column).
    waarde
        The exact value: the table cell, or for ``afgeleid == 'verandering'`` the
        change in percent between the two ``basis`` values.
    tekst
        The number as printed (Dutch formatting).
    peiljaar
        Year the number describes for the reader (differs from ``jaar`` for the
        loneliness monitor, which has its own measurement year).
    afgeleid
        ``''`` for a table value, ``'verandering'`` for a percent change.
    basis
        The table numbers a derived number is computed from.
    """

    key: str
    code: str
    jaar: int
    waarde: float
    tekst: str
    peiljaar: int
    afgeleid: str = ""
    basis: tuple[Cijfer, ...] = ()


@dataclass(frozen=True)
class Bevinding:
    """One generated finding: a short heading, a sentence and its numbers.

    Attributes
    ----------
    kop
        Short heading (a few words).
    tekst
        The finding in plain Dutch; every number in it is one of ``cijfers``.
    cijfers
        The numbers, in order of appearance.
    thema
        Theme key of the registry (``THEMAS``).
    soort
        ``'bevinding'`` or ``'let_op'`` (a caveat about the numbers).
    sjabloon
        The sentence with ``{0}``, ``{1}``, ... where the numbers go
        (``tekst == sjabloon.format(*(c.tekst for c in cijfers))``); lets the
        report mark the numbers up without re-parsing the text.
    extra
        Free-form details (e.g. the buurt codes named).
    grond
        Numbers the finding rests on without printing them (e.g. a statement about the
        ranking as a whole); they count for its years and sources.
    """

    kop: str
    tekst: str
    cijfers: tuple[Cijfer, ...]
    thema: str
    soort: str = "bevinding"
    sjabloon: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    grond: tuple[Cijfer, ...] = ()

    @property
    def jaren(self) -> tuple[int, ...]:
        """Years of the numbers, printed or not (sorted, unique)."""
        return tuple(sorted({c.peiljaar for c in (*self.cijfers, *self.grond)}))

    def getallen(self) -> list[Cijfer]:
        """Every number the finding rests on, printed or not, each followed by its basis."""
        return [x for c in (*self.cijfers, *self.grond) for x in (c, *c.basis)]

    @property
    def bron_keys(self) -> tuple[str, ...]:
        """Indicator keys whose registry source covers the numbers (in order)."""
        return tuple(dict.fromkeys(c.key for c in self.getallen()))


# --------------------------------------------------------------------- lookups


def gemeente_code(indicatoren: pd.DataFrame) -> str:
    """Code of the (single) gemeente in the table."""
    codes = indicatoren.loc[indicatoren["niveau"] == "gemeente", "code"].unique()
    if len(codes) != 1:
        raise ValueError(f"expected one gemeente in the indicator table, found {len(codes)}")
    return str(codes[0])


def basisjaar(indicatoren: pd.DataFrame) -> int:
    """Base year: the year of the rows that are not projections (else the first year)."""
    if "schatting" in indicatoren:
        base = indicatoren.loc[indicatoren["schatting"] != "projectie", "jaar"]
        if len(base):
            return int(base.min())
    return int(indicatoren["jaar"].min())


def horizonjaren(indicatoren: pd.DataFrame) -> list[int]:
    """Horizon (projection) years, ascending."""
    base = basisjaar(indicatoren)
    return sorted(int(j) for j in indicatoren["jaar"].unique() if int(j) > base)


def rij(indicatoren: pd.DataFrame, code: str, jaar: int) -> pd.Series:
    """The table row of one region and year (KeyError when absent)."""
    sel = indicatoren[(indicatoren["code"] == code) & (indicatoren["jaar"] == jaar)]
    if len(sel) != 1:
        raise KeyError(f"no unique row for {code} {jaar} ({len(sel)} rows)")
    return sel.iloc[0]


def opzoeken(indicatoren: pd.DataFrame, code: str, jaar: int, key: str) -> float:
    """The published value of one indicator for one region and year (NaN if missing)."""
    value = rij(indicatoren, code, jaar)[key]
    return float("nan") if fmt.is_missing(value) else float(value)


def cijfer(
    indicatoren: pd.DataFrame,
    registry: dict[str, Indicator],
    code: str,
    jaar: int,
    key: str,
) -> Cijfer:
    """Build a :class:`Cijfer` from the table (value and text exactly as published)."""
    r = rij(indicatoren, code, jaar)
    value = float("nan") if fmt.is_missing(r[key]) else float(r[key])
    peiljaar = jaar
    if (
        key in _EENZAAMHEID_KEYS
        and "eenzaamheid_jaar" in r
        and not fmt.is_missing(r["eenzaamheid_jaar"])
    ):
        peiljaar = int(r["eenzaamheid_jaar"])
    return Cijfer(key, code, int(jaar), value, fmt.waarde(value, registry[key]), peiljaar)


def verandering(a: Cijfer, b: Cijfer) -> Cijfer:
    """The change in percent from ``a`` to ``b`` as a derived :class:`Cijfer`."""
    value = fmt.pct_verandering(a.waarde, b.waarde)
    return Cijfer(
        b.key, b.code, b.jaar, value, fmt.procent(abs(value)), b.peiljaar, "verandering", (a, b)
    )


def referentie_cijfer(
    refs: pd.DataFrame | None,
    registry: dict[str, Indicator],
    niveau: str,
    key: str,
    jaar: int,
) -> Cijfer | None:
    """A region or NL reference value as a :class:`Cijfer` (None when unknown).

    ``refs`` has a ``niveau`` column (``'regio'``/``'nederland'``), the indicator
    columns, and optionally ``code`` and ``jaar`` (without ``jaar`` the rows are
    taken to describe the base year).
    """
    if refs is None or key not in refs or "niveau" not in refs:
        return None
    sel = refs[refs["niveau"] == niveau]
    if "jaar" in sel:
        sel = sel[sel["jaar"] == jaar]
    if len(sel) != 1 or fmt.is_missing(sel.iloc[0][key]):
        return None
    r = sel.iloc[0]
    code = str(r["code"]) if "code" in r.index and isinstance(r["code"], str) else niveau
    value = float(r[key])
    return Cijfer(key, code, int(jaar), value, fmt.waarde(value, registry[key]), int(jaar))


def alle_cijfers(bevindingen: list[Bevinding]) -> list[Cijfer]:
    """All numbers of a list of findings (derived numbers followed by their basis)."""
    out: list[Cijfer] = []
    for b in bevindingen:
        for c in b.cijfers:
            out.append(c)
            out.extend(c.basis)
    return out
