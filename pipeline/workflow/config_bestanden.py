"""The local files a configuration names: listed, and checked to exist before planning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.errors import WijkscanError
from pipeline.workflow.config_paden import LOCAL_TYPES
from pipeline.workflow.config_schema import ALLOWED_TYPES

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
