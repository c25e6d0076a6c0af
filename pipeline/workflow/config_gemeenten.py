"""Gemeenten in the configuration: names become codes, codes are checked, the national list.

A gemeente may be written as CBS writes its name ("Duiven"); it becomes its code (GM0226)
before the schema check. Codes are checked against the gemeenten of the KWB source before
anything is planned, whenever that source is at hand without network.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pipeline.codes import GEMEENTE_RE, gemeente_code_vorm
from pipeline.errors import WijkscanError
from pipeline.workflow.config_paden import source
from pipeline.workflow.config_schema import schema_default

#: Where the gemeente rows of a local KWB file are kept after the first read (a national
#: workbook takes seconds; the Snakefile is read by every run and every dry run).
GEMEENTEN_CACHE = Path(".snakemake") / "wijkscan"


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


def _jaar(config: dict[str, Any]) -> Any:
    """The peiljaar of a configuration that may not have its defaults yet."""
    return config["jaar"] if "jaar" in config else schema_default("jaar")


def _kwb_tabel_default(config: dict[str, Any]) -> str | None:
    """KWB table id of the peiljaar, from the config or else the schema default."""
    tabellen = (config.get("cbs") or {}).get("kwb_tabellen")
    if tabellen is None:
        tabellen = schema_default("cbs", "kwb_tabellen")
    return tabellen.get(str(_jaar(config)))


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
    typ = src["type"] if "type" in src else schema_default("bronnen", "kwb", "type")
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
        raw = f"data/raw/cbs/kwb_{tabel}_{_jaar(config)}_NL01.csv"
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
    todo = [i for i, g in enumerate(entries) if isinstance(g, str) and not GEMEENTE_RE.match(g)]
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
        vorm = gemeente_code_vorm(entry)
        if vorm in namen:
            raise WijkscanError(
                f"'{entry}' is geen gemeentecode.",
                waar="configuratie, sleutel gemeenten",
                oplossing=f"Bedoelt u {vorm} ({namen[vorm]})? Een gemeentecode is GM "
                "(hoofdletters) en vier cijfers.",
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
    from pipeline.ingest.demo import DEMO_GEMEENTE, DEMO_NAAM

    if DEMO_GEMEENTE in onbekend:
        # The demo gemeente exists only in the built-in demo KWB.
        hints.append(
            f"{DEMO_GEMEENTE} is de fictieve demogemeente {DEMO_NAAM}: die bestaat alleen met "
            "bronnen.kwb type 'demo' (zoals in config/config.yaml)"
        )
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
