"""Process lifetime: render workers die with the run, and a crashed run is cleaned up.

Two problems this module solves (issue 14):

* After ``kill -9`` of Snakemake the render workers (``pipeline.workflow.renderpool``: a forkserver of
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

#: Temporary files of :func:`pipeline.io.atomic_path` start with this; nothing else does, so
#: clean-up never touches a user's own hidden files (``.notities.gesprek1.docx``).
TEMP_PREFIX = ".wijkscan-tmp."
#: Folders whose outputs the pipeline writes (temporary files of a killed step stay there).
OUTPUT_DIRS = ("data", "reports")
#: Who holds the lock: written at the start of a run (after Snakemake took its lock),
#: removed at its end. A crashed run leaves it behind, naming a process that is gone.
RUN_RECORD = Path(".snakemake") / "wijkscan_run.json"


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _this_run() -> dict[str, object]:
    import socket

    import psutil

    return {
        "host": socket.gethostname(),
        "boot": _boot_id(),
        "pid": os.getpid(),
        "start": psutil.Process().create_time(),
    }


def record_run(workdir: Path) -> None:
    """Note that this process runs in ``workdir`` (Snakemake's ``onstart``: it holds the lock)."""
    import json

    from pipeline.io import atomic_path

    path = Path(workdir) / RUN_RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_this_run()), encoding="utf-8")


def clear_run_record(workdir: Path) -> None:
    """Remove this process's run record at the end of the run (not another run's)."""
    import json

    path = Path(workdir) / RUN_RECORD
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if rec.get("pid") == os.getpid() and rec.get("host") == _this_run()["host"]:
        path.unlink(missing_ok=True)


def crashed_run(workdir: Path) -> dict[str, object] | None:
    """The record of a run in ``workdir`` that certainly ended without cleaning up, or None.

    Certain means: the record was written on this machine, and since then the machine was
    restarted, or the process it names is gone (or its pid now belongs to a process that
    started later). A record from another machine (a shared disk, a Slurm node), a process
    that cannot be inspected, or no record at all is not certain: then nothing is undone.
    """
    import json

    import psutil

    try:
        rec = json.loads((Path(workdir) / RUN_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    me = _this_run()
    if rec.get("host") != me["host"]:
        return None
    if rec.get("boot") and me["boot"] and rec["boot"] != me["boot"]:
        return rec
    try:
        proc = psutil.Process(int(rec["pid"]))
        if abs(proc.create_time() - float(rec["start"])) > 1.0:
            return rec  # the pid was reused by a later process
        return None if proc.status() != psutil.STATUS_ZOMBIE else rec
    except psutil.NoSuchProcess:
        return rec
    except (psutil.Error, KeyError, TypeError, ValueError):
        return None


def other_snakemake_here(workdir: Path, own: Iterable[int] = ()) -> list[int]:
    """Pids of other Snakemake processes that may work in ``workdir`` on this machine.

    A Snakemake process whose working directory cannot be read counts as one here: when in
    doubt, a lock is real.

    Parameters
    ----------
    workdir
        The working directory of the run.
    own
        Pids to ignore besides this process and its ancestors (a wrapper that started it).

    Returns
    -------
    list of int
        Matching pids (empty when none).
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
        except (psutil.Error, OSError):
            continue  # not readable at all: another user's process
        try:
            if str(Path(proc.cwd()).resolve()) == target:
                found.append(proc.pid)
        except psutil.NoSuchProcess:
            continue
        except (psutil.Error, OSError):
            found.append(proc.pid)
    return found


def _is_snakemake(cmdline: list[str]) -> bool:
    """A Snakemake command line: the script, ``python [opts] -m snakemake``, the wrapper."""
    return bool(
        {Path(a).name for a in cmdline} & {"snakemake", "wijkscan", "pipeline.workflow.cli"}
    )


def leftover_temp_files(workdir: Path) -> list[Path]:
    """Temporary files of atomic writes that a killed run left in ``data/`` and ``reports/``."""
    out = []
    for sub in OUTPUT_DIRS:
        root = Path(workdir) / sub
        if root.is_dir():
            out += [p for p in root.rglob(TEMP_PREFIX + "*") if p.is_file()]
    return sorted(out)


LOCK_HINT = (
    "wijkscan: deze map is op slot van een andere snakemake-run (.snakemake/locks). Loopt er "
    "nog een run in deze map (ook op een andere machine of als Slurm-taak)? Wacht dan tot die "
    "klaar is. Is die run afgebroken? Geef dan eenmalig `.venv/bin/snakemake --unlock` (met "
    "dezelfde --configfile) en start daarna opnieuw; half gemaakte bestanden worden opnieuw "
    "gemaakt."
)


def recover_after_crash(workdir: Path) -> tuple[list[str], bool]:
    """Undo what a killed run left behind, only when that run certainly ended.

    Removes Snakemake's stale locks (``.snakemake/locks``: the next run otherwise stops with
    "Directory cannot be locked ... --unlock") and the temporary files of writes that were
    cut off, when the run record names a process of this machine that is gone
    (:func:`crashed_run`) and no other Snakemake works in ``workdir``. When a lock is there
    but that is not certain, nothing is touched and a Dutch hint says what to do.

    Parameters
    ----------
    workdir
        The run's working directory.

    Returns
    -------
    tuple
        Dutch lines for the user, and whether a crashed run was cleaned up (the caller then
        reruns its cut-off jobs, as ``--rerun-incomplete`` does).
    """
    workdir = Path(workdir)
    locks = sorted((workdir / ".snakemake" / "locks").glob("*.lock"))
    temps = leftover_temp_files(workdir)
    if not locks and not temps:
        return [], False
    if crashed_run(workdir) is None or other_snakemake_here(workdir):
        return ([LOCK_HINT] if locks else []), False
    done = []
    for lock in locks:
        lock.unlink(missing_ok=True)
    if locks:
        done.append(
            "wijkscan: de vorige run in deze map is afgebroken (het proces bestaat niet meer); "
            "het slot dat die achterliet (.snakemake/locks) is opgeheven."
        )
    # Snakemake marks the outputs of running jobs as incomplete and refuses the next run while
    # any of them exists (IncompleteFilesException). Here every output is written atomically,
    # so a file that exists is whole; a cut-off job lacks some outputs and reruns for that.
    # (Setting --rerun-incomplete from the Snakefile is not possible: Snakemake attaches its
    # DAG settings after reading the Snakefile.) Markers only: no output is deleted, so a
    # session workbook filled in by hand is never lost.
    incomplete = workdir / ".snakemake" / "incomplete"
    for marker in incomplete.rglob("*") if incomplete.is_dir() else []:
        if marker.is_file():
            marker.unlink(missing_ok=True)
    for tmp in temps:
        tmp.unlink(missing_ok=True)
    if temps:
        done.append(
            f"wijkscan: {len(temps)} half geschreven tijdelijk(e) bestand(en) van de afgebroken "
            "run opgeruimd; wat toen liep, wordt opnieuw gemaakt."
        )
    (workdir / RUN_RECORD).unlink(missing_ok=True)
    return done, True
