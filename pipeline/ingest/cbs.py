"""Robust access to CBS StatLine tables (OData v3) through the ``cbsodata`` client.

Why a wrapper around :mod:`cbsodata`:

* ``cbsodata.get_data`` replaces every dimension *key* by its *title*: region
  codes such as ``'BU02260101'`` become buurt names, which are not unique
  ("Centrum" exists in dozens of gemeenten) and cannot be mapped back. We need
  the keys, so we download the data set through cbsodata's lower level
  ``_download_metadata`` (one request chain, no title replacement).
* ``cbsodata.download_data`` (the public raw function) has its ``typed`` flag
  inverted in 1.3.5: ``typed=False`` removes ``UntypedDataSet`` from the list
  and downloads ``TypedDataSet``. Asking for the entity set by name avoids that.
* The CBS servers regularly reset connections or cut responses short
  (cbsodata issue #5, cbsodataR issue #17: "Connection reset by peer",
  "premature EOF"). cbsodata itself never retries, so we do: connection errors,
  time-outs, HTTP 5xx/429 and unparsable JSON are retried with exponential
  back-off; an unknown table (HTTP 404) or a bad query (HTTP 400) is not.
* ``cbsodata.options.use_https`` is module global state; :func:`cbsodata_options`
  sets and restores it under a lock so threads in one process do not silently
  talk to the wrong scheme.

CBS quirks that callers must know:

* cbsodata downloads through the *bulk feed* (``/ODataFeed/odata/<id>/``). The
  feed pages with ``odata.nextLink`` (10,000 rows per page, ``$skip``) and has no
  total limit. The interactive API (``/ODataApi/``) refuses queries above 10,000
  cells with HTTP 500 "query returns more than 10000 records"; we detect that
  text and do not retry it.
* Dimension keys are right-padded with spaces: ``'GM0226    '`` in
  ``WijkenEnBuurten`` (10 characters), ``'NL01  '`` in ``RegioS`` (6). ``eq``
  compares the padded key, so ``WijkenEnBuurten eq 'GM0226'`` silently returns
  nothing. :func:`region_filter` pads for you; ``startswith`` needs no padding.
* Keys are returned exactly as CBS sends them (padded); stripping happens in
  processing (:mod:`pipeline.ingest.kwb`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from cbsodata import cbsodata3

from pipeline.errors import WijkscanError
from pipeline.io import file_mode, fsync_dir
from pipeline.present import fmt

__all__ = [
    "KEY_WIDTHS",
    "cbsodata_options",
    "fetch_table",
    "kwb_filter",
    "region_filter",
    "write_csv_atomic",
]

log = logging.getLogger(__name__)

#: Width to which CBS right-pads the keys of common region dimensions. Needed for
#: ``eq`` comparisons, which compare the padded key.
KEY_WIDTHS: dict[str, int] = {
    "WijkenEnBuurten": 10,
    "RegioS": 6,
    "Regions": 6,
}

#: Path segment cbsodata 1.3.5 uses for data requests (the bulk feed).
_FEED = "ODataFeed/odata"

_TABLE_ID_RE = re.compile(r"^[0-9A-Za-z_]{4,20}$")
_GEMEENTE_RE = re.compile(r"^GM\d{4}$")
_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOO_LARGE_MARKERS = ("more than 10000", "10000 records", "10.000")
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


# --------------------------------------------------------------------------- options


class _SchemeGate:
    """Shared/exclusive gate around ``cbsodata.options.use_https``.

    Any number of threads may run while they all want the same scheme; a thread
    that needs the other scheme waits until they are done. The original value is
    restored when the last user leaves.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active: bool | None = None
        self._users = 0
        self._saved: Any = None
        self._held = threading.local()

    @contextlib.contextmanager
    def use(self, use_https: bool) -> Iterator[None]:
        depth = getattr(self._held, "depth", 0)
        with self._cond:
            if depth and self._active != use_https:
                # Waiting here would wait for ourselves.
                raise RuntimeError("cbsodata_options: nested block with a different scheme")
            while self._users and self._active != use_https:
                self._cond.wait()
            if self._users == 0:
                self._saved = cbsodata3.options.use_https
                self._active = use_https
                if cbsodata3.options.use_https != use_https:
                    cbsodata3.options.use_https = use_https
            self._users += 1
        self._held.depth = depth + 1
        try:
            yield
        finally:
            self._held.depth = depth
            with self._cond:
                self._users -= 1
                if self._users == 0:
                    if cbsodata3.options.use_https != self._saved:
                        cbsodata3.options.use_https = self._saved
                    self._active = None
                    self._cond.notify_all()


_GATE = _SchemeGate()


@contextlib.contextmanager
def cbsodata_options(*, use_https: bool) -> Iterator[None]:
    """Temporarily set ``cbsodata.options.use_https``, thread-safely.

    cbsodata has no per-call scheme argument, only the global option. Threads
    that go through this context manager never see each other's value: threads
    wanting the same scheme run concurrently, a thread wanting the other scheme
    waits. The previous value is restored afterwards, also after an exception.

    Parameters
    ----------
    use_https
        Scheme for requests made inside the block.

    Notes
    -----
    Code that changes ``cbsodata.options`` directly (not through this function)
    while a block is active is not protected. Nesting a block with the other
    scheme in the same thread raises RuntimeError instead of deadlocking. The
    catalog host is never set globally: :func:`fetch_table` passes it per call
    (``catalog_url``).
    """
    with _GATE.use(use_https):
        yield


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
    bad = [c for c in codes if not _GEMEENTE_RE.match(c)]
    if not codes or bad:
        raise WijkscanError(
            "Ongeldige of ontbrekende gemeentecode(s) voor het CBS-filter"
            + (f": {', '.join(map(repr, bad))}." if bad else "."),
            waar="config 'gemeenten'",
            oplossing="Gebruik CBS-gemeentecodes: GM gevolgd door 4 cijfers, bijvoorbeeld GM0226.",
        )
    return list(dict.fromkeys(codes))


# --------------------------------------------------------------------------- fetch


class _Permanent(Exception):
    """A failure that another attempt cannot fix (404, 400, too large)."""

    def __init__(self, error: WijkscanError) -> None:
        super().__init__(str(error))
        self.error = error


def fetch_table(
    table_id: str,
    *,
    filters: str | None = None,
    select: list[str] | None = None,
    api_url: str = "opendata.cbs.nl",
    catalog_url: str | None = None,
    use_https: bool = True,
    timeout: float = 60,
    retries: int = 4,
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
    attempts = max(1, int(retries))
    host = (catalog_url or api_url).strip().rstrip("/")
    for prefix in ("https://", "http://"):
        if host.lower().startswith(prefix):
            host = host[len(prefix) :]
    entity = entity or ("TypedDataSet" if typed else "UntypedDataSet")
    scheme = "https" if use_https else "http"
    url = f"{scheme}://{host}/{_FEED}/{table_id}/{entity}"
    where = url + (f"?$filter={filters}" if filters else "")

    last = ""
    for attempt in range(1, attempts + 1):
        started = time.monotonic()
        try:
            with cbsodata_options(use_https=use_https):
                rows = _download_entity(table_id, entity, host, filters, select, timeout)
            _check_rows(rows)
        except Exception as exc:  # classified below; unknown errors are re-raised
            try:
                last = _classify(exc, table_id=table_id, host=host, where=where, filters=filters)
            except _Permanent as perm:
                raise perm.error from exc
            if attempt == attempts:
                raise WijkscanError(
                    f"Downloaden van CBS-tabel {table_id} is mislukt na {attempts} "
                    f"poging(en). Laatste fout: {last}",
                    waar=where,
                    oplossing="Controleer de internetverbinding. CBS is soms tijdelijk "
                    "onbereikbaar: probeer het later opnieuw of gebruik bron: lokaal met een "
                    "zelf gedownloade CSV ('onbewerkte dataset').",
                ) from exc
            delay = backoff * 2 ** (attempt - 1)
            log.warning(
                "CBS-tabel %s, poging %d/%d mislukt na %.1f s (%s); nieuwe poging over %.1f s",
                table_id,
                attempt,
                attempts,
                time.monotonic() - started,
                last,
                delay,
            )
            time.sleep(delay)
            continue
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
    raise AssertionError("unreachable")  # pragma: no cover


def _download_entity(
    table_id: str,
    entity: str,
    host: str,
    filters: str | None,
    select: list[str] | None,
    timeout: float,
) -> list[dict[str, Any]]:
    # The private helper is the only cbsodata entry point that downloads one
    # entity set with $filter/$select and nextLink paging *without* replacing
    # keys by titles. Fail loudly if a future cbsodata renames it.
    download = getattr(cbsodata3, "_download_metadata", None)
    if download is None:  # pragma: no cover - only with an incompatible cbsodata
        raise WijkscanError(
            "De geïnstalleerde versie van cbsodata wordt niet ondersteund "
            "(cbsodata3._download_metadata ontbreekt).",
            oplossing="Installeer cbsodata 1.3.x (pip install 'cbsodata>=1.3.5,<1.4').",
        )
    # requests' timeout goes through **kwargs to Session.send; catalog_url is
    # passed per call so the global catalog option is never touched.
    return download(
        table_id,
        entity,
        select=select,
        filters=filters,
        catalog_url=host,
        timeout=timeout,
    )


def _check_rows(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError("antwoord bevat geen lijst met rijen ('value')")


def _response_of(exc: BaseException) -> requests.Response | None:
    # cbsodata re-raises HTTP errors as a *new* requests.HTTPError without the
    # response; the original (with status and body) is in __cause__.
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        response = getattr(cur, "response", None)
        if response is not None:
            return response
        cur = cur.__cause__ or cur.__context__
    return None


def _server_message(response: requests.Response) -> str:
    try:
        body = response.json()
        msg = body["odata.error"]["message"]
        return str(msg.get("value", msg) if isinstance(msg, dict) else msg)
    except Exception:  # body is not OData JSON
        return response.text[:200].strip()


def _classify(
    exc: BaseException, *, table_id: str, host: str, where: str, filters: str | None
) -> str:
    """Describe a retryable failure, raise :class:`_Permanent` or re-raise unknown errors."""
    if isinstance(exc, WijkscanError):
        raise _Permanent(exc)
    if isinstance(exc, requests.HTTPError):
        response = _response_of(exc)
        status = response.status_code if response is not None else None
        detail = _server_message(response) if response is not None else str(exc)
        if status == 404:
            raise _Permanent(
                WijkscanError(
                    f"CBS-tabel {table_id} bestaat niet in de catalogus {host} (HTTP 404).",
                    waar=where,
                    oplossing="Controleer het tabelnummer in de configuratie (cbs.*_tabel, "
                    "cbs.kwb_tabellen). Tabellen van derden, zoals RIVM 50150NED, staan in "
                    "de catalogus cbs.derden_url (dataderden.cbs.nl).",
                )
            )
        if status is not None and any(m in detail for m in _TOO_LARGE_MARKERS):
            raise _Permanent(
                WijkscanError(
                    f"CBS weigert de vraag aan tabel {table_id}: te veel cellen ({detail}).",
                    waar=where,
                    oplossing="Beperk de selectie met een filter op gemeente (kwb_filter/"
                    "region_filter) of minder kolommen.",
                )
            )
        if status in _RETRY_STATUS or (status is not None and status >= 500):
            return f"HTTP {status}: {detail}"
        raise _Permanent(
            WijkscanError(
                f"CBS weigert de vraag aan tabel {table_id} (HTTP {status}): {detail}",
                waar=where,
                oplossing="Controleer filter en kolomnamen"
                + (f" (filter: {filters})" if filters else "")
                + ". Filteren kan alleen op dimensies (zoals WijkenEnBuurten, RegioS).",
            )
        )
    if isinstance(exc, requests.Timeout):
        return f"time-out ({exc.__class__.__name__})"
    if isinstance(exc, requests.RequestException):
        # ConnectionError (reset, refused, dropped), ChunkedEncodingError (body cut
        # short), ContentDecodingError, ...
        return f"verbindingsfout ({exc.__class__.__name__}: {_short(exc)})"
    if isinstance(exc, (json.JSONDecodeError, ValueError, KeyError, TypeError)):
        # cbsodata does json.loads(r.text) and res["value"]: a truncated or
        # non-OData body ends up here.
        return f"ongeldig antwoord van CBS ({exc.__class__.__name__}: {_short(exc)})"
    raise exc


def _short(exc: BaseException, limit: int = 160) -> str:
    text = str(exc).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


# --------------------------------------------------------------------------- bulk (v4)

#: Where CBS serves the complete table as a zip of ``;``-separated CSV files (OData v4
#: distribution): ``Observations.csv`` plus ``<Dimensie>Codes.csv``, ``MeasureCodes.csv``,
#: ``Dimensions.csv``. Since August 2023 03759ned can no longer be queried through the
#: OData v3 API; this download is the only online route (docs/invoerformaten.md, section 1).
BULK_CSV_URL = "https://datasets.cbs.nl/csv/CBS/nl/{tabel}"

_BULK_LOCK = threading.Lock()


def bulk_url(template: str, tabel: str, *, use_https: bool = True) -> str:
    """Fill in the table id of the bulk-download URL (config ``cbs.bulk_url``).

    A URL without scheme gets ``https://`` (``http://`` when ``use_https`` is False,
    only for the tests' loopback server).
    """
    url = template.format(tabel=tabel)
    if "://" not in url:
        url = ("https://" if use_https else "http://") + url
    return url


def _read_codes(zf: Any, name: str) -> pd.DataFrame:
    import io

    with zf.open(name) as raw:
        return pd.read_csv(
            io.TextIOWrapper(raw, encoding="utf-8-sig"),
            sep=";",
            dtype=str,
            keep_default_na=False,
        )


def bulk_zip_path(cache: Path, tabel: str) -> Path:
    """Where the bulk download of ``tabel`` is kept in ``cache``."""
    return Path(cache) / f"{tabel}_csv.zip"


def read_bulk_rows(
    zip_path: Path, *, regio: str | Iterable[str], periode: str, maat: str | None = None
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], str]:
    """Stream ``Observations.csv`` of a CBS bulk zip and keep some regions and one period.

    The full 03759ned is large (all regions and years since 1988), so the member is read
    row by row; only the matching rows and the small codes files are held in memory.

    Parameters
    ----------
    zip_path
        The downloaded zip.
    regio
        ``RegioS`` code, e.g. ``'GM0226'``, or several (compared after stripping); all
        are read in one pass over the file.
    periode
        ``Perioden`` code, e.g. ``'2024JJ00'``.
    maat
        Measure code to keep; default: "Bevolking op 1 januari" from ``MeasureCodes.csv``.

    Returns
    -------
    tuple
        ``(rows, codes, maat)``: the matching rows (text), dimension name -> codes file,
        and the measure code used.

    Raises
    ------
    WijkscanError
        When the zip lacks ``Observations.csv`` or its header lacks ``RegioS``/``Perioden``.
    """
    import csv
    import io
    import zipfile

    from pipeline.ingest.cbs_tables import maat_bevolking

    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        codes = {
            n[: -len("Codes.csv")]: _read_codes(zf, n)
            for n in names
            if n.endswith("Codes.csv") and n != "MeasureCodes.csv"
        }
        if maat is None:
            if "MeasureCodes.csv" not in names:
                raise WijkscanError(
                    f"MeasureCodes.csv ontbreekt in {zip_path.name}.",
                    waar=str(zip_path),
                    oplossing="Verwijder het bestand zodat het opnieuw wordt gedownload.",
                )
            maat = maat_bevolking(_read_codes(zf, "MeasureCodes.csv"), zip_path.name)
        with zf.open("Observations.csv") as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig"), delimiter=";")
            header = next(reader)
            missing = [c for c in ("RegioS", "Perioden", "Measure") if c not in header]
            if missing:
                raise WijkscanError(
                    f"Kolom(men) {', '.join(missing)} ontbreken in Observations.csv.",
                    waar=f"{zip_path.name}; kolommen: {', '.join(header[:12])}",
                    oplossing="Controleer het tabelnummer (cbs.bevolking_tabel).",
                )
            i_regio, i_per, i_maat = (header.index(c) for c in ("RegioS", "Perioden", "Measure"))
            wanted = {regio.strip()} if isinstance(regio, str) else {str(r).strip() for r in regio}
            kept = [
                row
                for row in reader
                if len(row) == len(header)
                and row[i_per].strip() == periode
                and row[i_regio].strip() in wanted
                and row[i_maat].strip() == maat
            ]
    return pd.DataFrame(kept, columns=header, dtype=str), codes, maat


def fetch_bulk_03759ned(
    tabel: str,
    gemeente: str,
    jaar: int,
    *,
    cache: Path,
    url: str = BULK_CSV_URL,
    use_https: bool = True,
    timeout: float = 60,
    retries: int = 4,
    backoff: float = 2.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """03759ned rows of one gemeente and year from the CBS bulk download.

    The zip is downloaded once (streamed to disk, retried with back-off, atomically put
    in place by :func:`pipeline.ingest.download.download_file`) into ``cache`` and shared by all
    gemeenten. When the cached zip lacks the requested year (CBS added it after the
    download), it is downloaded again once.

    Parameters
    ----------
    tabel
        Table id, ``'03759ned'``.
    gemeente, jaar
        Gemeente code and year of 1 January.
    cache
        Folder for the zip (e.g. ``data/raw/cbs/.bulk``).
    url
        URL template with ``{tabel}`` (config ``cbs.bulk_url``).
    use_https, timeout, retries, backoff
        Connection settings, as for :func:`fetch_table`.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(rows, leeftijd_dim)`` in the UntypedDataSet layout of
        :func:`pipeline.ingest.cbs_tables.parse_03759ned`.

    Raises
    ------
    WijkscanError
        Download failures (after the retries), an unusable zip, or no rows for this
        gemeente and year in a fresh download.
    """
    from pipeline.ingest.cbs_tables import bulk_naar_untyped
    from pipeline.ingest.download import download_file, validate_zip

    full = bulk_url(url, tabel, use_https=use_https)
    dest = bulk_zip_path(cache, tabel)

    def download() -> None:
        download_file(
            full,
            dest,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            validate=lambda p: validate_zip(p, ("Observations.csv",)),
            oplossing="Controleer cbs.bulk_url en cbs.bevolking_tabel in de configuratie, "
            "of download 03759ned zelf en gebruik bron: lokaal.",
        )

    periode = f"{int(jaar)}JJ00"
    with _BULK_LOCK:  # gemeenten built in parallel threads share one download
        fresh = not dest.is_file()
        if fresh:
            download()
        obs, codes, maat = read_bulk_rows(dest, regio=gemeente, periode=periode)
        if obs.empty and not fresh:
            log.info(
                "%s: geen rijen voor %s %s in de bewaarde download; opnieuw",
                tabel,
                gemeente,
                periode,
            )
            download()
            obs, codes, maat = read_bulk_rows(dest, regio=gemeente, periode=periode)
    if obs.empty:
        raise WijkscanError(
            f"Geen bevolkingscijfers voor {gemeente} op 1 januari {jaar} in de CBS-download "
            f"van {tabel}.",
            waar=full,
            oplossing="Controleer gemeentecode en peiljaar: bestaat de gemeente in dat jaar "
            "(herindelingen) en heeft CBS dat jaar al gepubliceerd?",
        )
    return bulk_naar_untyped(obs, codes, maat, bron=f"{tabel} (download {dest.name})")
