"""Gemeente forecasts by age and sex.

A Primos file gives the gemeente's future population by age and sex directly.
The open CBS/PBL regional forecast (85171NED) no longer has any age detail
(PBL removed it in 2023; only totals per gemeente remain), so for that fallback
the age structure is modelled here: the base-year population is aged one year at
a time with an approximate survival curve and constant births, and every year is
scaled to the published total. Outputs say which of the two methods was used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.model.banden import one_sex_partition

MAX_AGE = 100

#: Gompertz hazard mu(x) = A * exp(B * x). Approximation with a Dutch-like
#: old-age mortality pattern; only used to *shape* the age structure of a total
#: that CBS/PBL publish, never to produce a total.
GOMPERTZ_A = 1.8e-5
GOMPERTZ_B = 0.1


def has_age_detail(forecast: pd.DataFrame) -> bool:
    """True when a forecast has more than one age class per gemeente, year and sex."""
    per = forecast.groupby(["gemeentecode", "jaar", "geslacht"]).size()
    return bool((per > 1).any())


def to_single_years(pop: pd.DataFrame) -> dict[str, np.ndarray]:
    """Spread a population over single years 0..MAX_AGE per sex (uniform within classes).

    Parameters
    ----------
    pop
        Tidy population of one gemeente and year: ``geslacht, leeftijd_van,
        leeftijd_tot, aantal``.

    Returns
    -------
    dict
        Sex -> array of length ``MAX_AGE + 1`` (the last cell is MAX_AGE and older).
    """
    out: dict[str, np.ndarray] = {}
    sexes = ["man", "vrouw"] if pop["geslacht"].isin(["man", "vrouw"]).any() else ["totaal"]
    for sex in sexes:
        arr = np.zeros(MAX_AGE + 1)
        part = pop[pop["geslacht"] == sex]
        for van, tot, n in zip(
            part["leeftijd_van"], part["leeftijd_tot"], part["aantal"], strict=True
        ):
            if pd.isna(n):
                raise WijkscanError(
                    "De bevolking van het basisjaar heeft ontbrekende aantallen; daarmee kan de "
                    "leeftijdsopbouw van de prognose niet bepaald worden.",
                    oplossing="Gebruik een volledige bevolkingstabel (03759ned) of een Primos-bestand.",
                )
            hi = min(int(tot) if not pd.isna(tot) else int(van) + 9, MAX_AGE)
            lo = min(int(van), MAX_AGE)
            arr[lo : hi + 1] += float(n) / (hi - lo + 1)
        out[sex] = arr
    return out


def expand_totals(base: pd.DataFrame, totals: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """Give a totals-only forecast an age structure by cohort ageing of the base year.

    Parameters
    ----------
    base
        Tidy gemeente population in the base year (one gemeente).
    totals
        Forecast totals: ``gemeentecode, jaar, aantal`` (all ages, both sexes).
    base_year
        Year of ``base``.

    Returns
    -------
    pandas.DataFrame
        Tidy forecast by single year of age (0..99, 100+) and sex for every forecast
        year after the base year, scaled so each year adds up to the published total.
    """
    single = to_single_years(base)
    ages = np.arange(MAX_AGE + 1, dtype=float)
    survival = np.exp(-GOMPERTZ_A * np.exp(GOMPERTZ_B * ages))
    births = {sex: float(arr[:5].mean()) for sex, arr in single.items()}
    gm = str(totals["gemeentecode"].iloc[0])
    targets = totals.set_index("jaar")["aantal"].astype(float)
    years = sorted(int(j) for j in targets.index if int(j) > base_year)
    cur = {sex: arr.copy() for sex, arr in single.items()}
    rows = []
    for year in range(base_year + 1, (max(years) if years else base_year) + 1):
        for sex in cur:
            surv = cur[sex] * survival
            nxt = np.empty_like(surv)
            nxt[1:] = surv[:-1]
            nxt[-1] += surv[-1]
            nxt[0] = births[sex]
            cur[sex] = nxt
        if year in years:
            total = sum(a.sum() for a in cur.values())
            factor = targets.loc[year] / total if total > 0 else np.nan
            for sex, arr in cur.items():
                for age, n in enumerate(arr * factor):
                    rows.append((gm, year, sex, age, age if age < MAX_AGE else pd.NA, n))
    out = pd.DataFrame(
        rows, columns=["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
    )
    out["leeftijd_tot"] = out["leeftijd_tot"].astype("Int64")
    return out


def _total(pop: pd.DataFrame) -> float:
    """All persons of one gemeente and year, each counted once (men plus women, or 'totaal')."""
    if not len(pop):
        return 0.0
    return float(one_sex_partition(pop.assign(code="", jaar=0))["aantal"].sum())


def gemeente_forecast(
    forecast: pd.DataFrame, base: pd.DataFrame, base_year: int, horizons: list[int]
) -> tuple[pd.DataFrame, str]:
    """The gemeente forecast by age (and sex) for the horizon years.

    Parameters
    ----------
    forecast
        Tidy forecast as read from Primos or 85171NED.
    base
        Tidy gemeente population in the base year.
    base_year
        Base year.
    horizons
        Horizon years.

    Returns
    -------
    tuple
        ``(table, method)``; ``method`` is ``"leeftijdsdetail"`` when the source has
        age classes, ``"totaal_met_cohortmodel"`` when only totals were available. Totals
        are scaled to the counted base year: ``table.attrs["aansluiting"]`` is
        ``(forecast's own base-year total, counted total)``, or None when the forecast
        has no figure for the base year (totals used as published).

    Raises
    ------
    WijkscanError
        When a horizon year is not in the forecast.
    """
    jaren = sorted(set(forecast["jaar"].astype(int)))
    missing = [h for h in horizons if h not in jaren]
    if missing:
        # Only years after the peiljaar can be horizon years (config check): listing the
        # forecast's earlier years sent a user to years the next run refused.
        later = [j for j in jaren if j > base_year]
        voorbeeld = ([j for j in later if j % 5 == 0] or later)[-4:]
        keuze = (
            f"Kies horizonjaren van {later[0]} tot en met {later[-1]}, bijvoorbeeld "
            f"horizon: [{', '.join(map(str, voorbeeld))}]."
            if later
            else f"De prognose heeft geen jaren na {base_year}; kies een recentere prognose."
        )
        raise WijkscanError(
            f"De prognose heeft geen cijfers voor {', '.join(map(str, missing))}.",
            waar="horizon / bronnen.prognose",
            oplossing=keuze,
        )
    fc = forecast[forecast["jaar"].astype(int).isin(horizons)].copy()
    if has_age_detail(fc):
        return fc.reset_index(drop=True), "leeftijdsdetail"
    totals = fc.groupby(["gemeentecode", "jaar"], as_index=False)["aantal"].sum()
    # A forecast made some years ago starts from its own estimate of the base year (84527NED,
    # made in 2019: Duiven 24,300 in 2024 where CBS counted 24,872). Its totals would then
    # build that error into every horizon year, and even a shrinking population from the
    # base year on. The forecast's growth from its own base-year figure, applied to the
    # counted base year, keeps what the forecast says about change and starts from what
    # CBS counted. ``attrs["aansluiting"]`` holds (forecast's base year, counted).
    own_base = _total(forecast[forecast["jaar"].astype(int) == base_year])
    counted = _total(base)
    aansluiting = None
    if own_base > 0 and counted > 0:
        totals["aantal"] = totals["aantal"] * (counted / own_base)
        aansluiting = (float(own_base), counted)
    out = expand_totals(base, totals, base_year)
    out.attrs["aansluiting"] = aansluiting
    return out, "totaal_met_cohortmodel"
