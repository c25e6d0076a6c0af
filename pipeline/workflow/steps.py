"""Running the steps: the wrapper every job function wears, and the run's start and end.

The rules' ``run:`` blocks call the job functions of :mod:`pipeline.workflow.jobs_fetch`,
:mod:`~pipeline.workflow.jobs_build` and :mod:`~pipeline.workflow.jobs_render` with the rule's ``input``, ``output``, ``params``,
``wildcards`` and ``log``. Each wears :func:`step`: its logging goes to the rule's log file,
and a :class:`~pipeline.errors.WijkscanError` becomes one Dutch paragraph, not a traceback.

Runtime machinery kept here, and why:

* Jobs run as threads of one Snakemake process (``--force-use-threads`` in the profiles
  saves ~2 s of start-up per job). So each log file takes only its own thread's records
  (:class:`_ThisThread`), and the first job imports the C extensions while the others wait
  (:func:`_preload`): importing them from two threads at once has crashed the process.
* :func:`release_memory`: memory freed by a big step otherwise stays with that one
  long-lived process (and with each render worker) for the rest of the run.
* :class:`_SnakemakeNoise`: after the Dutch FOUT block Snakemake repeats a failure several
  times in English; that becomes one Dutch line.
* :func:`prepare_run`, :func:`start_run`, :func:`finish_run`: the next run deals with what a
  killed run left (no ``--unlock``), and the end of a run stops the render workers and the
  Snakemake timer that would delay the exit.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.errors import WijkscanError, os_fout

log = logging.getLogger("wijkscan")


#: One line per record in a job's log file (the job's own and its render worker's).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: The log file of the job running in this thread, for render jobs sent to a worker.
current_job = threading.local()

_PRELOAD_LOCK = threading.Lock()

#: C extensions every data step needs. Importing them from two threads at once has crashed
#: the process (SIGSEGV) in thread mode, so the first job imports them while others wait.
#: The render workers' forkserver imports them too (renderpool._RENDER_MODULES).
PRELOAD = ("numpy", "pandas", "pyarrow.parquet", "shapely", "pyproj", "pyogrio", "geopandas")


def _preload() -> None:
    import importlib

    with _PRELOAD_LOCK:
        for name in PRELOAD:
            if name not in sys.modules:
                importlib.import_module(name)


class _ThisThread(logging.Filter):
    """Pass only records emitted by the thread that runs this job."""

    def __init__(self) -> None:
        super().__init__()
        self.ident = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.ident


def release_memory() -> None:
    """Give memory that finished work has freed back to the operating system.

    Freed memory otherwise stays with the process: pyarrow keeps its own pool (mimalloc, per
    thread) and glibc keeps fragmented heap pages. Landelijk the Snakemake process kept
    ~600 MB after a national build step (~380 MB with this), and each render worker grew with
    every report. Costs ~0.1 s (the cyclic garbage collection: matplotlib figures are
    cycles), so it runs after big steps and between renders, not after every small step.
    """
    import ctypes
    import gc

    # Best effort: a failure here must never hide the step's own result or error.
    try:
        gc.collect()
        arrow = sys.modules.get("pyarrow")
        if arrow is not None and hasattr(arrow, "default_memory_pool"):
            # mimalloc frees per thread: this reaches the calling thread's heap (run it in
            # the thread that did the work), not pyarrow's own I/O threads.
            arrow.default_memory_pool().release_unused()
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
        if trim is None:  # not glibc (macOS, musl): nothing to trim
            return
        trim.argtypes = [ctypes.c_size_t]
        trim(0)
    except Exception as exc:  # noqa: BLE001 - see above
        log.debug("geheugen vrijgeven mislukt: %s", exc)


class StepFailed(Exception):
    """Raised to Snakemake when a step fails for a reason the user can fix.

    The step has already printed the full message (``FOUT in stap ...``) and written it to
    the job's log, which Snakemake shows too (``show-failed-logs``). Snakemake prints
    ``str(exc)`` a third time, inside its RuleException with code frames, so that text
    only points to the message; the message itself is :attr:`melding`.
    """

    def __init__(self, step: str, melding: str, logfile: str) -> None:
        super().__init__(step, melding, logfile)
        self.step, self.melding, self.logfile = step, melding, logfile

    #: In every ``str()``; :class:`_SnakemakeNoise` recognises Snakemake's report by it.
    POINTER = "is gestopt; de melding staat hierboven"

    def __str__(self) -> str:  # Snakemake prints str(exc)
        return (
            f"Stap '{self.step}' {self.POINTER} (FOUT in stap '{self.step}') en in {self.logfile}."
        )


#: Opens every user-facing step failure, on screen and in the job's log.
FOUT_MARKER = "FOUT in stap"

#: Snakemake's lines after a failed job; said once in Dutch instead (see _SnakemakeNoise).
_SNAKEMAKE_AFTER_FAILURE = (
    "Exiting because a job execution failed",
    "Shutting down, this might take some time",
    "At least one job did not complete successfully",
)

#: The one line that replaces them.
GESTOPT = "wijkscan gestopt: zie de FOUT-melding hierboven (details per stap in logs/)."

#: Scheduler lines Snakemake (9.2x) prints per job even with ``--quiet progress``: in the
#: short output of ``make demo`` they were half of all lines and said nothing.
_SNAKEMAKE_SCHEDULER = re.compile(r"Select jobs to execute\.\.\.|Execute \d+ jobs\.\.\.")


class _SnakemakeNoise(logging.Filter):
    """Drop Snakemake's repetitions of a step failure that already printed its FOUT block.

    After the Dutch ``FOUT in stap`` block Snakemake printed, per failed job, a
    ``RuleException`` with code frames, ``Error in rule`` with the job's log (the message a
    third time with ``show-failed-logs``), "Exiting because a job execution failed" and a
    closing ``WorkflowError`` — in process mode once more from each job's own process. For
    a failure the user can fix (a :class:`StepFailed`) those become one Dutch line; an
    unexpected error keeps all of Snakemake's output, traceback included.

    Parameters
    ----------
    local
        Whether jobs run on this machine (their FOUT block is on this screen). For cluster
        jobs the block is in the cluster job's output, so ``Error in rule`` stays.
    main
        Snakemake's main process (a job process of the process mode says nothing at the end).
    quiet_progress
        Whether the run is quiet about progress (``--quiet progress``, as ``wijkscan`` and
        ``make demo`` run it); then the scheduler's per-job lines are dropped too.
    """

    def __init__(
        self,
        local: Callable[[], bool],
        main: bool = True,
        quiet_progress: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__()
        self.local, self.main, self.quiet_progress = local, main, quiet_progress
        self.user_error = False

    def _is_user_failure(self, record: logging.LogRecord) -> bool:
        for logfile in getattr(record, "log", None) or []:
            try:
                with open(logfile, encoding="utf-8", errors="replace") as fh:
                    if FOUT_MARKER in fh.read():
                        return True
            except OSError:
                continue
        return False

    def filter(self, record: logging.LogRecord) -> bool:
        text = str(record.msg)
        event = getattr(record, "event", None)
        event = str(getattr(event, "value", event) or "").lower()
        if StepFailed.POINTER in text:
            self.user_error = True
            return False
        if _SNAKEMAKE_SCHEDULER.fullmatch(text) and self.quiet_progress():
            return False
        if text.startswith("WijkscanError in file"):
            # A check while the Snakefile is read (configuration, gemeenten): the Dutch
            # message without Snakemake's file/line header and code frames.
            lines = text.splitlines()[1:]
            lines = [line for line in lines if not line.startswith('  File "')]
            record.msg, record.args = "FOUT: " + "\n".join(lines), ()
            return True
        if event.endswith("job_error") or text.startswith("Error in rule"):
            try:
                local = self.local()
            except Exception:  # noqa: BLE001 - unknown executor: keep Snakemake's block
                local = False
            if local and self._is_user_failure(record):
                self.user_error = True
                return False
            return True
        if self.user_error and any(part in text for part in _SNAKEMAKE_AFTER_FAILURE):
            if "did not complete successfully" not in text or not self.main:
                return False  # a job's own process: its main process says it once
            record.msg, record.args = GESTOPT, ()
        return True


def _quiet_about_progress(workflow: Any) -> bool:
    """Whether Snakemake runs with ``--quiet progress`` (or ``--quiet all``)."""
    quiet = getattr(getattr(workflow, "output_settings", None), "quiet", None) or ()
    return any(str(getattr(q, "name", q)).upper() in {"PROGRESS", "ALL"} for q in quiet)


def prepare_run(workflow: Any) -> None:
    """Start of every run (the Snakefile calls it): quiet failures, recover from a crash.

    * Installs :class:`_SnakemakeNoise` on Snakemake's logger (in job processes too, which
      print their own RuleException).
    * In the main process of a real run: removes what a killed run left behind
      (:func:`pipeline.workflow.lifecycle.recover_after_crash`: stale lock, temporary files,
      incomplete markers), so the jobs that were cut off rerun. Safe here because
      every output is written atomically; without it the next run stopped with an English
      ``IncompleteFilesException`` or ``LockException`` that asked for ``--unlock``.

    Parameters
    ----------
    workflow
        Snakemake's ``workflow`` object.
    """
    from pipeline.workflow import lifecycle

    snakemake_log = logging.getLogger("snakemake.logging")
    if not any(isinstance(f, _SnakemakeNoise) for f in snakemake_log.filters):
        main = bool(getattr(workflow, "is_main_process", True))
        snakemake_log.addFilter(
            _SnakemakeNoise(
                lambda: bool(workflow.local_exec), main, lambda: _quiet_about_progress(workflow)
            )
        )
    if not getattr(workflow, "is_main_process", False) or getattr(workflow, "dryrun", True):
        return
    try:
        lines, _ = lifecycle.recover_after_crash(Path.cwd())
    except Exception as exc:  # noqa: BLE001 - recovery is a convenience, never a failure
        log.debug("herstel na afbreken overgeslagen: %s", exc)
        lines = []
    for line in lines:
        print(line, file=sys.stderr)


def start_run() -> None:
    """Snakemake's ``onstart`` (the run holds its lock): record who holds it.

    :func:`pipeline.workflow.lifecycle.recover_after_crash` of a later run undoes the lock only when
    this record names a process of the same machine that is gone.
    """
    from pipeline.workflow import lifecycle

    try:
        lifecycle.record_run(Path.cwd())
    except OSError as exc:  # a read-only .snakemake: then no automatic recovery, no failure
        log.debug("runregistratie overgeslagen: %s", exc)


def finish_run() -> None:
    """End of a run (Snakemake's ``onsuccess``/``onerror``): stop what would delay the exit.

    Stops the render workers and their forkserver (no process of the build outlives it),
    and cancels the ``threading.Timer`` Snakemake's scheduler
    arms on every pass for its job rate limit (``--max-jobs-per-timespan``, default 1 s):
    the last one is not a daemon thread, so without this the interpreter waits up to a
    second after the run is over. The scheduler has returned by then; nothing waits for
    the timers any more.
    """
    from pipeline.workflow import lifecycle, renderpool

    renderpool.stop_render_workers()
    lifecycle.clear_run_record(Path.cwd())
    for thread in threading.enumerate():
        owner = getattr(getattr(thread, "function", None), "__module__", None) or ""
        if isinstance(thread, threading.Timer) and owner.startswith("snakemake."):
            thread.cancel()


def step(func: Callable[..., None] | None = None, *, release: bool = False) -> Any:
    """Decorate a job function: log to the rule's log file, clean user-facing errors.

    ``@step(release=True)`` also runs :func:`release_memory` when the step ends: for the
    build step, which runs in the Snakemake process itself in thread mode and would
    otherwise keep its peak for the rest of the run.
    """
    if func is None:
        return functools.partial(step, release=release)

    @functools.wraps(func)
    def wrapper(input: Any, output: Any, params: Any, wildcards: Any, logfile: Any) -> None:
        path = Path(str(logfile[0] if not isinstance(logfile, str) else logfile))
        path.parent.mkdir(parents=True, exist_ok=True)
        # Appending (after emptying it) lets a render worker add its records in between.
        path.write_text("", encoding="utf-8")
        handler = logging.FileHandler(path, mode="a", encoding="utf-8")
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        # Jobs may share a process (threads): each log file gets only its own job's records.
        handler.addFilter(_ThisThread())
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        t0 = time.perf_counter()
        current_job.logfile = str(path)
        _preload()
        try:
            log.info("start %s %s", func.__name__, dict(wildcards.items()) if wildcards else {})
            func(input, output, params, wildcards)
            log.info("klaar %s in %.2f s", func.__name__, time.perf_counter() - t0)
        except (WijkscanError, OSError) as exc:
            if isinstance(exc, OSError):
                user = os_fout(exc)
                if user is None:
                    log.exception("onverwachte fout in %s", func.__name__)
                    raise
                exc = user
            # The kept copy helps when a download fails; a user's own file that is broken
            # is not repaired by an older copy made from another file.
            bron = dict(wildcards.items()).get("bron", "cbs") if wildcards else "cbs"
            if func.__name__.startswith("fetch_") and bron == "cbs":
                from pipeline.workflow.jobs_fetch import kept_copy

                for out in output:
                    kept = kept_copy(Path(str(out)))
                    if kept is not None:
                        exc = WijkscanError(
                            f"{exc}",
                            oplossing=f"De laatste goede versie is bewaard: {kept}. Zet die terug "
                            f"met 'cp {kept} {out}' om zonder nieuwe download verder te werken.",
                        )
            # The marker lets the main process recognise this job's failure (_SnakemakeNoise).
            log.error("%s '%s': %s", FOUT_MARKER, func.__name__, exc)
            print(
                f"\n{FOUT_MARKER} '{func.__name__}':\n  {exc}\n  (log: {path})\n",
                file=sys.stderr,
            )
            raise StepFailed(func.__name__, f"{exc}", str(path)) from None
        except Exception:
            log.exception("onverwachte fout in %s", func.__name__)
            raise
        finally:
            current_job.logfile = None
            root.removeHandler(handler)
            handler.close()
            if release:
                release_memory()

    return wrapper
