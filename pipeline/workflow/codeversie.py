"""A fingerprint of the package's code, so that an upgrade of wijkscan rebuilds its products.

Snakemake reruns a job when its inputs, params or the rule's own ``run:`` block change, but
not when a module that block imports changes. After ``git pull`` (or a new release) the
reports would silently keep the old code's numbers and texts. Rules that compute or draw
carry :func:`code_versie` as a param, so Snakemake's ``params`` rerun trigger rebuilds them
once the code they run has changed, and only then.

The fingerprint covers the whole package: the model imports ``present.fmt`` and renders
read the model's registry, so a narrower split would miss a dependency the day someone adds
an import. Templates are rule inputs already; the fetch rules do not carry it, because
``data/raw/`` is an immutable cache that a code change must not refetch.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PAKKET = Path(__file__).resolve().parents[1]
"""The ``pipeline`` package directory."""


@cache
def code_versie(pakket: Path = PAKKET) -> str:
    """Short sha256 of every Python source in ``pakket`` (path and content).

    Parameters
    ----------
    pakket
        Package directory to fingerprint.

    Returns
    -------
    str
        16 hex digits; equal for equal sources, whatever the files' times or the checkout's
        location.
    """
    h = hashlib.sha256()
    for path in sorted(pakket.rglob("*.py")):
        rel = path.relative_to(pakket).as_posix()
        if "__pycache__" in rel:
            continue
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]
