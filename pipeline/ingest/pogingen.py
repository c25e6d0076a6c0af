"""Retrying a network request: attempts, exponential back-off and the final Dutch error.

One loop for every download (:mod:`pipeline.ingest.cbs`, :mod:`pipeline.ingest.download`):
the callers decide which failures are worth another attempt and word their own messages;
the counting and waiting live here. The config calls the number of attempts ``pogingen``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from pipeline.errors import WijkscanError
from pipeline.workflow.config_schema import schema_default

__all__ = ["POGINGEN", "TIMEOUT", "MisluktePoging", "Permanent", "retry"]

#: Attempts per request and seconds per request when a caller names none: the defaults of
#: ``cbs.pogingen`` and ``cbs.timeout`` in config/schema.yaml, the one place they are set.
POGINGEN: int = schema_default("cbs", "pogingen")
TIMEOUT: float = schema_default("cbs", "timeout")

T = TypeVar("T")


class Permanent(Exception):
    """A failure that another attempt cannot fix (HTTP 404, a refused query, bad content).

    Raised by an attempt or by the ``describe`` function of :func:`retry`; the wrapped
    :class:`WijkscanError` is raised to the caller at once.
    """

    def __init__(self, error: WijkscanError) -> None:
        super().__init__(str(error))
        self.error = error


class MisluktePoging(NamedTuple):
    """A failed attempt that will be tried again, for the caller's warning."""

    nummer: int
    pogingen: int
    seconden: float
    fout: str
    wachttijd: float


def retry(
    attempt: Callable[[], T],
    *,
    pogingen: int,
    backoff: float,
    describe: Callable[[Exception], str],
    give_up: Callable[[int, str], WijkscanError],
    warn: Callable[[MisluktePoging], None],
) -> T:
    """Call ``attempt`` until it succeeds, waiting ``backoff * 2**(n-1)`` seconds after try n.

    Parameters
    ----------
    attempt
        The request; its return value is returned.
    pogingen
        Total number of attempts, at least 1 (smaller values count as 1).
    backoff
        Seconds before the second attempt; doubled for every further attempt.
    describe
        Called with a failure of ``attempt``: returns a short Dutch description when
        another attempt may help, raises :class:`Permanent` when it cannot, and re-raises
        failures it does not know (so they are never retried).
    give_up
        Builds the error for the last failed attempt from the number of attempts and the
        last description; it is raised from that failure.
    warn
        Called before each wait (e.g. to log a warning).

    Returns
    -------
    object
        What ``attempt`` returned.

    Raises
    ------
    WijkscanError
        The error of a :class:`Permanent` failure (chained to its cause, or else to the
        failure that ``describe`` judged permanent), or ``give_up``'s error.
    """
    attempts = max(1, int(pogingen))
    for nummer in range(1, attempts + 1):
        started = time.monotonic()
        try:
            return attempt()
        except Permanent as perm:
            raise perm.error from perm.__cause__
        except Exception as exc:  # judged by describe; unknown errors are re-raised there
            try:
                last = describe(exc)
            except Permanent as perm:
                raise perm.error from (perm.__cause__ or exc)
            if nummer == attempts:
                raise give_up(attempts, last) from exc
            delay = backoff * 2 ** (nummer - 1)
            warn(MisluktePoging(nummer, attempts, time.monotonic() - started, last, delay))
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
