"""FICTIEF: the demo's age structure and forecast within a real gemeente's numbers.

Offline runs for a real gemeente (``bron: demo`` with a gemeente that is not
:data:`pipeline.ingest.demo.DEMO_GEMEENTEN`) combine its real KWB numbers with the fictional
structure of :mod:`pipeline.ingest.demo`:

* :func:`rescale_to_kwb_all` (:func:`rescale_to_kwb` for one gemeente) fits the demo
  population into the gemeente's real KWB age bands;
* :func:`marital_split` splits such a population by burgerlijke staat with the demo shares
  (:func:`pipeline.ingest.demo.marital_shares`);
* :func:`apply_demo_growth_all` (:func:`apply_demo_growth` for one gemeente) applies the
  demo forecast's growth to the gemeente's base year.

Every output built on these numbers is marked fictief. The build reads them through
:mod:`pipeline.model.batch_inputs`: from a fetched demo file per gemeente, or generated for a
batch of many gemeenten; both call these functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.ingest.demo import BS_CATEGORIEEN, marital_shares

_KWB_BANDS = (
    ("k_0_14", 0, 14),
    ("k_15_24", 15, 24),
    ("k_25_44", 25, 44),
    ("k_45_64", 45, 64),
    ("k_65plus", 65, None),
)


def rescale_to_kwb_all(template: pd.DataFrame, regios: pd.DataFrame) -> pd.DataFrame:
    """Fit the demo age structure into the real KWB bands of one or more gemeenten (fictief).

    Within each KWB band a gemeente has (0-14, 15-24, 25-44, 45-64, 65+; NaN bands are
    skipped) the template's distribution over ages and sexes is scaled to the gemeente's
    band total; the ages of the bands it lacks share the remaining inhabitants. The result
    has real band totals and a fictional structure within them, and every output built on
    it is marked fictief. A fetched demo file
    goes through :func:`rescale_to_kwb` (one gemeente), a generated batch through this.

    Parameters
    ----------
    template
        Tidy demo population (``geslacht, leeftijd_van, leeftijd_tot, aantal``, single
        years, any ``gemeentecode``).
    regios
        Tidy KWB table of the gemeenten (:func:`pipeline.ingest.kwb.normalize_all`).

    Returns
    -------
    pandas.DataFrame
        The template repeated per gemeente (in ``regios`` order) with that gemeente's code
        and rescaled ``aantal``.
    """
    gm = regios[regios["niveau"] == "gemeente"].reset_index(drop=True)
    n_g, n_r = len(gm), len(template)
    base = template["aantal"].to_numpy(dtype=float)
    van = template["leeftijd_van"].to_numpy()
    sexes = template["geslacht"].isin(["man", "vrouw"]).to_numpy()
    factor = np.ones((n_g, n_r))
    covered = np.zeros((n_g, n_r), dtype=bool)
    known = np.zeros(n_g)
    for col, lo, hi in _KWB_BANDS:
        if col not in gm:
            continue
        vals = gm[col].to_numpy(dtype=float)
        has = ~np.isnan(vals)
        mask = (van >= lo) & (van <= (hi if hi is not None else 10_000))
        # pandas' sum, not numpy's: the totals (and so every number) stay those of
        # earlier builds to the last bit.
        total = template.loc[mask & sexes, "aantal"].sum()
        f = vals / total if total else np.zeros(n_g)
        sel = np.ix_(has, mask)
        factor[sel] = np.broadcast_to(f[has, None], (int(has.sum()), int(mask.sum())))
        covered[sel] = True
        known[has] += vals[has]
    inwoners = gm["inwoners"].to_numpy(dtype=float)
    # Gemeenten share a handful of coverage patterns (normally one): one rest sum each.
    patterns, inverse = np.unique(covered, axis=0, return_inverse=True)
    for p, pattern in enumerate(patterns):
        members = np.flatnonzero(inverse.ravel() == p)
        rest = ~pattern
        rest_total = template.loc[rest & sexes, "aantal"].sum()
        if rest_total:
            f = np.maximum(inwoners[members] - known[members], 0.0) / rest_total
            factor[np.ix_(members, rest)] = f[:, None]
    out = pd.concat([template] * n_g, ignore_index=True) if n_g else template.iloc[:0].copy()
    out["gemeentecode"] = np.repeat(gm["gemeentecode"].to_numpy(dtype=object), n_r)
    out["aantal"] = (base[None, :] * factor).reshape(-1)
    return out


def rescale_to_kwb(bevolking: pd.DataFrame, regios: pd.DataFrame) -> pd.DataFrame:
    """:func:`rescale_to_kwb_all` for one gemeente (fictief, for offline runs).

    Parameters
    ----------
    bevolking
        Tidy demo population relabelled to the real gemeente (single years).
    regios
        Tidy KWB table of the real gemeente (its first gemeente row is used).

    Returns
    -------
    pandas.DataFrame
        ``bevolking`` (same rows, index and columns) with the rescaled ``aantal``.
    """
    gemeente = regios[regios["niveau"] == "gemeente"].iloc[:1]
    out = bevolking.copy()
    out["aantal"] = rescale_to_kwb_all(bevolking, gemeente)["aantal"].to_numpy()
    return out


def marital_split(bevolking: pd.DataFrame) -> pd.DataFrame:
    """FICTIEF: split a tidy population by burgerlijke staat with the demo shares.

    Used when real KWB bands are combined with the demo age structure
    (:func:`rescale_to_kwb`): each sex x age class gets the demo's
    :func:`marital_shares` (at the class midpoint; 97 for an open class from 95),
    so the categories add up to the class exactly. Only ``man``/``vrouw`` rows.

    Parameters
    ----------
    bevolking
        Tidy population (:data:`pipeline.ingest.bevolking.TIDY_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        Columns of ``bevolking_gemeente_bs.parquet`` (``burgerlijke_staat`` last).
    """
    from pipeline.ingest.gemeentebevolking import BS_COLUMNS

    mv = bevolking[bevolking["geslacht"].isin(["man", "vrouw"])].reset_index(drop=True)
    van = mv["leeftijd_van"].to_numpy(dtype=float)
    tot = mv["leeftijd_tot"].astype("Float64").fillna(van.max() + 4).to_numpy(dtype=float)
    midden = np.where(mv["leeftijd_tot"].isna(), np.maximum(van + 2, 97), (van + tot) / 2)
    shares = np.empty((len(mv), len(BS_CATEGORIEEN)))
    for sex in ("man", "vrouw"):
        mask = (mv["geslacht"] == sex).to_numpy()
        shares[mask] = marital_shares(midden[mask], sex)
    frames = [
        mv.assign(burgerlijke_staat=naam, aantal=mv["aantal"].to_numpy() * shares[:, i])
        for i, naam in enumerate(BS_CATEGORIEEN)
    ]
    out = pd.concat(frames, ignore_index=True)
    order = {n: i for i, n in enumerate(BS_CATEGORIEEN)}
    out = out.assign(_o=out["burgerlijke_staat"].map(order)).sort_values(
        ["gemeentecode", "jaar", "geslacht", "leeftijd_van", "_o"], kind="stable"
    )
    return out.drop(columns="_o")[list(BS_COLUMNS)].reset_index(drop=True)


def apply_demo_growth_all(template: pd.DataFrame, base: pd.DataFrame, jaar: int) -> pd.DataFrame:
    """Apply the demo forecast's growth to the base year of one or more real gemeenten.

    Each gemeente's base year (in the forecast's classes) times the demo's growth factor
    per class, sex and year. A fetched demo file goes
    through :func:`apply_demo_growth` (one gemeente), a generated batch through this.

    Parameters
    ----------
    template
        Tidy demo forecast (5-year classes by sex, base year included, any
        ``gemeentecode``).
    base
        Tidy base-year population of the gemeenten (with ``gemeentecode``).
    jaar
        Base year.

    Returns
    -------
    pandas.DataFrame
        The template repeated per gemeente of ``base`` with that gemeente's code and
        ``aantal`` = the gemeente's base in the class times the demo's growth factor.
    """
    from pipeline.model.ages import to_bands

    keys = ["geslacht", "leeftijd_van"]
    tpl_base = template[template["jaar"] == jaar]
    classes = tpl_base[["leeftijd_van", "leeftijd_tot"]].drop_duplicates()
    real = to_bands(base[base["geslacht"].isin(["man", "vrouw"])], classes)
    real_base = real.set_index(["gemeentecode", *keys])["aantal"]
    demo_base = tpl_base.set_index(keys)["aantal"]
    growth = (
        template["aantal"].to_numpy()
        / demo_base.reindex(pd.MultiIndex.from_frame(template[keys])).to_numpy()
    )
    gem = real_base.index.get_level_values("gemeentecode").unique()
    n_g, n_t = len(gem), len(template)
    out = pd.concat([template] * n_g, ignore_index=True)
    out["gemeentecode"] = np.repeat(np.asarray(gem, dtype=object), n_t)
    idx = pd.MultiIndex.from_frame(out[["gemeentecode", *keys]])
    out["aantal"] = real_base.reindex(idx).to_numpy() * np.tile(growth, n_g)
    return out


def apply_demo_growth(forecast: pd.DataFrame, base: pd.DataFrame, jaar: int) -> pd.DataFrame:
    """:func:`apply_demo_growth_all` for one gemeente.

    Parameters
    ----------
    forecast
        Tidy demo forecast relabelled to the real gemeente (5-year classes).
    base
        Tidy base-year population of that gemeente only.
    jaar
        Base year.

    Returns
    -------
    pandas.DataFrame
        ``forecast`` (same rows, index and columns) with ``aantal`` = the real base in
        each class times the demo's growth factor.
    """
    out = forecast.copy()
    out["aantal"] = apply_demo_growth_all(forecast, base, jaar)["aantal"].to_numpy()
    return out
