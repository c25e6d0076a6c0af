"""Uncertainty intervals and buurt signal of the estimated indicators.

The estimation step (:func:`pipeline.model.estimate.estimate_with_draws`) writes random draws of
every buurt's population next to its point estimate. Here each draw goes through the very
same indicator code as the point estimate (:func:`pipeline.model.indicators.age_quantities` and
:func:`~pipeline.model.indicators.derive`: the draw number plays the role of the year), so an
interval belongs to exactly the number that is published. :func:`buurtsignaal` says per
indicator whether differences between buurten come from data or only from the model.
The method is described in ``docs/methode_schatting.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.model import indicators
from pipeline.model.registry import Indicator
from pipeline.present import fmt

#: Suffixes of the interval columns beside an indicator column.
LAAG, HOOG = "_laag", "_hoog"
#: Central probability of every interval. Fixed, not a setting: report, vouwkaart and
#: exports say "90%-marge", and the validation calibrated the spread for this level.
NIVEAU = 0.9
#: Rows of draws (buurt x sex x age band x draw x year) whose indicators are computed
#: together. All 100 draws of Amsterdam at once (with the horizon years ~6 million rows)
#: took ~1 GB of intermediate tables, in a national build per worker process; in parts of
#: this size ~0.4 GB, in the same time. A small gemeente stays one part. Each draw's
#: indicators do not depend on the other draws, so parts give the same values.
RIJEN_PER_DEEL = 200_000


def _in_delen(draws: pd.DataFrame, jaren: int = 1) -> list[pd.DataFrame]:
    """``draws`` in parts of consecutive draw numbers, about :data:`RIJEN_PER_DEEL` rows each.

    ``jaren``: how many rows each row becomes (projected to that many years).
    """
    t = draws["trekking"].to_numpy()
    if not len(t):
        return [draws]
    n = int(t.max()) + 1
    per_deel = max(1, RIJEN_PER_DEEL * n // (len(t) * jaren))
    return [draws[(t >= a) & (t < a + per_deel)] for a in range(0, n, per_deel)]


def zaad_voor(zaad: int, gemeente: str) -> int:
    """Seed of a gemeente's draws: the same in a per-gemeente and a national build."""
    return int(zaad) * 10_000 + int(gemeente[2:6])


#: Shares of two KWB counts that CBS publishes rounded to 5, with no estimate in them: share
#: -> (KWB column of the numerator, its age band). Their base-year bounds are only what that
#: rounding leaves open, as for the 65+ share; the draws carry the rounding
#: (:func:`pipeline.model.marges.perturb`), so the drawn band gives those bounds.
AFRONDINGSAANDELEN: dict[str, tuple[str, int, int]] = {"aandeel_0_14": ("k_0_14", 0, 14)}


def interval_keys(registry: dict[str, Indicator]) -> list[str]:
    """Indicators with an interval: (partly) estimated ones, and the published shares whose
    bounds are CBS's rounding (:data:`AFRONDINGSAANDELEN`)."""
    return [
        k
        for k, ind in registry.items()
        if ind.soort in ("geschat", "gemeten/geschat") or k in AFRONDINGSAANDELEN
    ]


def draw_indicators(
    draws: pd.DataFrame,
    q: pd.DataFrame,
    prevalentie: pd.DataFrame,
    s: indicators.Settings,
    jaar: int | None = None,
) -> pd.DataFrame:
    """Indicator values of every draw, for the buurt and wijk rows of one year.

    Parameters
    ----------
    draws
        ``trekking, code, geslacht, leeftijd_van, leeftijd_tot, aantal`` (buurten), from
        :func:`pipeline.model.estimate.estimate_with_draws` for the base year, or one
        horizon year of :func:`project_draws`.
    q
        Assembled quantities of the point estimate (:func:`pipeline.model.indicators.assemble`);
        its base-year rows give the context columns (loneliness, households, ...).
    prevalentie
        Dementia prevalence rates.
    s
        Indicator settings.
    jaar
        The year of ``draws`` (default: the base year).

    Returns
    -------
    pandas.DataFrame
        One row per region code and draw (column ``trekking``) with the derived indicator
        columns.
    """
    jaar = s.basisjaar if jaar is None else int(jaar)
    d = draws.drop(columns="jaar", errors="ignore").rename(columns={"trekking": "jaar"})
    wijk = d.assign(code="WK" + d["code"].str[2:8])
    keys = ["code", "jaar", "geslacht", "leeftijd_van", "leeftijd_tot"]
    wijk = wijk.groupby(keys, dropna=False, sort=False)["aantal"].sum(min_count=1).reset_index()
    # The drawn numerators of the rounded shares replace the published ones of the context.
    extra = {kol: (van, tot) for kol, van, tot in AFRONDINGSAANDELEN.values()}
    qd = indicators.age_quantities(
        pd.concat([d, wijk], ignore_index=True), s, prevalentie, extra=extra
    )
    base = q[(q["jaar"] == jaar) & q["niveau"].isin(["buurt", "wijk"])]
    if jaar == s.basisjaar:
        # Later years' wijken are plain buurt sums, as the published rows are.
        qd = _scale_wijken(qd, base, s)
    context = base.drop(columns=[c for c in qd.columns if c != "code"] + ["jaar"], errors="ignore")
    merged = qd.merge(context, on="code", how="inner")
    return indicators.derive(merged, s).rename(columns={"jaar": "trekking"})


def base_spreiding(
    draws: pd.DataFrame,
    q: pd.DataFrame,
    prevalentie: pd.DataFrame,
    s: indicators.Settings,
    registry: dict[str, Indicator],
) -> Spreiding:
    """The spread of one gemeente's base-year draws (:func:`draw_indicators`, in parts).

    Parameters
    ----------
    draws, q, prevalentie, s
        As :func:`draw_indicators` (``q``: the gemeente's assembled quantities).
    registry
        Indicator registry.

    Returns
    -------
    Spreiding
    """
    delen = [draw_indicators(deel, q, prevalentie, s) for deel in _in_delen(draws)]
    return spreiding_van(pd.concat(delen, ignore_index=True), registry, NIVEAU)


def project_draws(
    draws: pd.DataFrame, forecast: pd.DataFrame, base_year: int, horizons: list[int], n: int
) -> pd.DataFrame:
    """The first ``n`` draws of one gemeente projected to the horizon years.

    Each draw goes through :func:`pipeline.model.project.project_buurten` exactly as the
    point estimate does, so a later year's interval holds what the base year's does not
    show: 65+ in 2030 includes today's 59-64, whose estimate is wide where the KWB count
    of 65+ is exact (real Deventer: 1.060, interval 1.055-1.065, from the base year's
    relative width). One call does all draws: draw ``t`` becomes a gemeente of its own
    (``GM`` + ``t``), with a copy of the forecast, so every draw is scaled to the same
    gemeente total.

    Parameters
    ----------
    draws
        ``trekking, code, geslacht, leeftijd_van, leeftijd_tot, aantal`` of one gemeente.
    forecast
        The gemeente forecast (:func:`pipeline.model.project.project_buurten`).
    base_year, horizons
        Base year and horizon years.
    n
        Number of draws to project (the first ``n``).

    Returns
    -------
    pandas.DataFrame
        ``trekking, jaar, code, geslacht, leeftijd_van, leeftijd_tot, aantal`` for the
        horizon years.
    """
    from pipeline.model import ages, project

    gemeenten = ("GM" + draws["code"].str[2:6]).unique()
    if len(gemeenten) != 1:
        raise ValueError(f"project_draws takes one gemeente, got {len(gemeenten)}")
    gm = gemeenten[0]
    d = draws[draws["trekking"] < n].copy()
    t = d["trekking"].to_numpy()
    d["code"] = "BU" + pd.Series(t, index=d.index).map("{:04d}".format) + d["code"].str[6:]
    d["klasse"] = ages.labels(d["leeftijd_van"].to_numpy(), d["leeftijd_tot"])
    fc = forecast[forecast["gemeentecode"] == gm]
    trekkingen = np.unique(t)
    fc_all = pd.concat(
        [fc.assign(gemeentecode=f"GM{k:04d}") for k in trekkingen], ignore_index=True
    )
    out = project.project_buurten(d.drop(columns="trekking"), fc_all, base_year, horizons)
    out = out[out["jaar"] != base_year]
    return pd.DataFrame(
        {
            "trekking": out["code"].str[2:6].astype(int).to_numpy(),
            "jaar": out["jaar"].to_numpy(),
            "code": ("BU" + gm[2:] + out["code"].str[6:]).to_numpy(),
            "geslacht": out["geslacht"].to_numpy(),
            "leeftijd_van": out["leeftijd_van"].to_numpy(),
            "leeftijd_tot": out["leeftijd_tot"].array,
            "aantal": out["aantal"].to_numpy(),
        }
    )


def horizon_spreiding(
    draws: pd.DataFrame,
    q: pd.DataFrame,
    forecast: pd.DataFrame,
    prevalentie: pd.DataFrame,
    s: indicators.Settings,
    horizons: list[int],
    n: int,
    registry: dict[str, Indicator],
) -> dict[int, Spreiding]:
    """The spread of the first ``n`` draws of one gemeente in every horizon year.

    The draws are projected (:func:`project_draws`) and their indicators computed in one
    pass over all years (per part of the draws, :data:`RIJEN_PER_DEEL`): a horizon row's
    context columns (KWB, loneliness) are empty in every year, so ``(jaar, trekking)`` can
    travel as one draw number.

    Parameters
    ----------
    draws, forecast, horizons, n
        As :func:`project_draws`.
    q, prevalentie, s
        As :func:`draw_indicators` (``q``: the gemeente's assembled quantities).
    registry
        Indicator registry.

    Returns
    -------
    dict
        Horizon year -> :class:`Spreiding`.
    """
    years = sorted({int(h) for h in horizons} - {int(s.basisjaar)})
    if not years or n <= 0:
        return {}
    delen = []
    for deel in _in_delen(draws[draws["trekking"] < n], len(years)):
        proj = project_draws(deel, forecast, s.basisjaar, years, n)
        # (jaar, trekking) as one draw number; draw numbers are below n.
        samen = proj.assign(trekking=proj["jaar"] * n + proj["trekking"])
        delen.append(draw_indicators(samen, q, prevalentie, s, jaar=years[0]))
    per = pd.concat(delen, ignore_index=True)
    jaar = per["trekking"] // n
    return {
        int(j): spreiding_van(part, registry, NIVEAU) for j, part in per.groupby(jaar, sort=True)
    }


def _scale_wijken(qd: pd.DataFrame, base: pd.DataFrame, s: indicators.Settings) -> pd.DataFrame:
    """Scale the summed wijk draws as the published wijk row was scaled.

    A wijk row shows CBS's own wijk count and its estimated sub-bands are the buurt sum
    times published / buurt sum of the band that holds them
    (:func:`pipeline.model.indicators.attach_base_year`); the draws get the same factor, so the
    interval belongs to the number that is shown.
    """
    qd = qd.copy()
    buurt = base[base["niveau"] == "buurt"]
    wijk = base[base["niveau"] == "wijk"].set_index("code")
    is_wijk = qd["code"].isin(wijk.index)
    for col, parent in indicators.nested_bands(s).items():
        if col not in qd or parent not in base:
            continue
        buurt_sum = buurt.groupby(buurt["code"].str[2:8].radd("WK"))[parent].sum(min_count=1)
        factor = (wijk[parent] / buurt_sum.reindex(wijk.index).where(lambda x: x > 0)).fillna(1.0)
        qd.loc[is_wijk, col] = qd.loc[is_wijk, col] * qd.loc[is_wijk, "code"].map(factor)
    return qd


@dataclass(frozen=True)
class Spreiding:
    """Per region code: the draws' lower and upper quantile and median of each indicator."""

    laag: pd.DataFrame
    hoog: pd.DataFrame
    mediaan: pd.DataFrame

    @staticmethod
    def concat(delen: list[Spreiding]) -> Spreiding:
        """One summary from the summaries of separate gemeenten (codes do not overlap)."""
        return Spreiding(
            pd.concat([d.laag for d in delen]),
            pd.concat([d.hoog for d in delen]),
            pd.concat([d.mediaan for d in delen]),
        )


def spreiding_van(
    per_draw: pd.DataFrame, registry: dict[str, Indicator], level: float = 0.9
) -> Spreiding:
    """The central ``level`` range and median of the draws per region code.

    Quantiles are taken per code, so the summary of a batch equals the summaries of its
    gemeenten put together: the build can reduce each gemeente's draws as soon as they are
    made instead of holding the draws of the whole country.

    Parameters
    ----------
    per_draw
        Output of :func:`draw_indicators`.
    registry
        Indicator registry.
    level
        Central probability of the interval (0.9: 5th to 95th percentile).

    Returns
    -------
    Spreiding
        Lower bound, upper bound and median per code (rows) and indicator (columns).
    """
    alpha = (1.0 - level) / 2.0
    keys = [k for k in interval_keys(registry) if k in per_draw.columns]
    grouped = per_draw.groupby("code")[keys]
    return Spreiding(grouped.quantile(alpha), grouped.quantile(1.0 - alpha), grouped.median())


def attach_intervals(
    table: pd.DataFrame,
    derived: pd.DataFrame,
    spreiding: Spreiding,
    registry: dict[str, Indicator],
    s: indicators.Settings,
    per_jaar: dict[int, Spreiding] | None = None,
) -> pd.DataFrame:
    """Add ``K_laag`` / ``K_hoog`` to the published table for every estimated indicator.

    Base-year intervals are the draws' central ``level`` range. A number CBS publishes (a
    measured base-year count) gets no interval: it is shown as published. A horizon year
    gets the range of the projected draws (``per_jaar``, :func:`project_draws`): the
    estimation's share of the uncertainty, including the people who move into an age
    group by then; the forecast's own uncertainty is not in it (the report says so).
    Without projected draws for a code and year, the base year's relative width per buurt
    stands in (too narrow where people move into a group). Counts are widened to the
    rounding step, and the interval always contains the published value.

    Parameters
    ----------
    table
        Published indicator table (:func:`pipeline.model.indicators.publish`).
    derived
        The table ``table`` was published from (same rows, same order), with the
        ``_<key>_gemeten`` flags of CBS-published counts.
    spreiding
        The draws' central range and median per code (:func:`spreiding_van`).
    per_jaar
        The same for horizon years, from the projected draws.
    registry
        Indicator registry.
    s
        Indicator settings (base year, rounding step).

    Returns
    -------
    pandas.DataFrame
        ``table`` with the interval columns (NaN where there is no estimate).
    """
    out = table.copy()
    keys = [k for k in spreiding.laag.columns if k in out.columns]
    lo, hi, mid = spreiding.laag, spreiding.hoog, spreiding.mediaan
    base = out["jaar"] == s.basisjaar
    for k in keys:
        lo_rel = (lo[k] / mid[k].where(mid[k] > 0)).reindex(out["code"]).to_numpy()
        hi_rel = (hi[k] / mid[k].where(mid[k] > 0)).reindex(out["code"]).to_numpy()
        lo_abs = lo[k].reindex(out["code"]).to_numpy()
        hi_abs = hi[k].reindex(out["code"]).to_numpy()
        v = out[k].to_numpy(dtype=float)
        # Where the base-year median is 0 (a small buurt with no 85-plussers) a relative
        # width is undefined: carry the absolute width over instead of no interval.
        mid_abs = mid[k].reindex(out["code"]).to_numpy()
        lo_h = np.where(np.isfinite(lo_rel), v * lo_rel, v - (mid_abs - lo_abs))
        hi_h = np.where(np.isfinite(hi_rel), v * hi_rel, v + (hi_abs - mid_abs))
        lo_k = np.where(base, lo_abs, np.maximum(lo_h, 0.0))
        hi_k = np.where(base, hi_abs, hi_h)
        for jaar, sp_j in (per_jaar or {}).items():
            if k not in sp_j.laag.columns:
                continue
            rows = (out["jaar"] == jaar).to_numpy()
            lo_j = sp_j.laag[k].reindex(out["code"]).to_numpy()
            hi_j = sp_j.hoog[k].reindex(out["code"]).to_numpy()
            have = rows & np.isfinite(lo_j) & np.isfinite(hi_j)
            lo_k = np.where(have, lo_j, lo_k)
            hi_k = np.where(have, hi_j, hi_k)
        measured = base & indicators.marker(derived, f"_{k}_gemeten").to_numpy()
        lo_k = np.where(measured | np.isnan(v), np.nan, lo_k)
        hi_k = np.where(measured | np.isnan(v), np.nan, hi_k)
        if registry[k].is_aantal:
            step = float(s.afronding)
            lo_k, hi_k = np.floor(lo_k / step) * step, np.ceil(hi_k / step) * step
        # np.minimum keeps NaN: a value without interval stays without one.
        out[k + LAAG] = np.minimum(lo_k, v)
        out[k + HOOG] = np.maximum(hi_k, v)
    return out


#: Indicators whose buurt differences need within-band detail, and what would give it.
_UITLEG_MODEL = (
    "De verschillen tussen buurten in '{label}' komen alleen uit het rekenmodel: de KWB geeft per "
    "buurt alleen de leeftijdsgroep 65+, en binnen die groep krijgt elke buurt de opbouw van de "
    "gemeente. Daarom staat hier alleen het cijfer voor de hele gemeente. Buurtdetail komt er met "
    "een BRP-extract per buurt van de gemeente, of met de burgerlijke staat per buurt (KWB) samen "
    "met de bevolking van de gemeente naar leeftijd en burgerlijke staat (CBS 03759ned)."
)


def bepaal_buurtsignaal(
    registry: dict[str, Indicator],
    methode: str,
    marges: dict[str, list[str]],
    *,
    min_aandeel: float = 0.75,
) -> dict[str, dict[str, object]]:
    """Per indicator: do differences between buurten come from data, or only the model?

    An indicator marked ``binnen_band`` (e.g. 85-plussers within the 65-plussers) varies
    between buurten only through the split inside a KWB age band. That split is informed
    by a BRP extract, or by a buurt margin that depends on age (burgerlijke staat) in at
    least ``min_aandeel`` of the buurten; otherwise it is the gemeente's structure in
    every buurt, and the indicator is not mapped in classes, ranked or weighted.

    Parameters
    ----------
    registry
        Indicator registry.
    methode
        ``"brp"`` or ``"ipf"`` (the estimation step's method).
    marges
        Buurt code -> margin labels (:attr:`pipeline.model.estimate.Diagnostiek.marges`).
    min_aandeel
        Share of buurten that must have an informative margin.

    Returns
    -------
    dict
        Indicator key -> ``{"signaal": bool, "marges": [...], "uitleg": str}``.
    """
    informed = [m for m in marges.values() if any(x.startswith("burgerlijke staat") for x in m)]
    labels = sorted({x for m in marges.values() for x in m})
    share = len(informed) / len(marges) if marges else 0.0
    within_ok = methode == "brp" or share >= min_aandeel
    used = ["BRP-extract per buurt"] if methode == "brp" else labels
    out: dict[str, dict[str, object]] = {}
    for key, ind in registry.items():
        if ind.binnen_band and not within_ok:
            uitleg = _UITLEG_MODEL.format(label=ind.label)
            if informed:
                uitleg += (
                    f" Nu heeft {fmt.getal(100 * share, 0)}% van de buurten de burgerlijke staat "
                    "als randvoorwaarde; daarvoor is dat te weinig."
                )
            out[key] = {"signaal": False, "marges": used, "uitleg": uitleg}
        else:
            out[key] = {"signaal": True, "marges": used, "uitleg": ""}
    return out


def marges_waarschuwingen(marges: dict[str, list[str]]) -> list[str]:
    """Report warnings when only some buurten had a burgerlijke-staat margin.

    A buurt without it (its code changed since the adjacent KWB year, or its marital
    counts did not add up and were set aside) follows the gemeente inside 65+: the
    report says so instead of letting it pass as a like-for-like estimate.
    """
    zonder = sorted(c for c, m in marges.items() if not any(x.startswith("burgerlijke") for x in m))
    if not zonder or len(zonder) == len(marges):
        return []
    return [
        f"Voor {len(zonder)} van de {len(marges)} buurten ontbreekt de burgerlijke staat "
        f"({fmt.eerste(zonder, 5)}); daar volgt de verdeling binnen de 65-plussers die van de "
        "gemeente."
    ]


def marges_column(codes: pd.Series, marges: dict[str, list[str]], methode: str) -> pd.Series:
    """Per region code the margins that informed its estimate, as one readable string."""
    if methode == "brp":
        return pd.Series(
            np.where(codes.str.startswith("BU"), "BRP-extract", ""), index=codes.index, dtype=object
        )
    return codes.map(lambda c: ", ".join(marges.get(c, []))).astype(object)
