# Shared helpers (input functions and target lists) for the included workflow files.
# Every function is named (no lambdas) and only maps config (or the DAG) to paths and counts;
# the run hooks hand over to pipeline.workflow.steps and pipeline.workflow.renderpool.
from pathlib import Path

from pipeline.workflow import codeversie, renderpool, steps
from pipeline.workflow import config as wcfg
from pipeline.model import provenance


def raw(kind, gemeente):
    return wcfg.raw_path(config, kind, gemeente)


def local_file(kind):
    def _files(wildcards):
        return wcfg.local_input(config, kind) if wildcards.bron != "cbs" else []

    return _files


def raw_kwb(wildcards):
    return raw("kwb", wildcards.gemeente)


def aanvulling_file(wildcards):
    src = config["bronnen"]["kwb_aanvulling"]
    return [src["pad"]] if wildcards.bron == "lokaal" else []


def geometry_source(wildcards):
    if wildcards.bron == "cbs":
        return [f"data/raw/cbs/pdok_gebiedsindelingen_{wildcards.jaar}.gpkg"]
    if wildcards.bron == "lokaal":
        return wcfg.local_input(config, "geometrie")
    return []


def geometry_layer(wildcards):
    if wildcards.bron == "cbs":
        return config["pdok"]["laag"]
    return config["bronnen"]["geometrie"].get("laag")


def gemeente_outputs(gemeente):
    outs = [
        f"reports/{gemeente}/indicatoren_{gemeente}.csv",
        f"reports/{gemeente}/wijkscan_{gemeente}.html",
        f"reports/{gemeente}/wijkscan_{gemeente}.pdf",
    ]
    outs += [
        f"reports/{gemeente}/vouwkaart_{gemeente}_{formaat}.pdf"
        for formaat in config["vouwkaart"]["formaten"]
    ]
    outs += session_workbook_outputs(gemeente)
    return outs


def all_outputs(gemeenten):
    paths = [path for gemeente in gemeenten for path in gemeente_outputs(gemeente)]
    return paths + region_outputs()


def table_ids(wildcards):
    ids = {
        kind: wcfg.table_id(config, kind)
        for kind in (
            "kwb",
            "bevolking",
            "prognose",
            "gezondheidsmonitor",
            "kwb_aanvulling",
        )
    }
    ids["geometrie"] = "gebiedsindelingen"
    return ids


def indicator_config():
    # Only the keys that change indicator values, so that e.g. a new vouwkaart
    # setting does not recompute (and re-render) everything.
    keys = ("jaar", "horizon", "bronnen", "cbs", "indicatoren", "schatting")
    cfg = {key: config[key] for key in keys}
    # Session workbooks feed only the session and render rules (render.smk).
    cfg["bronnen"] = {k: v for k, v in config["bronnen"].items() if k != "sessies"}
    return cfg


def report_templates(wildcards):
    return sorted(str(p) for p in Path("templates").glob("*") if p.is_file())


def region_name():
    return config["regio"]["naam"]


def report_references(wildcards):
    refs = []
    if config["bronnen"]["kwb"]["type"] != "demo":
        refs.append(f"data/processed/referentie/NL01_{config['jaar']}.parquet")
    if region_name():
        refs.append("data/processed/regio/referentie.parquet")
    return refs


def raw_kwb_national(wildcards):
    src = config["bronnen"]["kwb"]["type"]
    return f"data/raw/{src}/kwb_{wcfg.kwb_table_id(config)}_{wildcards.jaar}_NL01.csv"


def region_members():
    return list(config["regio"]["leden"]) or list(GEMEENTEN)


def region_slug():
    from pipeline.present.region import slug

    return slug(region_name()) if region_name() else None


def region_quantities(wildcards):
    return [published(gm, "grootheden.parquet") for gm in region_members()]


def region_tables(wildcards):
    return [published(gm, "indicatoren.parquet") for gm in region_members()]


def region_metas(wildcards):
    return [published(gm, "bronnen.json") for gm in region_members()]


def region_registers(wildcards):
    return [published(gm, "register.json") for gm in region_members()]


def region_outputs():
    if not region_name():
        return []
    s = region_slug()
    return [
        f"reports/regio/{s}/wijkscan_regio_{s}.html",
        f"reports/regio/{s}/wijkscan_regio_{s}.pdf",
    ]


# Batches (pipeline/workflow/config_paden.py): one per gemeente, or one for all of them.
BATCHES = wcfg.batches(config, GEMEENTEN)


def batch_members(wildcards):
    return BATCHES[wildcards.batch]


def build_files(kind):
    def _files(wildcards):
        return wcfg.build_files(config, kind, wildcards.batch, BATCHES[wildcards.batch])

    return _files


def population_dims(wildcards):
    # The age dimension the fetch stores beside each per-gemeente 03759ned extract.
    if config["bronnen"]["bevolking"]["type"] == "brp":
        return []
    if not wcfg.per_gemeente_files(config, "bevolking", wildcards.batch):
        return []
    files = wcfg.build_files(
        config, "bevolking", wildcards.batch, BATCHES[wildcards.batch]
    )
    return [f.replace(".csv", "_leeftijd.csv") for f in files]


def per_gemeente_kinds(wildcards):
    kinds = ("kwb", "geometrie", "bevolking", "prognose", "gezondheidsmonitor")
    return {
        kind: wcfg.per_gemeente_files(config, kind, wildcards.batch) for kind in kinds
    }


def batch_layer(wildcards):
    # The layer of a national geometry file; per-gemeente extracts have one layer.
    if wcfg.per_gemeente_files(config, "geometrie", wildcards.batch):
        return None
    if config["bronnen"]["geometrie"]["type"] == "cbs":
        return config["pdok"]["laag"]
    return config["bronnen"]["geometrie"].get("laag")


def published(gemeente, name):
    return wcfg.batch_file(config, gemeente, name)


def published_files(wildcards):
    # What a product of one gemeente reads: its batch's table, shapes, provenance, registry.
    names = {
        "indicatoren": "indicatoren.parquet",
        "meta": "bronnen.json",
        "register": "register.json",
        "buurten": "buurten.gpkg",
    }
    return {key: published(wildcards.gemeente, name) for key, name in names.items()}


def render_worker_count(wf):
    todo = list(wf.dag.needrun_jobs())
    # A build step of several gemeenten spreads its interval draws over the workers too.
    rekentaken = sum(
        len(BATCHES[job.wildcards.batch])
        for job in todo
        if job.rule.name == "build" and len(BATCHES[job.wildcards.batch]) > 1
    )
    names = [job.rule.name for job in todo]
    n = renderpool.render_workers(
        wf.use_threads, wf.cores, names, wf.local_exec, rekentaken
    )
    return n, renderpool.render_jobs(names) > 0


onsuccess:
    steps.finish_run()


onerror:
    steps.finish_run()


# Session workbooks (issue 15, pipeline/sessie*.py). The filled workbooks are inputs of their
# own gemeente's prepare_sessions only; renders read its sessies.json, so a changed cell
# rebuilds only that gemeente's products (and the region report that shows them).
def session_workbook_outputs(gemeente):
    return [
        f"reports/{gemeente}/sessie_{gemeente}.xlsx",
        f"reports/{gemeente}/sessie_{gemeente}.csv",
    ]


def session_files(wildcards):
    from pipeline.ingest import sessie_lezen

    return sessie_lezen.sessie_bestanden(config, wildcards.gemeente)


def session_json(wildcards):
    from pipeline.ingest import sessie_lezen

    if sessie_lezen.sessie_bestanden(config, wildcards.gemeente):
        return [f"data/processed/{wildcards.gemeente}/sessies.json"]
    return []


def region_session_jsons(wildcards):
    from pipeline.ingest import sessie_lezen

    return [
        f"data/processed/{gm}/sessies.json"
        for gm in region_members()
        if sessie_lezen.sessie_bestanden(config, gm)
    ]
