"""The indicators of a batch of gemeenten in one pass (pure functions).

A batch is one gemeente, a region or the whole country (``berekening``). The numbers of a
gemeente do not depend on the batch it is built in, apart from the last bits of a float sum
(pandas and BLAS may add in another order when other gemeenten share the arrays; relative
differences below 1e-12, so published, rounded figures are equal). The steps, each once for all
buurten of the batch:

1. the buurt population by age and sex: a BRP extract where the gemeente supplies one
   (:func:`pipeline.model.brp_aanvulling.brp_with_estimates`), else the IPF estimate from
   the KWB bands and the gemeente's ages
   (:func:`pipeline.model.estimate.estimate_with_draws`): first the point estimate;
2. the horizon years (:func:`pipeline.model.project.project_buurten`, summing to each
   gemeente's forecast);
3. the quantities, derived indicators and the published table
   (:func:`pipeline.model.indicators.assemble`, :func:`~pipeline.model.indicators.derive`,
   :func:`~pipeline.model.indicators.publish`) and the margins behind each buurt;
4. per gemeente, the random draws of the estimate (seeded per gemeente,
   :func:`pipeline.model.intervals.zaad_voor`), their indicators and at once their spread
   (:func:`pipeline.model.intervals.spreiding_van`), which gives the intervals
   (:func:`pipeline.model.intervals.attach_intervals`). Only one gemeente's draws exist at a
   time (per process): for the whole country they would be ~55 million rows. These tasks
   are independent (:func:`gemeente_spreiding`), so a batch of several gemeenten can spread
   them over worker processes (``run_all``); nationally they are most of the step's time.

The inputs come from :mod:`pipeline.model.batch_inputs`; the build step
(:func:`pipeline.workflow.jobs_build.build`) writes the result.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline.model import indicators

log = logging.getLogger(__name__)

#: Loggers of the estimation steps (warnings about the inputs of a gemeente's estimate).
_ESTIMATE_LOGGERS = tuple(
    f"pipeline.model.{m}" for m in ("ages", "brp_aanvulling", "brp_buurten", "estimate", "project")
)


@contextmanager
def _silent_in_this_thread(names: Sequence[str]) -> Iterator[None]:
    """Drop what these loggers say from this thread only, for a repeated computation.

    Only this thread: in thread mode another build job may log from the same modules at
    the same time, and its warnings must still reach its log.
    """
    tid = threading.get_ident()

    def other_thread(record: logging.LogRecord) -> bool:
        return threading.get_ident() != tid

    loggers = [logging.getLogger(n) for n in names]
    for lg in loggers:
        lg.addFilter(other_thread)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(other_thread)


@dataclass
class BatchResult:
    """Everything the computation of a batch produces."""

    #: Published indicators (:func:`pipeline.model.indicators.publish`) of every gemeente.
    indicatoren: pd.DataFrame
    #: Unrounded quantities (:func:`pipeline.model.indicators.assemble`), for regional sums.
    grootheden: pd.DataFrame
    #: Buurt population by age and sex, base and horizon years.
    bevolking_buurt: pd.DataFrame
    #: Per gemeente: ``methode`` (``ipf``/``brp``) and ``diagnostiek`` of the estimate.
    schatting: dict[str, dict[str, Any]]
    #: Seconds per step.
    seconden: dict[str, float] = field(default_factory=dict)


def estimate_buurten(
    regios: pd.DataFrame,
    gemeente_pop: pd.DataFrame,
    gemeente_bs: pd.DataFrame,
    brp: pd.DataFrame,
    schatting: dict[str, Any],
    ontbrekende_buurten: str,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, dict[str, Any]]]:
    """Base-year buurt population by 5-year band and sex, with draws, per gemeente.

    Parameters
    ----------
    regios
        Tidy KWB table of the batch.
    gemeente_pop, gemeente_bs
        Gemeente population by age and sex, and by burgerlijke staat (may be empty).
    brp
        BRP extract per buurt (empty: estimate every gemeente).
    schatting
        The config section ``schatting`` (``trekkingen``, ``spreiding``, ``zaad``).
    ontbrekende_buurten
        What to do with buurten a BRP extract misses (``fout``/``schatten``).

    Returns
    -------
    tuple
        The buurt table (``geschat`` marks estimated BRP buurten), the draws per gemeente
        (none for a gemeente without, or with ``trekkingen`` 0) and per gemeente the method
        and diagnostics.
    """
    from pipeline.model import brp_aanvulling, estimate, intervals

    buurten = regios[regios["niveau"] == "buurt"]
    brp_gm = brp["buurtcode"].str[2:6] if len(brp) else pd.Series(dtype=str)
    kwargs = {
        "trekkingen": int(schatting["trekkingen"]),
        "spreiding": float(schatting["spreiding"]),
    }
    results, all_draws, info = [], {}, {}
    for gm in regios.loc[regios["niveau"] == "gemeente", "code"]:
        b = buurten[buurten["gemeentecode"] == gm]
        seed = intervals.zaad_voor(int(schatting["zaad"]), gm)
        if len(brp) and (brp_gm == gm[2:]).any():
            result, draws = brp_aanvulling.brp_with_estimates(
                brp[(brp_gm == gm[2:]).to_numpy()],
                b,
                ontbrekende_buurten,
                rng_seed=seed,
                **kwargs,
            )
            methode = "brp"
        else:
            result, draws = estimate.estimate_with_draws(
                b,
                gemeente_pop[gemeente_pop["gemeentecode"] == gm],
                gemeente_bs=gemeente_bs[gemeente_bs["gemeentecode"] == gm],
                rng_seed=seed,
                **kwargs,
            )
            methode = "ipf"
        diag = result.attrs.get("diagnostiek")
        info[gm] = {
            "methode": methode,
            "diagnostiek": diag.as_dict() if hasattr(diag, "as_dict") else diag,
        }
        result = result.copy()
        result.attrs = {}
        results.append(result)
        # A complete BRP extract is a count, not an estimate: no draws, no interval.
        if draws is not None and len(draws):
            all_draws[gm] = draws
    base = pd.concat(results, ignore_index=True)
    return base, all_draws, info


#: Runs ``task(*args)`` for every argument tuple and returns the results in order: in this
#: process (:func:`_run_here`) or spread over worker processes
#: (:func:`pipeline.workflow.renderpool.run_all`).
RunAll = Callable[[Callable[..., Any], Sequence[tuple[Any, ...]]], list[Any]]


def _run_here(task: Callable[..., Any], argsets: Sequence[tuple[Any, ...]]) -> list[Any]:
    return [task(*args) for args in argsets]


def gemeente_spreiding(
    regios: pd.DataFrame,
    gemeente_pop: pd.DataFrame,
    gemeente_bs: pd.DataFrame,
    brp: pd.DataFrame,
    q: pd.DataFrame,
    forecast: pd.DataFrame,
    prevalentie: pd.DataFrame,
    s: indicators.Settings,
    registry: dict[str, Any],
    schatting: dict[str, Any],
    ontbrekende_buurten: str,
    horizon: list[int],
    n_toekomst: int,
) -> tuple[Any, dict[int, Any]]:
    """The spread of one gemeente's draws: base year and horizon years (pure).

    The inputs are this gemeente's slices of the batch's (so a task is small to send to a
    worker process); its draws are made here, seeded per gemeente, and only their spread
    leaves.

    Returns
    -------
    tuple
        The base-year :class:`~pipeline.model.intervals.Spreiding` (None without draws:
        a complete BRP extract is a count) and horizon year -> Spreiding.
    """
    from pipeline.model import intervals

    gm = str(regios.loc[regios["niveau"] == "gemeente", "code"].iloc[0])
    # The point-estimate pass already reported this gemeente's warnings.
    with _silent_in_this_thread(_ESTIMATE_LOGGERS):
        _, draws, _ = estimate_buurten(
            regios, gemeente_pop, gemeente_bs, brp, schatting, ontbrekende_buurten
        )
    if gm not in draws:
        return None, {}
    basis = intervals.base_spreiding(draws[gm], q, prevalentie, s, registry)
    with _silent_in_this_thread(_ESTIMATE_LOGGERS):
        jaren = intervals.horizon_spreiding(
            draws[gm], q, forecast, prevalentie, s, horizon, n_toekomst, registry
        )
    return basis, jaren


def compute_batch(
    regios: pd.DataFrame,
    gemeente_pop: pd.DataFrame,
    prevalentie: pd.DataFrame,
    registry: dict[str, Any],
    s: indicators.Settings,
    *,
    forecast: pd.DataFrame,
    horizon: Sequence[int],
    eenzaamheid: pd.DataFrame,
    schatting: dict[str, Any],
    gemeente_bs: pd.DataFrame,
    brp: pd.DataFrame,
    ontbrekende_buurten: str,
    run_all: RunAll | None = None,
) -> BatchResult:
    """Published indicators for every region of every gemeente of the batch.

    Parameters
    ----------
    regios
        Tidy KWB table of the batch (:func:`pipeline.model.batch_inputs.read_regions`).
    gemeente_pop
        Tidy base-year population by age and sex with ``gemeentecode``.
    prevalentie
        Dementia prevalence rates.
    registry
        Indicator registry.
    s
        Settings.
    forecast
        Gemeente forecast for the horizon years
        (:func:`pipeline.model.batch_inputs.read_forecast`).
    horizon
        Horizon years (empty for the base year only).
    eenzaamheid
        RIVM loneliness per region code (no rows for none).
    schatting
        The config section ``schatting`` (draws for the intervals).
    gemeente_bs
        Joint age x sex x burgerlijke staat per gemeente (may be empty).
    brp
        BRP extract per buurt (empty unless ``bronnen.bevolking.type`` is ``brp``).
    ontbrekende_buurten
        ``bronnen.bevolking.ontbrekende_buurten``.
    run_all
        How the per-gemeente interval tasks of a batch of several gemeenten run
        (:data:`RunAll`); ``None``: one after the other in this process. The result does not
        depend on it: every gemeente's draws have their own seed.

    Returns
    -------
    BatchResult
        Indicators, quantities, buurt population, diagnostics and timings.
    """
    from pipeline.model import brp_aanvulling, intervals, project

    t = time.perf_counter()
    steps: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        steps[name] = round(now - t, 3)
        t = now

    # Point estimates first; the draws come per gemeente below, once the quantities they
    # need exist, and are reduced to their spread at once (nationally they would be ~55
    # million rows). Each gemeente's draws have their own seed, so they are the same draws
    # as when they were made together with the point estimate.
    base, _, info = estimate_buurten(
        regios, gemeente_pop, gemeente_bs, brp, schatting | {"trekkingen": 0}, ontbrekende_buurten
    )
    lap("schatting")
    bev_buurt = project.project_buurten(base, forecast, s.basisjaar, list(horizon))
    bev_buurt.attrs = {}
    bev_gem = pd.concat([gemeente_pop, forecast], ignore_index=True)
    lap("projectie")
    q = indicators.assemble(regios, bev_buurt, bev_gem, eenzaamheid, prevalentie, s)
    lap("grootheden")
    derived = indicators.derive(q, s)
    table = indicators.publish(derived, registry, s)
    lap("publiceren")
    n_toekomst = min(int(schatting["trekkingen_toekomst"]), int(schatting["trekkingen"]))
    # One task per gemeente: its own slices of the inputs (small to send to a worker).
    tasks = [
        (
            regios[regios["gemeentecode"] == gm],
            gemeente_pop[gemeente_pop["gemeentecode"] == gm],
            gemeente_bs[gemeente_bs["gemeentecode"] == gm] if len(gemeente_bs) else gemeente_bs,
            brp[(brp["buurtcode"].str[2:6] == gm[2:]).to_numpy()] if len(brp) else brp,
            q[q["gemeentecode"] == gm],
            forecast[forecast["gemeentecode"] == gm] if len(forecast) else forecast,
            prevalentie,
            s,
            registry,
            schatting,
            ontbrekende_buurten,
            list(horizon),
            n_toekomst,
        )
        for gm in (info if int(schatting["trekkingen"]) > 0 else ())
    ]
    # One gemeente runs here: a worker would only add the sending.
    run = run_all if run_all is not None and len(tasks) > 1 else _run_here
    results = run(gemeente_spreiding, tasks)
    delen = [sp for sp, _ in results if sp is not None]
    toekomst: dict[int, list[intervals.Spreiding]] = {}
    for _, jaren in results:
        for jaar, sp_j in jaren.items():
            toekomst.setdefault(jaar, []).append(sp_j)
    if delen:
        sp = intervals.Spreiding.concat(delen)
        per_jaar = {j: intervals.Spreiding.concat(v) for j, v in toekomst.items()}
        table = intervals.attach_intervals(table, derived, sp, registry, s, per_jaar)
        lap("intervallen")
    marges = pd.Series("", index=table.index, dtype=object)
    for gm, rows in table.groupby("gemeentecode", sort=False):
        diag = info[gm]["diagnostiek"] or {}
        m = intervals.marges_column(rows["code"], diag.get("marges", {}) or {}, info[gm]["methode"])
        marges.loc[rows.index] = brp_aanvulling.mark_estimated(m, rows["code"], diag)
    table["marges"] = marges
    return BatchResult(
        indicatoren=table,
        grootheden=q,
        bevolking_buurt=bev_buurt,
        schatting=info,
        seconden=steps,
    )


@dataclass
class Bronnen:
    """The gemeente-level sources of a batch as read by :func:`compute_from_sources`."""

    #: Base-year population by age and sex per gemeente.
    bevolking: pd.DataFrame
    #: Joint age x sex x burgerlijke staat per gemeente (may be empty).
    bevolking_bs: pd.DataFrame
    #: Gemeente forecast for the horizon years.
    prognose: pd.DataFrame
    #: Per gemeente: how its forecast was made (for the report's caveats).
    prognose_methode: dict[str, str]
    #: Per gemeente: the forecast file and its CBS table.
    prognose_herkomst: dict[str, tuple[str, str | None]]
    #: Per gemeente whose forecast totals start from the counted base year: (the
    #: forecast's own base-year total, the counted total).
    prognose_aansluiting: dict[str, tuple[float, float]]
    #: RIVM loneliness per region code (no rows for source 'geen').
    eenzaamheid: pd.DataFrame


def compute_from_sources(
    regios: pd.DataFrame,
    bron: dict[str, str],
    bevolking: Sequence[tuple[str, str | None, Sequence[str]]],
    prognose: Sequence[tuple[str, Sequence[str]]],
    gezondheid: Sequence[tuple[str, Sequence[str]]],
    prevalentie: pd.DataFrame,
    registry: dict[str, Any],
    s: indicators.Settings,
    *,
    horizon: Sequence[int],
    schatting: dict[str, Any],
    ontbrekende_buurten: str,
    run_all: RunAll | None = None,
) -> tuple[Bronnen, BatchResult]:
    """Read the population, forecast and loneliness files of a batch and compute it.

    The one sequence the build step runs (and the tests with it), so the order of reading
    and the validation of the population live in one place.

    Parameters
    ----------
    regios
        Tidy KWB table of the batch (:func:`pipeline.model.batch_inputs.read_regions`).
    bron
        Source type per kind (``bronnen.<kind>.type``), at least ``bevolking`` and
        ``prognose``.
    bevolking
        ``(file, dimension file, gemeenten)`` of the population source (empty for demo).
    prognose
        ``(file, gemeenten)`` of the forecast source (empty for demo).
    gezondheid
        ``(file, gemeenten)`` of the loneliness source (empty for 'geen').
    prevalentie
        Dementia prevalence rates.
    registry
        Indicator registry.
    s
        Settings.
    horizon
        Horizon years (empty for the base year only).
    schatting
        The config section ``schatting``.
    ontbrekende_buurten
        ``bronnen.bevolking.ontbrekende_buurten``.
    run_all
        As :func:`compute_batch`.

    Returns
    -------
    tuple of Bronnen and BatchResult
        The sources as read and the computed batch.
    """
    from pipeline import schemas
    from pipeline.model import batch_inputs

    pop, pop_bs, brp = batch_inputs.read_population(
        bron["bevolking"], bevolking, regios, s.basisjaar, ontbrekende_buurten
    )
    schemas.validate(pop, schemas.BEVOLKING, ", ".join(f for f, _, _ in bevolking) or "demo")
    fc, methode, herkomst, aansluiting = batch_inputs.read_forecast(
        bron["prognose"], prognose, pop, s.basisjaar, list(horizon)
    )
    eenzaam = batch_inputs.read_loneliness(gezondheid)
    res = compute_batch(
        regios,
        pop,
        prevalentie,
        registry,
        s,
        forecast=fc,
        horizon=list(horizon),
        eenzaamheid=eenzaam,
        schatting=schatting,
        gemeente_bs=pop_bs,
        brp=brp,
        ontbrekende_buurten=ontbrekende_buurten,
        run_all=run_all,
    )
    return Bronnen(pop, pop_bs, fc, methode, herkomst, aansluiting, eenzaam), res
