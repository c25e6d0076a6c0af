"""User-facing errors.

Every problem a user can fix (bad config, wrong file, unknown code) raises
:class:`WijkscanError` with a Dutch message that says *what* is wrong, *where*
and *how to fix it*. The Snakemake adapters turn it into a clean one-line
failure instead of a traceback.
"""

from __future__ import annotations


class WijkscanError(Exception):
    """An error caused by input or configuration that the user can fix.

    Parameters
    ----------
    wat
        What is wrong (Dutch).
    waar
        Where: file, config key or table.
    oplossing
        How to fix it (Dutch).
    """

    def __init__(self, wat: str, waar: str | None = None, oplossing: str | None = None) -> None:
        self.wat = wat
        self.waar = waar
        self.oplossing = oplossing
        parts = [wat]
        if waar:
            parts.append(f"Waar: {waar}")
        if oplossing:
            parts.append(f"Oplossing: {oplossing}")
        super().__init__("\n  ".join(parts))
