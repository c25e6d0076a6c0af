"""The configuration file and its schema: reading YAML, Dutch schema errors, defaults.

``config/schema.yaml`` is the one place for the defaults of the configuration:
:func:`with_defaults` and :func:`schema_default` read them from there, for code that runs
outside Snakemake (whose ``validate()`` fills them in for the rules).
"""

from __future__ import annotations

import copy
import difflib
import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from pipeline.codes import gemeente_code_vorm
from pipeline.errors import WijkscanError

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "config" / "schema.yaml"


#: Source types each input kind accepts (the schema lists the union).
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "kwb": ("cbs", "lokaal", "demo"),
    "geometrie": ("cbs", "lokaal", "demo"),
    "bevolking": ("cbs", "lokaal", "demo", "brp"),
    "prognose": ("cbs", "lokaal", "demo", "primos"),
    "gezondheidsmonitor": ("cbs", "lokaal", "demo", "geen"),
}


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """Load the JSON schema (YAML) of the configuration."""
    # libyaml's parser when PyYAML has it: the schema is read at every Snakemake start, and
    # the pure-Python parser took ~0.07 s of a ~1.6 s no-op rebuild. Same safe constructors.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with Path(path).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)


@functools.cache
def _shipped_schema() -> dict[str, Any]:
    # Read once per process; callers get copies of its defaults, never the cached objects.
    return load_schema()


def subschema(schema: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    """The schema node of a key path (``["bronnen", "kwb", "type"]``); {} when unknown.

    Parameters
    ----------
    schema
        The whole JSON schema (for its ``$defs``).
    path
        Keys and list indices, as in ``ValidationError.absolute_path``.

    Returns
    -------
    dict
        The node with ``$ref`` resolved: description, type, default, ...
    """
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


def with_defaults(config: Any, schema: dict[str, Any] | None = None) -> Any:
    """A copy of ``config`` with the schema defaults filled in, as Snakemake's ``validate()``.

    Parameters
    ----------
    config
        Configuration as read from YAML (unchanged).
    schema
        JSON schema; defaults to ``config/schema.yaml``.

    Returns
    -------
    dict
        The configuration with every missing key that has a default, recursively in
        objects (a value of the wrong type is left as it is).
    """
    schema = _shipped_schema() if schema is None else schema
    return _fill(config, schema, schema)


def _fill(config: Any, schema: dict[str, Any], node: dict[str, Any]) -> Any:
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    if not isinstance(config, dict):
        return config
    out = dict(config)
    for key, sub in node.get("properties", {}).items():
        if key not in out and "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
        if key in out:
            out[key] = _fill(out[key], schema, sub)
    return out


def schema_default(*path: str) -> Any:
    """The default of one configuration key in ``config/schema.yaml``.

    Parameters
    ----------
    *path
        Key path, e.g. ``"bronnen", "kwb", "type"``.

    Returns
    -------
    Any
        A copy of the default (None when the key has none).
    """
    return copy.deepcopy(subschema(_shipped_schema(), list(path)).get("default"))


def check_schema(config: dict[str, Any], schema: dict[str, Any]) -> None:
    """Validate ``config`` against the schema and raise a WijkscanError naming the key path.

    Parameters
    ----------
    config
        Configuration as loaded by Snakemake (before defaults are filled in).
    schema
        JSON schema.

    Raises
    ------
    WijkscanError
        For the first (most specific) schema violation, with its path such as
        ``bronnen.kwb.typ`` and, for an unknown key, the closest valid key.
    """
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(config),
        # Deepest first; at equal depth an unknown key explains more than a missing one.
        key=lambda e: (-len(e.absolute_path), e.validator != "additionalProperties", e.message),
    )
    if not errors:
        return
    err = errors[0]
    where = _sleutel(err.absolute_path)
    if err.validator == "additionalProperties":
        node = subschema(schema, list(err.absolute_path))
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
    node = subschema(schema, list(err.absolute_path))
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
    if isinstance(value, int | float):
        return str(value)  # safe_dump would add YAML's end-of-document marker ("...")
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return text if len(text) <= 60 else text[:57] + "..."


def _lijst_voorbeeld(value: Any, node: Any) -> str:
    """The list a user probably meant: ``2030`` -> ``[2030]``, ``'2030, 2035'`` ->
    ``[2030, 2035]``, ``'gm226'`` -> ``[GM0226]``; nothing given -> the schema default."""
    if value is None or value == "":
        default = node.get("default") if isinstance(node, dict) else None
        return _fmt(default) if isinstance(default, list) and default else "[...]"
    items = str(value).replace(",", " ").split() if isinstance(value, str) else [value]
    shown = []
    for item in items:
        if isinstance(item, str) and item.isdigit():
            shown.append(item)
        elif isinstance(item, str):
            shown.append(gemeente_code_vorm(item) or item)
        else:
            shown.append(_fmt(item))
    return f"[{', '.join(shown)}]"


def _sleutel(path: Any) -> str:
    """A key path as a user reads it: list items counted from 1 (``horizon, item 2``)."""
    parts: list[str] = []
    for p in path:
        if isinstance(p, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}, item {p + 1}"]
        else:
            parts.append(str(p))
    return ".".join(parts) or "(bovenste niveau)"


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
        vorm = gemeente_code_vorm(str(value))
        return (
            f"'{value}' is geen gemeentecode",
            (f"Bedoelt u {vorm}? " if vorm else "")
            + "Gebruik de CBS-gemeentecode: GM en vier cijfers, bijvoorbeeld GM0226 voor Duiven "
            "(niet de naam). Alle codes staan in de KWB-tabel (kolom WijkenEnBuurten).",
        )
    if kind == "minItems" and where == "horizon":
        return (
            "de lijst met toekomstjaren is leeg",
            "Geef minstens één toekomstjaar na het peiljaar op, bijvoorbeeld horizon: [2030]; "
            "het rapport en de vouwkaart vergelijken het peiljaar met deze jaren.",
        )
    if kind == "type" and where.startswith("gemeenten") and isinstance(value, int):
        # YAML reads 0226 as the octal number 150: say so, the user never typed 150.
        hint = f"Bedoelt u GM{value:04d}? " if value < 10_000 else ""
        octaal = oct(value)[2:]
        if value >= 8 and len(octaal) <= 3:
            hint += (f"Staat er 0{octaal}, dan bedoelt u GM{int(octaal):04d}: YAML leest een getal met "
                     f"een 0 ervoor als octaal getal (0{octaal} wordt {value}). ")  # fmt: skip
        return (
            f"{value} is een getal, geen gemeentecode",
            hint + "Schrijf de CBS-gemeentecode als tekst: GM en vier cijfers, bijvoorbeeld "
            "gemeenten: [GM0226] voor Duiven.",
        )
    if kind == "type" and rule == "array":
        sleutel = where.split(".")[-1]
        return (
            f"{_fmt(value)} is geen lijst",
            f"Schrijf een lijst tussen blokhaken, bijvoorbeeld {sleutel}: "
            f"{_lijst_voorbeeld(value, getattr(err, 'schema', {}))}. {schema_ref}",
        )
    if kind == "type":
        return (
            f"{_fmt(value)} is geen {_types_nl(rule)}",
            f"Vul hier een {_types_nl(rule)} in. {schema_ref}",
        )
    if kind == "enum":
        # One enum serves every source type; offer only what this kind of input takes.
        soort = where.split(".")[1] if where.startswith("bronnen.") else ""
        if where.endswith(".type") and soort in ALLOWED_TYPES:
            rule = [v for v in rule if v in ALLOWED_TYPES[soort]]
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
        # Any "expected <block end>, but found ..." is a line indented unlike its siblings.
        "expected <block end>, but found": "inspringing klopt niet",
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
