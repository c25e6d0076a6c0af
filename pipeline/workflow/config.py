"""Configuration: the checks the Snakefile runs before planning, and the paths it derives.

Snakemake's ``validate()`` fills in the schema defaults; :func:`check` runs first so that a
user sees one Dutch sentence with the path of the offending key (and a suggestion for a
misspelled key) instead of a jsonschema dump. The Snakefile and the rules use the names of
this module (``wcfg.<naam>``); the work is done in

* :mod:`~pipeline.workflow.config_schema` - reading the file, the schema, its defaults;
* :mod:`~pipeline.workflow.config_checks` - sources, horizon, age bands, registry keys;
* :mod:`~pipeline.workflow.config_gemeenten` - gemeente names and codes;
* :mod:`~pipeline.workflow.config_paden` - raw file paths and table ids;
* :mod:`~pipeline.workflow.config_bestanden` - the user's local files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.errors import WijkscanError
from pipeline.workflow.config_bestanden import (
    INDICATOR_FILES,
    check_local_files,
    configured_files,
)
from pipeline.workflow.config_checks import (
    KLASSE_BREEDTE,
    MAX_LEEFTIJD,
    check_aanvulling,
    check_horizon,
    check_indicator_keys,
    check_mantelzorg,
    check_sources,
)
from pipeline.workflow.config_gemeenten import (
    GEMEENTEN_CACHE,
    check_gemeenten,
    gemeente_tabel,
    resolve_gemeente_names,
    selected_gemeenten,
)
from pipeline.workflow.config_paden import (
    LOCAL_TYPES,
    RAW_PATTERNS,
    SAMEN,
    aanvulling_herkomst,
    aanvulling_raw_path,
    batch_file,
    batch_of,
    batches,
    build_files,
    kwb_table_id,
    local_input,
    national_geometry,
    per_gemeente_files,
    raw_path,
    source,
    table_id,
)
from pipeline.workflow.config_schema import (
    ALLOWED_TYPES,
    SCHEMA_PATH,
    check_configfiles,
    check_schema,
    configfile_args,
    load_schema,
    read_configfile,
    schema_default,
    with_defaults,
)

__all__ = [
    "ALLOWED_TYPES",
    "GEMEENTEN_CACHE",
    "INDICATOR_FILES",
    "KLASSE_BREEDTE",
    "LOCAL_TYPES",
    "MAX_LEEFTIJD",
    "RAW_PATTERNS",
    "SAMEN",
    "SCHEMA_PATH",
    "aanvulling_herkomst",
    "aanvulling_raw_path",
    "batch_file",
    "batch_of",
    "batches",
    "build_files",
    "check",
    "check_aanvulling",
    "check_configfiles",
    "check_gemeenten",
    "check_horizon",
    "check_indicator_keys",
    "check_local_files",
    "check_mantelzorg",
    "check_schema",
    "check_sources",
    "configfile_args",
    "configured_files",
    "gemeente_tabel",
    "kwb_table_id",
    "load_config",
    "load_schema",
    "local_input",
    "main",
    "national_geometry",
    "per_gemeente_files",
    "raw_path",
    "read_configfile",
    "resolve_gemeente_names",
    "schema_default",
    "selected_gemeenten",
    "source",
    "table_id",
    "with_defaults",
]


def check(config: dict[str, Any], schema: dict[str, Any] | None = None) -> None:
    """Validate ``config`` and raise a WijkscanError naming the key path.

    Parameters
    ----------
    config
        Configuration as loaded by Snakemake (before defaults are filled in).
    schema
        JSON schema; defaults to ``config/schema.yaml``.

    Raises
    ------
    WijkscanError
        For the first (most specific) schema violation, with its path such as
        ``bronnen.kwb.typ`` and, for an unknown key, the closest valid key; then for
        sources, horizon, mantelzorg bands, hoofdindicator and weging.
    """
    schema = schema or load_schema()
    check_schema(config, schema)
    full = with_defaults(config, schema)
    check_sources(full)
    check_horizon(config)
    check_mantelzorg(full)
    check_indicator_keys(full, schema)


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and check a configuration file, with the schema defaults filled in.

    For code that reads a configuration outside Snakemake: the result is what the
    Snakefile sees after :func:`check` and ``validate()``.

    Parameters
    ----------
    path
        YAML file.

    Returns
    -------
    dict
        The configuration with every default of ``config/schema.yaml``.

    Raises
    ------
    WijkscanError
        When the file is missing or no valid YAML, or the configuration is invalid (Dutch
        message with the key path).
    """
    config = read_configfile(path)
    check(config)
    return with_defaults(config)


def main(argv: list[str] | None = None) -> int:
    """Pre-check the configuration files of a snakemake command line (``python -m pipeline.workflow.config``).

    Snakemake reads ``--configfile`` before the Snakefile runs, so a missing or broken file
    can only be reported in Dutch by checking the command line first, e.g. in the Makefile:
    ``python -m pipeline.workflow.config $(ARGS) && snakemake $(ARGS)``.

    Returns
    -------
    int
        0 when all files are readable, 1 after printing the Dutch message to stderr.
    """
    import sys

    try:
        check_configfiles(sys.argv[1:] if argv is None else argv)
    except WijkscanError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
