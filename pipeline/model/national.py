"""Indicators for every buurt in the Netherlands in one pass (pure functions).

By default the workflow computes one gemeente at a time: about twelve small jobs per
gemeente, each (outside thread mode) a separate Python process, and each reading the
national source files again. With ``berekening: in_een_keer`` the rules in
``pipeline/workflow/rules/national.smk`` call this module instead: the same published tables for
all gemeenten at once, from the same sources and with the same domain functions:

1. :func:`pipeline.ingest.kwb.normalize_all` - the national KWB table into the tidy ``regios``
   layout (the same function the per-gemeente rule calls on one gemeente's rows);
2. :mod:`pipeline.model.national_inputs` - one read of the national buurt polygons, split and
   checked per gemeente as ``prepare_geometry`` does
   (:func:`~pipeline.model.national_inputs.geometry_per_gemeente`); the gemeente population
   by age and sex from a national 03759ned file or the offline demo structure
   (:func:`~pipeline.model.national_inputs.population_all`, with
   :func:`pipeline.ingest.demo_herschaling.rescale_to_kwb_all`, which the per-gemeente rule
   calls too); the gemeente forecasts (Primos, 85171NED or the demo growth,
   :func:`~pipeline.model.national_inputs.forecast_all`);
3. :func:`compute_all` - :func:`pipeline.model.estimate.estimate_buurt_ages` and
   :func:`pipeline.model.project.project_buurten` once for all buurten (both vectorised across
   gemeenten), then :func:`pipeline.model.indicators.assemble` (several gemeenten at once),
   :func:`~pipeline.model.indicators.derive` and :func:`~pipeline.model.indicators.publish`.

The unit and e2e tests check that the rows of a gemeente equal those of the per-gemeente
rules. Without Snakemake: ``python -m pipeline.model.national --kwb <file>`` (demo ages).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import WijkscanError
from pipeline.ingest import kwb_lezen
from pipeline.ingest.kwb import normalize_all
from pipeline.model import indicators
from pipeline.model.national_inputs import demo_population, forecast_all

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------- indicators


@dataclass
class NationalResult:
    """Everything the one-pass computation produces, for all gemeenten at once."""

    #: Published indicators (:func:`pipeline.model.indicators.publish`), per gemeente in order.
    indicatoren: pd.DataFrame
    #: Unrounded quantities (:func:`pipeline.model.indicators.assemble`), for regional sums.
    grootheden: pd.DataFrame
    #: IPF diagnostics of the buurt estimate.
    diagnostiek: dict[str, Any] | None
    #: Forecast method per gemeente (``leeftijdsdetail`` / ``totaal_met_cohortmodel``);
    #: empty without horizon.
    prognose_methode: dict[str, str]
    #: Seconds per step.
    seconden: dict[str, float] = field(default_factory=dict)


def compute_all(
    regios: pd.DataFrame,
    gemeente_pop: pd.DataFrame,
    prevalentie: pd.DataFrame,
    registry: dict[str, Any],
    s: indicators.Settings,
    *,
    forecast: pd.DataFrame | None = None,
    prognose_methode: dict[str, str] | None = None,
    eenzaamheid: pd.DataFrame | None = None,
    schatting: dict[str, Any] | None = None,
    gemeente_bs: pd.DataFrame | None = None,
) -> NationalResult:
    """Published indicators for every region of every gemeente, in one pass.

    The same domain functions as the per-gemeente rules, called once on all buurten:
    :func:`pipeline.model.estimate.estimate_buurt_ages` (vectorised across gemeenten),
    :func:`pipeline.model.project.project_buurten`, :func:`pipeline.model.indicators.assemble`
    (several gemeenten), :func:`~pipeline.model.indicators.derive` and
    :func:`~pipeline.model.indicators.publish`.

    Parameters
    ----------
    regios
        Tidy KWB table of all gemeenten (:func:`pipeline.ingest.kwb.normalize_all`).
    gemeente_pop
        Tidy base-year population by age and sex with ``gemeentecode``
        (:func:`pipeline.model.national_inputs.population_all`).
    prevalentie
        Dementia prevalence rates.
    registry
        Indicator registry.
    s
        Settings.
    forecast
        Gemeente forecast for the horizon years (:func:`pipeline.model.national_inputs.forecast_all`), or None for the
        base year only.
    prognose_methode
        Method label of ``forecast`` per gemeente.
    eenzaamheid
        RIVM loneliness per region code (:func:`pipeline.model.national_inputs.loneliness_all`), or None.
    schatting
        The config section ``schatting`` (draws for the intervals), or None for none.
        Draws are made per gemeente with :func:`pipeline.model.intervals.zaad_voor`, so a
        gemeente gets the same intervals as in its own per-gemeente build.
    gemeente_bs
        Joint age x sex x burgerlijke staat per gemeente (:func:`pipeline.model.national_inputs.population_bs_all`), or
        None.

    Returns
    -------
    NationalResult
        Indicators, quantities, diagnostics and timings.
    """
    from pipeline.model import estimate, intervals, project

    t = time.perf_counter()
    steps: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        steps[name] = round(now - t, 3)
        t = now

    buurten = regios[regios["niveau"] == "buurt"]
    base = estimate.estimate_buurt_ages(buurten, gemeente_pop, gemeente_bs=gemeente_bs)
    diag = base.attrs.get("diagnostiek")
    base = base.copy()
    base.attrs = {}
    lap("schatting")
    bev_gem = gemeente_pop
    if forecast is not None and len(forecast):
        years = sorted(set(forecast["jaar"].astype(int)) - {s.basisjaar})
        bev_buurt = project.project_buurten(base, forecast, s.basisjaar, years)
        bev_buurt.attrs = {}
        bev_gem = pd.concat([gemeente_pop, forecast], ignore_index=True)
    else:
        bev_buurt = base.assign(jaar=s.basisjaar)
        prognose_methode = {}
    lap("projectie")
    q = indicators.assemble(regios, bev_buurt, bev_gem, eenzaamheid, prevalentie, s)
    lap("grootheden")
    derived = indicators.derive(q, s)
    table = indicators.publish(derived, registry, s)
    lap("publiceren")
    if schatting and int(schatting["trekkingen"]) > 0:
        per_draw = []
        for gm, b in buurten.groupby("gemeentecode", sort=True):
            _, draws = estimate.estimate_with_draws(
                b,
                gemeente_pop[gemeente_pop["gemeentecode"] == gm],
                gemeente_bs=None
                if gemeente_bs is None
                else gemeente_bs[gemeente_bs["gemeentecode"] == gm],
                trekkingen=int(schatting["trekkingen"]),
                spreiding=float(schatting["spreiding"]),
                rng_seed=intervals.zaad_voor(int(schatting["zaad"]), str(gm)),
            )
            if draws is not None:
                per_draw.append(
                    intervals.draw_indicators(draws, q[q["gemeentecode"] == gm], prevalentie, s)
                )
        if per_draw:
            table = intervals.attach_intervals(
                table,
                derived,
                pd.concat(per_draw, ignore_index=True),
                registry,
                s,
                intervals.NIVEAU,
            )
        lap("intervallen")
    marges = diag.marges if hasattr(diag, "marges") else {}
    table["marges"] = intervals.marges_column(table["code"], marges, "ipf")
    return NationalResult(
        indicatoren=table,
        grootheden=q,
        diagnostiek=diag.as_dict() if hasattr(diag, "as_dict") else diag,
        prognose_methode=dict(prognose_methode or {}),
        seconden=steps,
    )


def national_indicators(
    raw_kwb: pd.DataFrame,
    gemeente_pop: pd.DataFrame | None,
    prevalentie: pd.DataFrame,
    registry: dict[str, Any],
    s: indicators.Settings,
    *,
    forecast: pd.DataFrame | None = None,
    horizon: Sequence[int] = (),
    eenzaamheid: pd.DataFrame | None = None,
    source: str = "KWB",
) -> pd.DataFrame:
    """Published indicators of all gemeenten from a raw national KWB table (one pass).

    Parameters
    ----------
    raw_kwb
        National raw KWB table (StatLine "onbewerkte dataset").
    gemeente_pop
        Tidy base-year population of every gemeente; None for the offline demo structure
        (:func:`pipeline.model.national_inputs.demo_population`, marked fictief elsewhere).
    prevalentie
        Dementia prevalence rates.
    registry
        Indicator registry.
    s
        Settings.
    forecast
        Tidy gemeente forecast for the horizon years; None with a horizon means the demo
        growth (:func:`pipeline.model.national_inputs.demo_forecast`).
    horizon
        Horizon years; empty for the base year only.
    eenzaamheid
        RIVM loneliness per region code, or None.
    source
        Name of the KWB file for messages.

    Returns
    -------
    pandas.DataFrame
        The published table of all gemeenten; ``attrs`` holds ``diagnostiek`` (IPF) and
        ``seconden`` (time per step).
    """
    t0 = time.perf_counter()
    regios = normalize_all(raw_kwb, source)
    t1 = time.perf_counter()
    if gemeente_pop is None:
        gemeente_pop = demo_population(regios, s.basisjaar)
    years = sorted({int(h) for h in horizon} - {s.basisjaar})
    methode = None
    if years and forecast is None:
        forecast, methode = forecast_all("demo", gemeente_pop, s.basisjaar, years)
    t2 = time.perf_counter()
    res = compute_all(
        regios,
        gemeente_pop,
        prevalentie,
        registry,
        s,
        forecast=forecast if years else None,
        prognose_methode=methode,
        eenzaamheid=eenzaamheid,
    )
    table = res.indicatoren
    table.attrs["diagnostiek"] = res.diagnostiek
    table.attrs["seconden"] = {
        "kwb": round(t1 - t0, 3),
        "bevolking": round(t2 - t1, 3),
        **res.seconden,
    }
    return table


# -------------------------------------------------------------------- command line


def load_config(path: Path | None = None) -> dict[str, Any]:
    """Read and validate a wijkscan configuration with all defaults filled in.

    Parameters
    ----------
    path
        YAML file; default ``config/config.yaml`` of this checkout.

    Returns
    -------
    dict
        The configuration as the Snakefile sees it after ``validate``.

    Raises
    ------
    WijkscanError
        When the file is missing or no valid YAML, or the configuration is invalid (Dutch
        message with the key path).
    """
    from pipeline.workflow import config as wcfg

    return wcfg.load_config(path or Path(__file__).resolve().parents[2] / "config" / "config.yaml")


def main(argv: list[str] | None = None) -> int:
    """Command line: national indicators from a local KWB file (offline demo population).

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit code.
    """
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.model.national",
        description="Indicatoren voor alle buurten van Nederland in één keer (KWB lokaal; "
        "leeftijdsopbouw en prognose 'demo' = FICTIEF).",
    )
    parser.add_argument("--kwb", type=Path, required=True, help="KWB-bestand (StatLine-CSV)")
    parser.add_argument("--uit", type=Path, help="schrijf de tabel als Parquet")
    parser.add_argument(
        "--configfile", type=Path, help="configuratie (standaard: config/config.yaml)"
    )
    parser.add_argument(
        "--horizon", action="store_true", help="ook de horizonjaren uit de configuratie"
    )
    args = parser.parse_args(argv)

    from pipeline.ingest.prevalentie import read_prevalentie
    from pipeline.model import registry as reg

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        repo = Path(__file__).resolve().parents[2]
        cfg = load_config(args.configfile)
        t0 = time.perf_counter()
        raw = kwb_lezen.read_kwb(args.kwb)
        prev_path = Path(cfg["indicatoren"]["dementie_prevalentie"])
        prev = read_prevalentie(prev_path if prev_path.is_absolute() else repo / prev_path)
        prev_bron = cfg["indicatoren"]["dementie_bron"]
        table = national_indicators(
            raw,
            None,
            prev,
            reg.registry_from_config(cfg, prev_bron),
            indicators.settings_from_config(cfg),
            horizon=cfg["horizon"] if args.horizon else (),
            source=args.kwb.name,
        )
        if args.uit:
            args.uit.parent.mkdir(parents=True, exist_ok=True)
            table.to_parquet(args.uit, index=False)
    except WijkscanError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    n = table.groupby("niveau")["code"].nunique()
    print(
        f"{n.get('gemeente', 0)} gemeenten, {n.get('wijk', 0)} wijken, {n.get('buurt', 0)} "
        f"buurten, {table['jaar'].nunique()} jaar; {len(table)} rijen in "
        f"{time.perf_counter() - t0:.1f} s (stappen: {table.attrs['seconden']})."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
