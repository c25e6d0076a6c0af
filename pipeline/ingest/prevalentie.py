"""The dementia prevalence table (``config/dementie_prevalentie.csv``).

Columns: ``leeftijd_van, leeftijd_tot`` (empty for the open top band), ``geslacht`` ('man'
and 'vrouw', or only 'totaal') and ``prevalentie`` (a fraction 0..1). Extra columns, such
as the ``bron`` key that links each rate to ``config/dementie_prevalentie.md``, are kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError

PREVALENTIE_KOLOMMEN: tuple[str, ...] = ("leeftijd_van", "leeftijd_tot", "geslacht", "prevalentie")


def read_prevalentie(path: Path) -> pd.DataFrame:
    """Read and validate a prevalence CSV.

    Parameters
    ----------
    path
        CSV with :data:`PREVALENTIE_KOLOMMEN` (comma separated, decimal point).

    Returns
    -------
    pandas.DataFrame
        The validated table (see :func:`validate_prevalentie`).

    Raises
    ------
    WijkscanError
        When the file is missing or invalid.
    """
    path = Path(path)
    if not path.is_file():
        raise WijkscanError(
            f"Het prevalentiebestand bestaat niet: {path}",
            waar="indicatoren.dementie_prevalentie",
            oplossing="Gebruik config/dementie_prevalentie.csv of geef een bestaand pad op.",
        )
    df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    return validate_prevalentie(df, waar=str(path))


def validate_prevalentie(df: pd.DataFrame, waar: str = "dementie_prevalentie") -> pd.DataFrame:
    """Check a prevalence table: contiguous bands, no overlap, rates in 0..1, sexes consistent.

    Parameters
    ----------
    df
        Table with :data:`PREVALENTIE_KOLOMMEN` (strings or numbers).
    waar
        File name for messages.

    Returns
    -------
    pandas.DataFrame
        Typed copy (``leeftijd_van`` int64, ``leeftijd_tot`` Int64, ``prevalentie``
        float) sorted by geslacht and leeftijd_van.

    Raises
    ------
    WijkscanError
        Missing columns; non-numeric, negative or >1 rates; bands with gaps or overlaps or
        without exactly one open top band; 'man' without 'vrouw' (or 'totaal' mixed with
        them); different band boundaries per sex.
    """
    missing = [c for c in PREVALENTIE_KOLOMMEN if c not in df.columns]
    if missing:
        raise WijkscanError(
            f"Kolom(men) {', '.join(missing)} ontbreken in de prevalentietabel.",
            waar=f"{waar}; kolommen: {', '.join(map(str, df.columns))}",
            oplossing="Kolommen: leeftijd_van, leeftijd_tot (leeg = open), geslacht, prevalentie.",
        )
    out = df.copy()
    for col in ("leeftijd_van", "leeftijd_tot", "prevalentie"):
        raw = out[col].astype(str).str.strip()
        leeg = raw.isna() | raw.isin(["", "nan", "<NA>", "None"])
        num = pd.to_numeric(raw.mask(leeg), errors="coerce")
        bad = num.isna() & ~leeg
        if bad.any() or (col != "leeftijd_tot" and num.isna().any()):
            rows = [i + 2 for i in np.flatnonzero((bad | num.isna()).to_numpy())]
            raise WijkscanError(
                f"Ongeldige of lege waarde in kolom '{col}'.",
                waar=f"{waar}, kolom {col}, regel {', '.join(map(str, rows[:5]))}",
                oplossing="Gebruik getallen met een decimale punt; alleen leeftijd_tot mag "
                "leeg zijn (open bovenklasse).",
            )
        out[col] = num
    if not ((out["prevalentie"] >= 0) & (out["prevalentie"] <= 1)).all():
        raise WijkscanError(
            "Prevalentie buiten 0..1.",
            waar=f"{waar}, kolom prevalentie",
            oplossing="Geef een fractie (0,05 = 5%), geen percentage.",
        )
    out["leeftijd_van"] = out["leeftijd_van"].astype("int64")
    out["leeftijd_tot"] = pd.array(out["leeftijd_tot"].round(), dtype="Int64")
    out["prevalentie"] = out["prevalentie"].astype(float)
    out["geslacht"] = out["geslacht"].astype(str).str.strip().str.lower()
    sexes = set(out["geslacht"])
    if (
        not sexes
        or not (sexes <= {"man", "vrouw"} or sexes == {"totaal"})
        or sexes == {"man"}
        or (sexes == {"vrouw"})
    ):
        raise WijkscanError(
            f"Ongeldige combinatie van geslachten: {', '.join(sorted(sexes))}.",
            waar=f"{waar}, kolom geslacht",
            oplossing="Gebruik 'man' én 'vrouw' met dezelfde klassen, of alleen 'totaal'.",
        )
    out = out.sort_values(["geslacht", "leeftijd_van"], kind="stable").reset_index(drop=True)
    grenzen: dict[str, list[tuple[int, int | None]]] = {}
    for sex, grp in out.groupby("geslacht", sort=True):
        van = grp["leeftijd_van"].tolist()
        tot = [None if pd.isna(t) else int(t) for t in grp["leeftijd_tot"]]
        for i, (a, b) in enumerate(zip(van, tot, strict=True)):
            if b is not None and b < a:
                raise WijkscanError(
                    f"Klasse {a}-{b} ({sex}) heeft een bovengrens onder de ondergrens.",
                    waar=f"{waar}, kolom leeftijd_tot",
                )
            last = i == len(van) - 1
            if b is None and not last:
                raise WijkscanError(
                    f"Open klasse {a}+ ({sex}) is niet de hoogste klasse; klassen overlappen.",
                    waar=waar,
                    oplossing="Alleen de hoogste klasse mag een lege leeftijd_tot hebben.",
                )
            if last and b is not None:
                raise WijkscanError(
                    f"De hoogste klasse ({sex}, {a}-{b}) is niet open.",
                    waar=f"{waar}, kolom leeftijd_tot",
                    oplossing="Laat leeftijd_tot van de hoogste klasse leeg (bijv. 95+).",
                )
            if not last and b is not None:
                nxt = van[i + 1]
                if nxt <= b:
                    raise WijkscanError(
                        f"Overlappende klassen bij {sex}: {a}-{b} en vanaf {nxt}.",
                        waar=waar,
                        oplossing="Klassen mogen elkaar niet overlappen.",
                    )
                if nxt > b + 1:
                    raise WijkscanError(
                        f"Gat tussen de klassen bij {sex}: {b + 1} t/m {nxt - 1} jaar ontbreekt.",
                        waar=waar,
                        oplossing="Klassen moeten aaneensluiten.",
                    )
        grenzen[str(sex)] = list(zip(van, tot, strict=True))
    if len({tuple(g) for g in grenzen.values()}) > 1:
        raise WijkscanError(
            "Mannen en vrouwen hebben verschillende leeftijdsklassen.",
            waar=f"{waar}, kolommen leeftijd_van/leeftijd_tot",
            oplossing="Gebruik voor beide geslachten dezelfde klassen.",
        )
    return out
