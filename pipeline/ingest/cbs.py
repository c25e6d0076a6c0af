"""CBS StatLine tables with their keys, retried: OData v3 queries and KWB.

* Tables are queried through :mod:`pipeline.ingest.odata` (the ``cbsodata`` client with
  keys instead of titles). The CBS servers regularly reset connections or cut responses
  short and cbsodata never retries, so :func:`fetch_table` does: connection errors,
  time-outs, HTTP 5xx/429 and unparsable JSON are retried with exponential back-off
  (:func:`pipeline.ingest.pogingen.retry`); an unknown table (HTTP 404) or a bad query
  (HTTP 400) is not.
* Since August 2023 03759ned is served only as a bulk download (a zip of CSV files);
  that route is :mod:`pipeline.ingest.bulkdownload`.

CBS quirks that callers must know:

* Dimension keys are right-padded with spaces: ``'GM0226    '`` in
  ``WijkenEnBuurten`` (10 characters), ``'NL01  '`` in ``RegioS`` (6). ``eq``
  compares the padded key, so ``WijkenEnBuurten eq 'GM0226'`` silently returns
  nothing. :func:`region_filter` pads for you; ``startswith`` needs no padding.
* Keys are returned exactly as CBS sends them (padded); stripping happens in
  processing (:mod:`pipeline.ingest.kwb`).
* The interactive API refuses queries above 10,000 cells; the bulk feed that cbsodata
  uses pages without limit (see :mod:`pipeline.ingest.odata`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.codes import GEMEENTE_RE
from pipeline.errors import WijkscanError
from pipeline.ingest.odata import (
    FEED,
    cbsodata_options,
    check_rows,
    classify_failure,
    download_entity,
)
from pipeline.ingest.pogingen import POGINGEN, TIMEOUT, MisluktePoging, retry
from pipeline.io import file_mode, fsync_dir
from pipeline.present import fmt
from pipeline.workflow.config_schema import schema_default

__all__ = [
    "KEY_WIDTHS",
    "fetch_table",
    "kwb_filter",
    "region_filter",
    "write_csv_atomic",
]

#: The regular CBS catalog when a caller names none (``cbs.api_url`` in config/schema.yaml).
API_URL: str = schema_default("cbs", "api_url")
log = logging.getLogger(__name__)

#: Width to which CBS right-pads the keys of common region dimensions. Needed for
#: ``eq`` comparisons, which compare the padded key.
KEY_WIDTHS: dict[str, int] = {
    "WijkenEnBuurten": 10,
    "RegioS": 6,
    "Regions": 6,
}

_TABLE_ID_RE = re.compile(r"^[0-9A-Za-z_]{4,20}$")
_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------- filters


def kwb_filter(gemeenten: Sequence[str]) -> str:
    """Build a ``$filter`` for a KWB table: each gemeente, its wijken and buurten.

    ``startswith`` is used instead of ``eq`` because the keys are space padded
    and because one clause per level selects all wijken/buurten server side.

    Parameters
    ----------
    gemeenten
        Gemeente codes such as ``["GM0226"]`` (case and surrounding spaces are
        ignored).

    Returns
    -------
    str
        E.g. ``"startswith(WijkenEnBuurten,'GM0226') or
        startswith(WijkenEnBuurten,'WK0226') or startswith(WijkenEnBuurten,'BU0226')"``.

    Raises
    ------
    WijkscanError
        When the list is empty or a code is not ``GM`` plus four digits.
    """
    codes = _gemeente_codes(gemeenten)
    clauses = [
        f"startswith(WijkenEnBuurten,'{prefix}{code[2:]}')"
        for code in codes
        for prefix in ("GM", "WK", "BU")
    ]
    return " or ".join(clauses)


def region_filter(dim: str, codes: Sequence[str], *, width: int | None = None) -> str:
    """Build an ``eq`` filter on a region dimension, padding keys like CBS does.

    CBS compares the padded key: in a KWB table ``WijkenEnBuurten eq 'GM0226'``
    matches nothing, ``'GM0226    '`` does. ``RegioS`` keys are padded to 6
    (``'NL01  '``), so a gemeente code needs no padding there but a land or
    provincie code does.

    Parameters
    ----------
    dim
        Dimension name, e.g. ``"RegioS"`` (03759ned) or ``"WijkenEnBuurten"``.
    codes
        Region codes, padded or not.
    width
        Key width; default from :data:`KEY_WIDTHS`, else no padding.

    Returns
    -------
    str
        ``"RegioS eq 'GM0226'"``; several codes are or-ed inside parentheses so
        the result can be combined with ``and``.

    Raises
    ------
    WijkscanError
        For an empty list, an invalid dimension name or a code longer than the
        key width.
    """
    if not _FIELD_RE.match(dim):
        raise WijkscanError(
            f"Ongeldige dimensienaam voor een CBS-filter: {dim!r}.",
            oplossing="Gebruik de sleutel uit DataProperties, bijvoorbeeld RegioS.",
        )
    size = width if width is not None else KEY_WIDTHS.get(dim)
    cleaned = [str(c).strip().upper() for c in codes]
    if not cleaned or not all(cleaned):
        raise WijkscanError(
            f"Geen (geldige) regiocodes opgegeven voor filter op {dim}.",
            waar=f"codes: {list(codes)!r}",
            oplossing="Geef minstens één regiocode op, bijvoorbeeld GM0226.",
        )
    clauses = []
    for code in cleaned:
        if not re.fullmatch(r"[A-Z0-9]+", code) or (size is not None and len(code) > size):
            raise WijkscanError(
                f"Ongeldige regiocode {code!r} voor dimensie {dim}.",
                oplossing="Gebruik een CBS-regiocode zoals GM0226, WK022601 of BU02260101.",
            )
        key = code.ljust(size) if size else code
        clauses.append(f"{dim} eq '{key}'")
    if len(clauses) == 1:
        return clauses[0]
    return "(" + " or ".join(clauses) + ")"


def _gemeente_codes(gemeenten: Sequence[str]) -> list[str]:
    if isinstance(gemeenten, str):
        gemeenten = [gemeenten]
    codes = [str(g).strip().upper() for g in gemeenten]
    bad = [c for c in codes if not GEMEENTE_RE.match(c)]
    if not codes or bad:
        raise WijkscanError(
            "Ongeldige of ontbrekende gemeentecode(s) voor het CBS-filter"
            + (f": {', '.join(map(repr, bad))}." if bad else "."),
            waar="config 'gemeenten'",
            oplossing="Gebruik CBS-gemeentecodes: GM gevolgd door 4 cijfers, bijvoorbeeld GM0226.",
        )
    return list(dict.fromkeys(codes))


# --------------------------------------------------------------------------- fetch


def fetch_table(
    table_id: str,
    *,
    filters: str | None = None,
    select: list[str] | None = None,
    api_url: str = API_URL,
    catalog_url: str | None = None,
    use_https: bool = True,
    timeout: float = TIMEOUT,
    retries: int = POGINGEN,
    backoff: float = 2.0,
    typed: bool = False,
    entity: str | None = None,
) -> pd.DataFrame:
    """Download a CBS table with dimension keys (not titles), retrying transient errors.

    Parameters
    ----------
    table_id
        CBS table identifier, e.g. ``"85984NED"`` or ``"03759ned"``.
    filters
        OData ``$filter`` evaluated by CBS, e.g. from :func:`kwb_filter`.
    select
        Columns to return (``$select``); keep the dimension columns you need.
    api_url
        Host of the regular CBS catalog (config ``cbs.api_url``).
    catalog_url
        Host of another catalog, e.g. ``"dataderden.cbs.nl"`` for RIVM tables
        (config ``cbs.derden_url``). When given it is used instead of ``api_url``.
    use_https
        Use HTTPS; only tests against a loopback server switch this off.
    timeout
        Seconds per HTTP request (connect and each read), passed to requests.
    retries
        Total number of attempts (the config calls it ``pogingen``), at least 1.
    backoff
        Seconds before the second attempt; doubled for every further attempt.
    typed
        Download ``TypedDataSet`` (numbers, ``null`` for missing) instead of the
        default ``UntypedDataSet`` (CBS strings such as ``'   12345'`` and ``'.'``,
        which :mod:`pipeline.ingest.kwb` expects).
    entity
        Another entity set than the data set, e.g. a dimension such as
        ``"WijkenEnBuurten"`` (``Key``/``Title`` rows).

    Returns
    -------
    pandas.DataFrame
        The raw rows: column per OData key (``ID`` included unless ``select``
        excludes it), dimension keys exactly as CBS sends them (space padded).
        With ``select`` the columns follow that order. May be empty when the
        filter matches nothing (:func:`write_csv_atomic` refuses to store that).

    Raises
    ------
    WijkscanError
        Unknown table (HTTP 404, not retried), rejected query (HTTP 400 or the
        10,000-cell limit, not retried), or still failing after ``retries``
        attempts (connection errors, time-outs, HTTP 5xx, invalid JSON).
    """
    table_id = str(table_id).strip()
    if not _TABLE_ID_RE.match(table_id):
        raise WijkscanError(
            f"Ongeldig CBS-tabelnummer: {table_id!r}.",
            waar="config 'cbs'",
            oplossing="Gebruik het tabelnummer uit StatLine, bijvoorbeeld 85984NED.",
        )
    if select is not None:
        select = [str(s).strip() for s in select]
        if not select or not all(_FIELD_RE.match(s) for s in select):
            raise WijkscanError(
                f"Ongeldige kolomselectie voor CBS-tabel {table_id}: {select!r}.",
                oplossing="Geef OData-sleutels op, bijvoorbeeld "
                "['WijkenEnBuurten', 'AantalInwoners_5'].",
            )
    host = (catalog_url or api_url).strip().rstrip("/")
    for prefix in ("https://", "http://"):
        if host.lower().startswith(prefix):
            host = host[len(prefix) :]
    entity = entity or ("TypedDataSet" if typed else "UntypedDataSet")
    scheme = "https" if use_https else "http"
    url = f"{scheme}://{host}/{FEED}/{table_id}/{entity}"
    where = url + (f"?$filter={filters}" if filters else "")

    def attempt() -> list[dict[str, Any]]:
        with cbsodata_options(use_https=use_https):
            rows = download_entity(table_id, entity, host, filters, select, timeout)
        check_rows(rows)
        return rows

    def describe(exc: Exception) -> str:
        return classify_failure(exc, table_id=table_id, host=host, where=where, filters=filters)

    def give_up(attempts: int, last: str) -> WijkscanError:
        return WijkscanError(
            f"Downloaden van CBS-tabel {table_id} is mislukt na {attempts} "
            f"poging(en). Laatste fout: {last}",
            waar=where,
            oplossing="Controleer de internetverbinding. CBS is soms tijdelijk "
            "onbereikbaar: probeer het later opnieuw of gebruik bron: lokaal met een "
            "zelf gedownloade CSV ('onbewerkte dataset').",
        )

    def warn(p: MisluktePoging) -> None:
        log.warning(
            "CBS-tabel %s, poging %d/%d mislukt na %.1f s (%s); nieuwe poging over %.1f s",
            table_id,
            p.nummer,
            p.pogingen,
            p.seconden,
            p.fout,
            p.wachttijd,
        )

    rows = retry(
        attempt, pogingen=retries, backoff=backoff, describe=describe, give_up=give_up, warn=warn
    )
    df = pd.DataFrame.from_records(rows)
    if select is not None:
        missing = [c for c in select if c not in df.columns]
        if rows and missing:
            raise WijkscanError(
                f"CBS-tabel {table_id} leverde kolom(men) {', '.join(missing)} niet.",
                waar=where,
                oplossing="Controleer de kolomnamen in DataProperties van de tabel.",
            )
        df = df.reindex(columns=select)
    if df.empty:
        log.warning("CBS-tabel %s: geen rijen voor filter %r", table_id, filters)
    log.info("CBS-tabel %s: %d rijen, %d kolommen", table_id, len(df), df.shape[1])
    return df


# --------------------------------------------------------------------------- writing


def write_csv_atomic(df: pd.DataFrame, path: Path, *, allow_empty: bool = False) -> None:
    """Write ``df`` as CSV so that ``path`` is either the old file or the complete new one.

    The data goes to a temporary file in the same directory (``os.replace`` is
    only atomic within one file system), is flushed and fsynced, and then
    replaces ``path``. On any error the temporary file is removed and an existing
    ``path`` is left untouched.

    Parameters
    ----------
    df
        Table to write; written without index, UTF-8, padded keys preserved.
    path
        Destination file; its directory is created if needed.
    allow_empty
        Permit a table without rows (only the header is written).

    Raises
    ------
    WijkscanError
        When ``df`` has no rows or no columns and ``allow_empty`` is False; an
        empty download must never replace a good file.
    OSError
        When writing fails; ``path`` is unchanged.
    """
    path = Path(path)
    if df.shape[1] == 0 or (df.empty and not allow_empty):
        raise WijkscanError(
            f"Geen gegevens om op te slaan in {path.name} "
            f"({len(df)} rijen, {df.shape[1]} kolommen).",
            waar=str(path),
            oplossing="Controleer tabelnummer en filter (gemeentecode, peiljaar); een bestaand "
            "bestand is niet overschreven.",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            df.to_csv(fh, index=False)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates the file with mode 0600; keep the usual permissions.
        os.chmod(tmp, file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def fetch_kwb(table_id: str, gemeente: str, **kwargs: Any) -> pd.DataFrame:
    """KWB rows of one gemeente (GM, WK, BU) with the region names added as ``Naam``.

    Parameters
    ----------
    table_id
        KWB table id of the data year, e.g. ``"85984NED"``.
    gemeente
        Gemeente code.
    **kwargs
        Connection settings passed to :func:`fetch_table`.

    Returns
    -------
    pandas.DataFrame
        The raw rows in the "onbewerkte dataset" layout plus ``Naam`` (the title
        of the WijkenEnBuurten dimension, which the data set itself lacks).

    Raises
    ------
    WijkscanError
        When the gemeente does not exist in this table; the message lists similar codes.
    """
    rows = fetch_table(table_id, filters=kwb_filter([gemeente]), **kwargs)
    keys = rows["WijkenEnBuurten"].astype(str).str.strip() if len(rows) else pd.Series(dtype=str)
    if not (keys == gemeente).any():
        dim = fetch_table(
            table_id, entity="WijkenEnBuurten", filters="startswith(Key,'GM')", **kwargs
        )
        existing = sorted(dim["Key"].astype(str).str.strip()) if len(dim) else []
        close = fmt.lijkende_codes(gemeente, existing)
        raise WijkscanError(
            f"Gemeente {gemeente} komt niet voor in CBS-tabel {table_id}.",
            waar=f"config 'gemeenten' ({len(existing)} gemeenten in deze tabel)",
            oplossing=(f"Bedoelt u {', '.join(close)}? " if close else "")
            + "Controleer de code en het peiljaar: bij een herindeling krijgt een gemeente "
            "een nieuwe code.",
        )
    dim_filter = kwb_filter([gemeente]).replace("WijkenEnBuurten", "Key")
    dim = fetch_table(table_id, entity="WijkenEnBuurten", filters=dim_filter, **kwargs)
    titles = dict(
        zip(dim["Key"].astype(str).str.strip(), dim["Title"].astype(str).str.strip(), strict=True)
    )
    rows["Naam"] = keys.map(titles).fillna(keys)
    return rows
