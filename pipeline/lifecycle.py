"""Process lifetime: render workers die with the run, and a crashed run is cleaned up.

Two problems this module solves (issue 14):

* After ``kill -9`` of Snakemake the render workers (``pipeline.adapters``: a forkserver of
  ~250 MB and its workers of ~450 MB) kept running. A ``ProcessPoolExecutor`` worker never
  notices that the process that submits work is gone (it holds both ends of its own task
  queue), and every worker keeps the forkserver's "alive" pipe open, so the forkserver does
  not stop either. Linux can send a signal to a child when its parent dies
  (``PR_SET_PDEATHSIG``); the forkserver sets it when it imports this module (its parent is
  Snakemake) and every worker sets it in its initializer (its parent is the forkserver).
  A worker also watches the Snakemake process itself, which covers a forkserver that had not
  come this far yet, and systems without ``prctl``.
* After a crash Snakemake refuses the next run ("Directory cannot be locked ... --unlock")
  and, without ``--rerun-incomplete``, stops at the jobs that were running. Every output
  here is written atomically (:mod:`pipeline.io`), so both are safe to resolve when no
  other Snakemake works in the directory: :func:`recover_after_crash`.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

#: Environment variable that tells the render forkserver which process is its parent
#: (set only while :func:`start_forkserver` starts it).
PARENT_ENV = "WIJKSCAN_TEKENSERVER_OUDER"
#: ``prctl`` option: signal this process when its parent (thread) ends (linux/prctl.h).
_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent ends.

    The parent is the *thread* that created this process: a child started from a thread
    that ends earlier is signalled then (see :func:`start_forkserver`).

    Parameters
    ----------
    sig
        The signal; SIGKILL because nothing of a render needs cleaning up (outputs are
        written atomically, a killed render leaves at most a temporary file).

    Returns
    -------
    bool
        Whether it was set (False outside Linux or without libc's ``prctl``).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def watch_process(pid: int, interval: float = 0.5) -> threading.Thread:
    """End this process as soon as process ``pid`` has ended (a daemon thread watches it).

    Uses a pidfd (Linux 5.3+: no confusion with a later process that gets the same pid),
    else checks every ``interval`` seconds.

    Parameters
    ----------
    pid
        The process to outlive by at most ``interval`` seconds.
    interval
        Seconds between checks without a pidfd.

    Returns
    -------
    threading.Thread
        The started watcher.
    """

    def _watch() -> None:
        import select

        fd = None
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            os._exit(1)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])  # readable once the process has ended
            os._exit(1)
        while _alive(pid):
            time.sleep(interval)
        os._exit(1)

    thread = threading.Thread(target=_watch, name="wijkscan-ouderwacht", daemon=True)
    thread.start()
    return thread


def worker_init(parent: int) -> None:
    """Initializer of a render worker: end with the forkserver and with Snakemake.

    Parameters
    ----------
    parent
        Pid of the process that submits the renders (Snakemake in thread mode).
    """
    die_with_parent()
    if not _alive(parent):
        os._exit(1)
    watch_process(parent)


def start_forkserver() -> None:
    """Start the multiprocessing forkserver now, from this (the main) thread.

    ``PR_SET_PDEATHSIG`` follows the thread that started a process: a forkserver started by
    a short-lived thread (the pool starts it on the first submit) would be killed when that
    thread ends. Started here, its parent is Snakemake's main thread, which lives as long as
    Snakemake. The environment variable tells the server's import of this module (first in
    its preload list) to arm the signal; it is removed again so that nothing started later
    inherits it.
    """
    from multiprocessing import forkserver

    os.environ[PARENT_ENV] = str(os.getpid())
    try:
        forkserver.ensure_running()
    finally:
        os.environ.pop(PARENT_ENV, None)


def stop_forkserver() -> None:
    """Stop the forkserver (if this process started one) without waiting for its clean-up.

    The server would stop by itself once Snakemake has exited, but it first unloads
    matplotlib and WeasyPrint (~1 s, 250 MB); a build then leaves a process behind in its
    process group after Snakemake has returned. Nothing in the server needs cleaning up.
    """
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if server is None or pid is None:
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        server._stop()  # closes the alive pipe and reaps the process
    except (OSError, ChildProcessError, AttributeError):
        pass


def _guard_forkserver() -> None:
    """In the render forkserver (see :func:`start_forkserver`): die with Snakemake."""
    parent = os.environ.get(PARENT_ENV, "")
    if not parent.isdigit():
        return
    die_with_parent()
    if os.getppid() != int(parent):
        os._exit(1)  # Snakemake ended before the signal was armed


_guard_forkserver()


# ------------------------------------------------------------- after a crash (kill -9)

#: A temporary file of :func:`pipeline.io.atomic_path` (``.<stem>.<8 random><suffix>``).
_TEMP_FILE = re.compile(r"^\..+\.[a-z0-9_]{8}(\.[A-Za-z0-9]+)?$")
#: Folders whose outputs the pipeline writes (temporary files of a killed step stay there).
OUTPUT_DIRS = ("data", "reports")


def other_snakemake_here(workdir: Path, own: Iterable[int] = ()) -> list[int]:
    """Pids of other Snakemake processes working in ``workdir`` on this machine.

    Parameters
    ----------
    workdir
        The working directory of the run.
    own
        Pids to ignore besides this process and its ancestors (a wrapper that started it).

    Returns
    -------
    list of int
        Matching pids (empty when none, or when processes cannot be inspected).
    """
    import psutil

    skip = set(own) | {os.getpid()}
    me = psutil.Process()
    skip |= {p.pid for p in me.parents()}
    target = str(Path(workdir).resolve())
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            if proc.pid in skip or not _is_snakemake(proc.info["cmdline"] or []):
                continue
            if str(Path(proc.cwd()).resolve()) == target:
                found.append(proc.pid)
        except (psutil.Error, OSError):
            continue
    return found


def _is_snakemake(cmdline: list[str]) -> bool:
    """A Snakemake command line (the script, ``-m snakemake`` or the ``wijkscan`` wrapper)."""
    names = [Path(a).name for a in cmdline[:3]]
    return "snakemake" in names or "wijkscan" in names or "pipeline.cli" in cmdline[:3]


def leftover_temp_files(workdir: Path) -> list[Path]:
    """Temporary files of atomic writes that a killed run left in ``data/`` and ``reports/``."""
    out = []
    for sub in OUTPUT_DIRS:
        root = Path(workdir) / sub
        if root.is_dir():
            out += [p for p in root.rglob(".*") if p.is_file() and _TEMP_FILE.match(p.name)]
    return sorted(out)


def recover_after_crash(workdir: Path) -> list[str]:
    """Undo what a killed run left behind, when no other Snakemake works in ``workdir``.

    Removes Snakemake's stale locks (``.snakemake/locks``: the next run otherwise stops with
    "Directory cannot be locked ... --unlock") and the temporary files of writes that were
    cut off. Jobs that were running are rerun by the caller (``force_incomplete``).

    Parameters
    ----------
    workdir
        The run's working directory.

    Returns
    -------
    list of str
        Dutch lines saying what was done (empty when there was nothing to do, or when
        another Snakemake runs here: its locks are real).
    """
    workdir = Path(workdir)
    locks = sorted((workdir / ".snakemake" / "locks").glob("*.lock"))
    temps = leftover_temp_files(workdir)
    if not locks and not temps:
        return []
    others = other_snakemake_here(workdir)
    if others:
        return []
    done = []
    for lock in locks:
        lock.unlink(missing_ok=True)
    if locks:
        done.append(
            "wijkscan: de vorige run is afgebroken; het slot dat die achterliet "
            "(.snakemake/locks) is opgeheven, er loopt geen andere snakemake in deze map."
        )
    for tmp in temps:
        tmp.unlink(missing_ok=True)
    if temps:
        done.append(
            f"wijkscan: {len(temps)} half geschreven tijdelijk(e) bestand(en) van de afgebroken "
            "run opgeruimd; wat toen liep, wordt opnieuw gemaakt."
        )
    return done
