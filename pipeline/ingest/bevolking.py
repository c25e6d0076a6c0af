"""The tidy ``bevolking`` table: its columns, the age partition and the checks.

Every population source ends in this table: the CBS tables
(:mod:`pipeline.ingest.gemeentebevolking`, :mod:`pipeline.ingest.prognose`) and the
gemeente's own files (:mod:`pipeline.ingest.primos`, :mod:`pipeline.ingest.brp`).

Age dimensions mix a total (``10000``), single years and overlapping subtotals. In
03759ned ``22000`` ("95 jaar of ouder") overlaps the single years 95-104 and ``22300``
("105 jaar of ouder"); on older periods gemeenten only have single years up to 94.
:func:`kies_indeling` therefore picks the finest *non-overlapping* partition of the age
range that has data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest.statline import Leeftijdsklasse, require_columns, voorbeelden
from pipeline.present import fmt

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
            waar=f"{waar}; klassen: {voorbeelden(sorted({k.label() for k in klassen}), 12)}",
            oplossing="Download de tabel met alle leeftijden (losse jaren of 5-jaarsklassen "
            "tot en met de hoogste klasse 'jaar of ouder').",
        )
    gekozen = [(klassen[i], waarden[i]) for i in idx]
    som = float(np.sum([v for _, v in gekozen]))
    if totaal is not None and not np.isnan(totaal) and not any(np.isnan(v) for _, v in gekozen):
        if abs(som - totaal) > tolerantie + 1e-3 * abs(totaal):
            raise WijkscanError(
                f"De leeftijdsklassen van {wie} tellen op tot {fmt.getal(som)}, maar het totaal is "
                f"{fmt.getal(totaal)}.",
                waar=waar,
                oplossing="Controleer of de Leeftijd-dimensietabel bij deze download hoort "
                "(sleutels en titels), en of er geen rijen ontbreken.",
            )
    return gekozen


def partition_records(df: pd.DataFrame, bron: str, tolerantie: float) -> pd.DataFrame:
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
                    f"Leeftijdsklasse(n) {voorbeelden(sorted(k.label() for k in dup))} komen "
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
    return validate_bevolking(tidy_frame(records), bron)


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
    require_columns(df, cols, waar, "Lever een tabel met deze kolommen aan.")
    out = df[[*cols, *([rij_kolom] if rij_kolom else [])]].copy()

    def rijen(mask: pd.Series) -> str:
        if rij_kolom:
            return "rij " + voorbeelden(out.loc[mask, rij_kolom].tolist())
        return voorbeelden(out.loc[mask, regio_kolom].astype(str).unique().tolist())

    bad_sex = ~out["geslacht"].isin(GESLACHTEN)
    if bad_sex.any():
        raise WijkscanError(
            f"Onbekende waarde(n) in kolom 'geslacht': "
            f"{voorbeelden(out.loc[bad_sex, 'geslacht'].astype(str).unique())}.",
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


def tidy_frame(records: list[dict[str, Any]], regio_kolom: str = "gemeentecode") -> pd.DataFrame:
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
