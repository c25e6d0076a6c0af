"""Thin adapters between Snakemake rules and the pure functions of the package.

Each adapter takes the rule's ``input``, ``output``, ``params``, ``wildcards`` and
``log`` (named lists), reads files, calls domain functions and writes outputs
atomically. The :func:`step` wrapper routes logging to the rule's log file and
turns a :class:`~pipeline.errors.WijkscanError` into a one-paragraph message
instead of a traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pipeline.errors import WijkscanError, os_fout

log = logging.getLogger("wijkscan")
#: One line per record in a job's log file (the job's own and its render worker's).
_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Matplotlib's rcParams are process-global (``rc_context`` swaps them) and WeasyPrint/Pango
#: make no thread-safety promise, so only one render runs in a process at a time.
RENDER_LOCK = threading.Lock()

_POOL_LOCK = threading.Lock()
_pool: Any = None
_pool_size = 0
_pool_renders = 0
#: Renders per worker after which the pool is replaced by fresh forks of the server: in a
#: national run (hundreds of renders) workers otherwise grow with matplotlib's and
#: WeasyPrint's caches and the allocator's leftovers.
RENDERS_PER_WORKER = 20
#: The log file of the job running in this thread, for render jobs sent to a worker.
_job = threading.local()


_PRELOAD_LOCK = threading.Lock()
#: C extensions every data step needs. Importing them from two threads at once has crashed
#: the process (SIGSEGV) in thread mode, so the first job imports them while others wait.
_PRELOAD = ("numpy", "pandas", "pyarrow.parquet", "shapely", "pyproj", "pyogrio", "geopandas")
#: What the render workers' forkserver imports before the first render (while the data
#: steps still run): a render job reads the published tables too; see
#: :func:`start_render_workers`.
_RENDER_MODULES = (
    *_PRELOAD,
    "weasyprint",
    "pipeline.present.report",
    "pipeline.present.vouwkaart",
    "pipeline.present.region",
)


def _preload() -> None:
    import importlib

    with _PRELOAD_LOCK:
        for name in _PRELOAD:
            if name not in sys.modules:
                importlib.import_module(name)


class _ThisThread(logging.Filter):
    """Pass only records emitted by the thread that runs this job."""

    def __init__(self) -> None:
        super().__init__()
        self.ident = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.ident


def _started() -> int:
    """A worker's first task: it only makes the pool start the worker now."""
    return os.getpid()


def _start_workers(pool: Any, n: int) -> None:
    for _ in range(n):
        try:
            pool.submit(_started)
        except RuntimeError:
            # finish_run shut the pool down first: the run failed (or ended) before the
            # workers were up. Nothing to start any more, and nothing to report.
            return


def start_render_workers(n: int) -> None:
    """Start ``n`` render worker processes; :func:`render` then sends every render there.

    For thread mode (``--force-use-threads``, profiles/local): all jobs are threads of the
    Snakemake process, where renders would take turns on one core (:data:`RENDER_LOCK`).
    In worker processes the reports and vouwkaarten of a run use as many cores as
    Snakemake runs jobs, and a render that crashes its worker does not take Snakemake
    down. Without a call to this function (a process per job: Snakemake without
    ``--force-use-threads``, or a cluster job) renders run in the job's own process.

    The workers come from a ``forkserver`` that imports matplotlib, WeasyPrint and the
    render modules once, while the data steps run; each worker is a fork of it, started
    warm in milliseconds. Not a plain ``fork`` of the Snakemake process: that process has
    threads, and a forked child of a threaded process can deadlock on a lock another
    thread held.

    Each worker also imports ``__main__``: the ``snakemake`` script, and with it
    ``snakemake.cli`` (~0.45 s). Asking the server to preload ``"__main__"`` does not
    help on Python 3.11 (checked: the server looks up a ``main_path`` key that the
    preparation data calls ``init_main_from_path``, so the script is imported in every
    worker), so the server preloads ``snakemake.cli`` itself and the worker's import of
    the script finds it loaded.

    Parameters
    ----------
    n
        Number of workers; 0 keeps rendering in this process.
    """
    import multiprocessing

    from pipeline.workflow import lifecycle

    global _pool, _pool_size, _pool_renders
    if n < 1:
        return
    with _POOL_LOCK:
        if _pool is None:
            main_imports = ["snakemake.cli"] if "snakemake.cli" in sys.modules else []
            # pipeline.workflow.lifecycle first: the server then dies with Snakemake (even a kill -9)
            # while it still imports the rest.
            multiprocessing.get_context("forkserver").set_forkserver_preload(
                ["__main__", "pipeline.workflow.lifecycle", *main_imports, *_RENDER_MODULES]
            )
            # From this thread (Snakemake's main thread), not the short-lived starter below.
            lifecycle.start_forkserver()
            _pool, _pool_size, _pool_renders = _new_pool(n), n, 0
            # Workers start on demand: n tasks at once start all n. Starting the first one
            # waits for the server's imports, so that happens beside the data steps.
            threading.Thread(
                target=_start_workers, args=(_pool, n), name="wijkscan-tekenen", daemon=True
            ).start()
            print(
                f"wijkscan: rapporten en vouwkaarten tekenen in {n} tekenprocessen", file=sys.stderr
            )


def _new_pool(n: int) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from pipeline.workflow import lifecycle

    # Not max_tasks_per_child for the recycling: up to Python 3.13 it can deadlock the pool
    # when a worker retires (CPython gh-115634). See _pool_for_render.
    # Each worker ends with the forkserver and with this process (lifecycle.worker_init).
    return ProcessPoolExecutor(
        max_workers=n,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=lifecycle.worker_init,
        initargs=(os.getpid(),),
    )


def _pool_for_render() -> Any:
    """The current pool (``None``: render here), renewed every RENDERS_PER_WORKER renders."""
    global _pool, _pool_renders
    with _POOL_LOCK:
        if _pool is None:
            return None
        _pool_renders += 1
        if _pool_renders > RENDERS_PER_WORKER * _pool_size:
            # Renders still running in the old pool finish there; its workers then exit.
            _pool.shutdown(wait=False)
            _pool, _pool_renders = _new_pool(_pool_size), 1
        return _pool


def render_workers(use_threads: bool, cores: int, jobs: Iterable[str], local: bool = True) -> int:
    """How many render workers a run needs (see :func:`start_render_workers`).

    Parameters
    ----------
    use_threads
        Snakemake runs the jobs as threads of its own process.
    cores
        Jobs Snakemake runs at once.
    jobs
        Rule names of the jobs the run still has to do.
    local
        Jobs run on this machine. Snakemake reports ``use_threads`` for every cluster
        executor too (Slurm), where the jobs render in their own cluster jobs and workers
        on the login node would sit idle (~650 MB, seen on a real Slurm cluster).

    Returns
    -------
    int
        Locally in thread mode with at least 2 cores and 2 render jobs (``render_*``
        rules): one per core, but no more than there are render jobs. Otherwise 0: with one
        core or one render a worker would only add its start-up to the same serial work.
    """
    renders = sum(1 for name in jobs if name.startswith("render_"))
    if not local or not use_threads or cores < 2 or renders < 2:
        return 0
    return min(cores, renders)


def finish_run() -> None:
    """End of a run (Snakemake's ``onsuccess``/``onerror``): stop what would delay the exit.

    Stops the render workers and their forkserver (no process of the build outlives it),
    and cancels the ``threading.Timer`` Snakemake's scheduler
    arms on every pass for its job rate limit (``--max-jobs-per-timespan``, default 1 s):
    the last one is not a daemon thread, so without this the interpreter waits up to a
    second after the run is over. The scheduler has returned by then; nothing waits for
    the timers any more.
    """
    from pipeline.workflow import lifecycle

    global _pool
    with _POOL_LOCK:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
        # Otherwise the server outlives Snakemake by a second, unloading 250 MB of modules.
        lifecycle.stop_forkserver()
    lifecycle.clear_run_record(Path.cwd())
    for thread in threading.enumerate():
        owner = getattr(getattr(thread, "function", None), "__module__", None) or ""
        if isinstance(thread, threading.Timer) and owner.startswith("snakemake."):
            thread.cancel()


def release_memory() -> None:
    """Give memory that finished work has freed back to the operating system.

    Freed memory otherwise stays with the process: pyarrow keeps its own pool (mimalloc, per
    thread) and glibc keeps fragmented heap pages. Landelijk the Snakemake process kept
    ~600 MB after the national steps (~380 MB with this), and each render worker grew with
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


#: Renders this worker process has run (each worker counts its own).
_worker_renders = 0


def _logged(logfile: str | None, job: Callable[..., Any], *args: Any) -> Any:
    """Run ``job`` in a worker process with its records appended to the job's log file."""
    global _worker_renders
    if _worker_renders:
        # Before, not after, a render: a result is not held up, and a worker that draws
        # only one report (one gemeente) never pays for it.
        release_memory()
    _worker_renders += 1
    handler = None
    root = logging.getLogger()
    if logfile:
        handler = logging.FileHandler(logfile, mode="a", encoding="utf-8")
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    try:
        log.info("tekenen in hulpproces %d", os.getpid())
        return job(*args)
    finally:
        if handler is not None:
            root.removeHandler(handler)
            handler.close()


def render(job: Callable[..., Any], *args: Any) -> Any:
    """Run a render job (plain values in and out) in a render worker or in this process.

    Parameters
    ----------
    job
        A module-level function (a worker gets it pickled by name).
    *args
        Its arguments: paths as strings, config dicts.

    Returns
    -------
    Any
        What ``job`` returns.
    """
    from concurrent.futures.process import BrokenProcessPool

    global _pool
    pool = _pool_for_render()
    if pool is None:
        with RENDER_LOCK:
            return job(*args)
    try:
        return pool.submit(_logged, getattr(_job, "logfile", None), job, *args).result()
    except BrokenProcessPool as exc:
        # Later renders of this run draw in this process; this one fails with a fix.
        with _POOL_LOCK:
            if _pool is pool:
                _pool = None
        raise WijkscanError(
            "Het hulpproces dat kaarten en PDF's tekent is onverwacht gestopt (afgebroken, "
            "of te weinig geheugen).",
            oplossing="Start dezelfde opdracht opnieuw; wat al klaar is, blijft staan. "
            "Gebeurt het weer, geef dan minder kernen op (--cores 1 tekent alles in het "
            "hoofdproces).",
        ) from exc


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
    """

    def __init__(self, local: Callable[[], bool], main: bool = True) -> None:
        super().__init__()
        self.local, self.main = local, main
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


def prepare_run(workflow: Any) -> None:
    """Start of every run (the Snakefile calls it): quiet failures, recover from a crash.

    * Installs :class:`_SnakemakeNoise` on Snakemake's logger (in job processes too, which
      print their own RuleException).
    * In the main process of a real run: removes what a killed run left behind
      (:func:`pipeline.workflow.lifecycle.recover_after_crash`: stale lock, temporary files) and
      reruns the jobs that were cut off, as ``--rerun-incomplete`` does. Safe here because
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
        snakemake_log.addFilter(_SnakemakeNoise(lambda: bool(workflow.local_exec), main))
    if not getattr(workflow, "is_main_process", False) or getattr(workflow, "dryrun", True):
        return
    try:
        lines, crashed = lifecycle.recover_after_crash(Path.cwd())
    except Exception as exc:  # noqa: BLE001 - recovery is a convenience, never a failure
        log.debug("herstel na afbreken overgeslagen: %s", exc)
        lines, crashed = [], False
    for line in lines:
        print(line, file=sys.stderr)
    settings = getattr(workflow, "dag_settings", None)
    if crashed and settings is not None and hasattr(settings, "force_incomplete"):
        settings.force_incomplete = True


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


def step(func: Callable[..., None] | None = None, *, release: bool = False) -> Any:
    """Decorate an adapter: log to the rule's log file, clean user-facing errors.

    ``@step(release=True)`` also runs :func:`release_memory` when the step ends: for the
    national steps, which run in the Snakemake process itself in thread mode and would
    otherwise keep their peak for the rest of the run.
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
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        # Jobs may share a process (threads): each log file gets only its own job's records.
        handler.addFilter(_ThisThread())
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        t0 = time.perf_counter()
        _job.logfile = str(path)
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
            _job.logfile = None
            root.removeHandler(handler)
            handler.close()
            if release:
                release_memory()

    return wrapper


# ---------------------------------------------------------------- fetch (data/raw)

#: Every raw file is also kept here. Snakemake deletes a job's old output before
#: re-running it, so without this copy a forced re-download during a CBS outage
#: would lose the last good file.
KEEP_DIR = ".bewaard"


def store_raw(df: Any, dest: Path, *, allow_empty: bool = False) -> None:
    """Write a raw table into the cache and keep a copy that no rerun deletes.

    Parameters
    ----------
    df
        Raw rows (already completely downloaded and parsed).
    dest
        Cache file, e.g. ``data/raw/cbs/kwb_85984NED_2024_GM0226.csv``.
    allow_empty
        Accept a table without rows (an optional dimension file, source 'geen').

    Raises
    ------
    WijkscanError
        For an empty table: a filter that matched nothing (unknown gemeente or year)
        must not end up in the cache as if it were data.
    """
    import shutil

    from pipeline.io import atomic_path

    if len(df) == 0 and not allow_empty:
        raise WijkscanError(
            f"De bron leverde geen enkele rij voor {dest.name}.",
            waar=str(dest),
            oplossing="Controleer gemeentecode en peiljaar in de configuratie; bestaat de gemeente "
            "in dat jaar (herindelingen) en bevat de tabel dat jaar?",
        )

    kept = dest.parent / KEEP_DIR / dest.name
    with atomic_path(kept) as tmp:
        df.to_csv(tmp, index=False)
    with atomic_path(dest) as tmp:
        shutil.copy2(kept, tmp)


def kept_copy(dest: Path) -> Path | None:
    """The last good version of a raw file, if there is one."""
    kept = dest.parent / KEEP_DIR / dest.name
    return kept if kept.is_file() else None


def _cbs_kwargs(cbs: dict[str, Any], third_party: bool = False) -> dict[str, Any]:
    return {
        "api_url": cbs["api_url"],
        "catalog_url": cbs["derden_url"] if third_party else None,
        "use_https": cbs["https"],
        "timeout": cbs["timeout"],
        "retries": cbs["pogingen"],
    }


@step
def fetch_kwb(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Raw KWB rows of one gemeente into the cache (CBS online, local file or demo)."""
    from pipeline.ingest import demo, kwb

    bron, gemeente = wildcards.bron, wildcards.gemeente
    if bron == "demo":
        raw = kwb.select_gemeente(demo.kwb_table(int(wildcards.jaar)), gemeente, "de demobron")
    elif bron == "lokaal":
        # StatLine CSV or CBS workbook (.xlsx or its CSV): read_kwb gives the OData layout.
        raw = kwb.select_gemeente(kwb.read_kwb(Path(input.lokaal[0])), gemeente, input.lokaal[0])
    else:
        from pipeline.ingest import cbs

        raw = cbs.fetch_kwb(wildcards.tabel, gemeente, **_cbs_kwargs(params.cbs))
    kwb.check_required(
        raw.columns, input.lokaal[0] if bron == "lokaal" else f"CBS-tabel {wildcards.tabel}"
    )
    log.info("%d rijen voor %s uit %s", len(raw), gemeente, bron)
    store_raw(raw, Path(output.csv))


@step
def fetch_kwb_aanvulling(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Raw KWB rows of one gemeente from the auxiliary (adjacent) year, for burgerlijke staat.

    A gemeente that did not exist in that year is not an error: the cache gets an empty
    table and the buurten simply get no auxiliary figures.
    """
    import pandas as pd

    from pipeline.ingest import kwb

    bron, gemeente, jaar = wildcards.bron, wildcards.gemeente, wildcards.jaar
    if bron == "lokaal":
        herkomst = f"bestand {input.lokaal[0]}"
        raw = kwb.read_kwb(Path(input.lokaal[0]))
    else:
        from pipeline.ingest import cbs

        herkomst = f"CBS-tabel {wildcards.tabel}"
        raw = cbs.fetch_table(
            wildcards.tabel, filters=cbs.kwb_filter([gemeente]), **_cbs_kwargs(params.cbs)
        )
    prefixes = ("Ongehuwd", "Gehuwd", "Gescheiden", "Verweduwd")
    missing = [p for p in prefixes if kwb.find_column(raw.columns, p) is None]
    # An empty online answer (gemeente unknown that year) has no columns to check.
    if missing and len(raw):
        raise WijkscanError(
            f"Het aanvullende KWB-jaar {jaar} ({herkomst}) heeft geen burgerlijke staat "
            f"(ontbreekt: {', '.join(missing)}).",
            waar="bronnen.kwb_aanvulling",
            oplossing="Kies een KWB-bestand of -tabel met Ongehuwd/Gehuwd/Gescheiden/Verweduwd "
            "(a_ongeh, a_gehuwd, a_gesch, a_verwed), of zet type: geen.",
        )
    if len(raw) and gemeente in kwb.gemeente_codes(raw):
        raw = kwb.select_gemeente(raw, gemeente, herkomst)
    else:
        log.warning(
            "Gemeente %s bestaat niet in KWB %s (%s): geen aanvullende burgerlijke staat.",
            gemeente,
            jaar,
            herkomst,
        )
        raw = pd.DataFrame(columns=["WijkenEnBuurten"])
    log.info(
        "Herkomst aanvulling: KWB %s, %s; %d rijen voor %s", jaar, herkomst, len(raw), gemeente
    )
    store_raw(raw, Path(output.csv), allow_empty=True)


@step
def fetch_geometry(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Buurt polygons of one gemeente into the cache, in the PDOK layout."""
    from pipeline.ingest import demo, geometry
    from pipeline.io import atomic_path
    from pipeline.present import fmt

    bron, gemeente = wildcards.bron, wildcards.gemeente
    if bron == "demo":
        gdf = demo.buurt_geometry().rename(columns={"statcode": "code", "statnaam": "naam"})
        gdf = gdf[gdf["code"].str.startswith("BU" + gemeente[2:])]
        if gdf.empty:
            raise WijkscanError(
                f"De demobron heeft geen buurtgrenzen voor {gemeente}.",
                oplossing=f"De demo kent alleen {', '.join(demo.DEMO_GEMEENTEN)}.",
            )
    else:
        gdf = geometry.read_buurten(Path(input.gpkg[0]), gemeente, params.laag)
        if gdf.empty:
            # Usually a mistyped code (this step runs before the KWB one says so): name the
            # gemeenten of the file that look like it.
            codes = geometry.read_buurten(Path(input.gpkg[0]), None, params.laag)["code"]
            close = fmt.lijkende_codes(gemeente, set(fmt.gemeente_van(codes)))
            hint = (
                f"Bestaat {gemeente} wel? Gemeenten in dit bestand die erop lijken: "
                f"{', '.join(close)}. "
                if close
                else ""
            )
            raise WijkscanError(
                f"Geen enkele buurt van {gemeente} in {input.gpkg[0]}.",
                waar="gemeenten / bronnen.geometrie",
                oplossing=f"{hint}Controleer de gemeentecode, en of het bestand de juiste "
                "jaargang en het hele land (of deze gemeente) bevat.",
            )
    out = gdf.rename(columns={"code": "statcode", "naam": "statnaam"})
    with atomic_path(output.gpkg) as tmp:
        out.to_file(tmp, layer="buurt_gegeneraliseerd", driver="GPKG")
    log.info("%d buurten voor %s", len(out), gemeente)


@step
def fetch_pdok(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Download the national PDOK GeoPackage of a year (validated before it lands)."""
    from pipeline.ingest import download

    url = params.url.format(jaar=wildcards.jaar)
    download.download_file(
        url,
        Path(output.gpkg),
        timeout=params.cbs["timeout"],
        retries=params.cbs["pogingen"],
        validate=functools.partial(download.validate_gpkg, layer=params.laag),
    )


# ---------------------------------------------------------- process (data/processed)


@step
def prepare_regions(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Tidy, validated region table (gemeente, wijken, buurten) from raw KWB rows."""
    from pipeline import schemas
    from pipeline.ingest import kwb
    from pipeline.io import write_parquet

    raw = kwb.read_kwb(Path(input.kwb))
    regios = kwb.normalize_kwb(raw, wildcards.gemeente, Path(input.kwb).name)
    regios = _merge_aanvulling(regios, input, params)
    schemas.validate(regios, schemas.REGIOS, input.kwb)
    write_parquet(regios, output.regios)
    log.info("%d regio's (%d buurten)", len(regios), int((regios.niveau == "buurt").sum()))


def _merge_aanvulling(regios: Any, input: Any, params: Any) -> Any:
    """Add the adjacent KWB year's burgerlijke staat (bronnen.kwb_aanvulling), if any."""
    import pandas as pd

    from pipeline.ingest import kwb

    aux_files = getattr(input, "aanvulling", [])
    aux_files = [aux_files] if isinstance(aux_files, str) else list(aux_files)
    if not aux_files:
        return regios
    source = Path(aux_files[0])
    aux_raw = kwb.read_kwb(source)
    present = set(kwb.gemeente_codes(aux_raw))
    # The fetch leaves an empty table when the gemeente did not exist that year.
    aux = (
        kwb.normalize_all(aux_raw[_gemeente_rows(aux_raw, present)], source.name, required=False)
        if present
        else pd.DataFrame()
    )
    regios, info = kwb.merge_aanvulling(regios, aux, params.aanvulling_jaar)
    log.info(
        "Herkomst aanvulling burgerlijke staat: KWB %s (%s); %d van %d buurten gekoppeld "
        "(zelfde buurtcode in beide jaren, gemeente bestond); aantallen niet geschaald.",
        info.jaar,
        params.aanvulling_herkomst,
        info.gekoppeld,
        info.buurten,
    )
    if info.waarschuwing:
        log.warning("%s", info.waarschuwing)
    return regios


def _gemeente_rows(raw: Any, gemeenten: set[str]) -> Any:
    """Rows of ``raw`` that belong to one of ``gemeenten`` (GM, WK and BU rows)."""
    from pipeline.present import fmt

    codes = raw["WijkenEnBuurten"].astype(str).str.strip()
    return codes.str.match(r"^(GM|WK|BU)") & fmt.gemeente_van(codes).isin(gemeenten)


@step
def prepare_geometry(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Buurt geometry matched against the data's buurt codes (policy from config)."""
    import pandas as pd

    from pipeline.ingest import geometry
    from pipeline.io import atomic_path, write_json

    regios = pd.read_parquet(input.regios)
    gdf, hersteld = geometry.repair(geometry.read_buurten(Path(input.gpkg), wildcards.gemeente))
    data_codes = regios.loc[regios.niveau == "buurt", "code"]
    match = geometry.match_codes(data_codes, gdf["code"])
    warnings = geometry.check_codes(match, params.jaar, params.controle, Path(input.gpkg).name)
    warnings += geometry.repair_warning(hersteld)
    names = regios.set_index("code")["naam"]
    # Names come from the data table: the geometry's names can lag a renaming.
    gdf["naam"] = gdf["code"].map(names).fillna(gdf["naam"])
    with atomic_path(output.gpkg) as tmp:
        gdf.to_file(tmp, layer="buurten", driver="GPKG")
    write_json(
        {
            "ontbreekt_in_geometrie": match.only_in_data,
            "ontbreekt_in_data": match.only_in_geometry,
            "waarschuwingen": warnings,
        },
        output.controle,
    )


def _local_rows(path: str, column: str, prefixes: tuple[str, ...], what: str) -> Any:
    """Rows of a local CBS CSV whose (stripped) ``column`` starts with one of ``prefixes``."""
    from pipeline.ingest.cbs_tables import lees_cbs_csv

    df = lees_cbs_csv(Path(path))
    if column not in df.columns:
        cols = [c for c in df.columns if c.startswith(column.rstrip("0123456789"))]
        if not cols:
            raise WijkscanError(
                f"Kolom '{column}' ontbreekt in {path}.",
                waar=f"{what}: kolommen {', '.join(map(str, df.columns))}",
                oplossing="Gebruik de StatLine-export 'onbewerkte dataset' van deze tabel.",
            )
        column = cols[0]
    keys = df[column].astype(str).str.strip()
    rows = df[keys.str.startswith(prefixes)]
    if rows.empty:
        raise WijkscanError(
            f"Geen rijen voor {', '.join(prefixes)} in {path}.",
            waar=what,
            oplossing="Controleer of het bestand deze gemeente bevat.",
        )
    return rows


@step
def fetch_population(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Gemeente population by age and sex (03759ned layout) or a BRP extract, into the cache."""
    import pandas as pd

    from pipeline.ingest import demo
    from pipeline.io import atomic_path

    bron, gemeente, jaar = wildcards.bron, wildcards.gemeente, int(wildcards.jaar)
    dim = pd.DataFrame(columns=["Key", "Title"])
    if bron == "demo":
        # For a real gemeente the demo structure is relabelled here and rescaled to the
        # gemeente's real KWB bands in prepare_population (and marked fictief).
        rows, dim = demo.bevolking_raw(jaar)
        rows["RegioS"] = gemeente
    elif bron == "cbs":
        from pipeline.ingest import cbs

        # Since August 2023 CBS serves 03759ned only as a bulk download (no OData query);
        # the zip is cached once next to the raw files and shared by all gemeenten.
        c = params.cbs
        rows, dim = cbs.fetch_bulk_03759ned(
            wildcards.tabel,
            gemeente,
            jaar,
            cache=Path(output.csv).parent / ".bulk",
            url=c["bulk_url"],
            use_https=c["https"],
            timeout=c["timeout"],
            retries=c["pogingen"],
        )
    elif bron == "brp":
        from pipeline.ingest.brp import read_brp

        rows = read_brp(Path(input.lokaal[0]), gemeente, jaar=jaar)
    else:
        rows = _local_rows(input.lokaal[0], "RegioS", (gemeente,), "bronnen.bevolking.pad")
    store_raw(rows, Path(output.csv))
    with atomic_path(output.dim) as tmp:
        dim.to_csv(tmp, index=False)


@step
def fetch_forecast(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Gemeente forecast: Primos file, CBS/PBL 85171NED (online or local) or the demo."""
    from pipeline.ingest import demo

    bron, gemeente = wildcards.bron, wildcards.gemeente
    if bron == "demo":
        # For a real gemeente: the demo's growth per class, applied in prepare_forecast.
        rows = demo.prognose_primos(int(wildcards.jaar), list(params.horizon))
        rows["Gemeente"] = gemeente
    elif bron == "primos":
        from pipeline.ingest.primos import read_primos
        from pipeline.model.ages import labels

        # Validated against the user's file (errors name it), cached in the documented
        # Primos layout so that prepare_forecast reads demo and Primos alike.
        tidy = read_primos(Path(input.lokaal[0]), [gemeente])
        rows = tidy[["gemeentecode", "jaar", "geslacht", "aantal"]].copy()
        rows.insert(2, "leeftijd", labels(tidy["leeftijd_van"], tidy["leeftijd_tot"]))
    elif bron == "cbs":
        from pipeline.ingest import cbs

        flt = cbs.region_filter("RegioIndeling2021", [gemeente], width=6)
        rows = cbs.fetch_table(wildcards.tabel, filters=flt, **_cbs_kwargs(params.cbs))
        if rows.empty:
            # 85171NED has only the 88 largest gemeenten; 85173NED (intervals) has all.
            alle = params.cbs["prognose_tabel_gemeenten"]
            log.info("%s niet in %s; prognose uit %s (MW00000)", gemeente, wildcards.tabel, alle)
            rows = cbs.fetch_table(
                alle,
                filters=f"{flt} and PrognoseInterval eq 'MW00000'",
                **_cbs_kwargs(params.cbs),
            )
    else:
        from pipeline.ingest.cbs_tables import kies_prognosebestand, lees_cbs_csv

        # bronnen.prognose.pad may be a list, in order of preference.
        naam, rows = kies_prognosebestand(
            {str(p): lees_cbs_csv(Path(p)) for p in input.lokaal}, gemeente
        )
        log.info("prognose %s uit %s", gemeente, naam)
    store_raw(rows, Path(output.csv))


@step
def fetch_health(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """RIVM Gezondheid per wijk en buurt (loneliness) rows of one gemeente into the cache."""
    import pandas as pd

    from pipeline.ingest import demo

    bron, gemeente = wildcards.bron, wildcards.gemeente
    num = gemeente[2:]
    if bron == "geen":
        rows = pd.DataFrame(columns=["WijkenEnBuurten", "Perioden", "Eenzaam_1"])
    elif bron == "demo":
        if gemeente not in demo.DEMO_GEMEENTEN:
            raise WijkscanError(
                f"De demobron heeft geen eenzaamheidscijfers voor {gemeente}.",
                waar="bronnen.gezondheidsmonitor",
                oplossing="Gebruik type 'cbs' (online), 'lokaal' (CSV van 50150NED) of 'geen'.",
            )
        rows = demo.gezondheid_raw()
    elif bron == "cbs":
        from pipeline.ingest import cbs

        rows = cbs.fetch_table(
            wildcards.tabel,
            filters=cbs.kwb_filter([gemeente]),
            **_cbs_kwargs(params.cbs, third_party=True),
        )
    else:
        rows = _local_rows(
            input.lokaal[0],
            "WijkenEnBuurten",
            (gemeente, f"WK{num}", f"BU{num}"),
            "bronnen.gezondheidsmonitor.pad",
        )
    store_raw(rows, Path(output.csv), allow_empty=bron == "geen")


@step
def prepare_population(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Tidy gemeente population by age and sex for the base year (and the BRP per buurt)."""
    import pandas as pd

    from pipeline import schemas
    from pipeline.ingest import demo
    from pipeline.ingest.cbs_tables import (
        lees_cbs_csv,
        lege_bs_tabel,
        parse_03759ned,
        parse_03759ned_burgerlijke_staat,
    )
    from pipeline.io import write_parquet

    gemeente, jaar = wildcards.gemeente, int(params.jaar)
    # Joint age x sex x burgerlijke staat; empty when the source has no categories.
    bs = lege_bs_tabel()
    if params.bron == "brp":
        brp = pd.read_csv(input.csv, dtype={"buurtcode": str, "gemeentecode": str})
        brp["leeftijd_tot"] = brp["leeftijd_tot"].astype("Int64")
        gem = brp.groupby(
            ["geslacht", "leeftijd_van", "leeftijd_tot"], dropna=False, as_index=False
        )["aantal"].sum(min_count=1)
        gem.insert(0, "jaar", jaar)
        gem.insert(0, "gemeentecode", gemeente)
    else:
        rows = lees_cbs_csv(Path(input.csv))
        dim = pd.read_csv(input.dim, dtype=str, keep_default_na=False)
        leeftijd_dim = dim if len(dim) else None
        gem = parse_03759ned(rows, leeftijd_dim, jaar, [gemeente], bron=Path(input.csv).name)
        if params.bron == "demo" and gemeente not in demo.DEMO_GEMEENTEN:
            gem = demo.rescale_to_kwb(gem, pd.read_parquet(input.regios))
            # FICTIEF like the rescaled ages: the demo shares per sex x age.
            bs = demo.marital_split(gem)
        else:
            bs = parse_03759ned_burgerlijke_staat(
                rows, leeftijd_dim, jaar, [gemeente], bron=Path(input.csv).name
            )
        brp = pd.DataFrame(
            columns=["buurtcode", "geslacht", "leeftijd_van", "leeftijd_tot", "aantal"]
        )
    schemas.validate(gem, schemas.BEVOLKING, input.csv)
    write_parquet(gem, output.gemeente)
    write_parquet(brp, output.brp)
    write_parquet(bs, output.burgerlijke_staat)
    log.info("burgerlijke staat %s: %d regels", gemeente, len(bs))


@step
def prepare_forecast(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Tidy gemeente forecast by age and sex for the horizon years."""
    import pandas as pd

    from pipeline.ingest import demo
    from pipeline.io import write_json, write_parquet
    from pipeline.model import forecast

    gemeente = wildcards.gemeente
    if params.bron in ("primos", "demo"):
        from pipeline.ingest.primos import read_primos

        fc = read_primos(Path(input.csv), [gemeente])
        if params.bron == "demo" and gemeente not in demo.DEMO_GEMEENTEN:
            fc = demo.apply_demo_growth(fc, pd.read_parquet(input.bevolking), int(params.jaar))
    else:
        from pipeline.ingest.cbs_tables import lees_cbs_csv, parse_85171ned

        fc = parse_85171ned(
            lees_cbs_csv(Path(input.csv)), gemeenten=[gemeente], bron=Path(input.csv).name
        )
    base = pd.read_parquet(input.bevolking)
    table, method = forecast.gemeente_forecast(fc, base, int(params.jaar), list(params.horizon))
    write_parquet(table, output.prognose)
    meta = {"methode": method, "bron": params.bron}
    if params.bron in ("cbs", "lokaal"):
        from pipeline.ingest.cbs_tables import prognose_tabel

        # The online fallback (85173NED) or a list of local files may have picked another
        # table than cbs.prognose_tabel: provenance names the one really used.
        tabel = prognose_tabel(lees_cbs_csv(Path(input.csv)).columns)
        if tabel:
            meta["tabel"] = tabel
    write_json(meta, output.methode)
    log.info("prognose %s: %s", gemeente, method)


@step
def prepare_loneliness(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Tidy RIVM loneliness estimates per region code (newest survey year)."""
    import pandas as pd

    from pipeline.ingest.cbs_tables import lees_cbs_csv, parse_gezondheidsmonitor
    from pipeline.io import write_parquet

    rows = lees_cbs_csv(Path(input.csv))
    if rows.empty:
        # Source 'geen': no loneliness figures; the report says so instead of showing zeros.
        table = pd.DataFrame(columns=["code", "niveau", "jaar", "eenzaam_pct"])
    else:
        table = parse_gezondheidsmonitor(rows, wildcards.gemeente, bron=Path(input.csv).name)
    write_parquet(table, output.eenzaamheid)


@step
def estimate_population(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Buurt population by 5-year band and sex: IPF estimate from KWB + gemeente, or the BRP."""
    import pandas as pd

    from pipeline.io import write_json, write_parquet
    from pipeline.model import estimate, intervals

    regios = pd.read_parquet(input.regios)
    buurten = regios[regios["niveau"] == "buurt"]
    brp = pd.read_parquet(input.brp)
    sch = params.schatting
    draws = None
    if len(brp):
        result = estimate.from_brp(brp, buurten)
        method = "brp"
    else:
        result, draws = estimate.estimate_with_draws(
            buurten,
            pd.read_parquet(input.gemeente),
            gemeente_bs=pd.read_parquet(input.gemeente_bs),
            trekkingen=int(sch["trekkingen"]),
            spreiding=float(sch["spreiding"]),
            rng_seed=intervals.zaad_voor(int(sch["zaad"]), wildcards.gemeente),
        )
        method = "ipf"
    diag = result.attrs.get("diagnostiek")
    if hasattr(diag, "as_dict"):
        diag = diag.as_dict()
    result = result.copy()
    result.attrs = {}
    result["jaar"] = int(params.jaar)
    if draws is None:
        # A BRP extract is a count, not an estimate: no draws, no interval.
        draws = result.iloc[0:0].drop(columns=["geschat", "jaar"]).assign(trekking=0)
    write_parquet(result, output.bevolking)
    write_parquet(draws, output.trekkingen)
    write_json({"methode": method, "diagnostiek": diag}, output.diagnostiek)
    log.info("schatting %s: %s %s", wildcards.gemeente, method, diag)


@step
def project_population(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Buurt population in the horizon years, summing to the gemeente forecast."""
    import pandas as pd

    from pipeline.io import write_parquet
    from pipeline.model import project

    base = pd.read_parquet(input.bevolking).drop(columns=["jaar"])
    fc = pd.read_parquet(input.prognose)
    out = project.project_buurten(base, fc, int(params.jaar), list(params.horizon))
    diag = out.attrs.get("diagnostiek")
    out = out.copy()
    out.attrs = {}
    write_parquet(out, output.bevolking)
    log.info("projectie %s: %s", wildcards.gemeente, diag)


@step
def compute_indicators(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Published indicator table, unrounded quantities and provenance of one gemeente."""
    import json

    import pandas as pd

    from pipeline import schemas
    from pipeline.ingest.prevalentie import read_prevalentie
    from pipeline.io import write_json, write_parquet
    from pipeline.model import indicators, intervals, provenance, registry

    cfg = params.config
    s = indicators.settings_from_config(cfg)
    regios = pd.read_parquet(input.regios)
    bev_buurt = pd.read_parquet(input.bevolking)
    bev_gem = pd.concat(
        [pd.read_parquet(input.gemeente), pd.read_parquet(input.prognose)], ignore_index=True
    )
    eenzaam = pd.read_parquet(input.eenzaamheid)
    prev = read_prevalentie(Path(input.prevalentie))
    prev_bron = params.prevalentie_bron
    reg = registry.registry_from_config(cfg, prev_bron)
    q = indicators.assemble(regios, bev_buurt, bev_gem, eenzaam, prev, s)
    derived = indicators.derive(q, s)
    table = indicators.publish(derived, reg, s)
    schatting = json.loads(Path(input.schatting).read_text(encoding="utf-8"))
    draws = pd.read_parquet(input.trekkingen)
    if len(draws):
        per_draw = intervals.draw_indicators(draws, q, prev, s)
        table = intervals.attach_intervals(table, derived, per_draw, reg, s, intervals.NIVEAU)
    marges = (schatting.get("diagnostiek") or {}).get("marges", {}) or {}
    table["marges"] = intervals.marges_column(table["code"], marges, schatting["methode"])
    schemas.validate(table, schemas.indicator_schema(reg), "compute_indicators")
    controle = json.loads(Path(input.controle).read_text(encoding="utf-8"))
    methode = json.loads(Path(input.methode).read_text(encoding="utf-8"))
    warnings = provenance.report_warnings(
        controle.get("waarschuwingen", []), methode.get("methode")
    ) + intervals.marges_waarschuwingen(marges if schatting["methode"] == "ipf" else {})
    naam = str(regios.loc[regios["niveau"] == "gemeente", "naam"].iloc[0])
    meta = provenance.build_meta(
        wildcards.gemeente,
        naam,
        cfg,
        dict(params.raw_files),
        dict(params.table_ids),
        warnings,
        prev_bron,
    )
    meta["prognose_methode"] = methode.get("methode")
    provenance.set_table(meta, "prognose", methode.get("tabel"))
    meta["dementie_landelijk"] = _national_dementia(input.landelijk)
    meta["buurtsignaal"] = intervals.bepaal_buurtsignaal(reg, schatting["methode"], marges)
    write_parquet(q, output.grootheden)
    write_parquet(table, output.indicatoren)
    write_json(meta, output.meta)
    _progress(wildcards.gemeente, naam, table, s.basisjaar, bool(meta["fictief"]))


def _national_dementia(path: str) -> list[dict[str, str]]:
    """Published national dementia totals (config CSV) for bronnen.json, as strings."""
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")


def _progress(gemeente: str, naam: str, table: Any, basisjaar: int, fictief: bool) -> None:
    """One line per gemeente in the Snakemake output, so long runs show what is done."""
    base = table[(table["jaar"] == basisjaar) & (table["niveau"] == "gemeente")].iloc[0]
    n_buurten = int(((table["jaar"] == basisjaar) & (table["niveau"] == "buurt")).sum())
    print(
        f"wijkscan {gemeente} {naam}: {n_buurten} buurten, "
        f"{base['inwoners']:.0f} inwoners, indicatoren klaar" + (" (FICTIEF)" if fictief else ""),
        file=sys.stderr,
    )


@step
def export_indicators(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """CSV, XLSX and GeoPackage exports of the published indicators."""
    _export(
        input.indicatoren,
        input.meta,
        input.buurten,
        params.config,
        output.csv,
        output.xlsx,
        output.gpkg,
    )


def _export(
    indicatoren: str, meta: str, buurten: str, config: dict, csv: str, xlsx: str, gpkg: str
) -> None:
    import json

    import geopandas as gpd
    import pandas as pd

    from pipeline.model import provenance, registry

    table = pd.read_parquet(indicatoren)
    meta_d = json.loads(Path(meta).read_text(encoding="utf-8"))
    reg = registry.registry_from_config(
        config, meta_d.get("prevalentie_bron", ""), provenance.tables(meta_d)
    )
    geo = gpd.read_file(buurten, layer="buurten")
    _write_exports(table, meta_d, geo, reg, int(config["jaar"]), csv, xlsx, gpkg)


def _write_exports(
    table: Any, meta: dict, geo: Any, reg: dict, jaar: int, csv: str, xlsx: str, gpkg: str
) -> None:
    from pipeline.present import export

    export.write_csv(table, Path(csv))
    export.write_xlsx(table, reg, meta, Path(xlsx))
    export.write_gpkg(table, geo, reg, jaar, Path(gpkg))


# ------------------------------------------------------------------ render (reports)


def _files(input: Any) -> dict[str, Any]:
    """A rule's named input as plain strings (lists stay lists), so it can go to a worker."""
    return {
        key: [str(p) for p in value] if isinstance(value, list) else str(value)
        for key, value in input.items()
    }


def _load_published(files: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Any, dict, dict]:
    import json

    import geopandas as gpd
    import pandas as pd

    from pipeline.model import provenance, registry

    table = pd.read_parquet(files["indicatoren"])
    meta = json.loads(Path(files["meta"]).read_text(encoding="utf-8"))
    buurten = gpd.read_file(files["buurten"], layer="buurten")
    reg = registry.registry_from_config(
        config, meta.get("prevalentie_bron", ""), provenance.tables(meta)
    )
    return table, buurten, reg, meta


def _references(paths: list[str]) -> Any:
    import pandas as pd

    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True) if paths else None


def _sessies(files: dict[str, Any]) -> Any:
    """The validated session input (``sessies.json``) of a render job, or None (first edition)."""
    import json

    paths = files.get("sessies") or []
    paths = [paths] if isinstance(paths, str) else paths
    return json.loads(Path(paths[0]).read_text(encoding="utf-8")) if paths else None


def report_job(
    files: dict[str, Any],
    config: dict[str, Any],
    rapport: dict[str, Any],
    template_dir: str,
    html: str,
    pdf: str,
    volgende_ronde: list[str] | None = None,
) -> tuple[int, str]:
    """Render one gemeente's report (HTML, then the PDF printed from it).

    With session input (``files["sessies"]``) it is the second edition; ``volgende_ronde``
    are then the questions for the next round.

    A render job takes and returns plain values only, so :func:`render` can run it in this
    process or in a worker process.

    Returns
    -------
    tuple of (int, str)
        Number of PDF pages and the gemeente's name.
    """
    from pipeline.present import report

    table, buurten, reg, meta = _load_published(files, config)
    rapport_cfg = dict(rapport) | {
        "min_inwoners": config["indicatoren"]["min_inwoners"],
        "afronding": config["indicatoren"]["afronding"],
    }
    report.write_html(
        table,
        buurten,
        reg,
        meta,
        rapport_cfg,
        _references(files.get("referenties", [])),
        path=Path(html),
        template_dir=Path(template_dir),
        sessies=_sessies(files),
        volgende_ronde=volgende_ronde or (),
    )
    return report.html_to_pdf(Path(html), Path(pdf)), str(meta["gemeentenaam"])


def vouwkaart_job(
    files: dict[str, Any], config: dict[str, Any], settings: dict[str, Any], formaat: str, pdf: str
) -> None:
    """Render one vouwkaart format (a render job, see :func:`report_job`)."""
    from pipeline.present import vouwkaart

    table, buurten, reg, meta = _load_published(files, config)
    vouwkaart.render_vouwkaart(
        table, buurten, reg, meta, settings, formaat, Path(pdf), sessies=_sessies(files)
    )


def region_report_job(
    files: dict[str, Any],
    config: dict[str, Any],
    naam: str,
    weging: dict[str, Any],
    template_dir: str,
    html: str,
    pdf: str,
) -> None:
    """Render the regional report, HTML and PDF (a render job, see :func:`report_job`)."""
    import json

    import pandas as pd

    from pipeline.io import write_text
    from pipeline.model import registry
    from pipeline.present import region, report

    tables = [pd.read_parquet(p) for p in files["tabellen"]]
    metas = [json.loads(Path(p).read_text(encoding="utf-8")) for p in files["metas"]]
    reg = registry.registry_from_config(config, metas[0].get("prevalentie_bron", ""))
    ctx = region.build_context(
        tables,
        _references(files["referenties"]),
        reg,
        metas,
        naam,
        weging,
        template_dir=Path(template_dir),
        sessies=[json.loads(Path(p).read_text(encoding="utf-8")) for p in files.get("sessies", [])],
    )
    write_text(region.render_html(ctx, Path(template_dir)), html)
    report.html_to_pdf(Path(html), Path(pdf))


@step
def render_report(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """The council report as self-contained HTML, printed to an A4 PDF."""
    pages, naam = render(
        report_job,
        _files(input),
        dict(params.config),
        dict(params.rapport),
        str(params.template_dir),
        str(output.html),
        str(output.pdf),
        list(params.volgende_ronde),
    )
    # The gemeente is built when its report is: one line for long (national) runs.
    print(
        f"wijkscan {wildcards.gemeente} {naam}: rapport klaar ({pages} pagina's)", file=sys.stderr
    )


@step
def render_vouwkaart(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """One vouwkaart format (A1, A3 or A4 set) as vector PDF."""
    render(
        vouwkaart_job,
        _files(input),
        dict(params.config),
        dict(params.vouwkaart),
        str(wildcards.formaat),
        str(output.pdf),
    )


@step
def render_region_report(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """The regional comparison report as self-contained HTML, printed to an A4 PDF."""
    render(
        region_report_job,
        _files(input),
        dict(params.config),
        str(params.naam),
        dict(params.weging),
        str(params.template_dir),
        str(output.html),
        str(output.pdf),
    )


@step
def session_workbook(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """The session workbook of one gemeente (XLSX and its CSV twin), for the tables.

    The outputs are ``update()`` in the rule, so Snakemake leaves a workbook the facilitator
    filled in place; :func:`pipeline.present.sessie.write_session_files` moves it aside first and
    the warning says where it went.
    """
    import json

    import pandas as pd

    from pipeline.model import provenance, registry
    from pipeline.present import report, sessie

    table = pd.read_parquet(input.indicatoren)
    meta = json.loads(Path(input.meta).read_text(encoding="utf-8"))
    reg = registry.registry_from_config(
        params.config, meta.get("prevalentie_bron", ""), provenance.tables(meta)
    )
    weging = report.rapport_config({"weging": dict(params.weging)}, reg)["weging"]
    n, bewaard = sessie.write_session_files(
        table, reg, meta, weging, Path(output.xlsx), Path(output.csv)
    )
    if bewaard:
        melding = sessie.bewaard_melding(bewaard)
        log.warning("%s", melding)
        print(f"\nLET OP ({wildcards.gemeente}): {melding}\n", file=sys.stderr)
    log.info("sessiewerkboek met %d buurten", n)


@step
def prepare_sessions(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Read and check the filled session workbooks of one gemeente into ``sessies.json``."""
    import json

    import pandas as pd

    from pipeline.ingest import sessie_cellen, sessie_lezen
    from pipeline.io import write_json

    table = pd.read_parquet(input.indicatoren)
    meta = json.loads(Path(input.meta).read_text(encoding="utf-8"))
    res = sessie_lezen.lees_sessies(
        list(input.sessies), table, wildcards.gemeente, str(meta.get("gemeentenaam", ""))
    )
    write_json(res, output.json)
    # Names of people cannot be refused reliably: a warning per suspect cell, to check.
    for melding in sessie_cellen.mogelijke_namen_meldingen(res):
        log.warning("%s", melding)
        print(f"LET OP ({wildcards.gemeente}): {melding}", file=sys.stderr)
    log.info("%d sessies, %d buurtregels", len(res["sessies"]), len(res["inbreng"]))


@step
def fetch_kwb_national(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """National KWB rows (NL01 and the gemeenten) for the national reference."""
    from pipeline.ingest import kwb

    if wildcards.bron == "lokaal":
        raw = kwb.read_kwb(Path(input.lokaal[0]))
        codes = raw["WijkenEnBuurten"].astype(str).str.strip()
        rows = raw[codes.str.startswith(("NL", "GM"))]
    elif wildcards.bron == "cbs":
        from pipeline.ingest import cbs

        rows = cbs.fetch_table(
            wildcards.tabel,
            filters="startswith(WijkenEnBuurten,'NL') or startswith(WijkenEnBuurten,'GM')",
            **_cbs_kwargs(params.cbs),
        )
    else:
        raise WijkscanError("De demobron heeft geen landelijke cijfers.", waar="bronnen.kwb")
    store_raw(rows, Path(output.csv))


@step
def prepare_reference_nl(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Published national reference row (KWB-based) for the report."""
    from pipeline.ingest import kwb
    from pipeline.io import write_parquet
    from pipeline.model import indicators, reference, registry

    cfg = params.config
    raw = kwb.read_kwb(Path(input.kwb))
    q = reference.national_quantities(raw, int(cfg["jaar"]), Path(input.kwb).name)
    if q["reden"].iloc[0]:
        # No national figure beats a wrong one (a file with only Duiven is not Nederland).
        log.warning(
            "Geen landelijke vergelijkingscijfers: %s. Het rapport toont bij 'Nederland' "
            "een streepje. Oplossing: gebruik een landelijk KWB-bestand (met de rij NL01 "
            "of alle gemeenten) als bronnen.kwb.pad.",
            q["reden"].iloc[0],
        )
    s = indicators.settings_from_config(cfg)
    reg = registry.registry_from_config(cfg)
    write_parquet(reference.publish_reference(q, reg, s), output.referentie)


@step
def compute_region(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Published region reference rows (sum of the member gemeenten) per year."""
    import pandas as pd

    from pipeline.io import write_parquet
    from pipeline.model import indicators, reference, registry

    cfg = params.config
    s = indicators.settings_from_config(cfg)
    q = reference.region_quantities([pd.read_parquet(p) for p in input.grootheden], params.naam)
    reg = registry.registry_from_config(cfg)
    write_parquet(reference.publish_reference(q, reg, s), output.referentie)


# ------------------------------------------- national one pass (berekening: in_een_keer)


@step(release=True)
def prepare_regions_all(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Tidy, validated region table of every selected gemeente, from the national KWB file."""
    from pipeline import schemas
    from pipeline.ingest import kwb
    from pipeline.io import write_parquet
    from pipeline.present import fmt

    source = Path(input.kwb[0])
    regios = kwb.normalize_all(kwb.read_kwb(source), source.name)
    wanted = set(params.gemeenten)
    missing = sorted(wanted - set(regios.loc[regios["niveau"] == "gemeente", "code"]))
    if missing:
        raise WijkscanError(
            f"{len(missing)} gemeente(n) staan niet in {source.name}: {fmt.eerste(missing)}",
            waar="gemeenten / bronnen.kwb.pad",
            oplossing="Controleer de gemeentecodes en het peiljaar van het KWB-bestand.",
        )
    regios = regios[regios["gemeentecode"].isin(wanted)].reset_index(drop=True)
    regios = _merge_aanvulling(regios, input, params)
    schemas.validate(regios, schemas.REGIOS, str(source))
    write_parquet(regios, output.regios)
    log.info("%d gemeenten, %d buurten", len(wanted), int((regios.niveau == "buurt").sum()))


@step(release=True)
def prepare_geometry_all(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Buurt polygons of every selected gemeente from one read of the national file."""
    import pandas as pd

    from pipeline.ingest import geometry
    from pipeline.io import atomic_path, write_json
    from pipeline.model import national

    regios = pd.read_parquet(input.regios)
    source = Path(input.gpkg[0])
    geo, hersteld = geometry.repair(geometry.read_buurten(source, None, params.laag))
    parts = national.geometry_per_gemeente(
        geo, regios, int(params.jaar), params.controle, source.name
    )
    for gm, (_, controle) in parts.items():
        eigen = [c for c in hersteld if c.startswith("BU" + gm[2:])]
        controle["waarschuwingen"] = list(controle.get("waarschuwingen", [])) + (
            geometry.repair_warning(eigen)
        )
    gpkgs = dict(zip(params.gemeenten, output.gpkg, strict=True))
    for gm, (gdf, _) in parts.items():
        with atomic_path(gpkgs[gm]) as tmp:
            gdf.to_file(tmp, layer="buurten", driver="GPKG")
    # One national copy for the export job (it would otherwise list 342 inputs).
    with atomic_path(output.buurten) as tmp:
        pd.concat([gdf for gdf, _ in parts.values()]).to_file(tmp, layer="buurten", driver="GPKG")
    write_json({gm: controle for gm, (_, controle) in parts.items()}, output.controle)
    log.info("buurtgrenzen van %d gemeenten uit %s", len(parts), source.name)


@step(release=True)
def compute_indicators_all(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """Indicators, quantities and provenance of every selected gemeente in one pass."""
    import copy
    import json

    import pandas as pd

    from pipeline import schemas
    from pipeline.ingest.cbs_tables import lees_cbs_csv, parse_85171ned
    from pipeline.ingest.prevalentie import read_prevalentie
    from pipeline.ingest.primos import read_primos
    from pipeline.io import write_json, write_parquet
    from pipeline.model import indicators, intervals, national, provenance, registry

    cfg = params.config
    bronnen = {kind: cfg["bronnen"][kind]["type"] for kind in cfg["bronnen"]}
    s = indicators.settings_from_config(cfg)
    gemeenten = list(params.gemeenten)
    regios = pd.read_parquet(input.regios)
    pop_file = Path(input.bevolking[0]) if len(input.bevolking) else None
    pop_rows = lees_cbs_csv(pop_file) if pop_file else None
    pop_name = pop_file.name if pop_file else "demo"
    pop = national.population_all(bronnen["bevolking"], regios, s.basisjaar, pop_rows, pop_name)
    schemas.validate(pop, schemas.BEVOLKING, str(pop_file or "demo"))
    pop_bs = national.population_bs_all(bronnen["bevolking"], pop, s.basisjaar, pop_rows, pop_name)
    years = sorted({int(h) for h in cfg["horizon"]} - {s.basisjaar})
    fc, methode = None, None
    if years:
        tidy = None
        if bronnen["prognose"] == "primos":
            tidy = read_primos(Path(input.prognose[0]), gemeenten)
        elif bronnen["prognose"] == "lokaal":
            path = Path(input.prognose[0])
            tidy = parse_85171ned(lees_cbs_csv(path), gemeenten=gemeenten, bron=path.name)
        fc, methode = national.forecast_all(bronnen["prognose"], pop, s.basisjaar, years, tidy)
    eenzaam = None
    if len(input.gezondheid):
        path = Path(input.gezondheid[0])
        eenzaam = national.loneliness_all(lees_cbs_csv(path), gemeenten, path.name)
    prev_bron = params.prevalentie_bron
    reg = registry.registry_from_config(cfg, prev_bron)
    res = national.compute_all(
        regios,
        pop,
        read_prevalentie(Path(input.prevalentie)),
        reg,
        s,
        forecast=fc,
        prognose_methode=methode,
        eenzaamheid=eenzaam,
        schatting=cfg["schatting"],
        gemeente_bs=pop_bs,
    )
    table, q = res.indicatoren, res.grootheden
    schemas.validate(table, schemas.indicator_schema(reg), "compute_indicators_all")
    # Hash the national files once; every gemeente's bronnen.json cites the same files.
    template = provenance.build_meta(
        "", "", cfg, dict(params.raw_files), dict(params.table_ids), [], prev_bron
    )
    template["dementie_landelijk"] = _national_dementia(input.landelijk)
    paths = {
        kind: dict(zip(gemeenten, getattr(output, kind), strict=True))
        for kind in ("indicatoren", "grootheden", "meta")
    }
    controles = json.loads(Path(input.controle).read_text(encoding="utf-8"))
    marges_all = (res.diagnostiek or {}).get("marges", {})
    tables = dict(tuple(table.groupby("gemeentecode", sort=False)))
    quantities = dict(tuple(q.groupby("gemeentecode", sort=False)))
    metas = {}
    for gm in gemeenten:
        t_gm = tables[gm].reset_index(drop=True)
        methode = res.prognose_methode.get(gm)
        prefix = "BU" + gm[2:]
        marges = {c: m for c, m in marges_all.items() if c.startswith(prefix)}
        warnings = provenance.report_warnings(
            controles[gm].get("waarschuwingen", []), methode
        ) + intervals.marges_waarschuwingen(marges)
        meta = copy.deepcopy(template)
        naam = str(t_gm.loc[t_gm["niveau"] == "gemeente", "naam"].iloc[0])
        meta.update(
            gemeente=gm, gemeentenaam=naam, waarschuwingen=warnings, prognose_methode=methode
        )
        meta["buurtsignaal"] = intervals.bepaal_buurtsignaal(reg, "ipf", marges)
        write_parquet(quantities[gm].reset_index(drop=True), paths["grootheden"][gm])
        write_parquet(t_gm, paths["indicatoren"][gm])
        write_json(meta, paths["meta"][gm])
        metas[gm] = meta
        _progress(gm, naam, t_gm, s.basisjaar, bool(meta["fictief"]))
    # National copies: the export job reads these two instead of 342 x 2 files.
    write_parquet(table, output.landelijk_indicatoren)
    write_json(metas, output.landelijk_bronnen)
    log.info("in één keer: %s", res.seconden)
    log.info("schatting (IPF) van alle buurten: %s", res.diagnostiek)


@step(release=True)
def export_indicators_all(input: Any, output: Any, params: Any, wildcards: Any) -> None:
    """The exports of every gemeente in one job (alongside the per-gemeente renders)."""
    import json

    import geopandas as gpd
    import pandas as pd

    from pipeline.model import provenance, registry

    table = pd.read_parquet(input.indicatoren)
    metas = json.loads(Path(input.meta).read_text(encoding="utf-8"))
    geo = gpd.read_file(input.buurten, layer="buurten")
    tables = dict(tuple(table.groupby("gemeentecode", sort=False)))
    prefix = geo["code"].str[2:6]
    files = zip(params.gemeenten, output.csv, output.xlsx, output.gpkg, strict=True)
    for gm, csv, xlsx, gpkg in files:
        reg = registry.registry_from_config(
            params.config, metas[gm].get("prevalentie_bron", ""), provenance.tables(metas[gm])
        )
        _write_exports(
            tables[gm].reset_index(drop=True),
            metas[gm],
            geo[prefix == gm[2:]].reset_index(drop=True),
            reg,
            int(params.config["jaar"]),
            csv,
            xlsx,
            gpkg,
        )
    log.info("exports van %d gemeenten", len(params.gemeenten))
