"""Loopback HTTP server that speaks enough CBS OData v3 for the *unmodified* cbsodata client.

Usage::

    table = Table("85984NED", data=df, dimensions=[Dimension("WijkenEnBuurten", entries)])
    with ODataServer([table]) as server:
        cbsodata.options.use_https = False          # or pipeline.ingest.cbs.fetch_table(use_https=False)
        rows = cbsodata.get_data("85984NED", catalog_url=server.host)

What is emulated (details checked against cbsodata 1.3.5 and public CBS material):

* Both services of a table: ``/ODataApi/odata/<id>/`` (interactive API) and
  ``/ODataFeed/odata/<id>/`` (bulk feed, used by cbsodata). Path matching is
  case-insensitive for the service, ``odata`` and the table id; entity set names
  are case-sensitive as in OData.
* The table root document (``{"odata.metadata": ..., "value": [{"name", "url"}]}``),
  ``TableInfos``, ``DataProperties`` (``odata.type`` ``Cbs.OData.<Type>``),
  ``CategoryGroups`` (empty), one entity set per dimension (``Key``, ``Title``,
  ``Description``, ``CategoryGroupID``), ``UntypedDataSet`` and ``TypedDataSet``,
  and the catalog ``/ODataCatalog/Tables``.
* ``UntypedDataSet`` delivers numbers as right-aligned strings and missing values
  as ``'.'`` (e.g. ``'   183.3'``), ``TypedDataSet`` as JSON numbers and ``null``;
  ``ID`` is an integer in both. Dimension keys are served exactly as given, so
  padded keys (``'GM0226    '``) stay padded.
* ``$filter`` with ``eq ne gt ge lt le``, ``and or not``, parentheses, string and
  number literals (``''`` escapes a quote) and the functions ``startswith``,
  ``endswith``, ``substringof``, ``substring``, ``tolower``, ``toupper``,
  ``trim``, ``length``. Comparisons are exact: ``WijkenEnBuurten eq 'GM0226'``
  does not match the padded key, as on CBS.
* ``$select`` (comma separated, spaces allowed, ``*``), ``$top``, ``$skip``.
* Limits: the feed pages with ``odata.nextLink`` (``$skip`` steps of
  ``feed_page_rows``, 10,000 rows like CBS; the link repeats ``$format``,
  ``$filter`` and ``$select``). The interactive API answers HTTP 500
  ``query returns more than 10000 records`` when a data set response would
  exceed ``api_cell_limit`` cells (rows x selected columns); ``$top``/``$skip``
  can be used to stay below it.
* Errors use the OData v3 JSON error body ``{"odata.error": {"code", "message":
  {"lang", "value"}}}``: 404 for an unknown table or entity set, 400 for filter
  syntax errors, unknown properties and unsupported query options.

Known deviations from the real service:

* Only JSON is produced (CBS serves Atom XML when ``$format=json`` is absent);
  ``$metadata`` is not implemented (HTTP 501); ``$orderby``, ``$expand``,
  ``$inlinecount`` and ``$count`` are rejected with HTTP 400.
* ``$filter`` on data sets is restricted to dimensions and ``ID``; a filter on a
  topic is rejected with HTTP 400. Public reports say CBS answers such a filter
  with HTTP 500 "query returns more than 10000 records" on the API; the exact
  behaviour on the feed is unknown.
* The exact body/status CBS uses for an unknown table id is not documented;
  this server answers 404 with an OData error.
* Whether the API limit counts cells or records is ambiguous (CBS documents
  10,000 *cells*, the error text says *records*); cells are counted here.

Fault injection (:meth:`ODataServer.inject`) applies to the first ``times``
matching requests (``None`` = every request): ``drop`` (close without a
response), ``reset`` (TCP RST), ``http500``/``http503`` (OData error body),
``truncate`` (200 with a correct ``Content-Length`` but only half of the JSON),
``short`` (``Content-Length`` of the full body, half sent, connection closed) and
``slow`` (wait ``delay`` seconds, then answer normally; for time-outs).

The server binds to 127.0.0.1 only and is host-agnostic (``Host`` header is used
for generated links), so a second instance can play ``dataderden.cbs.nl``.
Static files for download tests can be served with :meth:`ODataServer.add_file`.

Bulk downloads (OData v4 distribution, ``https://datasets.cbs.nl/csv/CBS/nl/<id>``):
since August 2023 03759ned is only available this way. :func:`bulk_zip` builds the
zip as CBS serves it (checked against two public readers of the real file: a GGD R
script reading ``Observations.csv`` of 03759ned, and a pipeline that streams these
zips): ``;``-separated UTF-8 CSV members ``Observations.csv`` (``Id``, ``Measure``,
``ValueAttribute``, ``Value``, ``StringValue`` and one column per dimension, keys
*not* padded), ``MeasureCodes.csv``, ``Dimensions.csv`` and ``<Dimensie>Codes.csv``
(``Identifier``, ``Index``, ``Title``, ...). :meth:`ODataServer.add_bulk` serves it at
``/csv/CBS/nl/<id>`` (path case-insensitive, like ``/CSV/CBS/nl/<id>`` in the wild).
Not verified: the column order of the members, the ``ValueAttribute`` text of an
empty cell (``Missing`` here) and the code of the second 03759ned measure.
"""

from __future__ import annotations

import json
import math
import re
import socket
import struct
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pandas as pd

__all__ = [
    "API_CELL_LIMIT",
    "bulk_zip",
    "FAULT_MODES",
    "FEED_PAGE_ROWS",
    "Dimension",
    "ODataServer",
    "RequestRecord",
    "Table",
    "evaluate_filter",
]

#: Rows per page of the bulk feed (CBS: ``$skip`` advances by 10,000).
FEED_PAGE_ROWS = 10_000
#: Maximum cells of one interactive-API data set response (CBS: 10,000).
API_CELL_LIMIT = 10_000
FAULT_MODES = ("drop", "reset", "http500", "http503", "truncate", "short", "slow")

_SERVICES = {"odataapi": "ODataApi", "odatafeed": "ODataFeed"}
_DATASETS = ("UntypedDataSet", "TypedDataSet")
_SUPPORTED_OPTIONS = frozenset({"$format", "$filter", "$select", "$top", "$skip"})
_JSON_TYPE = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"
_DIM_KINDS = frozenset({"Dimension", "GeoDimension", "GeoDetail", "TimeDimension"})


class ODataError(Exception):
    """An error answered with an OData v3 JSON error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# =========================================================================== filter


_TOKEN_RE = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)(?![A-Za-z_])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[(),]))"
)
_CMP_OPS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})


def _tokenize(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        m = _TOKEN_RE.match(text, pos)
        if m is None or m.end() == pos:
            raise ODataError(400, f"Syntax error at position {pos} in '{text}'.")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Parser:
    """Recursive descent parser for the OData v3 ``$filter`` subset CBS users need."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def parse(self) -> tuple:
        if not self.tokens:
            raise ODataError(400, "Empty $filter expression.")
        node = self._or()
        if self.i != len(self.tokens):
            raise ODataError(400, f"Unexpected token {self.tokens[self.i][1]!r} in '{self.text}'.")
        return node

    def _peek(self) -> tuple[str | None, Any]:
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def _is_word(self, *words: str) -> bool:
        kind, value = self._peek()
        return kind == "name" and str(value).lower() in words

    def _take(self) -> tuple[str | None, Any]:
        tok = self._peek()
        if tok[0] is None:
            raise ODataError(400, f"Unexpected end of expression in '{self.text}'.")
        self.i += 1
        return tok

    def _expect(self, value: str) -> None:
        kind, got = self._take()
        if kind != "punct" or got != value:
            raise ODataError(400, f"Expected '{value}' but found {got!r} in '{self.text}'.")

    def _or(self) -> tuple:
        node = self._and()
        while self._is_word("or"):
            self.i += 1
            node = ("or", node, self._and())
        return node

    def _and(self) -> tuple:
        node = self._unary()
        while self._is_word("and"):
            self.i += 1
            node = ("and", node, self._unary())
        return node

    def _unary(self) -> tuple:
        if self._is_word("not"):
            self.i += 1
            return ("not", self._unary())
        left = self._operand()
        if self._is_word(*_CMP_OPS):
            op = str(self._take()[1]).lower()
            return ("cmp", op, left, self._operand())
        return left

    def _operand(self) -> tuple:
        kind, value = self._take()
        if kind == "punct" and value == "(":
            node = self._or()
            self._expect(")")
            return node
        if kind == "str":
            return ("lit", value[1:-1].replace("''", "'"))
        if kind == "num":
            return ("lit", float(value) if "." in value else int(value))
        if kind == "name":
            low = value.lower()
            if low in ("true", "false"):
                return ("lit", low == "true")
            if low == "null":
                return ("lit", None)
            if self._peek() == ("punct", "("):
                self.i += 1
                args: list[tuple] = []
                if self._peek() != ("punct", ")"):
                    args.append(self._or())
                    while self._peek() == ("punct", ","):
                        self.i += 1
                        args.append(self._or())
                self._expect(")")
                return ("call", low, args)
            return ("field", value)
        raise ODataError(400, f"Unexpected token {value!r} in '{self.text}'.")


def _needs_str(name: str, *values: Any) -> None:
    for v in values:
        if not isinstance(v, str):
            raise ODataError(400, f"Function '{name}' expects string arguments, got {v!r}.")


def _substring(s: str, start: int, length: int | None = None) -> str:
    return s[int(start) :] if length is None else s[int(start) : int(start) + int(length)]


_FUNCS: dict[str, tuple[tuple[int, ...], Any]] = {
    "startswith": ((2,), lambda s, p: s.startswith(p)),
    "endswith": ((2,), lambda s, p: s.endswith(p)),
    # OData v3: substringof(needle, haystack), arguments in that order.
    "substringof": ((2,), lambda needle, hay: needle in hay),
    "substring": ((2, 3), _substring),
    "tolower": ((1,), str.lower),
    "toupper": ((1,), str.upper),
    "trim": ((1,), str.strip),
    "length": ((1,), len),
}
_STR_ARGS = {"startswith": 2, "endswith": 2, "substringof": 2, "substring": 1}


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "eq":
        return a == b
    if op == "ne":
        return a != b
    if a is None or b is None:
        return False
    try:
        if op == "gt":
            return a > b
        if op == "ge":
            return a >= b
        if op == "lt":
            return a < b
        return a <= b
    except TypeError as exc:
        raise ODataError(400, f"Cannot compare {a!r} and {b!r} with '{op}'.") from exc


def _eval(node: tuple, frame: pd.DataFrame, fields: set[str] | None) -> list[Any]:
    """Evaluate ``node`` row by row; returns one value per row of ``frame``."""
    n = len(frame)
    kind = node[0]
    if kind == "lit":
        return [node[1]] * n
    if kind == "field":
        name = node[1]
        if name not in frame.columns:
            raise ODataError(400, f"Could not find a property named '{name}'.")
        if fields is not None and name not in fields:
            raise ODataError(
                400,
                f"Filter on '{name}' is not supported: CBS data sets can only be "
                "filtered on dimensions.",
            )
        return frame[name].tolist()
    if kind == "not":
        return [not bool(v) for v in _eval(node[1], frame, fields)]
    if kind in ("and", "or"):
        left = _eval(node[1], frame, fields)
        right = _eval(node[2], frame, fields)
        if kind == "and":
            return [bool(a) and bool(b) for a, b in zip(left, right, strict=True)]
        return [bool(a) or bool(b) for a, b in zip(left, right, strict=True)]
    if kind == "cmp":
        op = node[1]
        left = _eval(node[2], frame, fields)
        right = _eval(node[3], frame, fields)
        return [_compare(op, a, b) for a, b in zip(left, right, strict=True)]
    if kind == "call":
        name, args = node[1], node[2]
        if name not in _FUNCS:
            raise ODataError(400, f"Unknown function '{name}'.")
        arity, fn = _FUNCS[name]
        if len(args) not in arity:
            raise ODataError(400, f"Function '{name}' takes {arity} arguments, got {len(args)}.")
        columns = [_eval(a, frame, fields) for a in args]
        n_str = _STR_ARGS.get(name, len(args))
        out: list[Any] = []
        for row in zip(*columns, strict=True):
            if any(v is None for v in row):
                out.append(None)  # null propagates, as in OData
                continue
            _needs_str(name, *row[:n_str])
            out.append(fn(*row))
        return out
    raise ODataError(400, f"Unsupported expression {node!r}.")  # pragma: no cover


def evaluate_filter(
    expression: str, frame: pd.DataFrame, fields: Iterable[str] | None = None
) -> pd.Series:
    """Evaluate an OData ``$filter`` on ``frame``.

    Parameters
    ----------
    expression
        The filter text, e.g. ``"startswith(WijkenEnBuurten,'GM0226') or ID eq 3"``.
    frame
        Rows to test (object values; ``None`` is OData null).
    fields
        Columns that may be referenced; ``None`` allows all.

    Returns
    -------
    pandas.Series
        Boolean mask aligned with ``frame``.

    Raises
    ------
    ODataError
        HTTP 400 for syntax errors, unknown properties or disallowed fields.
    """
    tree = _Parser(expression).parse()
    allowed = set(fields) if fields is not None else None
    values = _eval(tree, frame, allowed)
    return pd.Series([v is True for v in values], index=frame.index, dtype=bool)


# =========================================================================== model


def _clean(value: Any) -> Any:
    """Turn pandas/numpy scalars into JSON-ready Python values (NaN -> None)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _object_frame(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    rows = [[_clean(r.get(c)) for c in columns] for r in records]
    return pd.DataFrame(rows, columns=list(columns), dtype=object)


@dataclass
class Dimension:
    """A CBS dimension (entity set with ``Key`` and ``Title``).

    Parameters
    ----------
    name
        Dimension key, also the column name in the data, e.g. ``"WijkenEnBuurten"``.
    entries
        Rows with at least ``Key`` and ``Title`` (keys exactly as CBS pads them);
        ``Description`` and ``CategoryGroupID`` default to null.
    kind
        ``Dimension``, ``GeoDimension`` (e.g. RegioS), ``GeoDetail`` (KWB
        WijkenEnBuurten) or ``TimeDimension`` (Perioden).
    title
        Title in DataProperties; defaults to ``name``.
    """

    name: str
    entries: Sequence[Mapping[str, Any]] | pd.DataFrame
    kind: str = "Dimension"
    title: str | None = None

    def frame(self) -> pd.DataFrame:
        """Entries as an object DataFrame with the standard CBS columns first."""
        if isinstance(self.entries, pd.DataFrame):
            records = self.entries.to_dict("records")
        else:
            records = [dict(e) for e in self.entries]
        extra = [c for r in records for c in r if c not in ("Key", "Title", "Description")]
        columns = ["Key", "Title", "Description", *dict.fromkeys(extra)]
        if "CategoryGroupID" not in columns:
            columns.append("CategoryGroupID")
        return _object_frame(records, columns)


@dataclass
class Table:
    """A CBS table served by :class:`ODataServer`.

    Parameters
    ----------
    table_id
        Identifier such as ``"85984NED"`` (matched case-insensitively).
    data
        One row per observation: a column per dimension holding *keys* exactly as
        CBS sends them, and a column per topic (numbers or strings; NaN = missing).
        An ``ID`` column (0..n-1) is added when absent.
    dimensions
        Definitions of the dimension columns; every key in the data must exist.
    title, catalog, period
        Used in TableInfos and the catalog listing.
    """

    table_id: str
    data: pd.DataFrame
    dimensions: Sequence[Dimension] = ()
    title: str = "Testtabel"
    catalog: str = "CBS"
    period: str = ""
    _typed: pd.DataFrame = field(init=False, repr=False)
    _untyped: pd.DataFrame = field(init=False, repr=False)
    _entities: dict[str, pd.DataFrame] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        data = self.data.reset_index(drop=True).copy()
        if "ID" not in data.columns:
            data.insert(0, "ID", range(len(data)))
        names = [d.name for d in self.dimensions]
        for dim in self.dimensions:
            if dim.kind not in _DIM_KINDS:
                raise ValueError(f"{dim.name}: unknown dimension kind {dim.kind!r}")
            if dim.name not in data.columns:
                raise ValueError(f"dimension {dim.name} is not a column of the data")
            keys = set(dim.frame()["Key"])
            unknown = sorted(set(data[dim.name]) - keys)
            if unknown:
                raise ValueError(f"{dim.name}: keys without definition: {unknown[:5]}")
        self.dimension_names = names
        self.topics = [c for c in data.columns if c != "ID" and c not in names]
        self._typed = _object_frame(data.to_dict("records"), list(data.columns))
        self._untyped = self._typed.copy()
        for col in self.topics:
            if pd.api.types.is_numeric_dtype(data[col]) and not pd.api.types.is_bool_dtype(
                data[col]
            ):
                self._untyped[col] = _untyped_column(data[col])
        self._entities = {
            "TableInfos": _object_frame([self.table_info()], list(self.table_info())),
            "DataProperties": self._data_properties(),
            "CategoryGroups": pd.DataFrame(
                columns=["ID", "DimensionKey", "Title", "Description", "ParentID"], dtype=object
            ),
        }
        for dim in self.dimensions:
            self._entities[dim.name] = dim.frame()

    # ----------------------------------------------------------------- metadata

    def entity_names(self) -> list[str]:
        """Entity sets in the order CBS lists them in the root document."""
        return ["TableInfos", *_DATASETS, "DataProperties", "CategoryGroups", *self.dimension_names]

    def table_info(self) -> dict[str, Any]:
        """The single TableInfos row (fields as in the CBS catalog)."""
        return {
            "ID": 1,
            "Title": self.title,
            "ShortTitle": self.title,
            "Identifier": self.table_id,
            "Summary": self.title,
            "Modified": "2024-07-01T02:00:00",
            "MetaDataModified": "2024-07-01T02:00:00",
            "ReasonDelivery": "Actualisering",
            "ExplanatoryText": "",
            "OutputStatus": "Regulier",
            "Source": "CBS.",
            "Language": "nl",
            "Catalog": self.catalog,
            "Frequency": "Perjaar",
            "Period": self.period,
            "ShortDescription": "",
            "Description": "",
            "DefaultPresentation": "",
            "DefaultSelection": "",
            "GraphTypes": "Table",
            "RecordCount": len(self.data),
            "ColumnCount": len(self.data.columns),
            "SearchPriority": "2",
        }

    def _data_properties(self) -> pd.DataFrame:
        rows: list[dict[str, Any]] = []
        for dim in self.dimensions:
            rows.append(
                {
                    "odata.type": f"Cbs.OData.{dim.kind}",
                    "ID": len(rows),
                    "Position": len(rows),
                    "ParentID": None,
                    "Type": dim.kind,
                    "Key": dim.name,
                    "Title": dim.title or dim.name,
                    "Description": None,
                }
            )
        for col in self.topics:
            series = self.data[col]
            if pd.api.types.is_integer_dtype(series):
                datatype, decimals = "Long", 0
            elif pd.api.types.is_float_dtype(series):
                datatype, decimals = "Double", 1
            else:
                datatype, decimals = "String", 0
            rows.append(
                {
                    "odata.type": "Cbs.OData.Topic",
                    "ID": len(rows),
                    "Position": len(rows),
                    "ParentID": None,
                    "Type": "Topic",
                    "Key": col,
                    "Title": col,
                    "Description": None,
                    "Datatype": datatype,
                    "Unit": "aantal" if datatype != "String" else "",
                    "Decimals": decimals,
                    "Default": "Missing",
                }
            )
        columns = list(dict.fromkeys(k for r in rows for k in r))
        return _object_frame(rows, columns)

    # --------------------------------------------------------------------- data

    def entity(self, name: str) -> tuple[pd.DataFrame, bool] | None:
        """Return (frame, is_dataset) for an entity set, or None if unknown."""
        if name == "TypedDataSet":
            return self._typed, True
        if name == "UntypedDataSet":
            return self._untyped, True
        if name in self._entities:
            return self._entities[name], False
        return None

    def filter_frame(self) -> pd.DataFrame:
        """Values used to evaluate ``$filter`` on the data sets (keys, typed values)."""
        return self._typed


def _untyped_column(series: pd.Series) -> list[str]:
    """CBS UntypedDataSet style: right-aligned strings, '.' for missing."""

    def fmt(v: Any) -> str:
        v = _clean(v)
        if v is None:
            return "."
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    texts = [fmt(v) for v in series.tolist()]
    width = max((len(t) for t in texts), default=1)
    return [t.rjust(width) for t in texts]


# =========================================================================== server


@dataclass
class _Fault:
    mode: str
    remaining: int | None
    delay: float
    path_contains: str | None


@dataclass(frozen=True)
class RequestRecord:
    """One request as seen by the server."""

    path: str
    query: dict[str, str]
    fault: str | None
    status: int | None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    app: ODataServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server_version = "CBS-OData-Test/1.0"
    server: _HTTPServer

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.server.app._handle(self)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        return


class ODataServer:
    """Threaded loopback server for CBS OData v3 tables and static files.

    Parameters
    ----------
    tables
        Tables to serve (more can be added with :meth:`add_table`).
    feed_page_rows
        Rows per ``ODataFeed`` page before an ``odata.nextLink`` is added.
    api_cell_limit
        Maximum cells of one ``ODataApi`` data set response.
    """

    def __init__(
        self,
        tables: Iterable[Table] = (),
        *,
        feed_page_rows: int = FEED_PAGE_ROWS,
        api_cell_limit: int = API_CELL_LIMIT,
    ) -> None:
        self.feed_page_rows = int(feed_page_rows)
        self.api_cell_limit = int(api_cell_limit)
        self._tables: dict[str, Table] = {}
        self._files: dict[str, tuple[bytes, str]] = {}
        self._bulk: dict[str, bytes] = {}
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._log: list[RequestRecord] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for table in tables:
            self.add_table(table)

    # ----------------------------------------------------------------- set-up

    def add_table(self, table: Table) -> None:
        """Serve ``table`` (replaces a table with the same id)."""
        self._tables[table.table_id.lower()] = table

    def add_file(
        self, path: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> str:
        """Serve ``data`` at ``path`` (e.g. ``"/downloads/x.gpkg"``); returns its URL."""
        if not path.startswith("/"):
            path = "/" + path
        self._files[path] = (bytes(data), content_type)
        return self.url + path if self._httpd else path

    def add_bulk(self, table_id: str, data: bytes) -> str:
        """Serve a bulk zip (:func:`bulk_zip`) at ``/csv/CBS/nl/<table_id>``; returns the path."""
        self._bulk[table_id.lower()] = bytes(data)
        return f"/csv/CBS/nl/{table_id}"

    def inject(
        self,
        mode: str,
        *,
        times: int | None = 1,
        delay: float = 0.0,
        path_contains: str | None = None,
    ) -> None:
        """Make the next ``times`` matching requests fail (``None``: all of them).

        Parameters
        ----------
        mode
            One of :data:`FAULT_MODES`.
        times
            Number of requests to affect; ``None`` keeps failing.
        delay
            Seconds to wait in ``slow`` mode.
        path_contains
            Only requests whose path contains this text (e.g. ``"UntypedDataSet"``).
        """
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}; use one of {FAULT_MODES}")
        with self._lock:
            self._faults.append(_Fault(mode, times, float(delay), path_contains))

    def clear_faults(self) -> None:
        """Remove all pending faults."""
        with self._lock:
            self._faults.clear()

    @property
    def requests(self) -> list[RequestRecord]:
        """Copy of all requests seen so far."""
        with self._lock:
            return list(self._log)

    def count(self, path_contains: str = "") -> int:
        """Number of requests whose path contains ``path_contains``."""
        return sum(1 for r in self.requests if path_contains in r.path)

    def reset_log(self) -> None:
        """Forget the requests seen so far."""
        with self._lock:
            self._log.clear()

    # --------------------------------------------------------------- lifecycle

    def start(self) -> ODataServer:
        """Bind to 127.0.0.1 on a free port and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self._stop.clear()
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.app = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; slow handlers are woken up and abandoned."""
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ODataServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, usable as cbsodata ``catalog_url``."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}"

    # ---------------------------------------------------------------- handling

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path_contains and fault.path_contains not in path:
                    continue
                if fault.remaining is None:
                    return fault
                if fault.remaining > 0:
                    fault.remaining -= 1
                    return fault
            return None

    def _record(
        self, path: str, query: dict[str, str], fault: str | None, status: int | None
    ) -> None:
        with self._lock:
            self._log.append(RequestRecord(path, dict(query), fault, status))

    def _handle(self, handler: _Handler) -> None:
        split = urlsplit(handler.path)
        params = parse_qs(split.query, keep_blank_values=True)
        # cbsodata < 1.3 repeated the query on nextLink requests; CBS used the first.
        query = {k: v[0] for k, v in params.items()}
        fault = self._take_fault(split.path)
        mode = fault.mode if fault else None

        if fault is not None and mode == "slow" and self._stop.wait(fault.delay):
            return  # server is stopping; the client has long given up
        if mode in ("drop", "reset"):
            self._record(split.path, query, mode, None)
            if mode == "reset":
                # SO_LINGER with timeout 0 makes close() send a TCP RST.
                handler.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            handler.close_connection = True
            return
        if mode in ("http500", "http503"):
            status = int(mode[4:])
            self._record(split.path, query, mode, status)
            body = _error_body(f"Injected server error {status}.")
            self._send(handler, status, body, _JSON_TYPE)
            return

        host = handler.headers.get("Host") or self.host
        try:
            status, body, ctype = self._route(split.path, query, host)
        except ODataError as err:
            status, body, ctype = err.status, _error_body(err.message), _JSON_TYPE
        self._record(split.path, query, mode, status)
        if mode == "truncate":
            self._send(handler, status, body[: len(body) // 2], ctype)
        elif mode == "short":
            self._send(handler, status, body, ctype, cut=len(body) // 2)
        else:
            self._send(handler, status, body, ctype)

    @staticmethod
    def _send(
        handler: _Handler, status: int, body: bytes, ctype: str, *, cut: int | None = None
    ) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", ctype)
            handler.send_header("Content-Length", str(len(body)))
            handler.send_header("DataServiceVersion", "3.0;")
            handler.end_headers()
            handler.wfile.write(body if cut is None else body[:cut])
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        handler.close_connection = True

    def _route(self, path: str, query: dict[str, str], host: str) -> tuple[int, bytes, str]:
        if path in self._files:
            data, ctype = self._files[path]
            return 200, data, ctype
        parts = [p for p in path.split("/") if p]
        if len(parts) == 4 and [p.lower() for p in parts[:3]] == ["csv", "cbs", "nl"]:
            data = self._bulk.get(parts[3].lower())
            if data is None:
                raise ODataError(404, f"Dataset '{parts[3]}' not found.")
            return 200, data, "application/zip"
        if parts and parts[0].lower() == "odatacatalog":
            return self._catalog(parts[1:], query, host)
        if len(parts) >= 3 and parts[0].lower() in _SERVICES and parts[1].lower() == "odata":
            service = _SERVICES[parts[0].lower()]
            table = self._tables.get(parts[2].lower())
            if table is None:
                raise ODataError(404, f"Resource not found for the segment '{parts[2]}'.")
            if len(parts) > 4:
                raise ODataError(404, f"Resource not found for the segment '{parts[4]}'.")
            base = f"http://{host}/{service}/OData/{table.table_id}"
            entity = parts[3] if len(parts) == 4 else ""
            if entity == "":
                _check_options(query, allowed={"$format"})
                doc = {
                    "odata.metadata": f"{base}/$metadata",
                    "value": [{"name": n, "url": f"{base}/{n}"} for n in table.entity_names()],
                }
                return 200, _json(doc), _JSON_TYPE
            if entity == "$metadata":
                raise ODataError(501, "$metadata is not implemented by the test server.")
            found = table.entity(entity)
            if found is None:
                raise ODataError(404, f"Resource not found for the segment '{entity}'.")
            frame, is_dataset = found
            if is_dataset:
                fields = {"ID", *table.dimension_names}
                return self._serve(
                    frame, query, base, entity, service, table.filter_frame(), fields, True
                )
            return self._serve(frame, query, base, entity, service, frame, None, False)
        raise ODataError(404, f"No resource at '{path}'.")

    def _catalog(self, rest: list[str], query: dict[str, str], host: str) -> tuple[int, bytes, str]:
        base = f"http://{host}/ODataCatalog"
        if not rest:
            doc = {
                "odata.metadata": f"{base}/$metadata",
                "value": [{"name": "Tables", "url": f"{base}/Tables"}],
            }
            return 200, _json(doc), _JSON_TYPE
        if rest != ["Tables"]:
            raise ODataError(404, f"Resource not found for the segment '{rest[0]}'.")
        infos = [t.table_info() for t in self._tables.values()]
        columns = list(infos[0]) if infos else ["Identifier"]
        frame = _object_frame(infos, columns)
        return self._serve(frame, query, base, "Tables", "ODataApi", frame, None, False)

    def _serve(
        self,
        frame: pd.DataFrame,
        query: dict[str, str],
        base: str,
        entity: str,
        service: str,
        filter_frame: pd.DataFrame,
        fields: set[str] | None,
        is_dataset: bool,
    ) -> tuple[int, bytes, str]:
        _check_options(query, allowed=_SUPPORTED_OPTIONS)
        fmt = query.get("$format", "json").strip().lower()
        if fmt != "json":
            raise ODataError(415, f"Format '{fmt}' is not supported by the test server.")
        index = frame.index
        if query.get("$filter", "").strip():
            mask = evaluate_filter(query["$filter"], filter_frame.loc[index], fields)
            index = index[mask.to_numpy()]
        columns = list(frame.columns)
        select = query.get("$select", "").strip()
        if select and select != "*":
            wanted = [s.strip() for s in select.split(",") if s.strip()]
            unknown = [s for s in wanted if s not in frame.columns]
            if unknown:
                raise ODataError(400, f"Could not find a property named '{unknown[0]}'.")
            columns = list(dict.fromkeys(wanted))
        skip = _int_option(query, "$skip", 0)
        top = _int_option(query, "$top", None)
        remaining = max(len(index) - skip, 0)
        wanted_rows = remaining if top is None else min(top, remaining)

        next_link = None
        if service == "ODataFeed":
            page_rows = min(wanted_rows, self.feed_page_rows)
            if page_rows < wanted_rows:
                link_query = {k: v for k, v in query.items() if k not in ("$skip", "$top")}
                link_query["$skip"] = str(skip + page_rows)
                if top is not None:
                    link_query["$top"] = str(top - page_rows)
                next_link = f"{base}/{entity}?" + urlencode(
                    link_query, quote_via=quote, safe="$,'()"
                )
        else:
            page_rows = wanted_rows
            if is_dataset and page_rows * len(columns) > self.api_cell_limit:
                # Real CBS text (HTTP 500) when the interactive API limit is exceeded.
                raise ODataError(500, f"query returns more than {self.api_cell_limit} records")
        page = frame.loc[index[skip : skip + page_rows], columns]
        records = [
            {c: _clean(v) for c, v in zip(columns, row, strict=True)}
            for row in page.itertuples(index=False, name=None)
        ]
        doc: dict[str, Any] = {
            "odata.metadata": f"{base}/$metadata#Cbs.OData.WebAPI.{entity}",
            "value": records,
        }
        if next_link:
            doc["odata.nextLink"] = next_link
        return 200, _json(doc), _JSON_TYPE


def _check_options(query: dict[str, str], *, allowed: set[str] | frozenset[str]) -> None:
    for key in query:
        if key.startswith("$") and key not in allowed:
            raise ODataError(400, f"The query parameter '{key}' is not supported.")


def _int_option(query: dict[str, str], name: str, default: int | None) -> int | None:
    raw = query.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ODataError(400, f"Invalid value '{raw}' for {name}.") from exc
    if value < 0:
        raise ODataError(400, f"Invalid value '{raw}' for {name}.")
    return value


def _json(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, default=_clean).encode("utf-8")


def _error_body(message: str) -> bytes:
    return _json({"odata.error": {"code": "", "message": {"lang": "nl-NL", "value": message}}})


# =========================================================================== bulk (v4)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(sep=";", index=False).encode("utf-8")


def bulk_zip(
    untyped: pd.DataFrame,
    dimensions: Sequence[Dimension],
    measures: Mapping[str, tuple[str, str]],
) -> bytes:
    """Build a CBS bulk download (zip of CSV files) from rows in the v3 layout.

    Parameters
    ----------
    untyped
        UntypedDataSet-style rows: one column per dimension (keys, padding allowed) and
        one column per measure (strings, ``'.'`` = missing).
    dimensions
        The dimensions (``Key``/``Title``) of the table, in column order.
    measures
        Measure column -> ``(code, title)``, e.g. ``{"BevolkingOp1Januari_1":
        ("M000352", "Bevolking op 1 januari")}``.

    Returns
    -------
    bytes
        The zip: ``Observations.csv`` (long: one row per cell and measure, keys stripped),
        ``MeasureCodes.csv``, ``Dimensions.csv`` and ``<Dimensie>Codes.csv``.
    """
    import io
    import zipfile

    names = [d.name for d in dimensions]
    keys = {n: untyped[n].astype(str).str.strip() for n in names}
    frames = []
    for col, (code, _title) in measures.items():
        value = untyped[col].astype(str).str.strip()
        missing = value.isin([".", ""])
        part = pd.DataFrame(
            {
                "Measure": code,
                "ValueAttribute": missing.map({True: "Missing", False: "None"}),
                "Value": value.where(~missing, ""),
                "StringValue": "",
                **keys,
            }
        )
        frames.append(part)
    obs = pd.concat(frames, ignore_index=True)
    obs.insert(0, "Id", range(len(obs)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Observations.csv", _csv_bytes(obs))
        zf.writestr(
            "MeasureCodes.csv",
            _csv_bytes(
                pd.DataFrame(
                    [
                        {"Identifier": c, "Index": i, "Title": t, "Description": "",
                         "MeasureGroupId": "", "DataType": "Long", "Unit": "aantal",
                         "Decimals": 0, "PresentationType": "Absolute"}
                        for i, (c, t) in enumerate(measures.values())
                    ]
                )
            ),
        )  # fmt: skip
        zf.writestr(
            "Dimensions.csv",
            _csv_bytes(
                pd.DataFrame(
                    [
                        {"Identifier": d.name, "Title": d.title or d.name, "Description": "",
                         "Kind": d.kind, "MapYear": "", "ReleasePolicy": False}
                        for d in dimensions
                    ]
                )
            ),
        )  # fmt: skip
        for d in dimensions:
            codes = d.frame()
            zf.writestr(
                f"{d.name}Codes.csv",
                _csv_bytes(
                    pd.DataFrame(
                        {
                            "Identifier": codes["Key"].astype(str).str.strip(),
                            "Index": range(len(codes)),
                            "Title": codes["Title"],
                            "Description": "",
                            "DimensionGroupId": "",
                        }
                    )
                ),
            )
    return buf.getvalue()


def dimension_of(
    name: str, keys: Sequence[str], kind: str = "Dimension", titles: Mapping[str, str] | None = None
) -> Dimension:
    """A dimension whose keys are the distinct ``keys``; a title is looked up by the key as
    stored (padded, as CBS pads keys) or stripped, else the stripped key is the title."""
    titles = titles or {}
    entries = [
        {"Key": k, "Title": titles.get(k, titles.get(str(k).strip(), str(k).strip()))}
        for k in dict.fromkeys(keys)
    ]
    return Dimension(name, entries, kind=kind)


def bulk_03759ned(rows: pd.DataFrame, leeftijd: pd.DataFrame) -> bytes:
    """03759ned as CBS serves it since August 2023: a bulk zip of the v3-layout ``rows``
    (with ``BurgerlijkeStaat``) and its Leeftijd dimension."""
    from pipeline.ingest.gemeentebevolking import BURGERLIJKE_STAAT_TITELS
    from pipeline.ingest.statline import GESLACHT_TITELS

    dims = [
        dimension_of("Geslacht", rows["Geslacht"], titles=GESLACHT_TITELS),
        Dimension("Leeftijd", leeftijd[["Key", "Title"]]),
        dimension_of("BurgerlijkeStaat", rows["BurgerlijkeStaat"], titles=BURGERLIJKE_STAAT_TITELS),
        dimension_of("RegioS", rows["RegioS"], "GeoDimension"),
        dimension_of("Perioden", rows["Perioden"], "TimeDimension"),
    ]
    measures = {
        "BevolkingOp1Januari_1": ("M000352", "Bevolking op 1 januari"),
        "GemiddeldeBevolking_2": ("M000100", "Gemiddelde bevolking"),
    }
    return bulk_zip(rows, dims, measures)
