"""Read what the build step published for one gemeente (table, shapes, registry, provenance).

The build writes one file of each kind per batch (one gemeente, or all gemeenten at once):
``indicatoren.parquet``, ``buurten.gpkg``, and ``bronnen.json`` and ``register.json`` keyed
by gemeente code. Every product step (report, vouwkaart, exports, session workbook, region)
reads its gemeente through this one function, so a batch of the whole country costs a render
only its own rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_table(path: str | Path, gemeente: str) -> Any:
    """The rows of one gemeente in a batch table (indicators or quantities)."""
    import pandas as pd

    table = pd.read_parquet(path, filters=[("gemeentecode", "==", gemeente)])
    return table.reset_index(drop=True)


def read_meta(path: str | Path, gemeente: str) -> dict[str, Any]:
    """The provenance record (``bronnen.json``) of one gemeente."""
    return json.loads(Path(path).read_text(encoding="utf-8"))[gemeente]


def read_buurten(path: str | Path, gemeente: str) -> Any:
    """The buurt polygons of one gemeente from the batch GeoPackage."""
    import geopandas as gpd

    # Buurt codes start with BU and the gemeente's four digits; a range on the code is a
    # plain comparison SQLite can answer without reading the other gemeenten' shapes.
    # '~' sorts after every digit and letter of a buurt code.
    prefix = "BU" + gemeente[2:]
    where = f"code >= '{prefix}' AND code < '{prefix}~'"
    return gpd.read_file(path, layer="buurten", where=where, engine="pyogrio")


def read_published(
    gemeente: str, indicatoren: str, meta: str, register: str, buurten: str
) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    """Table, buurt polygons, registry and provenance of one gemeente.

    Parameters
    ----------
    gemeente
        Gemeente code.
    indicatoren, meta, register, buurten
        The batch's ``indicatoren.parquet``, ``bronnen.json``, ``register.json`` and
        ``buurten.gpkg``.

    Returns
    -------
    tuple
        ``(table, buurten, registry, meta)``.
    """
    from pipeline.model import registry

    return (
        read_table(indicatoren, gemeente),
        read_buurten(buurten, gemeente),
        registry.read_registry(register, gemeente),
        read_meta(meta, gemeente),
    )
