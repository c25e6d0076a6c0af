"""Configuration: readable schema errors and the file paths derived from config.

Snakemake's ``validate()`` fills in the schema defaults; :func:`check` runs first
so that a user sees one Dutch sentence with the path of the offending key (and a
suggestion for a misspelled key) instead of a jsonschema dump.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from pipeline.errors import WijkscanError

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "config" / "schema.yaml"


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """Load the JSON schema (YAML) of the configuration."""
    with Path(path).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _subschema(schema: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    node = schema
    for part in path:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].split("/")[-1]]
        props = node.get("properties", {})
        if isinstance(part, str) and part in props:
            node = props[part]
        elif isinstance(part, int) and "items" in node:
            node = node["items"]
        else:
            return {}
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return node


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
        ``bronnen.kwb.typ`` and, for an unknown key, the closest valid key.
    """
    schema = schema or load_schema()
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(config),
        # Deepest first; at equal depth an unknown key explains more than a missing one.
        key=lambda e: (-len(e.absolute_path), e.validator != "additionalProperties", e.message),
    )
    if not errors:
        check_sources(config)
        return
    err = errors[0]
    where = ".".join(str(p) for p in err.absolute_path) or "(bovenste niveau)"
    if err.validator == "additionalProperties":
        node = _subschema(schema, list(err.absolute_path))
        allowed = sorted(node.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed)) if isinstance(err.instance, dict) else []
        hints = []
        for key in extra:
            close = difflib.get_close_matches(key, allowed, n=1)
            full = f"{where}.{key}" if err.absolute_path else key
            hints.append(f"'{full}'" + (f" (bedoelt u '{close[0]}'?)" if close else ""))
        raise WijkscanError(
            f"Onbekende configuratiesleutel: {', '.join(hints)}.",
            waar=f"configuratie, onder {where}",
            oplossing=f"Toegestane sleutels hier: {', '.join(allowed)}. Zie config/schema.yaml.",
        )
    node = _subschema(schema, list(err.absolute_path))
    desc = node.get("description", "")
    message, fix = _value_hint(err, where)
    raise WijkscanError(
        f"Ongeldige waarde voor '{where}': {message}.",
        waar=f"configuratie, sleutel {where}" + (f" ({desc.strip()})" if desc else ""),
        oplossing=fix,
    )


def _value_hint(err: jsonschema.ValidationError, where: str) -> tuple[str, str]:
    """Dutch message and fix for the value errors users actually make; else the schema's."""
    value = err.instance
    if err.validator == "type" and err.validator_value == "boolean" and isinstance(value, str):
        # Snakemake's --config only turns True/False (Python spelling) into booleans.
        cli = (
            f" Op de opdrachtregel met een hoofdletter: --config {where}=False (of True)."
            if "." not in where
            else ""
        )
        return f"'{value}' is tekst, geen ja/nee-waarde", f"In YAML: true of false.{cli}"
    if err.validator == "pattern" and str(err.validator_value).startswith("^GM"):
        return (
            f"'{value}' is geen gemeentecode",
            "Gebruik de CBS-gemeentecode: GM en vier cijfers, bijvoorbeeld GM0226 voor Duiven "
            "(niet de naam). Alle codes staan in de KWB-tabel (kolom WijkenEnBuurten).",
        )
    return err.message, "Pas de waarde aan; zie config/schema.yaml voor de toegestane waarden."


#: Source types each input kind accepts (the schema lists the union).
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "kwb": ("cbs", "lokaal", "demo"),
    "geometrie": ("cbs", "lokaal", "demo"),
    "bevolking": ("cbs", "lokaal", "demo", "brp"),
    "prognose": ("cbs", "lokaal", "demo", "primos"),
    "gezondheidsmonitor": ("cbs", "lokaal", "demo", "geen"),
}


#: Source types the national one-pass computation (``berekening: in_een_keer``) reads:
#: files that hold every gemeente, read once. BRP extracts and online tables are per gemeente.
ONE_PASS_TYPES: dict[str, tuple[str, ...]] = {
    "kwb": ("lokaal",),
    "geometrie": ("lokaal", "cbs"),
    "bevolking": ("lokaal", "demo"),
    "prognose": ("lokaal", "primos", "demo"),
    "gezondheidsmonitor": ("lokaal", "geen"),
}


def check_sources(config: dict[str, Any]) -> None:
    """Check that every input kind has a source type it supports (also in one-pass mode)."""
    one_pass = config.get("berekening", "per_gemeente") == "in_een_keer"
    check_aanvulling(config)
    for kind, allowed in ALLOWED_TYPES.items():
        src = config.get("bronnen", {}).get(kind, {}).get("type", "demo")
        if isinstance(config.get("bronnen", {}).get(kind, {}).get("pad"), list):
            # Only the per-gemeente forecast reads several files (the first file with the
            # gemeente wins); the other readers and the one-pass mode read one file.
            if kind != "prognose" or src != "lokaal" or one_pass:
                raise WijkscanError(
                    f"Een lijst van bestanden kan niet voor bronnen.{kind}.pad"
                    + (" bij 'berekening: in_een_keer'." if one_pass else "."),
                    waar=f"configuratie, sleutel bronnen.{kind}.pad",
                    oplossing="Geef één bestand op. Alleen prognose met type 'lokaal' (per "
                    "gemeente) leest een lijst van prognosebestanden.",
                )
        if src not in allowed:
            raise WijkscanError(
                f"Bron '{src}' kan niet voor '{kind}'.",
                waar=f"configuratie, sleutel bronnen.{kind}.type",
                oplossing=f"Kies een van: {', '.join(allowed)}.",
            )
        if one_pass and src not in ONE_PASS_TYPES[kind]:
            raise WijkscanError(
                f"Bron '{src}' voor '{kind}' kan niet met 'berekening: in_een_keer'.",
                waar=f"configuratie, sleutels berekening en bronnen.{kind}.type",
                oplossing=f"Kies voor {kind} een van: {', '.join(ONE_PASS_TYPES[kind])} (een "
                "landelijk bestand), of zet 'berekening: per_gemeente'.",
            )


def check_aanvulling(config: dict[str, Any]) -> None:
    """Check ``bronnen.kwb_aanvulling`` (the optional adjacent KWB year) beyond the schema.

    Runs before the schema defaults are filled in: an absent block means 'geen'.

    Raises
    ------
    WijkscanError
        When a used source has no year, the year equals the peiljaar, a local source has
        no file, or the national one-pass computation is selected (it does not read it).
    """
    src = config.get("bronnen", {}).get("kwb_aanvulling")
    if not src or src.get("type") == "geen":
        return
    waar = "configuratie, sleutel bronnen.kwb_aanvulling"
    if src.get("jaar") is None:
        raise WijkscanError(
            "Bij een aanvullend KWB-jaar ontbreekt het jaar.",
            waar=f"{waar}.jaar",
            oplossing="Geef het peiljaar van het aanvullende bestand op, bijvoorbeeld jaar: 2023.",
        )
    if src["jaar"] == config.get("jaar"):
        raise WijkscanError(
            f"Het aanvullende KWB-jaar ({src['jaar']}) is hetzelfde als het peiljaar.",
            waar=f"{waar}.jaar",
            oplossing="Kies een ander jaar (meestal het jaar ervoor), of zet type: geen.",
        )
    if src["type"] == "lokaal" and not src.get("pad"):
        raise WijkscanError(
            "Het aanvullende KWB-jaar is 'lokaal' maar er is geen bestand opgegeven.",
            waar=f"{waar}.pad",
            oplossing="Geef het pad naar het KWB-bestand van dat jaar op, of kies type 'cbs'.",
        )
    if config.get("berekening") == "in_een_keer" and src["type"] != "lokaal":
        raise WijkscanError(
            "Bij 'berekening: in_een_keer' wordt een aanvullend KWB-jaar alleen uit een "
            "lokaal bestand gelezen.",
            waar=f"{waar}.type en berekening",
            oplossing="Geef het landelijke KWB-bestand van dat jaar op (type: lokaal, pad), of "
            "zet 'berekening: per_gemeente'.",
        )


def aanvulling_raw_path(config: dict[str, Any], gemeente: str) -> str | None:
    """Raw cache file of the auxiliary KWB year for one gemeente (None when not used).

    Raises
    ------
    WijkscanError
        For source 'cbs' when no table id is given or known for that year.
    """
    src = config["bronnen"]["kwb_aanvulling"]
    if src["type"] == "geen":
        return None
    tabel = src.get("tabel") or config["cbs"]["kwb_tabellen"].get(str(src["jaar"]))
    if tabel is None and src["type"] == "cbs":
        raise WijkscanError(
            f"Geen KWB-tabel bekend voor het aanvullende jaar {src['jaar']}.",
            waar="bronnen.kwb_aanvulling.tabel / cbs.kwb_tabellen",
            oplossing="Geef het tabelnummer op in bronnen.kwb_aanvulling.tabel (StatLine, "
            "Kerncijfers wijken en buurten van dat jaar).",
        )
    # A local file of an unlisted year is still named by its year; 'lokaal' marks the id.
    return f"data/raw/{src['type']}/kwb_aanvulling_{tabel or 'lokaal'}_{src['jaar']}_{gemeente}.csv"


def aanvulling_herkomst(config: dict[str, Any]) -> str:
    """Short Dutch description of the auxiliary KWB source, for the log ('' when not used)."""
    src = config["bronnen"]["kwb_aanvulling"]
    if src["type"] == "geen":
        return ""
    if src["type"] == "lokaal":
        return f"bestand {src['pad']}"
    tabel = src.get("tabel") or config["cbs"]["kwb_tabellen"].get(str(src["jaar"]))
    return f"CBS-tabel {tabel}"


def kwb_table_id(config: dict[str, Any]) -> str:
    """KWB table id for the configured data year."""
    tables = config["cbs"]["kwb_tabellen"]
    key = str(config["jaar"])
    if key not in tables:
        raise WijkscanError(
            f"Geen KWB-tabel bekend voor peiljaar {key}.",
            waar="cbs.kwb_tabellen",
            oplossing=f"Voeg het tabelnummer toe (bekend: {', '.join(sorted(tables))}) of kies "
            "een ander peiljaar.",
        )
    return tables[key]


def source(config: dict[str, Any], kind: str) -> dict[str, Any]:
    """The configured source block (``type``, ``pad``, ``laag``) of an input kind."""
    return config["bronnen"][kind]


def table_id(config: dict[str, Any], kind: str) -> str:
    """Table id that names the raw file of an input kind."""
    src = source(config, kind)["type"]
    if kind == "kwb":
        return kwb_table_id(config)
    if kind == "bevolking":
        return "brp" if src == "brp" else config["cbs"]["bevolking_tabel"]
    if kind == "prognose":
        # The demo forecast is written in the Primos layout, so it exercises that reader.
        return "primos" if src in ("primos", "demo") else config["cbs"]["prognose_tabel"]
    if kind == "gezondheidsmonitor":
        return config["cbs"]["gezondheid_tabel"]
    if kind == "kwb_aanvulling":
        aux = config["bronnen"]["kwb_aanvulling"]
        return aux.get("tabel") or config["cbs"]["kwb_tabellen"].get(str(aux.get("jaar")), "")
    raise KeyError(kind)


#: Raw file name per input kind; every name carries table id and period.
RAW_PATTERNS = {
    "kwb": "data/raw/{bron}/kwb_{tabel}_{jaar}_{gemeente}.csv",
    "geometrie": "data/raw/{bron}/geometrie_{jaar}_{gemeente}.gpkg",
    "bevolking": "data/raw/{bron}/bevolking_{tabel}_{jaar}_{gemeente}.csv",
    "prognose": "data/raw/{bron}/prognose_{tabel}_{jaar}_{gemeente}.csv",
    "gezondheidsmonitor": "data/raw/{bron}/gezondheid_{tabel}_{jaar}_{gemeente}.csv",
}


def raw_path(config: dict[str, Any], kind: str, gemeente: str) -> str:
    """Path of the raw cache file of ``kind`` for one gemeente under the current config."""
    src = source(config, kind)["type"]
    tabel = "pdok" if kind == "geometrie" else table_id(config, kind)
    return RAW_PATTERNS[kind].format(bron=src, tabel=tabel, jaar=config["jaar"], gemeente=gemeente)


#: Source types read from a file the user supplies (``bronnen.<kind>.pad``).
LOCAL_TYPES = ("lokaal", "primos", "brp")


def local_input(config: dict[str, Any], kind: str) -> list[str]:
    """The user's local file for ``kind`` (empty when the source is online or demo)."""
    src = source(config, kind)
    if src["type"] in LOCAL_TYPES:
        if not src.get("pad"):
            raise WijkscanError(
                f"Bron '{kind}' is '{src['type']}' maar er is geen bestand opgegeven.",
                waar=f"bronnen.{kind}.pad",
                oplossing="Geef het pad naar het bestand op, of kies type 'cbs' of 'demo'.",
            )
        pad = src["pad"]
        return [str(p) for p in pad] if isinstance(pad, list) else [pad]
    return []


def check_local_files(config: dict[str, Any], base: Path | None = None) -> None:
    """Check that every local source file exists, before Snakemake plans anything.

    Without this a mistyped path surfaced as Snakemake's English ``MissingInputException``,
    or not at all: gemeenten already in ``data/raw/`` kept using their cached copy.

    Parameters
    ----------
    config
        The validated configuration.
    base
        Directory relative paths are resolved from (default: the working directory).

    Raises
    ------
    WijkscanError
        Naming every missing file, its key and where a relative path was looked for.
    """
    base = Path.cwd() if base is None else Path(base)
    missing = []
    for kind in (*ALLOWED_TYPES, "kwb_aanvulling"):
        src = config.get("bronnen", {}).get(kind, {})
        pads = src.get("pad")
        for pad in pads if isinstance(pads, list) else [pads]:
            if src.get("type") in LOCAL_TYPES and pad and not (base / pad).exists():
                missing.append((kind, str(pad)))
    if missing:
        raise WijkscanError(
            "Bestand niet gevonden: "
            + "; ".join(f"bronnen.{kind}.pad = {pad}" for kind, pad in missing)
            + f" (relatieve paden gelden vanaf {base}).",
            waar="configuratie, " + ", ".join(f"bronnen.{kind}.pad" for kind, _ in missing),
            oplossing="Controleer de spelling van het pad en de map waarin u snakemake start; "
            "gebruik eventueel een absoluut pad.",
        )


def selected_gemeenten(config: dict[str, Any]) -> list[str]:
    """The gemeenten to build: the configured list, or all of the KWB source for a national run.

    Parameters
    ----------
    config
        Validated configuration.

    Returns
    -------
    list of str
        Gemeente codes.
    """
    if not config.get("alle_gemeenten"):
        return list(config["gemeenten"])
    src = source(config, "kwb")
    if src["type"] == "demo":
        from pipeline.demo import DEMO_GEMEENTEN

        return sorted(DEMO_GEMEENTEN)
    if src["type"] != "lokaal":
        raise WijkscanError(
            "Een landelijke run ('alle_gemeenten: true') kan alleen met een lokaal KWB-bestand.",
            waar="alle_gemeenten / bronnen.kwb",
            oplossing="Download eerst de KWB-tabel (of draai één keer met bron cbs en gebruik het "
            "bestand uit data/raw/cbs/) en zet bronnen.kwb op type 'lokaal'.",
        )
    from pipeline.kwb import gemeente_codes, read_kwb

    return gemeente_codes(read_kwb(Path(src["pad"])))
