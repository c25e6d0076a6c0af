"""Test helpers: a loopback CBS OData v3 server (also serves static files)."""

from tests.support.odata_server import (
    API_CELL_LIMIT,
    FAULT_MODES,
    FEED_PAGE_ROWS,
    Dimension,
    ODataServer,
    RequestRecord,
    Table,
    evaluate_filter,
)

__all__ = [
    "API_CELL_LIMIT",
    "FAULT_MODES",
    "FEED_PAGE_ROWS",
    "Dimension",
    "ODataServer",
    "RequestRecord",
    "Table",
    "evaluate_filter",
]
