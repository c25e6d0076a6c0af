"""Configuration: readable schema errors and the file paths derived from config.

Snakemake's ``validate()`` fills in the schema defaults; :func:`check` runs first
so that a user sees one Dutch sentence with the path of the offending key (and a
suggestion for a misspelled key) instead of a jsonschema dump.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from pipeline.errors import WijkscanError

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "config" / "schema.yaml"


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
        check_horizon(config)
        check_mantelzorg(config)
        check_indicator_keys(config, schema)
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


def _fmt(value: Any) -> str:
    """A config value as the user wrote it (YAML-like, short)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "leeg (null)"
    if isinstance(value, str):
        return f"'{value}'"
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return text if len(text) <= 60 else text[:57] + "..."


#: Dutch names of the JSON types in the schema.
_TYPE_NL = {
    "string": "tekst",
    "integer": "geheel getal",
    "number": "getal",
    "boolean": "ja/nee-waarde (true of false)",
    "array": "lijst",
    "object": "blok met sleutels",
    "null": "leeg (null)",
}


def _types_nl(types: Any) -> str:
    names = [_TYPE_NL.get(t, t) for t in (types if isinstance(types, list) else [types])]
    return " of ".join(names)


def _value_hint(err: jsonschema.ValidationError, where: str) -> tuple[str, str]:
    """Dutch message and fix for a schema violation (never jsonschema's English text).

    Parameters
    ----------
    err
        The most specific validation error.
    where
        Dotted key path, e.g. ``vouwkaart.klassen``.

    Returns
    -------
    tuple of str
        What is wrong, and how to fix it.
    """
    value, rule, kind = err.instance, err.validator_value, err.validator
    schema_ref = "Zie config/schema.yaml voor de toegestane waarden."
    if kind == "type" and rule == "boolean" and isinstance(value, str):
        # Snakemake's --config only turns True/False (Python spelling) into booleans.
        cli = (
            f" Op de opdrachtregel met een hoofdletter: --config {where}=False (of True)."
            if "." not in where
            else ""
        )
        return f"'{value}' is tekst, geen ja/nee-waarde", f"In YAML: true of false.{cli}"
    if kind == "pattern" and str(rule).startswith("^GM"):
        return (
            f"'{value}' is geen gemeentecode",
            "Gebruik de CBS-gemeentecode: GM en vier cijfers, bijvoorbeeld GM0226 voor Duiven "
            "(niet de naam). Alle codes staan in de KWB-tabel (kolom WijkenEnBuurten).",
        )
    if kind == "minItems" and where == "horizon":
        return (
            "de lijst met toekomstjaren is leeg",
            "Geef minstens één toekomstjaar na het peiljaar op, bijvoorbeeld horizon: [2030]; "
            "het rapport en de vouwkaart vergelijken het peiljaar met deze jaren.",
        )
    if kind == "type":
        return (
            f"{_fmt(value)} is geen {_types_nl(rule)}",
            f"Vul hier een {_types_nl(rule)} in. {schema_ref}",
        )
    if kind == "enum":
        keuzes = ", ".join(str(v) for v in rule)
        close = difflib.get_close_matches(str(value), [str(v) for v in rule], n=1)
        hint = f" Bedoelt u '{close[0]}'?" if close else ""
        return f"{_fmt(value)} is geen toegestane keuze", f"Kies een van: {keuzes}.{hint}"
    if kind in ("minimum", "exclusiveMinimum"):
        op = "minstens" if kind == "minimum" else "groter dan"
        return f"{_fmt(value)} is te klein", f"De waarde moet {op} {rule} zijn."
    if kind in ("maximum", "exclusiveMaximum"):
        op = "hoogstens" if kind == "maximum" else "kleiner dan"
        return f"{_fmt(value)} is te groot", f"De waarde moet {op} {rule} zijn."
    if kind == "pattern":
        return (
            f"{_fmt(value)} heeft niet de juiste vorm",
            f"De waarde moet passen bij het patroon {rule} (bijvoorbeeld een tabelnummer als "
            f"85984NED). {schema_ref}",
        )
    if kind == "minItems":
        return (
            f"de lijst {_fmt(value)} is te kort",
            f"Geef minstens {rule} element{'en' if rule != 1 else ''} op.",
        )
    if kind == "maxItems":
        return f"de lijst {_fmt(value)} is te lang", f"Geef hoogstens {rule} elementen op."
    if kind == "uniqueItems":
        return f"de lijst {_fmt(value)} bevat dubbele waarden", "Noem elke waarde één keer."
    if kind == "required":
        missing = [k for k in rule if isinstance(value, dict) and k not in value]
        return (
            f"verplichte sleutel {', '.join(repr(k) for k in missing)} ontbreekt",
            f"Voeg de sleutel toe. {schema_ref}",
        )
    if kind in ("oneOf", "anyOf"):
        return f"{_fmt(value)} heeft niet een toegestane vorm", schema_ref
    return f"{_fmt(value)} voldoet niet aan de regel '{kind}'", f"Pas de waarde aan. {schema_ref}"


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


def check_horizon(config: dict[str, Any]) -> None:
    """Check that every horizon year lies after the peiljaar.

    An empty list is refused by the schema (``minItems: 1``): the report and the
    vouwkaart compare the peiljaar with the future, so a build without one has no meaning.

    Raises
    ------
    WijkscanError
        Naming the horizon years at or before the peiljaar.
    """
    jaar = config.get("jaar", 2024)
    vroeg = [h for h in config.get("horizon", []) if isinstance(h, int) and h <= jaar]
    if vroeg:
        raise WijkscanError(
            f"Horizonjaar {', '.join(str(h) for h in vroeg)} ligt niet na het peiljaar {jaar}.",
            waar="configuratie, sleutels horizon en jaar",
            oplossing=f"Kies toekomstjaren na {jaar}, bijvoorbeeld horizon: [2030, 2035, 2040]; "
            "het peiljaar zelf staat altijd in het rapport.",
        )


#: Width of the age classes the mantelzorg bands are built from (0-4, 5-9, ..., 100-104).
KLASSE_BREEDTE = 5
#: Highest age of the bands (``pipeline.model.ages.MAX_AGE``: that index holds everyone older).
MAX_LEEFTIJD = 105


def check_mantelzorg(config: dict[str, Any]) -> None:
    """Check the mantelzorg age bands before anything runs.

    The carers band ``mantelzorg_van: [van, tot]`` (both inclusive) and the oldest group
    ``mantelzorg_ouderen_vanaf`` must lie within 0-105, start and end on the 5-year class
    boundaries (van a multiple of 5, tot one below), and the carers must be younger than the
    oldest group. Without this check ``[64, 50]`` gave a ratio of 0 everywhere.

    Raises
    ------
    WijkscanError
        Naming the key, the value and a valid example.
    """
    ind = config.get("indicatoren", {}) or {}
    band = ind.get("mantelzorg_van", [50, 64])
    vanaf = ind.get("mantelzorg_ouderen_vanaf", 85)
    van, tot = int(band[0]), int(band[1])
    waar_band = "configuratie, sleutel indicatoren.mantelzorg_van"
    waar_oud = "configuratie, sleutel indicatoren.mantelzorg_ouderen_vanaf"
    voorbeeld = "bijvoorbeeld mantelzorg_van: [50, 64] (RIVM) of [50, 74] (PBL/SCP)"
    if van > tot:
        raise WijkscanError(
            f"De leeftijdsband van mantelzorgers [{van}, {tot}] loopt achteruit.",
            waar=waar_band,
            oplossing=f"Zet de jongste leeftijd eerst: [{tot}, {van}]; {voorbeeld}.",
        )
    if not (0 <= van and tot <= MAX_LEEFTIJD):
        raise WijkscanError(
            f"De leeftijdsband van mantelzorgers [{van}, {tot}] valt buiten 0-{MAX_LEEFTIJD} jaar.",
            waar=waar_band,
            oplossing=f"Kies leeftijden tussen 0 en {MAX_LEEFTIJD}; {voorbeeld}.",
        )
    if van % KLASSE_BREEDTE or tot % KLASSE_BREEDTE != KLASSE_BREEDTE - 1:
        laag = van - van % KLASSE_BREEDTE
        hoog = tot - tot % KLASSE_BREEDTE + KLASSE_BREEDTE - 1
        raise WijkscanError(
            f"De leeftijdsband van mantelzorgers [{van}, {tot}] valt niet op de grenzen van de "
            "5-jaarsklassen waaruit hij wordt opgeteld.",
            waar=waar_band,
            oplossing="Laat de band beginnen bij een veelvoud van 5 en eindigen één jaar voor een "
            f"veelvoud van 5 (tot en met), bijvoorbeeld [{laag}, {hoog}]; {voorbeeld}.",
        )
    if not (0 <= vanaf <= MAX_LEEFTIJD) or vanaf % KLASSE_BREEDTE:
        raise WijkscanError(
            f"De ondergrens van de oudste groep ({vanaf}) is geen leeftijd tussen 0 en "
            f"{MAX_LEEFTIJD} op een grens van de 5-jaarsklassen.",
            waar=waar_oud,
            oplossing="Kies een veelvoud van 5, bijvoorbeeld mantelzorg_ouderen_vanaf: 85 "
            "(per 85-plusser).",
        )
    if tot >= vanaf:
        raise WijkscanError(
            f"De mantelzorgers ({van}-{tot} jaar) overlappen met de oudste groep ({vanaf}-plus).",
            waar=f"{waar_band} en indicatoren.mantelzorg_ouderen_vanaf",
            oplossing=f"Laat de band van mantelzorgers eindigen vóór {vanaf} jaar, of verhoog "
            f"de oudste groep; {voorbeeld} met mantelzorg_ouderen_vanaf: 85.",
        )


def _with_defaults(config: Any, schema: dict[str, Any], node: dict[str, Any]) -> Any:
    """A copy of ``config`` with the schema defaults filled in (objects only, recursively)."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    if not isinstance(config, dict):
        return config
    out = dict(config)
    for key, sub in node.get("properties", {}).items():
        if key not in out and "default" in sub:
            out[key] = sub["default"]
        if key in out:
            out[key] = _with_defaults(out[key], schema, sub)
    return out


def _suggest(key: str, options: list[str]) -> str:
    close = difflib.get_close_matches(key, options, n=2, cutoff=0.5)
    return f" Bedoelt u {' of '.join(repr(c) for c in close)}?" if close else ""


def check_indicator_keys(config: dict[str, Any], schema: dict[str, Any] | None = None) -> None:
    """Check ``vouwkaart.hoofdindicator`` and ``rapport.weging`` against the indicator registry.

    Before this check an unknown hoofdindicator was a KeyError while the report was still
    built, and a wrong weging was found at render time, after the old report was deleted.

    Parameters
    ----------
    config
        Configuration (schema-valid; defaults need not be filled in).
    schema
        JSON schema; defaults to ``config/schema.yaml``.

    Raises
    ------
    WijkscanError
        For an unknown key (with the closest registry keys), an indicator without a
        direction in the weging, or a weging whose weights are all zero.
    """
    from pipeline.model.registry import registry_from_config

    schema = schema or load_schema()
    full = _with_defaults(config, schema, schema)
    tabellen = full["cbs"]["kwb_tabellen"]
    # The registry's labels need a KWB table id; an unknown peiljaar is reported later
    # (kwb_table_id) with its own message, the keys do not depend on it.
    full["cbs"] = dict(full["cbs"], kwb_tabellen={str(full["jaar"]): "onbekend", **tabellen})
    registry = registry_from_config(full)
    alle = list(registry)
    hoofd = full["vouwkaart"]["hoofdindicator"]
    if hoofd not in registry:
        raise WijkscanError(
            f"Onbekende indicator '{hoofd}' als hoofdindicator van de vouwkaart."
            + _suggest(hoofd, alle),
            waar="configuratie, sleutel vouwkaart.hoofdindicator",
            oplossing=f"Kies een indicator uit het register: {', '.join(alle)}.",
        )
    weegbaar = [k for k, i in registry.items() if i.richting]
    weging = full["rapport"]["weging"]
    for key in weging:
        if key not in registry:
            raise WijkscanError(
                f"Onbekende indicator '{key}' in de weging." + _suggest(key, weegbaar),
                waar=f"configuratie, sleutel rapport.weging.{key}",
                oplossing=f"Kies uit: {', '.join(weegbaar)}.",
            )
        if not registry[key].richting:
            raise WijkscanError(
                f"Indicator '{key}' heeft geen richting (een hogere waarde is geen grotere of "
                "kleinere opgave) en kan niet gewogen worden.",
                waar=f"configuratie, sleutel rapport.weging.{key}",
                oplossing=f"Haal '{key}' uit de weging; weegbaar zijn: {', '.join(weegbaar)}.",
            )
    if not any(w > 0 for w in weging.values()):
        raise WijkscanError(
            "Alle gewichten in de weging zijn 0 (of de weging is leeg): 'Buurten in beeld' "
            "heeft dan niets om te rangschikken.",
            waar="configuratie, sleutel rapport.weging",
            oplossing="Geef minstens één indicator een gewicht groter dan 0, bijvoorbeeld "
            "aandeel_75plus: 1.",
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


#: Files under ``indicatoren`` that every build reads (prevalence rates and national counts).
INDICATOR_FILES = ("dementie_prevalentie", "dementie_landelijk")


def configured_files(config: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Every local file the configuration makes the pipeline read, with its key.

    Parameters
    ----------
    config
        The validated configuration (defaults filled in).

    Returns
    -------
    list of (str, str or None)
        ``(key path, file)``; the file is None when a local source names no file.
    """
    out: list[tuple[str, str | None]] = []
    for kind in (*ALLOWED_TYPES, "kwb_aanvulling"):
        src = config.get("bronnen", {}).get(kind, {}) or {}
        if src.get("type") not in LOCAL_TYPES:
            continue
        pads = src.get("pad")
        for pad in pads if isinstance(pads, list) else [pads]:
            out.append((f"bronnen.{kind}.pad", str(pad) if pad else None))
    ind = config.get("indicatoren", {}) or {}
    for key in INDICATOR_FILES:
        if ind.get(key):
            out.append((f"indicatoren.{key}", str(ind[key])))
    return out


def check_local_files(config: dict[str, Any], base: Path | None = None) -> None:
    """Check that every configured local file exists, before Snakemake plans anything.

    Without this a mistyped path surfaced as Snakemake's English ``MissingInputException``,
    or not at all: gemeenten already in ``data/raw/`` kept using their cached copy, and a
    removed prevalence file after a successful build gave "Nothing to be done" with the old
    numbers. Covers ``bronnen.*.pad`` of local sources and the files under ``indicatoren``.

    Parameters
    ----------
    config
        The validated configuration.
    base
        Directory relative paths are resolved from (default: the working directory).

    Raises
    ------
    WijkscanError
        Naming every missing file (or a local source without a file), its key and where a
        relative path was looked for.
    """
    base = Path.cwd() if base is None else Path(base)
    zonder = [key for key, pad in configured_files(config) if pad is None]
    if zonder:
        kinds = ", ".join(k.split(".")[1] for k in zonder)
        raise WijkscanError(
            f"Bron {kinds} leest een eigen bestand, maar er is geen bestand opgegeven.",
            waar="configuratie, " + ", ".join(zonder),
            oplossing="Geef het pad naar het bestand op (pad: ...), of kies type 'cbs' of 'demo'.",
        )
    missing = [
        (key, pad)
        for key, pad in configured_files(config)
        if pad is not None and not (base / pad).is_file()
    ]
    if missing:
        raise WijkscanError(
            "Bestand niet gevonden: "
            + "; ".join(
                f"{key} = {pad}" + (" (dat is een map)" if (base / pad).is_dir() else "")
                for key, pad in missing
            )
            + f" (relatieve paden gelden vanaf {base}).",
            waar="configuratie, " + ", ".join(key for key, _ in missing),
            oplossing="Controleer de spelling van het pad en de map waarin u snakemake start; "
            "gebruik eventueel een absoluut pad.",
        )


def read_configfile(path: str | Path) -> dict[str, Any]:
    """Read a YAML configuration file, with a Dutch message for a missing or broken file.

    Snakemake reads ``--configfile`` itself and reports a YAML error without a line number
    (or a missing file as an English traceback); this gives what, where (file and line) and
    how to fix.

    Parameters
    ----------
    path
        The configuration file.

    Returns
    -------
    dict
        Its contents (an empty file is an empty configuration).

    Raises
    ------
    WijkscanError
        When the file does not exist, is not valid YAML (with line and column), or does not
        hold ``key: value`` pairs at the top level.
    """
    path = Path(path)
    if not path.is_file():
        raise WijkscanError(
            f"Configuratiebestand niet gevonden: {path}"
            + (" (dat is een map)." if path.is_dir() else "."),
            waar=f"--configfile {path} (gezocht vanaf {Path.cwd()})",
            oplossing="Controleer de naam en de map; de voorbeelden staan in config/ (bijvoorbeeld "
            "config/voorbeeld_lokaal.yaml).",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise WijkscanError(
            f"Configuratiebestand {path} is geen UTF-8-tekst.",
            waar=f"{path}, byte {exc.start}",
            oplossing="Sla het bestand op als UTF-8 (platte tekst, geen Word- of Excel-bestand).",
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        regel = f", regel {mark.line + 1}, kolom {mark.column + 1}" if mark else ""
        begin = getattr(exc, "context_mark", None)
        if mark and begin and begin.line != mark.line:
            # An unclosed bracket is noticed lines later; name where it was opened too.
            regel += f" (begonnen op regel {begin.line + 1})"
        oorzaak = getattr(exc, "problem", None) or "onleesbare YAML"
        tabs = " Gebruik spaties, geen tabs, om in te springen." if "\t" in text else ""
        raise WijkscanError(
            f"Configuratiebestand {path} is geen geldige YAML ({_yaml_reden(oorzaak)}).",
            waar=f"{path}{regel}",
            oplossing="Controleer die regel en de regel erboven: sluit haakjes [ ] en { } en "
            "aanhalingstekens, zet een spatie na elke dubbele punt en spring in met "
            f"spaties.{tabs}",
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise WijkscanError(
            f"Configuratiebestand {path} bevat geen sleutels met waarden.",
            waar=str(path),
            oplossing="Schrijf de instellingen als 'sleutel: waarde' op het bovenste niveau, "
            "zoals in config/config.yaml.",
        )
    return data


def _yaml_reden(problem: str) -> str:
    """Dutch wording of the common PyYAML problems (the original otherwise)."""
    vertaling = {
        "expected ',' or ']'": "verwacht ',' of ']'",
        "expected ',' or '}'": "verwacht ',' of '}'",
        "found character '\\t' that cannot start any token": "tab-teken",
        "mapping values are not allowed here": "dubbele punt op een onverwachte plek",
        "could not find expected ':'": "dubbele punt ontbreekt",
        "found unexpected end of stream": "bestand houdt onverwacht op",
        "found undefined alias": "onbekende alias",
        "expected <block end>, but found '-'": "inspringing klopt niet",
    }
    for en, nl in vertaling.items():
        if en in problem:
            return nl
    return f"'{problem}'"


def configfile_args(argv: list[str]) -> list[str]:
    """The configuration files named on a Snakemake command line.

    Parameters
    ----------
    argv
        Command line, e.g. ``sys.argv``.

    Returns
    -------
    list of str
        Files after ``--configfile``/``--configfiles`` (several may follow one flag) or in
        ``--configfile=FILE``.
    """
    files: list[str] = []
    taking = False
    for arg in argv:
        if arg in ("--configfile", "--configfiles"):
            taking = True
        elif arg.startswith(("--configfile=", "--configfiles=")):
            files.append(arg.split("=", 1)[1])
            taking = False
        elif arg.startswith("-"):
            taking = False
        elif taking:
            files.append(arg)
    return files


def check_configfiles(argv: list[str]) -> None:
    """Read every ``--configfile`` of a command line; raise a Dutch error for the first bad one."""
    for path in configfile_args(argv):
        read_configfile(path)


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
        from pipeline.ingest.demo import DEMO_GEMEENTEN

        return sorted(DEMO_GEMEENTEN)
    if src["type"] != "lokaal":
        raise WijkscanError(
            "Een landelijke run ('alle_gemeenten: true') kan alleen met een lokaal KWB-bestand.",
            waar="alle_gemeenten / bronnen.kwb",
            oplossing="Download eerst de KWB-tabel (of draai één keer met bron cbs en gebruik het "
            "bestand uit data/raw/cbs/) en zet bronnen.kwb op type 'lokaal'.",
        )
    # The same cached list the gemeente check uses: the Snakefile is read again by every job
    # process (and Slurm job), and the national KWB file is large.
    names = _gemeenten_uit(Path(src["pad"]), Path.cwd())
    if names is not None:
        return sorted(names)
    from pipeline.ingest.kwb import gemeente_codes, read_kwb

    return gemeente_codes(read_kwb(Path(src["pad"])))  # unreadable: read_kwb says why


# ------------------------------------------------ gemeenten: codes checked, names accepted

#: Where the gemeente rows of a local KWB file are kept after the first read (a national
#: workbook takes seconds; the Snakefile is read by every run and every dry run).
GEMEENTEN_CACHE = Path(".snakemake") / "wijkscan"
_CODE = re.compile(r"^GM\d{4}$")


def _kwb_tabel_default(config: dict[str, Any]) -> str | None:
    """KWB table id of the peiljaar, from the config or else the schema default."""
    tabellen = (config.get("cbs") or {}).get("kwb_tabellen")
    if tabellen is None:
        tabellen = _subschema(load_schema(), ["cbs", "kwb_tabellen"]).get("default", {})
    return tabellen.get(str(config.get("jaar", 2024)))


def _gemeenten_uit(path: Path, base: Path) -> dict[str, str] | None:
    """Gemeente code -> name of a local KWB file (cached; None when the file is unreadable)."""
    import hashlib
    import json

    from pipeline.ingest.kwb import gemeente_namen, read_kwb

    st = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
    cache = base / GEMEENTEN_CACHE / f"gemeenten_{key[:16]}.json"
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    try:
        names = gemeente_namen(read_kwb(path))
    except (WijkscanError, KeyError, ValueError):
        return None  # a damaged file: its own step reports it, naming the cell or line
    try:
        from pipeline.io import write_json

        write_json(names, cache)
    except OSError:
        pass
    return names


def gemeente_tabel(
    config: dict[str, Any], base: Path | None = None
) -> tuple[dict[str, str], str] | None:
    """The gemeenten of the configured KWB source, when they are available without network.

    Parameters
    ----------
    config
        The configuration (before or after the defaults are filled in).
    base
        Directory of the run (relative paths, ``data/raw``); default the working directory.

    Returns
    -------
    tuple of (dict, str) or None
        Code -> name, and a Dutch description of the source; None for an online source
        that was never fetched (its national rows are not in ``data/raw`` yet) or an
        unreadable file.
    """
    base = Path.cwd() if base is None else Path(base)
    src = (config.get("bronnen") or {}).get("kwb") or {}
    typ = src.get("type", "demo")
    if typ == "demo":
        from pipeline.ingest.demo import DEMO_GEMEENTEN

        return dict(DEMO_GEMEENTEN), "de demobron (bronnen.kwb: demo)"
    if typ == "lokaal":
        pad = src.get("pad")
        if not isinstance(pad, str) or not (base / pad).is_file():
            return None
        names = _gemeenten_uit(base / pad, base)
        return (names, f"het KWB-bestand {pad}") if names else None
    tabel = _kwb_tabel_default(config)
    if typ == "cbs" and tabel:
        # The national rows (NL01 + every gemeente) a previous run fetched for the reference.
        raw = f"data/raw/cbs/kwb_{tabel}_{config.get('jaar', 2024)}_NL01.csv"
        if (base / raw).is_file():
            names = _gemeenten_uit(base / raw, base)
            return (names, f"CBS-tabel {tabel} (opgehaald in {raw})") if names else None
    return None


def _naam_sleutel(naam: str) -> str:
    return " ".join(str(naam).lower().split())


def resolve_gemeente_names(config: dict[str, Any], base: Path | None = None) -> list[str]:
    """Replace gemeente names in ``gemeenten`` by their codes ("Duiven" -> GM0226), in place.

    Runs before the schema check (which wants codes). Only possible when the KWB source's
    gemeenten are available locally (:func:`gemeente_tabel`); otherwise the names stay and
    the schema check asks for codes.

    Returns
    -------
    list of str
        One Dutch line per replaced name, for the user.

    Raises
    ------
    WijkscanError
        For a name that is no gemeente of the source (with the closest names and their
        codes), or that two gemeenten share (with both codes).
    """
    entries = config.get("gemeenten")
    if not isinstance(entries, list):
        return []
    todo = [i for i, g in enumerate(entries) if isinstance(g, str) and not _CODE.match(g)]
    found = gemeente_tabel(config, base) if todo else None
    if found is None:
        return []
    namen, bron = found
    by_name: dict[str, list[str]] = {}
    for code, naam in sorted(namen.items()):
        by_name.setdefault(_naam_sleutel(naam), []).append(code)
    lines = []
    for i in todo:
        entry = entries[i]
        key = _naam_sleutel(entry)
        # "Bergen" is both "Bergen (L.)" and "Bergen (NH.)": a name without CBS's suffix.
        codes = by_name.get(key) or [
            c for n, cs in by_name.items() if n.startswith(key + " (") for c in cs
        ]
        if len(codes) == 1:
            entries[i] = codes[0]
            lines.append(f"wijkscan: gemeente '{entry}' is {codes[0]} (uit {bron})")
            continue
        if codes:
            raise WijkscanError(
                f"Er zijn {len(codes)} gemeenten met de naam '{entry}' in {bron}.",
                waar="configuratie, sleutel gemeenten",
                oplossing="Gebruik de code: "
                + ", ".join(f"{namen[c]} is {c}" for c in codes)
                + ".",
            )
        close = difflib.get_close_matches(_naam_sleutel(entry), list(by_name), n=3, cutoff=0.6)
        hint = "; ".join(f"{namen[c]} is {c}" for n in close for c in by_name[n])
        raise WijkscanError(
            f"'{entry}' is geen gemeentecode en geen gemeente in {bron}.",
            waar="configuratie, sleutel gemeenten",
            oplossing=(f"Bedoelt u: {hint}? " if hint else "")
            + "Schrijf de naam zoals CBS die schrijft, of de CBS-gemeentecode: GM en vier "
            "cijfers, zoals {} voor {}.".format(*min(namen.items())),
        )
    return lines


def check_gemeenten(config: dict[str, Any], base: Path | None = None) -> None:
    """Check the configured gemeente codes against the KWB source, before anything is planned.

    Without this an unknown code (``GM0000``) was found only after Snakemake had planned
    about twenty jobs, by the first step that read the KWB, with suggestions of bare codes.

    Parameters
    ----------
    config
        The validated configuration.
    base
        Directory of the run; default the working directory.

    Raises
    ------
    WijkscanError
        Naming the unknown codes, the source, codes that look alike with their names
        ("GM0226 is Duiven") and that a name may be written instead.
    """
    if config.get("alle_gemeenten"):
        return
    found = gemeente_tabel(config, base)
    if found is None:
        return
    namen, bron = found
    onbekend = [g for g in config.get("gemeenten", []) if g not in namen]
    if not onbekend:
        return
    from pipeline.present import fmt

    hints = []
    for code in onbekend:
        close = fmt.lijkende_codes(code, namen)
        if close:
            hints.append(f"lijkt op {code}: " + ", ".join(f"{c} is {namen[c]}" for c in close))
    voorbeeld = next(iter(sorted(namen.items(), key=lambda kv: kv[0])), ("GM0226", "Duiven"))
    if len(namen) == 1:
        keuze = (
            f"Deze bron kent alleen {voorbeeld[0]} ({voorbeeld[1]}). Voor een echte gemeente: "
            "bronnen.kwb type 'cbs' of 'lokaal' (zie config/voorbeeld_lokaal.yaml)."
        )
    else:
        keuze = (
            f"U mag ook de naam schrijven, bijvoorbeeld gemeenten: [{voorbeeld[1]}]; alle "
            f"{len(namen)} gemeenten staan in {bron}. Gemeenten fuseren en krijgen dan een "
            "nieuwe code: controleer ook het peiljaar ('jaar')."
        )
    raise WijkscanError(
        f"Gemeente {', '.join(onbekend)} komt niet voor in {bron}, peiljaar {config.get('jaar')}.",
        waar="configuratie, sleutel gemeenten",
        oplossing=(("; ".join(hints) + ". ") if hints else "") + keuze,
    )


if __name__ == "__main__":
    raise SystemExit(main())
