"""The ``cbsodata`` client made safe: keys instead of titles, one scheme per block, failures sorted.

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
  "premature EOF"). cbsodata itself never retries; :func:`classify_failure` tells
  which failures another attempt may fix: connection errors, time-outs, HTTP
  5xx/429 and unparsable JSON; an unknown table (HTTP 404) or a bad query (HTTP
  400) is not retried.
* ``cbsodata.options.use_https`` is module global state; :func:`cbsodata_options`
  sets and restores it under a lock so threads in one process do not silently
  talk to the wrong scheme.
* cbsodata downloads through the *bulk feed* (``/ODataFeed/odata/<id>/``). The
  feed pages with ``odata.nextLink`` (10,000 rows per page, ``$skip``) and has no
  total limit. The interactive API (``/ODataApi/``) refuses queries above 10,000
  cells with HTTP 500 "query returns more than 10000 records"; we detect that
  text and do not retry it.

The retries themselves: :func:`pipeline.ingest.cbs.fetch_table` with
:func:`pipeline.ingest.pogingen.retry`.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import requests
from cbsodata import cbsodata3

from pipeline.errors import WijkscanError
from pipeline.ingest.pogingen import Permanent

__all__ = ["FEED", "cbsodata_options", "check_rows", "classify_failure", "download_entity"]

#: Path segment cbsodata 1.3.5 uses for data requests (the bulk feed).
FEED = "ODataFeed/odata"

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


# --------------------------------------------------------------------------- fetch


def download_entity(
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


def check_rows(rows: Any) -> None:
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


def classify_failure(
    exc: BaseException, *, table_id: str, host: str, where: str, filters: str | None
) -> str:
    """Describe a retryable failure; raise :class:`Permanent` or re-raise any other error."""
    if isinstance(exc, WijkscanError):
        raise Permanent(exc)
    if isinstance(exc, requests.HTTPError):
        response = _response_of(exc)
        status = response.status_code if response is not None else None
        detail = _server_message(response) if response is not None else str(exc)
        if status == 404:
            raise Permanent(
                WijkscanError(
                    f"CBS-tabel {table_id} bestaat niet in de catalogus {host} (HTTP 404).",
                    waar=where,
                    oplossing="Controleer het tabelnummer in de configuratie (cbs.*_tabel, "
                    "cbs.kwb_tabellen). Tabellen van derden, zoals RIVM 50150NED, staan in "
                    "de catalogus cbs.derden_url (dataderden.cbs.nl).",
                )
            )
        if status is not None and any(m in detail for m in _TOO_LARGE_MARKERS):
            raise Permanent(
                WijkscanError(
                    f"CBS weigert de vraag aan tabel {table_id}: te veel cellen ({detail}).",
                    waar=where,
                    oplossing="Beperk de selectie met een filter op gemeente (kwb_filter/"
                    "region_filter) of minder kolommen.",
                )
            )
        if status in _RETRY_STATUS or (status is not None and status >= 500):
            return f"HTTP {status}: {detail}"
        raise Permanent(
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
