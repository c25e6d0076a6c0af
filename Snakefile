# wijkscan — from CBS open data to a wijkscan report and vouwkaarten per gemeente.
# Logic lives in the `pipeline` package; the rule files only wire files together.
from snakemake.utils import min_version, validate

from pipeline import config as wcfg

min_version("9.0")

# Snakemake's own YAML error names no line; read the default file first for a Dutch one.
# (A broken --configfile fails in Snakemake's command line before this file runs; a
# wrapper can pre-check those in Dutch: `python -m pipeline.config --configfile FILE`.)
wcfg.read_configfile("config/config.yaml")


configfile: "config/config.yaml"


# A readable Dutch error (with the key path) first; validate() then fills in defaults.
# check() also tests horizon, mantelzorg bands, hoofdindicator and weging.
wcfg.check(config)
validate(config, "config/schema.yaml")
# Every configured file (bronnen.*.pad, indicatoren.dementie_*) before anything is planned.
wcfg.check_local_files(config)

GEMEENTEN = wcfg.selected_gemeenten(config)


wildcard_constraints:
    gemeente=r"GM\d{4}",
    bron=r"cbs|lokaal|demo|primos|brp|geen",
    jaar=r"\d{4}",
    tabel=r"[0-9A-Za-z]+",
    formaat=r"A1|A3|A4",
    regio=r"[a-z0-9_]+",


include: "pipeline/rules/common.smk"
include: "pipeline/rules/fetch.smk"
include: "pipeline/rules/process.smk"
include: "pipeline/rules/render.smk"


if config["berekening"] == "in_een_keer":

    include: "pipeline/rules/national.smk"


rule all:
    default_target: True
    input:
        all_outputs(GEMEENTEN),
