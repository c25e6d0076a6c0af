"""User-facing errors.

Every problem a user can fix (bad config, wrong file, unknown code) raises
:class:`WijkscanError` with a Dutch message that says *what* is wrong, *where*
and *how to fix it*. The Snakemake steps (:func:`pipeline.workflow.steps.step`) turn it
into a clean one-line failure instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


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


def os_fout(exc: OSError) -> WijkscanError | None:
    """The user's side of an operating-system error while writing, or None.

    A read-only output folder or a full disk is something the user fixes, so it gets a
    Dutch what/where/fix instead of a traceback. Other OS errors stay what they are.

    Parameters
    ----------
    exc
        The error raised by a write.

    Returns
    -------
    WijkscanError or None
        The Dutch error, or None when the cause is not one of these.
    """
    import errno

    waar = str(exc.filename) if getattr(exc, "filename", None) else None
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return WijkscanError(
            "Geen schrijfrechten: wijkscan kan een bestand niet schrijven.",
            waar=waar,
            oplossing="Geef schrijfrechten op de map (bijv. 'chmod -R u+w reports data'), of "
            "draai wijkscan in een map waar u mag schrijven. Er is niets half geschreven.",
        )
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return WijkscanError(
            "De schijf is vol (of het quotum is op): een bestand kon niet worden geschreven.",
            waar=waar,
            oplossing="Maak ruimte vrij (bijv. oude rapporten of data/raw/.bewaard) en draai "
            "opnieuw; wat al klaar was, blijft staan en wordt niet opnieuw gemaakt.",
        )
    return None


def require_gemeenten(
    gemeenten: Iterable[str], aanwezig: Iterable[str], wat: str, waar: str, oplossing: str
) -> None:
    """Stop when a source lacks selected gemeenten: incomplete input is never a smaller total.

    Parameters
    ----------
    gemeenten
        The selected gemeente codes.
    aanwezig
        The gemeente codes the source holds.
    wat
        The Dutch message, with ``{n}`` (how many are missing) and ``{codes}`` (the first few).
    waar
        The config key or file.
    oplossing
        How to fix it (Dutch).

    Raises
    ------
    WijkscanError
        When at least one selected gemeente is missing.
    """
    # Imported here: the number formatting lives in present, which imports the model.
    from pipeline.present import fmt

    missing = sorted(set(gemeenten) - set(aanwezig))
    if missing:
        # Plain replacement, not str.format: a file name in the message may hold braces.
        tekst = wat.replace("{n}", str(len(missing))).replace("{codes}", fmt.eerste(missing))
        raise WijkscanError(tekst, waar=waar, oplossing=oplossing)
