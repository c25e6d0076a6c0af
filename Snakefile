# wijkscan — from CBS open data to a wijkscan report and vouwkaarten per gemeente.
# Logic lives in the `pipeline` package; the rule files only wire files together.
import sys

from snakemake.utils import min_version, validate

from pipeline.workflow import jobs_build, jobs_fetch, jobs_render
from pipeline.workflow import renderpool, steps
from pipeline.workflow import config as wcfg

min_version("9.0")

# One Dutch line instead of Snakemake's repeated RuleException/WorkflowError after a FOUT
# block; after a crash (kill -9) the stale lock and cut-off jobs are dealt with here.
steps.prepare_run(workflow)

# Snakemake's own YAML error names no line; read the default file first for a Dutch one.
# (A broken --configfile fails in Snakemake's command line before this file runs; the
# `wijkscan` command, pipeline/workflow/cli.py, checks those first and says so in Dutch.)
wcfg.read_configfile("config/config.yaml")


configfile: "config/config.yaml"


# Gemeente names ("Duiven") become codes when the KWB source is at hand (before the schema,
# which wants codes); every process does it, so that job processes plan the same gemeenten.
for regel in wcfg.resolve_gemeente_names(config):
    if workflow.is_main_process:
        print(regel, file=sys.stderr)
# A readable Dutch error (with the key path) first; validate() then fills in defaults.
# check() also tests horizon, mantelzorg bands, hoofdindicator and weging.
wcfg.check(config)
validate(config, "config/schema.yaml")
# Every configured file (bronnen.*.pad, indicatoren.dementie_*) before anything is planned.
wcfg.check_local_files(config)
# Unknown gemeente codes (GM0000) against the KWB source's gemeenten, with their names.
wcfg.check_gemeenten(config)

GEMEENTEN = wcfg.selected_gemeenten(config)


wildcard_constraints:
    gemeente=r"GM\d{4}",
    batch=r"GM\d{4}|samen",
    bron=r"cbs|lokaal|demo|primos|brp|geen",
    jaar=r"\d{4}",
    tabel=r"[0-9A-Za-z]+",
    formaat=r"A1|A3|A4",
    regio=r"[a-z0-9_]+",


include: "pipeline/workflow/rules/common.smk"
include: "pipeline/workflow/rules/fetch.smk"
include: "pipeline/workflow/rules/build.smk"
include: "pipeline/workflow/rules/render.smk"


rule all:
    default_target: True
    input:
        all_outputs(GEMEENTEN),
