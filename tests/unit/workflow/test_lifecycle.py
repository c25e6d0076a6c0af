"""Process lifetime (pipeline.workflow.lifecycle): children die with their parent; crash clean-up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from pipeline.workflow import lifecycle, renderpool, steps

REPO = Path(__file__).resolve().parents[3]
ENV = dict(os.environ, PYTHONPATH=str(REPO))


def _gone(pid: int, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def _python(code: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code], env=kwargs.pop("env", ENV), text=True, **kwargs
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_a_child_that_asked_dies_with_its_parent():
    # The parent starts a child that arms PR_SET_PDEATHSIG, prints its pid and sleeps.
    child_code = (
        "from pipeline.workflow import lifecycle; import time; "
        "assert lifecycle.die_with_parent(); print('klaar', flush=True); time.sleep(60)"
    )
    parent_code = (
        "import subprocess, sys, time; "
        f"c = subprocess.Popen([sys.executable, '-c', {child_code!r}], stdout=subprocess.PIPE, "
        "text=True); assert c.stdout.readline().strip() == 'klaar'; "
        "print(c.pid, flush=True); time.sleep(60)"
    )
    parent = _python(parent_code, stdout=subprocess.PIPE)
    child = int(parent.stdout.readline())
    assert psutil.pid_exists(child)
    parent.kill()
    parent.wait()
    assert _gone(child), "the child outlived its killed parent"


def test_a_watcher_ends_its_process_when_the_watched_one_ends():
    watched = _python("import time; time.sleep(60)")
    watcher = _python(
        f"from pipeline.workflow import lifecycle; import time; lifecycle.watch_process({watched.pid}); "
        "time.sleep(60)"
    )
    time.sleep(1.0)
    assert watcher.poll() is None  # watching, not ended
    watched.kill()
    watched.wait()
    assert watcher.wait(timeout=5) != 0


def test_a_worker_of_a_parent_that_is_already_gone_stops_at_once():
    gone = _python("pass")
    gone.wait()
    worker = _python(
        f"from pipeline.workflow import lifecycle; lifecycle.worker_init({gone.pid}); print(1)"
    )
    assert worker.wait(timeout=10) == 1


@pytest.mark.parametrize("own_parent", [True, False])
def test_the_forkserver_guard_checks_its_parent(own_parent):
    # The forkserver imports pipeline.workflow.lifecycle with the variable naming its parent; an
    # orphan (its parent gone before the import) stops instead of waiting forever.
    env = dict(ENV, **{lifecycle.PARENT_ENV: str(os.getpid() if own_parent else 1)})
    proc = _python(
        "import pipeline.workflow.lifecycle; print('levend')", env=env, stdout=subprocess.PIPE
    )
    out, _ = proc.communicate(timeout=30)
    assert (proc.returncode, "levend" in out) == ((0, True) if own_parent else (1, False))


def test_finish_run_leaves_no_render_process():
    renderpool.start_render_workers(2)
    try:
        worker = renderpool.render(os.getpid)
        assert worker != os.getpid()
        from multiprocessing import forkserver

        server = forkserver._forkserver._forkserver_pid
        assert server and psutil.pid_exists(server)
    finally:
        steps.finish_run()
    assert _gone(worker, 2) and _gone(server, 0.1)
    assert not [p for p in psutil.Process().children(recursive=True) if "forkserver" in str(p)]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _crashed_run(tmp_path: Path, pid: int | None = None) -> dict[str, Path]:
    """A work directory as a killed run leaves it: locks, run record, temporary files."""
    locks = tmp_path / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("a\n")
    (locks / "0.output.lock").write_text("b\n")
    rec = lifecycle._this_run() | {"pid": _dead_pid() if pid is None else pid}
    if pid is not None:
        rec["start"] = psutil.Process(pid).create_time()
    (tmp_path / lifecycle.RUN_RECORD).write_text(json.dumps(rec))
    rep = tmp_path / "reports" / "GM9999"
    rep.mkdir(parents=True)
    files = {
        "temp_pdf": rep / ".wijkscan-tmp.wijkscan_GM9999.k3_9xq2a.pdf",
        "temp_parquet": tmp_path / "data/processed/GM9999/.wijkscan-tmp.regios.ab12cd34.parquet",
        "pdf": rep / "wijkscan_GM9999.pdf",
        "gitkeep": tmp_path / "reports" / ".gitkeep",
        "eigen": rep / ".mijn_notities.txt",
        # Hidden files of the user's that look like the old temporary names.
        "eigen_backup": rep / ".backup.20250312",
        "eigen_docx": tmp_path / "data" / "raw" / ".notities.gesprek1.docx",
    }
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    return files


def test_atomic_writes_use_the_prefix_that_recovery_removes(tmp_path):
    from pipeline.io import atomic_path

    with atomic_path(tmp_path / "reports" / "a.pdf") as tmp:
        assert tmp.name.startswith(lifecycle.TEMP_PREFIX)
        tmp.write_text("x")
        assert lifecycle.leftover_temp_files(tmp_path) == [tmp]


def test_recovery_removes_the_lock_and_half_written_files_of_a_dead_run(tmp_path, monkeypatch):
    monkeypatch.setattr(lifecycle, "other_snakemake_here", lambda wd: [])
    files = _crashed_run(tmp_path)
    lines, crashed = lifecycle.recover_after_crash(tmp_path)
    assert crashed
    assert not list((tmp_path / ".snakemake" / "locks").glob("*"))
    assert not files["temp_pdf"].exists() and not files["temp_parquet"].exists()
    for key in ("pdf", "gitkeep", "eigen", "eigen_backup", "eigen_docx"):
        assert files[key].exists(), key
    assert any("slot" in line for line in lines) and any("2 half" in line for line in lines)
    assert lifecycle.recover_after_crash(tmp_path) == ([], False)  # nothing left to do


def test_recovery_clears_incomplete_markers_but_keeps_every_output(tmp_path, monkeypatch):
    # Snakemake's marker for a cut-off job's output (the parquet exists, written atomically);
    # without clearing it the next run stops with IncompleteFilesException.
    monkeypatch.setattr(lifecycle, "other_snakemake_here", lambda wd: [])
    files = _crashed_run(tmp_path)
    marker = tmp_path / ".snakemake" / "incomplete" / "ZGF0YS9wcm9jZXNzZWQ="
    marker.parent.mkdir(parents=True)
    marker.write_text("")
    lines, crashed = lifecycle.recover_after_crash(tmp_path)
    assert crashed and not marker.exists()
    for key in ("pdf", "gitkeep", "eigen", "eigen_backup", "eigen_docx"):
        assert files[key].exists(), key


def test_recovery_keeps_the_lock_while_the_recorded_process_lives(tmp_path, monkeypatch):
    monkeypatch.setattr(lifecycle, "other_snakemake_here", lambda wd: [])
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        files = _crashed_run(tmp_path, pid=live.pid)
        lines, crashed = lifecycle.recover_after_crash(tmp_path)
    finally:
        live.kill()
        live.wait()
    assert not crashed and lines == [lifecycle.LOCK_HINT]
    assert len(list((tmp_path / ".snakemake" / "locks").glob("*"))) == 2
    assert files["temp_pdf"].exists()


@pytest.mark.parametrize("record", ["geen", "andere_machine"])
def test_recovery_touches_nothing_without_certainty(tmp_path, monkeypatch, record):
    monkeypatch.setattr(lifecycle, "other_snakemake_here", lambda wd: [])
    files = _crashed_run(tmp_path)
    path = tmp_path / lifecycle.RUN_RECORD
    if record == "geen":
        path.unlink()  # e.g. a run of another program, or of an older wijkscan
    else:
        # A run on another node over a shared disk: its pid means nothing here.
        path.write_text(json.dumps(json.loads(path.read_text()) | {"host": "knooppunt-17"}))
    lines, crashed = lifecycle.recover_after_crash(tmp_path)
    assert not crashed and "--unlock" in lines[0]
    assert len(list((tmp_path / ".snakemake" / "locks").glob("*"))) == 2
    assert files["temp_pdf"].exists()


def test_recovery_keeps_the_lock_when_another_snakemake_works_here(tmp_path, monkeypatch):
    monkeypatch.setattr(lifecycle, "other_snakemake_here", lambda wd: [4242])
    files = _crashed_run(tmp_path)
    assert lifecycle.recover_after_crash(tmp_path) == ([lifecycle.LOCK_HINT], False)
    assert len(list((tmp_path / ".snakemake" / "locks").glob("*"))) == 2
    assert files["temp_pdf"].exists()


def test_a_run_record_is_cleared_only_by_its_own_run(tmp_path):
    lifecycle.record_run(tmp_path)
    path = tmp_path / lifecycle.RUN_RECORD
    assert json.loads(path.read_text())["pid"] == os.getpid()
    assert lifecycle.crashed_run(tmp_path) is None  # this process lives
    other = json.loads(path.read_text()) | {"pid": _dead_pid()}
    path.write_text(json.dumps(other))
    lifecycle.clear_run_record(tmp_path)
    assert path.exists() and lifecycle.crashed_run(tmp_path)["pid"] == other["pid"]
    lifecycle.record_run(tmp_path)
    lifecycle.clear_run_record(tmp_path)
    assert not path.exists()


@pytest.mark.parametrize(
    "cmd",
    [
        ["/x/.venv/bin/python", "/x/.venv/bin/snakemake", "-c2"],
        ["python", "-u", "-m", "snakemake", "-c2"],
        ["python", "-X", "dev", "-m", "snakemake"],
        ["coverage", "run", "-m", "snakemake"],
        ["/x/.venv/bin/python", "/x/.venv/bin/wijkscan", "--cores", "2"],
    ],
)
def test_snakemake_command_lines_are_recognised(cmd):
    assert lifecycle._is_snakemake(cmd)
    assert not lifecycle._is_snakemake(["python", "-m", "pytest", "tests/"])


def test_another_snakemake_in_the_same_directory_is_found(tmp_path):
    fake = tmp_path / "bin" / "snakemake"
    fake.parent.mkdir()
    fake.write_text("import time\ntime.sleep(60)\n")
    here, elsewhere = tmp_path / "wd", tmp_path / "ander"
    here.mkdir()
    elsewhere.mkdir()
    proc = subprocess.Popen([sys.executable, str(fake)], cwd=here)
    try:
        time.sleep(0.3)
        assert lifecycle.other_snakemake_here(here) == [proc.pid]
        assert lifecycle.other_snakemake_here(elsewhere) == []
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert lifecycle.other_snakemake_here(here) == []
