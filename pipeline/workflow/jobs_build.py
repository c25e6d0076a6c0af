"""The build step (``rules/build.smk``): the raw files of a batch into ``data/processed/<batch>/``.

A batch is one gemeente (``berekening: per_gemeente``) or all selected gemeenten at once
(``in_een_keer``). One job reads the batch's sources, computes the indicators of all its
buurten (:mod:`pipeline.model.batch`) and writes the tables an analyst can open, the
provenance and the registry per gemeente; and the exports per gemeente, the reference rows of
Nederland and of a region.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from pipeline.workflow.steps import step

log = logging.getLogger("wijkscan")

#: The raw input kinds a batch is built from (``bronnen.<kind>``), in provenance order.
SOORTEN = ("kwb", "geometrie", "bevolking", "prognose", "gezondheidsmonitor")


def _pairs(files: Any, gemeenten: list[str], per_gemeente: bool) -> list[tuple[str, list[str]]]:
    """``(file, gemeenten)`` pairs: one file per gemeente, or each file for all of them."""
    files = [str(f) for f in ([files] if isinstance(files, str) else files)]
    if per_gemeente and files:
        return [(f, [gm]) for f, gm in zip(files, gemeenten, strict=True)]
    return [(f, list(gemeenten)) for f in files]


@step(release=True)
def build(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Indicators, tables, provenance and registry of every gemeente of one batch."""
    import json

    import pandas as pd

    from pipeline import schemas
    from pipeline.ingest import geometry
    from pipeline.ingest.prevalentie import read_prevalentie
    from pipeline.io import atomic_path, write_json, write_parquet
    from pipeline.model import batch, batch_inputs, indicators, intervals, provenance, registry
    from pipeline.model.estimate_inputs import KWB_BANDS
    from pipeline.workflow import renderpool

    cfg = params.config
    gemeenten, per = list(params.gemeenten), dict(params.per_gemeente)
    bron = {kind: cfg["bronnen"][kind]["type"] for kind in SOORTEN}
    s = indicators.settings_from_config(cfg)

    regios = batch_inputs.read_regions(_pairs(input.kwb, gemeenten, per["kwb"]))
    regios = merge_aanvulling(regios, input, params)
    schemas.validate(regios, schemas.REGIOS, ", ".join(map(str, input.kwb)))
    write_parquet(regios, output.regios)

    geo, hersteld = batch_inputs.read_geometry(
        _pairs(input.geometrie, gemeenten, per["geometrie"]), params.laag
    )
    bron_geo = Path(str(input.geometrie[0])).name
    parts = batch_inputs.geometry_per_gemeente(
        geo, regios, int(params.jaar), params.controle, bron_geo
    )
    for gm, (_, controle) in parts.items():
        eigen = [c for c in hersteld if c.startswith("BU" + gm[2:])]
        controle["waarschuwingen"] = list(controle["waarschuwingen"]) + (
            geometry.repair_warning(eigen)
        )
    with atomic_path(output.buurten) as tmp:
        pd.concat([gdf for gdf, _ in parts.values()]).to_file(tmp, layer="buurten", driver="GPKG")
    write_json({gm: controle for gm, (_, controle) in parts.items()}, output.controle)
    # Nationally the shapes are a few hundred MB; written now, not needed while computing.
    del geo, parts

    dims = list(input.bevolking_dim) or [None] * len(input.bevolking)
    pop_files = [
        (f, d, gms)
        for (f, gms), d in zip(
            _pairs(input.bevolking, gemeenten, per["bevolking"]), dims, strict=True
        )
    ]
    prev = read_prevalentie(Path(input.prevalentie))
    reg = registry.registry_from_config(cfg, params.prevalentie_bron)
    gelezen, res = batch.compute_from_sources(
        regios,
        bron,
        pop_files,
        _pairs(input.prognose, gemeenten, per["prognose"]),
        _pairs(input.gezondheid, gemeenten, per["gezondheidsmonitor"]),
        prev,
        reg,
        s,
        horizon=list(params.horizon),
        schatting=cfg["schatting"],
        ontbrekende_buurten=params.ontbrekende_buurten,
        # A batch of several gemeenten spreads its interval draws over the render workers.
        run_all=renderpool.run_all,
    )
    methode, herkomst = gelezen.prognose_methode, gelezen.prognose_herkomst
    table = res.indicatoren
    schemas.validate(table, schemas.indicator_schema(reg), "build")
    # The tables between the steps, for analysts (one file for the whole batch).
    write_parquet(gelezen.bevolking, output.bevolking_gemeente)
    write_parquet(gelezen.bevolking_bs, output.bevolking_gemeente_bs)
    write_parquet(res.bevolking_buurt, output.bevolking_buurt)
    write_parquet(gelezen.prognose, output.prognose_gemeente)
    write_parquet(gelezen.eenzaamheid, output.eenzaamheid)
    write_json(res.schatting, output.schatting)

    files = {kind: [str(f) for f in getattr(input, KEYS[kind])] for kind in SOORTEN}
    aanvulling = [str(f) for f in input.aanvulling]
    dementie = national_dementia(input.landelijk)
    controles = json.loads(Path(output.controle).read_text(encoding="utf-8"))
    metas, registers = {}, {}
    for i, gm in enumerate(gemeenten):
        rows = table[table["gemeentecode"] == gm]
        naam = str(rows.loc[rows["niveau"] == "gemeente", "naam"].iloc[0])
        info = res.schatting[gm]
        diag = info["diagnostiek"] or {}
        marges = diag.get("marges", {}) or {}
        warnings = provenance.report_warnings(
            controles[gm].get("waarschuwingen", []),
            methode.get(gm),
            gelezen.prognose_aansluiting.get(gm),
            (herkomst.get(gm) or (None, None))[1],
            s.basisjaar,
        ) + intervals.marges_waarschuwingen(marges if info["methode"] == "ipf" else {})
        raw_files = {
            kind: (paths[i] if per[kind] else paths[0]) if paths else provenance.INGEBOUWD
            for kind, paths in files.items()
        }
        if aanvulling:
            raw_files["kwb_aanvulling"] = aanvulling[i] if len(aanvulling) > 1 else aanvulling[0]
        meta = provenance.build_meta(
            gm, naam, cfg, raw_files, dict(params.table_ids), warnings, params.prevalentie_bron
        )
        meta["prognose_methode"] = methode.get(gm)
        if gm in gelezen.prognose_aansluiting:
            # (the forecast's own base-year total, the counted one): totals were rescaled.
            meta["prognose_aansluiting"] = list(gelezen.prognose_aansluiting[gm])
        if gm in herkomst:
            # The file (of a list) and table this gemeente's forecast really came from.
            bestand, tabel = herkomst[gm]
            provenance.set_source_file(meta, "prognose", bestand, provenance.sha256(Path(bestand)))
            provenance.set_table(meta, "prognose", tabel)
        meta["dementie_landelijk"] = dementie
        meta["buurtsignaal"] = intervals.bepaal_buurtsignaal(reg, info["methode"], marges)
        # The KWB age groups the estimate had per buurt (an extract may hold only some).
        rest = set(diag.get("rest_banden") or [])
        meta["kwb_leeftijdsgroepen"] = [n for n, _, _ in KWB_BANDS if n not in rest]
        provenance.add_brp_estimates(meta, info["diagnostiek"])
        metas[gm], registers[gm] = meta, published_registry(cfg, meta)
        print_progress(gm, naam, rows, s.basisjaar, bool(meta["fictief"]))
    write_parquet(res.grootheden, output.grootheden)
    write_parquet(table, output.indicatoren)
    write_json(metas, output.meta)
    write_json(registers, output.register)
    log.info("stappen: %s", res.seconden)


#: Name of the build rule's input per raw kind.
KEYS = {
    "kwb": "kwb",
    "geometrie": "geometrie",
    "bevolking": "bevolking",
    "prognose": "prognose",
    "gezondheidsmonitor": "gezondheid",
}


def merge_aanvulling(regios: Any, input: Any, params: Any) -> Any:
    """Add the adjacent KWB year's burgerlijke staat (bronnen.kwb_aanvulling), if any."""
    import pandas as pd

    from pipeline.ingest import kwb, kwb_lezen
    from pipeline.model.batch_inputs import member_rows

    aux_files = [str(f) for f in getattr(input, "aanvulling", [])]
    if not aux_files:
        return regios
    parts = []
    for path in aux_files:
        source = Path(path)
        aux_raw = kwb_lezen.read_kwb(source)
        present = set(kwb.gemeente_codes(aux_raw))
        # The fetch leaves an empty table when the gemeente did not exist that year.
        if present:
            rows = aux_raw[member_rows(aux_raw, sorted(present & set(regios["gemeentecode"])))]
            parts.append(kwb.normalize_all(rows, source.name, required=False))
    aux = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    regios, info = kwb.merge_aanvulling(regios, aux, params.aanvulling_jaar)
    log.info(
        "Herkomst aanvulling burgerlijke staat: KWB %s (%s); %d van %d buurten gekoppeld "
        "(zelfde buurtcode in beide jaren, gemeente bestond); aantallen niet geschaald.",
        info.jaar,
        params.aanvulling_herkomst,
        info.gekoppeld,
        info.buurten,
    )
    if info.waarschuwing:
        log.warning("%s", info.waarschuwing)
    return regios


def published_registry(config: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The registry written beside a gemeente's table (``register.json``), as JSON.

    Built with the tables the gemeente's data really came from (its ``bronnen.json``), so
    every product of that gemeente names the same source for a number.
    """
    from pipeline.model import provenance, registry

    reg = registry.registry_from_config(
        config, meta.get("prevalentie_bron", ""), provenance.tables(meta)
    )
    return registry.registry_to_json(reg)


def national_dementia(path: str) -> list[dict[str, str]]:
    """Published national dementia totals (config CSV) for bronnen.json, as strings."""
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")


def print_progress(gemeente: str, naam: str, table: Any, basisjaar: int, fictief: bool) -> None:
    """One line per gemeente in the Snakemake output, so long runs show what is done."""
    from pipeline.present import fmt

    base = table[(table["jaar"] == basisjaar) & (table["niveau"] == "gemeente")].iloc[0]
    n_buurten = int(((table["jaar"] == basisjaar) & (table["niveau"] == "buurt")).sum())
    print(
        f"wijkscan {gemeente} {naam}: {n_buurten} buurten, "
        f"{fmt.getal(base['inwoners'])} inwoners, indicatoren klaar"
        + (" (FICTIEF)" if fictief else ""),
        file=sys.stderr,
    )


@step
def export_indicators(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """CSV, XLSX and GeoPackage exports of one gemeente's published indicators."""
    from pipeline.workflow.published import read_published

    table, geo, reg, meta = read_published(
        wildcards.gemeente, input.indicatoren, input.meta, input.register, input.buurten
    )
    write_exports(table, meta, geo, reg, int(params.jaar), output.csv, output.xlsx, output.gpkg)


def write_exports(
    table: Any, meta: dict, geo: Any, reg: dict, jaar: int, csv: str, xlsx: str, gpkg: str
) -> None:
    from pipeline.present import export, texts

    let_op = texts.fictief_tekst(meta) if meta.get("fictief") else ""
    export.write_csv(table, Path(csv), let_op, reg)
    export.write_xlsx(table, reg, meta, Path(xlsx))
    export.write_gpkg(table, geo, reg, jaar, Path(gpkg), let_op)


@step
def prepare_reference_nl(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Published national reference row (KWB-based) for the report."""
    from pipeline.ingest import kwb_lezen
    from pipeline.io import write_parquet
    from pipeline.model import indicators, reference, registry

    cfg = params.config
    raw = kwb_lezen.read_kwb(Path(input.kwb))
    q = reference.national_quantities(raw, int(cfg["jaar"]), Path(input.kwb).name)
    if q["reden"].iloc[0]:
        # No national figure beats a wrong one (a file with only Duiven is not Nederland).
        log.warning(
            "Geen landelijke vergelijkingscijfers: %s. Het rapport toont bij 'Nederland' "
            "een streepje. Oplossing: gebruik een landelijk KWB-bestand (met de rij NL01 "
            "of alle gemeenten) als bronnen.kwb.pad.",
            q["reden"].iloc[0],
        )
    s = indicators.settings_from_config(cfg)
    reg = registry.registry_from_config(cfg)
    write_parquet(reference.publish_reference(q, reg, s), output.referentie)


@step
def compute_region(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Published region reference rows (sum of the member gemeenten) per year."""
    import pandas as pd

    from pipeline.io import write_parquet
    from pipeline.model import indicators, reference, registry

    cfg = params.config
    s = indicators.settings_from_config(cfg)
    leden = set(params.leden)
    # A batch file holds more gemeenten than the region's members when built in one go, and is
    # then named once per member: read each file once, or members would count twice.
    tables = [
        pd.read_parquet(p, filters=[("gemeentecode", "in", leden)])
        for p in dict.fromkeys(input.grootheden)
    ]
    q = reference.region_quantities(tables, params.naam)
    reg = registry.registry_from_config(cfg)
    write_parquet(reference.publish_reference(q, reg, s), output.referentie)
