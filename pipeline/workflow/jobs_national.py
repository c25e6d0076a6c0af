"""National one-pass steps (``berekening: in_een_keer``, ``rules/national.smk``).

The national files are read once and every selected gemeente is built in one job, into the
same per-gemeente files that :mod:`pipeline.workflow.jobs_build` writes. These steps run in
the Snakemake process itself in thread mode and hold a lot of memory, so they give it back
when they end (``@step(release=True)``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pipeline.errors import WijkscanError
from pipeline.workflow.jobs_build import (
    merge_aanvulling,
    national_dementia,
    print_progress,
    published_registry,
    write_exports,
)
from pipeline.workflow.steps import step

log = logging.getLogger("wijkscan")


@step(release=True)
def prepare_regions_all(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Tidy, validated region table of every selected gemeente, from the national KWB file."""
    from pipeline import schemas
    from pipeline.ingest import kwb, kwb_lezen
    from pipeline.io import write_parquet
    from pipeline.present import fmt

    source = Path(input.kwb[0])
    regios = kwb.normalize_all(kwb_lezen.read_kwb(source), source.name)
    wanted = set(params.gemeenten)
    missing = sorted(wanted - set(regios.loc[regios["niveau"] == "gemeente", "code"]))
    if missing:
        raise WijkscanError(
            f"{len(missing)} gemeente(n) staan niet in {source.name}: {fmt.eerste(missing)}",
            waar="gemeenten / bronnen.kwb.pad",
            oplossing="Controleer de gemeentecodes en het peiljaar van het KWB-bestand.",
        )
    regios = regios[regios["gemeentecode"].isin(wanted)].reset_index(drop=True)
    regios = merge_aanvulling(regios, input, params)
    schemas.validate(regios, schemas.REGIOS, str(source))
    write_parquet(regios, output.regios)
    log.info("%d gemeenten, %d buurten", len(wanted), int((regios.niveau == "buurt").sum()))


@step(release=True)
def prepare_geometry_all(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Buurt polygons of every selected gemeente from one read of the national file."""
    import pandas as pd

    from pipeline.ingest import geometry
    from pipeline.io import atomic_path, write_json
    from pipeline.model import national_inputs

    regios = pd.read_parquet(input.regios)
    source = Path(input.gpkg[0])
    geo, hersteld = geometry.repair(geometry.read_buurten(source, None, params.laag))
    parts = national_inputs.geometry_per_gemeente(
        geo, regios, int(params.jaar), params.controle, source.name
    )
    for gm, (_, controle) in parts.items():
        eigen = [c for c in hersteld if c.startswith("BU" + gm[2:])]
        controle["waarschuwingen"] = list(controle.get("waarschuwingen", [])) + (
            geometry.repair_warning(eigen)
        )
    gpkgs = dict(zip(params.gemeenten, output.gpkg, strict=True))
    for gm, (gdf, _) in parts.items():
        with atomic_path(gpkgs[gm]) as tmp:
            gdf.to_file(tmp, layer="buurten", driver="GPKG")
    # One national copy for the export job (it would otherwise list 342 inputs).
    with atomic_path(output.buurten) as tmp:
        pd.concat([gdf for gdf, _ in parts.values()]).to_file(tmp, layer="buurten", driver="GPKG")
    write_json({gm: controle for gm, (_, controle) in parts.items()}, output.controle)
    log.info("buurtgrenzen van %d gemeenten uit %s", len(parts), source.name)


@step(release=True)
def compute_indicators_all(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Indicators, quantities and provenance of every selected gemeente in one pass."""
    import copy
    import json

    import pandas as pd

    from pipeline import schemas
    from pipeline.ingest.prevalentie import read_prevalentie
    from pipeline.ingest.primos import read_primos
    from pipeline.ingest.statline import lees_cbs_csv
    from pipeline.io import write_json, write_parquet
    from pipeline.model import (
        indicators,
        intervals,
        national,
        national_inputs,
        provenance,
        registry,
    )

    cfg = params.config
    bronnen = {kind: cfg["bronnen"][kind]["type"] for kind in cfg["bronnen"]}
    s = indicators.settings_from_config(cfg)
    gemeenten = list(params.gemeenten)
    regios = pd.read_parquet(input.regios)
    pop_file = Path(input.bevolking[0]) if len(input.bevolking) else None
    pop_rows = lees_cbs_csv(pop_file) if pop_file else None
    pop_name = pop_file.name if pop_file else "demo"
    pop = national_inputs.population_all(
        bronnen["bevolking"], regios, s.basisjaar, pop_rows, pop_name
    )
    schemas.validate(pop, schemas.BEVOLKING, str(pop_file or "demo"))
    pop_bs = national_inputs.population_bs_all(
        bronnen["bevolking"], pop, s.basisjaar, pop_rows, pop_name
    )
    years = sorted({int(h) for h in cfg["horizon"]} - {s.basisjaar})
    fc, methode = None, None
    # Gemeente -> (file, table) of its forecast, when bronnen.prognose.pad lists files.
    prognose_files: dict[str, tuple[str, str | None]] = {}
    if years:
        tidy = None
        if bronnen["prognose"] == "primos":
            tidy = read_primos(Path(input.prognose[0]), gemeenten)
        elif bronnen["prognose"] == "lokaal":
            tidy, prognose_files = local_forecast_all([str(p) for p in input.prognose], gemeenten)
        fc, methode = national_inputs.forecast_all(
            bronnen["prognose"], pop, s.basisjaar, years, tidy
        )
    eenzaam = None
    if len(input.gezondheid):
        path = Path(input.gezondheid[0])
        eenzaam = national_inputs.loneliness_all(lees_cbs_csv(path), gemeenten, path.name)
    prev_bron = params.prevalentie_bron
    reg = registry.registry_from_config(cfg, prev_bron)
    res = national.compute_all(
        regios,
        pop,
        read_prevalentie(Path(input.prevalentie)),
        reg,
        s,
        forecast=fc,
        prognose_methode=methode,
        eenzaamheid=eenzaam,
        schatting=cfg["schatting"],
        gemeente_bs=pop_bs,
    )
    table, q = res.indicatoren, res.grootheden
    schemas.validate(table, schemas.indicator_schema(reg), "compute_indicators_all")
    # Hash the national files once; every gemeente's bronnen.json cites the same files.
    template = provenance.build_meta(
        "", "", cfg, dict(params.raw_files), dict(params.table_ids), [], prev_bron
    )
    template["dementie_landelijk"] = national_dementia(input.landelijk)
    paths = {
        kind: dict(zip(gemeenten, getattr(output, kind), strict=True))
        for kind in ("indicatoren", "grootheden", "meta", "register")
    }
    controles = json.loads(Path(input.controle).read_text(encoding="utf-8"))
    marges_all = (res.diagnostiek or {}).get("marges", {})
    tables = dict(tuple(table.groupby("gemeentecode", sort=False)))
    quantities = dict(tuple(q.groupby("gemeentecode", sort=False)))
    metas, registers = {}, {}
    hashes = {
        f: provenance.sha256(Path(f)) for f in dict.fromkeys(f for f, _ in prognose_files.values())
    }
    for gm in gemeenten:
        t_gm = tables[gm].reset_index(drop=True)
        methode = res.prognose_methode.get(gm)
        prefix = "BU" + gm[2:]
        marges = {c: m for c, m in marges_all.items() if c.startswith(prefix)}
        warnings = provenance.report_warnings(
            controles[gm].get("waarschuwingen", []), methode
        ) + intervals.marges_waarschuwingen(marges)
        meta = copy.deepcopy(template)
        naam = str(t_gm.loc[t_gm["niveau"] == "gemeente", "naam"].iloc[0])
        meta.update(
            gemeente=gm, gemeentenaam=naam, waarschuwingen=warnings, prognose_methode=methode
        )
        meta["buurtsignaal"] = intervals.bepaal_buurtsignaal(reg, "ipf", marges)
        if gm in prognose_files:
            # The file (of the list) this gemeente's forecast really came from.
            bestand, tabel = prognose_files[gm]
            provenance.set_source_file(meta, "prognose", bestand, hashes[bestand])
            provenance.set_table(meta, "prognose", tabel)
        write_parquet(quantities[gm].reset_index(drop=True), paths["grootheden"][gm])
        write_parquet(t_gm, paths["indicatoren"][gm])
        write_json(meta, paths["meta"][gm])
        registers[gm] = published_registry(cfg, meta)
        write_json(registers[gm], paths["register"][gm])
        metas[gm] = meta
        print_progress(gm, naam, t_gm, s.basisjaar, bool(meta["fictief"]))
    # National copies: the export job reads these two instead of 342 x 2 files.
    write_parquet(table, output.landelijk_indicatoren)
    write_json(metas, output.landelijk_bronnen)
    write_json(registers, output.landelijk_register)
    log.info("in één keer: %s", res.seconden)
    log.info("schatting (IPF) van alle buurten: %s", res.diagnostiek)


def local_forecast_all(
    paths: list[str], gemeenten: list[str]
) -> tuple[Any, dict[str, tuple[str, str | None]]]:
    """The forecast of every gemeente from local files in order of preference.

    Each gemeente comes from the first file that has it (as ``fetch_forecast`` does per
    gemeente), so 85171NED (88 gemeenten) followed by 85173NED (all) covers the country.

    Returns
    -------
    tuple
        The tidy forecast of all gemeenten, and per gemeente its file and table id.
    """
    import pandas as pd

    from pipeline.ingest.prognose import parse_85171ned, prognose_tabel, verdeel_prognosebestanden
    from pipeline.ingest.statline import lees_cbs_csv

    tabellen = {p: lees_cbs_csv(Path(p)) for p in paths}
    parts, herkomst = [], {}
    for naam, gms in verdeel_prognosebestanden(tabellen, gemeenten).items():
        parts.append(parse_85171ned(tabellen[naam], gemeenten=gms, bron=Path(naam).name))
        herkomst.update(dict.fromkeys(gms, (naam, prognose_tabel(tabellen[naam].columns))))
    return pd.concat(parts, ignore_index=True), herkomst


@step(release=True)
def export_indicators_all(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """The exports of every gemeente in one job (alongside the per-gemeente renders)."""
    import json

    import geopandas as gpd
    import pandas as pd

    from pipeline.model import registry

    table = pd.read_parquet(input.indicatoren)
    metas = json.loads(Path(input.meta).read_text(encoding="utf-8"))
    registers = json.loads(Path(input.register).read_text(encoding="utf-8"))
    geo = gpd.read_file(input.buurten, layer="buurten")
    tables = dict(tuple(table.groupby("gemeentecode", sort=False)))
    prefix = geo["code"].str[2:6]
    files = zip(params.gemeenten, output.csv, output.xlsx, output.gpkg, strict=True)
    for gm, csv, xlsx, gpkg in files:
        reg = registry.registry_from_json(registers[gm], f"{input.register} ({gm})")
        write_exports(
            tables[gm].reset_index(drop=True),
            metas[gm],
            geo[prefix == gm[2:]].reset_index(drop=True),
            reg,
            int(params.jaar),
            csv,
            xlsx,
            gpkg,
        )
    log.info("exports van %d gemeenten", len(params.gemeenten))
