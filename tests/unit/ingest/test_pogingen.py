"""Tests for pipeline.ingest.pogingen: the one retry loop of the downloads."""

from __future__ import annotations

import pytest

from pipeline.errors import WijkscanError
from pipeline.ingest import pogingen
from pipeline.ingest.pogingen import MisluktePoging, Permanent, retry


class Flaky(Exception):
    """A failure another attempt may fix."""


def _run(attempt, monkeypatch, *, n=3, describe=None):  # type: ignore[no-untyped-def]
    waits: list[float] = []
    warned: list[MisluktePoging] = []
    monkeypatch.setattr(pogingen.time, "sleep", waits.append)

    def default_describe(exc: Exception) -> str:
        if isinstance(exc, Flaky):
            return f"flaky: {exc}"
        raise exc

    result = retry(
        attempt,
        pogingen=n,
        backoff=2.0,
        describe=describe or default_describe,
        give_up=lambda attempts, last: WijkscanError(f"mislukt na {attempts}: {last}"),
        warn=warned.append,
    )
    return result, waits, warned


def test_retries_with_doubling_waits_then_succeeds(monkeypatch):
    calls = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise Flaky(str(len(calls)))
        return "ok"

    result, waits, warned = _run(attempt, monkeypatch)
    assert result == "ok" and len(calls) == 3
    assert waits == [2.0, 4.0]
    assert [(w.nummer, w.pogingen, w.fout) for w in warned] == [
        (1, 3, "flaky: 1"),
        (2, 3, "flaky: 2"),
    ]


def test_gives_up_after_the_last_attempt_with_its_description(monkeypatch):
    def attempt() -> None:
        raise Flaky("weer")

    with pytest.raises(WijkscanError, match="mislukt na 3: flaky: weer") as exc:
        _run(attempt, monkeypatch)
    assert isinstance(exc.value.__cause__, Flaky)


def test_at_least_one_attempt(monkeypatch):
    def attempt() -> None:
        raise Flaky("x")

    with pytest.raises(WijkscanError, match="mislukt na 1"):
        _run(attempt, monkeypatch, n=0)


def test_permanent_and_unknown_failures_are_not_retried(monkeypatch):
    calls = []
    fout = WijkscanError("bestaat niet")

    def permanent() -> None:
        calls.append(1)
        raise Permanent(fout)

    with pytest.raises(WijkscanError, match="bestaat niet"):
        _run(permanent, monkeypatch)

    def unknown() -> None:
        calls.append(1)
        raise KeyError("onbekend")

    with pytest.raises(KeyError):
        _run(unknown, monkeypatch)

    def judged_permanent(exc: Exception) -> str:
        raise Permanent(fout)

    def flaky() -> None:
        calls.append(1)
        raise Flaky("x")

    with pytest.raises(WijkscanError) as exc:
        _run(flaky, monkeypatch, describe=judged_permanent)
    # Chained to the failure that describe judged permanent.
    assert isinstance(exc.value.__cause__, Flaky)
    assert len(calls) == 3
