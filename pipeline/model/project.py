"""Projection of the buurt population to future years, consistent with a gemeente forecast.

Two steps per horizon year (see ``docs/methode_schatting.md``):

1. **Ageing** (:func:`age_cohorts`): the base-year population of every buurt is split into
   single years (uniform within 5-year bands, 90+ with a geometric decay, see
   :func:`pipeline.model.ages.split_matrix`), shifted by ``jaar - base_year`` years and
   re-aggregated. No mortality, migration or births in this step.
2. **Scaling**: per gemeente, forecast class and sex (when the forecast has sexes) the
   aged buurt counts are scaled so that the buurten add up exactly to the gemeente
   forecast. Ages born after the base year have no aged population; for those the
   buurt's base-year count at the same age is used, so a class made only of new
   birth cohorts (0-4 five years on) is distributed by the buurten's base-year share.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.model import ages
from pipeline.present import fmt

log = logging.getLogger(__name__)

_BASE_COLS = ["code", "geslacht", "leeftijd_van", "leeftijd_tot", "klasse", "aantal"]
_OUT_COLS = [
    "code",
    "jaar",
    "geslacht",
    "leeftijd_van",
    "leeftijd_tot",
    "klasse",
    "aantal",
    "geschat",
]
_FC_COLS = ["gemeentecode", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
_SEXES = ("man", "vrouw")


def _classes(df: pd.DataFrame) -> pd.DataFrame:
    """Unique age classes of ``df`` in age order, checked to partition all ages."""
    cls = (
        df[["leeftijd_van", "leeftijd_tot"]]
        .drop_duplicates()
        .sort_values("leeftijd_van", kind="stable")
        .reset_index(drop=True)
    )
    lo, hi = ages.bounds(cls)
    ages.check_partition(cls, waar="basisbevolking")
    ages.membership(lo, hi, waar="basisbevolking")
    cls["klasse"] = ages.labels(cls["leeftijd_van"].to_numpy(), cls["leeftijd_tot"])
    return cls


def _base_matrix(base: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Rows (code, geslacht), classes and counts ``(rows, classes)`` of the base table."""
    miss = [c for c in _BASE_COLS if c not in base.columns]
    if miss:
        raise WijkscanError(
            f"Kolommen ontbreken in de basisbevolking per buurt: {', '.join(miss)}.",
            oplossing="Gebruik de uitvoer van estimate_buurt_ages of from_brp.",
        )
    cls = _classes(base)
    if base.duplicated(["code", "geslacht", "leeftijd_van"]).any():
        raise WijkscanError(
            "De basisbevolking bevat dubbele rijen (code, geslacht, leeftijd).",
            waar="basisbevolking",
        )
    wide = base.pivot(index=["code", "geslacht"], columns="leeftijd_van", values="aantal")
    wide = wide.reindex(columns=cls["leeftijd_van"].to_numpy())
    rows = wide.index.to_frame(index=False)
    rows["code"] = rows["code"].astype(str)
    return rows, cls, wide.to_numpy(dtype=float, na_value=np.nan)


def _nan_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` where a result is NaN only if a NaN in ``a`` meets a non-zero in ``b``."""
    out = np.nan_to_num(a) @ b
    hit = np.isnan(a).astype(float) @ (b != 0).astype(float)
    out[hit > 0] = np.nan
    return out


def _shift(single: np.ndarray, years: int) -> np.ndarray:
    """Shift single-year counts ``years`` up; the last column is the open top age."""
    top = single.shape[1] - 1
    out = np.zeros_like(single)
    if years <= 0:
        return single.copy()
    if years >= top:
        out[:, top] = single.sum(axis=1)
        return out
    out[:, years:top] = single[:, : top - years]
    out[:, top] = single[:, top - years :].sum(axis=1)
    return out


def age_cohorts(base: pd.DataFrame, years: int) -> pd.DataFrame:
    """Raw cohort ageing of a buurt population, without mortality, migration or births.

    Parameters
    ----------
    base
        ``code, geslacht, leeftijd_van, leeftijd_tot, klasse, aantal`` (e.g. the output of
        :func:`pipeline.model.estimate.estimate_buurt_ages`).
    years
        Number of years to age (>= 0).

    Returns
    -------
    pandas.DataFrame
        The same rows and classes with the aged counts: the population of each single
        year moves ``years`` up (classes are split with :func:`pipeline.model.ages.split_matrix`);
        ages below ``years`` (born later) are 0. A NaN class makes the classes its people
        move into NaN.
    """
    if years < 0:
        raise ValueError("years must be >= 0")
    rows, cls, X = _base_matrix(base)
    lo, hi = ages.bounds(cls)
    P = ages.split_matrix(lo, hi)
    agg = ages.membership(lo, hi)
    aged = _nan_matmul(_shift(_nan_matmul(X, P), years), agg)
    return _long(rows, cls, aged)


def _long(rows: pd.DataFrame, cls: pd.DataFrame, X: np.ndarray) -> pd.DataFrame:
    R, J = X.shape
    return pd.DataFrame(
        {
            "code": np.repeat(rows["code"].to_numpy(dtype=object), J),
            "geslacht": np.repeat(rows["geslacht"].to_numpy(dtype=object), J),
            "leeftijd_van": np.tile(cls["leeftijd_van"].to_numpy(dtype="int64"), R),
            "leeftijd_tot": pd.array(np.tile(cls["leeftijd_tot"].to_numpy(), R), dtype="Int64"),
            "klasse": np.tile(cls["klasse"].to_numpy(dtype=object), R),
            "aantal": X.reshape(R * J),
        }
    )


_Classes = tuple[np.ndarray, np.ndarray, np.ndarray]


def _forecast_arrays(fc: pd.DataFrame) -> dict[tuple[str, int], dict[str, _Classes]]:
    """Forecast as ``{(gemeente, jaar): {geslacht: (lo, hi, aantal)}}`` in age order."""
    fc = fc.sort_values(["gemeentecode", "jaar", "geslacht", "leeftijd_van"], kind="stable")
    lo, hi = ages.bounds(fc)
    vals = pd.to_numeric(fc["aantal"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    keys = pd.MultiIndex.from_arrays(
        [fc["gemeentecode"].astype(str), fc["jaar"].astype("int64"), fc["geslacht"].astype(str)]
    )
    codes, uniq = pd.factorize(keys)
    bounds_ = np.flatnonzero(np.diff(np.r_[-1, codes, -2]))  # codes are sorted (runs)
    out: dict[tuple[str, int], dict[str, _Classes]] = {}
    for i in range(len(bounds_) - 1):
        sl = slice(bounds_[i], bounds_[i + 1])
        g, j, sex = uniq[codes[bounds_[i]]]
        out.setdefault((g, int(j)), {})[sex] = (lo[sl], hi[sl], vals[sl])
    return out


def _forecast_targets(
    fsub: dict[str, _Classes], base_sexes: set[str], g: str, jaar: int
) -> dict[str, tuple[list[str], np.ndarray, np.ndarray, np.ndarray]]:
    """Per forecast sex key: base sexes it covers, class bounds and target counts."""
    fsex = set(fsub)
    if base_sexes <= set(_SEXES) and set(_SEXES) <= fsex:
        keys = {s: [s] for s in sorted(base_sexes)}
    elif base_sexes <= set(_SEXES) and "totaal" in fsex:
        keys = {"totaal": sorted(base_sexes)}
    elif base_sexes == {"totaal"} and "totaal" in fsex:
        keys = {"totaal": ["totaal"]}
    elif base_sexes == {"totaal"} and set(_SEXES) <= fsex:
        keys = {"som": ["totaal"]}
    else:
        raise WijkscanError(
            f"De prognose voor {g} in {jaar} heeft geslacht {sorted(fsex)}, de buurten "
            f"{sorted(base_sexes)}.",
            waar="prognose",
            oplossing="Lever de prognose voor 'man' en 'vrouw' of voor 'totaal'.",
        )
    out = {}
    for key, covers in keys.items():
        if key == "som":
            (lo, hi, vm), (lo2, hi2, vv) = fsub["man"], fsub["vrouw"]
            if not (np.array_equal(lo, lo2) and np.array_equal(hi, hi2)):
                raise WijkscanError(
                    f"De prognose voor {g} in {jaar} heeft andere klassen voor man en vrouw.",
                    waar="prognose",
                    oplossing="Lever voor beide geslachten dezelfde leeftijdsklassen.",
                )
            vals = vm + vv
        else:
            lo, hi, vals = fsub[key]
        out[key] = (covers, lo, hi, vals)
    return out


def project_buurten(
    base: pd.DataFrame,
    forecast: pd.DataFrame,
    base_year: int,
    horizons: list[int],
) -> pd.DataFrame:
    """Project the buurt population to the horizon years, matching the gemeente forecast.

    Parameters
    ----------
    base
        Buurt population in the base year (output of
        :func:`pipeline.model.estimate.estimate_buurt_ages` or :func:`~pipeline.model.brp_buurten.from_brp`):
        ``code, geslacht, leeftijd_van, leeftijd_tot, klasse, aantal, geschat``; the same
        classes for every buurt and sex.
    forecast
        Gemeente forecast: ``gemeentecode, jaar, geslacht, leeftijd_van, leeftijd_tot,
        aantal``. Per gemeente, year and sex the classes (single years, 5-year bands or
        coarse) must cover all ages exactly once with an open top class. Sex may be only
        ``'totaal'``.
    base_year
        Year of ``base``.
    horizons
        Years to project to (>= ``base_year``).

    Returns
    -------
    pandas.DataFrame
        ``code, jaar, geslacht, leeftijd_van, leeftijd_tot, klasse, aantal, geschat`` in the
        base classes, for the base year (``base`` unchanged) and every horizon
        (``geschat=True``). Per gemeente, year, forecast class and forecast sex the buurten
        add up exactly to the forecast (exactly per output class when the forecast classes
        nest in them). Buurten with NaN in the base stay NaN and get no share of the
        forecast. ``attrs["diagnostiek"]`` holds ``terugval`` (classes distributed by total
        population because no buurt had anyone in them) and ``max_fout`` (largest absolute
        deviation of a class sum from the forecast).

    Raises
    ------
    WijkscanError
        On missing columns, a horizon before the base year, a gemeente or year absent from
        the forecast, or forecast classes that do not cover all ages.
    """
    rows, cls, X = _base_matrix(base)
    miss = [c for c in _FC_COLS if c not in forecast.columns]
    if miss:
        raise WijkscanError(
            f"Kolommen ontbreken in de prognose: {', '.join(miss)}.",
            waar="prognose",
            oplossing="Verwacht: gemeentecode, jaar, geslacht, leeftijd_van, leeftijd_tot, aantal.",
        )
    years = sorted({int(h) for h in horizons} - {int(base_year)})
    if years and years[0] < base_year:
        raise WijkscanError(
            f"Horizonjaar {years[0]} ligt voor het basisjaar {base_year}.",
            waar="horizon",
            oplossing="Kies horizonjaren na het peiljaar.",
        )
    fc = forecast[_FC_COLS].copy()
    fc["jaar"] = pd.to_numeric(fc["jaar"], errors="coerce")
    fc = fc[fc["jaar"].isin(years)]
    ages.check_partition(fc, ["gemeentecode", "jaar", "geslacht"], waar="prognose")
    groups = _forecast_arrays(fc)

    lo, hi = ages.bounds(cls)
    P = ages.split_matrix(lo, hi)
    agg = ages.membership(lo, hi)
    single = _nan_matmul(X, P)
    valid = ~np.isnan(single).any(axis=1)
    gem_of_row = fmt.gemeente_van(rows["code"]).to_numpy()
    sex_of_row = rows["geslacht"].to_numpy()

    missing = sorted(
        {f"{g} {j}" for g in np.unique(gem_of_row) for j in years if (g, j) not in groups}
    )
    if missing:
        raise WijkscanError(
            f"Geen prognose voor: {fmt.eerste(missing)}.",
            waar="prognose",
            oplossing="Lever de prognose voor alle gemeenten en horizonjaren.",
        )

    frames = []
    base_out = base.copy()
    base_out["jaar"] = int(base_year)
    if "geschat" not in base_out.columns:
        base_out["geschat"] = True
    frames.append(base_out[_OUT_COLS])
    terugval: list[tuple[str, int, str, str]] = []
    max_fout = 0.0
    gem_codes, gem_inv = np.unique(gem_of_row, return_inverse=True)
    rows_of = {g: np.flatnonzero((gem_inv == i) & valid) for i, g in enumerate(gem_codes)}
    sexes_of = {g: set(np.unique(sex_of_row[gem_inv == i])) for i, g in enumerate(gem_codes)}
    memb: dict[tuple[bytes, bytes], np.ndarray] = {}
    for jaar in years:
        d = jaar - base_year
        filled = _shift(single, d)
        filled[:, :d] = single[:, : min(d, single.shape[1])]
        out = np.full_like(filled, np.nan)
        for g in gem_codes:
            targets = _forecast_targets(groups[(g, jaar)], sexes_of[g], g, jaar)
            rows_g = rows_of[g]
            for key, (covers, flo, fhi, F) in targets.items():
                r = rows_g[np.isin(sex_of_row[rows_g], covers)]
                if not len(r):
                    continue
                mkey = (flo.tobytes(), fhi.tobytes())
                if mkey not in memb:
                    memb[mkey] = ages.membership(flo, fhi, waar=f"prognose {g} {jaar} ({key})")
                Mf = memb[mkey]
                part, fall, err = _scale(filled[r], single[r], Mf, F)
                out[r] = part
                max_fout = max(max_fout, err)
                for c in np.flatnonzero(fall):
                    terugval.append((g, jaar, key, ages.label(flo[c], _open(fhi[c]))))
        aggregated = _nan_matmul(out, agg)
        frames.append(_long(rows, cls, aggregated).assign(jaar=jaar, geschat=True)[_OUT_COLS])
    if terugval:
        log.warning(
            "%d prognoseklasse(n) zonder bevolking in de buurten; verdeeld naar totale "
            "bevolking: %s",
            len(terugval),
            fmt.eerste([f"{g} {j} {s} {k}" for g, j, s, k in terugval], 5),
        )
    res = pd.concat(frames, ignore_index=True)
    res["leeftijd_tot"] = res["leeftijd_tot"].astype("Int64")
    res["geschat"] = res["geschat"].astype(bool)
    res = res.sort_values(["jaar", "code", "geslacht", "leeftijd_van"], kind="stable")
    res = res.reset_index(drop=True)
    res.attrs["diagnostiek"] = {"terugval": terugval, "max_fout": max_fout}
    return res


def _open(h: float) -> int | None:
    return None if np.isinf(h) else int(h)


def _scale(
    filled: np.ndarray, base_single: np.ndarray, Mf: np.ndarray, F: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Scale single-year counts of one gemeente and sex group to the forecast classes.

    Parameters
    ----------
    filled
        Aged counts with new birth cohorts filled from the base year, ``(rows, ages)``.
    base_single
        Base-year single-year counts of the same rows.
    Mf
        Age -> forecast class membership, ``(ages, classes)``.
    F
        Forecast per class (NaN allowed: those ages become NaN).

    Returns
    -------
    tuple
        Scaled counts, mask of classes that needed the total-population fallback, and the
        largest absolute deviation of a class sum from ``F``.
    """
    tot = (filled @ Mf).sum(axis=0)
    fac = np.divide(F, tot, out=np.zeros_like(F), where=tot > 0)
    out = filled * (Mf @ np.nan_to_num(fac))[None, :]
    empty = (tot <= 0) & (F > 0)
    fall = np.zeros(len(F), dtype=bool)
    for c in np.flatnonzero(empty):
        ages_c = Mf[:, c] > 0
        w = base_single[:, ages_c]
        if w.sum() <= 0:
            # Nobody of these ages in any buurt, now or in the base: total population share,
            # spread uniformly over the class's single years.
            fall[c] = True
            pop = base_single.sum(axis=1)
            w = np.outer(pop if pop.sum() > 0 else np.ones(len(pop)), np.ones(ages_c.sum()))
        out[:, ages_c] = F[c] * w / w.sum()
    nan_ages = (Mf[:, np.isnan(F)].sum(axis=1) > 0) if np.isnan(F).any() else None
    if nan_ages is not None:
        out[:, nan_ages] = np.nan
    ok = ~np.isnan(F)
    got = (out @ Mf).sum(axis=0)
    err = float(np.abs(got[ok] - F[ok]).max()) if ok.any() else 0.0
    return out, fall, err
