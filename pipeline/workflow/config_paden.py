"""File paths derived from the configuration: raw cache files, table ids, the user's files.

Every raw file name carries the source, the table id and the period, so that a change of
source or year makes a new file (and Snakemake rebuilds what depends on it).
"""

from __future__ import annotations

from typing import Any

from pipeline.errors import WijkscanError


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
            waar="configuratie, sleutel jaar (de tabellen staan in cbs.kwb_tabellen)",
            oplossing=f"Kies een peiljaar met een tabel ({', '.join(sorted(tables))}), of "
            f"voeg het tabelnummer van {key} toe onder cbs.kwb_tabellen als het CBS die "
            "Kerncijfers wijken en buurten al publiceert.",
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


# ------------------------------------------------------------------------- batches

#: The batch of all selected gemeenten built at once (``berekening: in_een_keer``).
SAMEN = "samen"


def batches(config: dict[str, Any], gemeenten: list[str]) -> dict[str, list[str]]:
    """Batch name -> its gemeenten: one batch per gemeente, or one for all of them.

    The numbers of a gemeente do not depend on its batch; ``berekening`` only trades the
    number of jobs (and what a change rebuilds) against the size of one job.
    """
    if config["berekening"] == "in_een_keer":
        return {SAMEN: list(gemeenten)}
    return {gm: [gm] for gm in gemeenten}


def batch_of(config: dict[str, Any], gemeente: str) -> str:
    """The batch a gemeente is built in."""
    return SAMEN if config["berekening"] == "in_een_keer" else gemeente


def batch_file(config: dict[str, Any], gemeente: str, name: str) -> str:
    """A file the build step writes for the batch of ``gemeente`` (``data/processed/<batch>/``)."""
    return f"data/processed/{batch_of(config, gemeente)}/{name}"


def national_geometry(config: dict[str, Any]) -> str | None:
    """The national buurt file of ``bronnen.geometrie`` (None for the demo)."""
    src = source(config, "geometrie")["type"]
    if src == "cbs":
        return f"data/raw/cbs/pdok_gebiedsindelingen_{config['jaar']}.gpkg"
    return local_input(config, "geometrie")[0] if src == "lokaal" else None


def per_gemeente_files(config: dict[str, Any], kind: str, batch: str) -> bool:
    """Whether a batch reads ``kind`` from one raw file per gemeente (else a national file).

    A batch of one gemeente reads the fetch rules' extract of it. A batch of many reads the
    user's national file (``lokaal``, ``primos``; the PDOK file for ``cbs`` geometry) once,
    instead of a fetch job per gemeente; online tables and BRP extracts stay per gemeente.
    """
    if kind == "kwb_aanvulling":
        src = config["bronnen"]["kwb_aanvulling"]["type"]
    else:
        src = source(config, kind)["type"]
    if batch != SAMEN:
        return True
    return not (src in ("lokaal", "primos") or (kind == "geometrie" and src == "cbs"))


def build_files(config: dict[str, Any], kind: str, batch: str, gemeenten: list[str]) -> list[str]:
    """The raw files the build step of a batch reads for one input kind.

    Parameters
    ----------
    config
        Validated configuration.
    kind
        ``kwb``, ``kwb_aanvulling``, ``geometrie``, ``bevolking``, ``prognose`` or
        ``gezondheidsmonitor``.
    batch
        Batch name (:func:`batches`).
    gemeenten
        The batch's gemeenten.

    Returns
    -------
    list of str
        One raw file per gemeente (:func:`raw_path`), or the national file(s); empty when
        there is nothing to read (source ``geen``, or a demo population or forecast that
        the build generates for a batch of many).
    """
    if kind == "kwb_aanvulling":
        src = config["bronnen"]["kwb_aanvulling"]["type"]
        if src == "geen":
            return []
        if not per_gemeente_files(config, kind, batch):
            return local_input(config, kind)
        return [str(aanvulling_raw_path(config, gm)) for gm in gemeenten]
    src = source(config, kind)["type"]
    if src == "geen":
        return []
    if not per_gemeente_files(config, kind, batch):
        national = national_geometry(config) if kind == "geometrie" else None
        return [national] if national else local_input(config, kind)
    if batch == SAMEN and src == "demo" and kind in ("bevolking", "prognose"):
        return []
    return [raw_path(config, kind, gm) for gm in gemeenten]
