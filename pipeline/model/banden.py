"""Population in age bands: the sums every indicator count rests on.

An age class that straddles a band edge contributes the share of its ages inside the band:
uniform within a closed class, and within an open class (90+) as
:func:`pipeline.model.ages.split_matrix` spreads it, the same Dutch 90+ structure that
estimation and projection use. A missing count never becomes 0: it makes the band (or,
for dementia, the whole region-year) missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.model import ages

__all__ = ["band_sum", "band_totals", "class_fraction", "dementia_count", "one_sex_partition"]


def _open_share(starts: np.ndarray, van: int, tot: int | None) -> np.ndarray:
    """Share of each open class (``starts``+) that lies in the band ``van``..``tot``."""
    weights = ages.split_matrix(starts, np.full(len(starts), np.inf))
    jaren = np.arange(weights.shape[1])
    # The last single year holds everybody of that age and older.
    inside = (jaren >= van) & (jaren <= (jaren[-1] if tot is None else tot))
    return weights[:, inside].sum(axis=1)


def class_fraction(lo: np.ndarray, hi: np.ndarray, van: int, tot: int | None) -> np.ndarray:
    """Share of each age class ``lo``..``hi`` (NaN ``hi``: open) inside the band ``van``..``tot``.

    Uniform within a closed class; an open class as :func:`pipeline.model.ages.split_matrix`
    spreads it (the Dutch 90+ structure that estimation and projection use too).
    """
    is_open = np.isnan(hi)
    b_hi = np.inf if tot is None else float(tot)
    with np.errstate(invalid="ignore"):
        overlap = np.clip(np.minimum(hi, b_hi) - np.maximum(lo, van) + 1, 0, None)
        frac = overlap / (hi - lo + 1)
    if is_open.any():
        # An open 90+ spread evenly over ten years put half of it at 95+ (Dutch figures:
        # about a quarter), so buurt dementia summed to 2 % more than the gemeente's own.
        starts, which = np.unique(lo[is_open], return_inverse=True)
        frac[is_open] = _open_share(starts, van, tot)[which]
    return frac


@dataclass(frozen=True)
class _Klassen:
    """A population table as the band sums need it: per row its group, age class and sex.

    A row's share of any band depends only on its age class (and, for dementia, its sex),
    so shares are worked out once per distinct class and summed per group with
    ``bincount``: the interval draws sum ~140 million rows for the country.
    """

    groep: np.ndarray
    sleutels: pd.Index
    aantal: np.ndarray
    klasse: np.ndarray
    van: np.ndarray
    tot: np.ndarray
    sekse: np.ndarray
    seksen: np.ndarray

    def som(self, gewicht: np.ndarray, *, alle_ontbrekend: bool = False) -> np.ndarray:
        """Per group, the sum of ``aantal x gewicht`` (``gewicht`` per row).

        A missing count makes its group missing where its weight is above 0 (it lies in
        the band), or anywhere in the group with ``alle_ontbrekend``.
        """
        n = len(self.sleutels)
        deel = np.where(gewicht > 0, self.aantal * gewicht, 0.0)
        if not alle_ontbrekend:
            return np.bincount(self.groep, weights=deel, minlength=n)
        som = np.bincount(self.groep, weights=np.nan_to_num(deel), minlength=n)
        missing = np.bincount(self.groep, weights=np.isnan(self.aantal), minlength=n) > 0
        return np.where(missing, np.nan, som)


def _klassen(bev: pd.DataFrame, by: list[str]) -> _Klassen:
    """:class:`_Klassen` of ``bev`` grouped by ``by`` (rows with a missing key dropped)."""
    groups = bev.groupby(by, sort=True)
    groep = groups.ngroup().to_numpy()
    ok = groep >= 0
    bev, groep = bev.loc[ok], groep[ok]
    lo = bev["leeftijd_van"].to_numpy(dtype=float)
    hi = bev["leeftijd_tot"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    # Distinct classes (a handful): lo and hi (999 = open) in one number.
    klasse, uniek = pd.factorize(lo * 1000 + np.where(np.isnan(hi), 999, hi))
    sekse, seksen = pd.factorize(bev["geslacht"])
    return _Klassen(
        groep=groep,
        sleutels=groups.size().index,
        aantal=bev["aantal"].to_numpy(dtype=float),
        klasse=klasse,
        van=uniek // 1000,
        tot=np.where(uniek % 1000 == 999, np.nan, uniek % 1000),
        sekse=sekse,
        seksen=np.asarray(seksen),
    )


def _band(k: _Klassen, van: int, tot: int | None) -> np.ndarray:
    """Per group, the population aged ``van``..``tot`` (see :func:`band_sum`)."""
    return k.som(class_fraction(k.van, k.tot, van, tot)[k.klasse])


def _dementie(k: _Klassen, prevalentie: pd.DataFrame) -> np.ndarray:
    """Per group, prevalence x population (see :func:`dementia_count`)."""
    gewicht = np.zeros((len(k.van), len(k.seksen)))
    for _, p in prevalentie.iterrows():
        tot = None if pd.isna(p["leeftijd_tot"]) else int(p["leeftijd_tot"])
        frac = class_fraction(k.van, k.tot, int(p["leeftijd_van"]), tot) * float(p["prevalentie"])
        for j, sex in enumerate(k.seksen):
            if p["geslacht"] == "totaal" or sex == p["geslacht"]:
                gewicht[:, j] += frac
            elif sex == "totaal":
                gewicht[:, j] += frac / 2  # known only in total: the mean of both sexes' rates
    return k.som(gewicht[k.klasse, k.sekse], alle_ontbrekend=True)


def band_sum(bev: pd.DataFrame, van: int, tot: int | None, by: list[str]) -> pd.Series:
    """Sum the population in an age band, splitting classes that straddle its edges.

    Parameters
    ----------
    bev
        Long table with ``leeftijd_van``, ``leeftijd_tot`` (Int64, NA = open), ``aantal``.
    van, tot
        Band limits, inclusive; ``tot=None`` means open (e.g. 85+).
    by
        Grouping columns (e.g. ``["code", "jaar"]``).

    Returns
    -------
    pandas.Series
        Band totals indexed by ``by``. A class that is partly inside the band
        contributes the share of its ages inside it (:func:`class_fraction`). A missing
        count inside the band makes the band missing; one outside it does not.
    """
    k = _klassen(bev, by)
    return pd.Series(_band(k, van, tot), index=k.sleutels)


def dementia_count(bev: pd.DataFrame, prevalentie: pd.DataFrame, by: list[str]) -> pd.Series:
    """Estimated persons with dementia: sum of prevalence(age, sex) x population.

    Parameters
    ----------
    bev
        Long population table (``geslacht`` man/vrouw/totaal, age classes, ``aantal``).
    prevalentie
        Rates with ``leeftijd_van, leeftijd_tot, geslacht, prevalentie`` (0..1). When the
        rates are given for 'totaal' they apply to both sexes; when the population is
        only known for 'totaal', the mean of the male and female rate is used.
    by
        Grouping columns.

    Returns
    -------
    pandas.Series
        Estimated count per group; classes below the youngest prevalence band add 0
        (dementia before 55 is rare and not in the rates), missing counts give NaN.
    """
    k = _klassen(bev, by)
    return pd.Series(_dementie(k, prevalentie), index=k.sleutels)


def one_sex_partition(bev: pd.DataFrame) -> pd.DataFrame:
    """Keep man/vrouw rows where a region-year has them, else its 'totaal' rows.

    CBS tables carry 'totaal' next to both sexes; summing all three would count
    everybody twice. A group-wise ``any`` (not a ``code|jaar`` key per row): for the
    0.6 million rows of all buurten that is under a second instead of ~25 s.
    """
    has_sex = bev["geslacht"].isin(["man", "vrouw"])
    group_has_sex = has_sex.groupby([bev["code"], bev["jaar"]], sort=False).transform("any")
    drop = (bev["geslacht"] == "totaal") & group_has_sex
    return bev.loc[~drop]


def band_totals(
    bev: pd.DataFrame, banden: dict[str, tuple[int, int | None]], prevalentie: pd.DataFrame
) -> pd.DataFrame:
    """Per ``(code, jaar)``: the population in each band and the dementia estimate.

    The sums of :func:`band_sum` and :func:`dementia_count`, with the rows grouped and
    their classes numbered once for all of them.

    Parameters
    ----------
    bev
        Long population table (``code``, ``jaar``, ``geslacht``, age classes, ``aantal``).
    banden
        Column name -> band limits ``(van, tot)``, ``tot=None`` for an open band.
    prevalentie
        Dementia rates (see :func:`dementia_count`); the result column is
        ``dementie_aantal``.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``jaar``, one column per band and ``dementie_aantal``.
    """
    k = _klassen(one_sex_partition(bev), ["code", "jaar"])
    q = {naam: _band(k, van, tot) for naam, (van, tot) in banden.items()}
    q["dementie_aantal"] = _dementie(k, prevalentie)
    return pd.DataFrame(q, index=k.sleutels).reset_index()
