"""Render workers: the processes that draw the reports, vouwkaarten and region report.

Why this stays: in thread mode (``--force-use-threads``, the profiles) every job is a thread
of the Snakemake process, and a process runs one render at a time (:data:`RENDER_LOCK`), so
the renders of a run would take turns on one core. :func:`start_render_workers`
(Snakemake's ``onstart``) starts one worker per core from a ``forkserver`` that imports the
render modules while the data steps run; :func:`render` sends each render job there, or
runs it in this process when there are no workers (one core, one render, a process per job,
a cluster). A worker that crashes fails its job, not Snakemake. Workers are replaced every
:data:`RENDERS_PER_WORKER` renders because they grow with every report, and
:mod:`pipeline.workflow.lifecycle` makes them die with the run.

The same workers take the per-gemeente interval draws of a build step with several
gemeenten (:func:`run_all`): that step is one job, and nationally its draws kept one core
busy for minutes while the others waited for it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pipeline.errors import WijkscanError
from pipeline.workflow import steps

log = logging.getLogger("wijkscan")


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

#: What the render workers' forkserver imports before the first render (while the data
#: steps still run): a render job reads the published tables too; see
#: :func:`start_render_workers`.
_RENDER_MODULES = (
    *steps.PRELOAD,
    "weasyprint",
    "pipeline.present.report",
    "pipeline.present.vouwkaart",
    "pipeline.present.region",
)


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


def start_render_workers(n: int, tekenen: bool = True) -> None:
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
    tekenen
        Whether the run renders; if not, the workers only compute a build step's margins
        (``--until build``), and the start-up line says so.
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
            wat = (
                f"rapporten en vouwkaarten tekenen in {n} tekenprocessen"
                if tekenen
                else f"marges berekenen in {n} hulpprocessen"
            )
            print(f"wijkscan: {wat}", file=sys.stderr)


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


def render_jobs(jobs: Iterable[str]) -> int:
    """How many of the rule names are render jobs (``render_*`` rules)."""
    return sum(1 for name in jobs if name.startswith("render_"))


def render_workers(
    use_threads: bool, cores: int, jobs: Iterable[str], local: bool = True, rekentaken: int = 0
) -> int:
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
    rekentaken
        Per-gemeente tasks of build steps with several gemeenten (:func:`run_all`).

    Returns
    -------
    int
        Locally in thread mode with at least 2 cores and 2 tasks for them (render jobs,
        ``render_*`` rules, and ``rekentaken``): one per core, but no more than there are
        tasks. Otherwise 0: with one core or one task a worker would only add its start-up
        to the same serial work.
    """
    tasks = render_jobs(jobs) + rekentaken
    if not local or not use_threads or cores < 2 or tasks < 2:
        return 0
    return min(cores, tasks)


def stop_render_workers() -> None:
    """Stop the render workers and their forkserver (no process of the build outlives it)."""
    from pipeline.workflow import lifecycle

    global _pool
    with _POOL_LOCK:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
        # Otherwise the server outlives Snakemake by a second, unloading 250 MB of modules.
        lifecycle.stop_forkserver()


#: Renders this worker process has run (each worker counts its own).
_worker_renders = 0


def _logged(logfile: str | None, job: Callable[..., Any], *args: Any) -> Any:
    """Run a render job in a worker process with its records appended to the job's log."""
    global _worker_renders
    if _worker_renders:
        # Before, not after, a render: a result is not held up, and a worker that draws
        # only one report (one gemeente) never pays for it.
        steps.release_memory()
    _worker_renders += 1
    return _in_worker(logfile, "tekenen in hulpproces %d", job, *args)


def _in_worker(logfile: str | None, melding: str, job: Callable[..., Any], *args: Any) -> Any:
    """Run ``job`` in a worker process with its records appended to the job's log file.

    ``melding`` (with ``%d`` for the worker's pid) opens the job's records; empty for none.
    """
    handler = None
    root = logging.getLogger()
    if logfile:
        handler = logging.FileHandler(logfile, mode="a", encoding="utf-8")
        handler.setFormatter(logging.Formatter(steps.LOG_FORMAT))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    try:
        if melding:
            log.info(melding, os.getpid())
        return job(*args)
    finally:
        if handler is not None:
            root.removeHandler(handler)
            handler.close()


def _worker_stopped(wat: str = "kaarten en PDF's tekent") -> WijkscanError:
    return WijkscanError(
        f"Het hulpproces dat {wat} is onverwacht gestopt (afgebroken, of te weinig geheugen).",
        oplossing="Start dezelfde opdracht opnieuw; wat al klaar is, blijft staan. "
        "Gebeurt het weer, geef dan minder kernen op (--cores 1 tekent alles in het "
        "hoofdproces).",
    )


def _forget(pool: Any) -> None:
    """After a worker crashed: later jobs of this run work in this process."""
    global _pool
    with _POOL_LOCK:
        if _pool is pool:
            _pool = None


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

    pool = _pool_for_render()
    if pool is None:
        with RENDER_LOCK:
            return job(*args)
    try:
        return pool.submit(
            _logged, getattr(steps.current_job, "logfile", None), job, *args
        ).result()
    except BrokenProcessPool as exc:
        # Later renders of this run draw in this process; this one fails with a fix.
        _forget(pool)
        raise _worker_stopped() from exc


def run_all(task: Callable[..., Any], argsets: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Run ``task(*args)`` for every argument tuple, spread over the workers; results in order.

    For the per-gemeente interval draws of a build step with several gemeenten
    (:func:`pipeline.model.batch.compute_batch`): in thread mode that step is one thread of
    the Snakemake process and would keep one core busy while the others wait for it. Without
    workers the tasks run here, one after the other. Afterwards the pool is replaced by fresh
    forks, so the renders that follow do not start in workers grown by the draws.

    Parameters
    ----------
    task
        A module-level function (pickled by name).
    argsets
        One argument tuple per task (plain values and pandas tables).

    Returns
    -------
    list
        ``task``'s results, in the order of ``argsets``.
    """
    from concurrent.futures.process import BrokenProcessPool

    global _pool, _pool_renders
    with _POOL_LOCK:
        pool = _pool
    if pool is None:
        return [task(*args) for args in argsets]
    # What the step before the tasks freed goes back to the system now, not after the tasks:
    # the workers' memory comes on top of this process's.
    steps.release_memory()
    logfile = getattr(steps.current_job, "logfile", None)
    log.info("%d taken verdeeld over %d hulpprocessen", len(argsets), _pool_size)
    # No line per task: a national build step has hundreds.
    futures = [pool.submit(_in_worker, logfile, "", task, *args) for args in argsets]
    try:
        return [f.result() for f in futures]
    except BrokenProcessPool as exc:
        _forget(pool)
        raise _worker_stopped("rekent") from exc
    finally:
        for f in futures:
            f.cancel()
        with _POOL_LOCK:
            if _pool is pool:
                # Running tasks finish in the old pool; its workers then exit.
                pool.shutdown(wait=False)
                _pool, _pool_renders = _new_pool(_pool_size), 0
