"""Provenance: which source tables, years and files a gemeente's outputs were built from."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Any

import pipeline
from pipeline.io import source_date_epoch

_PUBLISHERS: dict[str, tuple[str, str]] = {
    "kwb": ("Kerncijfers wijken en buurten", "CBS"),
    "geometrie": ("Buurtgrenzen (wijk- en buurtkaart / gebiedsindelingen)", "CBS/Kadaster (PDOK)"),
    "bevolking": ("Bevolking naar leeftijd en geslacht", "CBS"),
    "prognose": ("Regionale bevolkingsprognose", "CBS/PBL"),
    "gezondheidsmonitor": (
        "Gezondheid per wijk en buurt (eenzaamheid)",
        "RIVM (Gezondheidsmonitor)",
    ),
    "kwb_aanvulling": (
        "Kerncijfers wijken en buurten, aangrenzend jaar (burgerlijke staat)",
        "CBS",
    ),
}
#: Version of the bronnen.json layout and wording. The rules that write it pass it as a param,
#: so a change here rebuilds existing provenance (Snakemake does not see package code).
#: 2: demo inputs credited to wijkscan-demo, without table id or licence.
#: 3: 'buurtsignaal' per indicator; the forecast table a gemeente's numbers came from.
#: 4: 'invoerbestanden' (the user's own local files and their SHA-256) per source.
META_VERSIE = 4
#: Publisher shown for demo inputs (fictitious numbers made by pipeline.ingest.demo).
DEMO_UITGEVER = "wijkscan-demo (fictief)"
_TYPE_LABEL = {
    "cbs": "online opgehaald",
    "lokaal": "lokaal bestand",
    "demo": "fictief (demo)",
    "primos": "Primos-bestand (ABF Research, licentie)",
    "brp": "BRP-extract van de gemeente",
    "geen": "niet beschikbaar",
}


#: The raw file named for an input the build generates itself (the demo of a large batch).
INGEBOUWD = "(ingebouwd)"


def sha256(path: Path) -> str:
    """SHA-256 of a file, to pin the exact raw input in the provenance.

    A batch of many gemeenten cites the same national file for each of them: the hash is
    kept per file version (path, size, modification time), so it is computed once.
    """
    st = Path(path).stat()
    return _sha256(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


#: Source types read from a file the user supplies (as ``pipeline.workflow.config.LOCAL_TYPES``).
_LOCAL_TYPES = ("lokaal", "primos", "brp")


def local_files(bron: dict[str, Any]) -> list[dict[str, str | None]]:
    """The user's own input file(s) of a local source, with their SHA-256.

    The raw cache copy in ``data/raw/`` is what the pipeline read, but the user can only
    check the file they supplied; both hashes go into ``bronnen.json``.

    Parameters
    ----------
    bron
        One ``bronnen.<kind>`` config section.

    Returns
    -------
    list of dict
        ``{"pad": ..., "sha256": ...}`` per configured file (``sha256`` None when the file
        is gone); empty for online and demo sources.
    """
    if bron.get("type") not in _LOCAL_TYPES or not bron.get("pad"):
        return []
    pad = bron["pad"]
    paths = [str(p) for p in pad] if isinstance(pad, list) else [str(pad)]
    return [{"pad": p, "sha256": sha256(Path(p)) if Path(p).is_file() else None} for p in paths]


def build_date(today: dt.date | None = None) -> dt.date:
    """The build date: ``today``, else ``SOURCE_DATE_EPOCH`` (reproducible builds), else now."""
    if today is not None:
        return today
    epoch = source_date_epoch()
    return epoch.date() if epoch else dt.date.today()


def build_meta(
    gemeente: str,
    gemeentenaam: str,
    config: dict[str, Any],
    raw_files: dict[str, str],
    table_ids: dict[str, str],
    warnings: list[str],
    prevalentie_bron: str,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Assemble the provenance record written next to the indicators.

    Parameters
    ----------
    gemeente, gemeentenaam
        Code and name.
    config
        Validated configuration.
    raw_files
        Input kind -> raw cache file used. For local sources the user's own files
        (``bronnen.<kind>.pad``) are recorded too, with their own SHA-256.
    table_ids
        Input kind -> table id (e.g. ``"85984NED"``, ``"pdok"``, ``"primos"``).
    warnings
        Warnings to show in the report (e.g. code mismatches).
    prevalentie_bron
        Citation of the dementia prevalence rates.
    today
        Build date (for tests); default ``SOURCE_DATE_EPOCH`` when set, else today.

    Returns
    -------
    dict
        JSON-serialisable record (see ``bronnen.json``).
    """
    bronnen = []
    fictief = []
    for kind, path in raw_files.items():
        src = config["bronnen"][kind]["type"]
        onderwerp, uitgever = _PUBLISHERS[kind]
        if src == "primos":
            uitgever = "ABF Research (Primos)"
        if src == "brp":
            uitgever = f"Gemeente {gemeentenaam} (BRP)"
        if src == "geen":
            continue
        tabel = table_ids.get(kind, "")
        licentie = "CC BY 4.0" if src in ("cbs", "lokaal") else "zie leverancier"
        if src == "demo":
            # Generated numbers in a real table's layout: naming that table or its publisher
            # (e.g. 'CBS/PBL primos' for the demo forecast) would pass them off as published.
            fictief.append(kind)
            uitgever, tabel, licentie = DEMO_UITGEVER, "", ""
        p = Path(path)
        bronnen.append(
            {
                "invoer": kind,
                "onderwerp": onderwerp,
                "uitgever": uitgever,
                "tabel": tabel,
                # The adjacent KWB year is of another year than the data.
                "jaar": config["bronnen"][kind].get("jaar") or config["jaar"],
                "type": src,
                "type_label": _TYPE_LABEL[src],
                "bestand": str(path),
                "sha256": sha256(p) if p.is_file() else None,
                # The user's own file(s), which they can check against this hash.
                "invoerbestanden": local_files(config["bronnen"][kind]),
                "licentie": licentie,
            }
        )
    return {
        "gemeente": gemeente,
        "gemeentenaam": gemeentenaam,
        "jaar": config["jaar"],
        "horizon": sorted(config["horizon"]),
        "fictief": bool(fictief),
        "fictief_onderdelen": fictief,
        "bronnen": bronnen,
        "prevalentie_bron": prevalentie_bron,
        "waarschuwingen": list(warnings),
        "versie": pipeline.__version__,
        "meta_versie": META_VERSIE,
        "gebouwd": build_date(today).isoformat(),
    }


def set_table(meta: dict[str, Any], kind: str, tabel: str | None) -> None:
    """Name the table a source really came from (e.g. the forecast's fallback table)."""
    if not tabel:
        return
    for bron in meta["bronnen"]:
        if bron["onderwerp"] == _PUBLISHERS[kind][0] and bron["type"] in ("cbs", "lokaal"):
            bron["tabel"] = tabel


def set_source_file(meta: dict[str, Any], kind: str, path: str, sha: str | None) -> None:
    """Name the file a source really came from (one file of a configured list)."""
    for bron in meta["bronnen"]:
        if bron["invoer"] == kind:
            bron["bestand"], bron["sha256"] = str(path), sha


def add_brp_estimates(meta: dict[str, Any], diagnostiek: dict[str, Any] | None) -> None:
    """Record the buurten estimated because the BRP extract missed them.

    With ``bronnen.bevolking.ontbrekende_buurten: schatten`` the estimation step lists them
    (:func:`pipeline.model.brp_aanvulling.brp_with_estimates`); ``bronnen.json`` then gets
    ``brp_geschatte_buurten`` and the report warning. Without such buurten ``meta`` is left
    exactly as it was.

    Parameters
    ----------
    meta
        The record of :func:`build_meta` (changed in place).
    diagnostiek
        The estimation step's diagnostics, or None.
    """
    d = diagnostiek or {}
    geschat = list(d.get("brp_geschatte_buurten") or [])
    if not geschat:
        return
    meta["brp_geschatte_buurten"] = geschat
    tekst = d.get("brp_waarschuwing")
    if tekst and tekst not in meta["waarschuwingen"]:
        meta["waarschuwingen"].append(tekst)


def tables(meta: dict[str, Any] | None) -> dict[str, str]:
    """Input kind -> the table it really came from, as ``bronnen.json`` records it."""
    return {
        b["invoer"]: b["tabel"]
        for b in (meta or {}).get("bronnen", [])
        if b.get("invoer") and b.get("tabel")
    }


#: A forecast whose own base-year figure is this far (relative) from the count is named.
AANSLUITING_MELDEN = 0.005


def report_warnings(
    geometrie_waarschuwingen: list[str],
    prognose_methode: str | None,
    aansluiting: tuple[float, float] | None = None,
    prognose_tabel: str | None = None,
    basisjaar: int | None = None,
) -> list[str]:
    """Warnings for the report: geometry mismatches plus the forecast caveats.

    Parameters
    ----------
    geometrie_waarschuwingen
        Code-mismatch warnings from the geometry check.
    prognose_methode
        Method of :func:`pipeline.model.forecast.gemeente_forecast`, or None.
    aansluiting
        The forecast's own base-year total and the counted one, when its totals were
        scaled to the count (``attrs["aansluiting"]`` of that function), else None.
    prognose_tabel
        The forecast's table id, for the sentence.
    basisjaar
        Base year.

    Returns
    -------
    list of str
        The warnings, in Dutch.
    """
    from pipeline.present import fmt

    warnings = list(geometrie_waarschuwingen)
    if prognose_methode == "totaal_met_cohortmodel":
        warnings.append(
            "De prognose geeft alleen totalen per gemeente; de leeftijdsopbouw in de toekomst is "
            "met een cohortmodel benaderd (zie „Prognose” in de Verantwoording van het "
            "rapport)."
        )
    if aansluiting and basisjaar is not None:
        eigen, geteld = aansluiting
        verschil = geteld / eigen - 1.0
        if abs(verschil) >= AANSLUITING_MELDEN:
            tabel = f" ({prognose_tabel})" if prognose_tabel else ""
            warnings.append(
                f"De prognose{tabel} ging voor {basisjaar} uit van {fmt.getal(eigen)} inwoners; "
                f"CBS telde er {fmt.getal(geteld)} ({fmt.getal(abs(100 * verschil), 1)}% "
                f"{'meer' if verschil > 0 else 'minder'}). De toekomstcijfers volgen daarom de "
                f"groei uit de prognose, gerekend vanaf de getelde bevolking van {basisjaar}."
            )
    return warnings
