"""Render workers (pipeline.workflow.renderpool.render): where renders run and how failures surface."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from pipeline.errors import WijkscanError
from pipeline.workflow import config, renderpool, steps


@pytest.fixture
def workers():
    """Two render workers for one test; stopped (and the pool cleared) afterwards."""
    renderpool.start_render_workers(2)
    yield
    renderpool.stop_render_workers()


@pytest.mark.parametrize(
    ("threads", "cores", "jobs", "expected"),
    [
        (False, 8, ["render_report", "render_vouwkaart"], 0),  # a process per job
        (True, 1, ["render_report", "render_vouwkaart"], 0),  # one core: nothing to gain
        (True, 2, ["render_report", "compute_indicators"], 0),  # one render: no worker start
        (True, 2, ["render_report", "render_vouwkaart", "export_indicators"], 2),
        (True, 8, ["render_report", "render_vouwkaart", "render_region_report"], 3),
        (True, 2, ["render_report"] * 7 + ["render_vouwkaart"] * 7, 2),
    ],
)
def test_render_workers_only_in_thread_mode_with_work(threads, cores, jobs, expected):
    assert renderpool.render_workers(threads, cores, jobs) == expected


def test_no_render_workers_on_a_cluster_login_node():
    # Snakemake says use_threads=True for the Slurm executor: the login node must not start
    # idle workers for renders that run as cluster jobs.
    jobs = ["render_report", "render_vouwkaart"] * 3
    assert renderpool.render_workers(True, 2, jobs, local=True) == 2
    assert renderpool.render_workers(True, 2, jobs, local=False) == 0


def test_without_workers_renders_in_this_process():
    assert renderpool._pool is None
    assert renderpool.render(os.getpid) == os.getpid()


def test_workers_render_in_another_process_and_log_to_the_job_log(workers, tmp_path):
    logfile = tmp_path / "render_report.log"
    logfile.write_text("", encoding="utf-8")
    steps.current_job.logfile = str(logfile)
    try:
        pid = renderpool.render(os.getpid)
        renderpool.render(logging.getLogger("wijkscan").warning, "bericht uit het hulpproces")
    finally:
        steps.current_job.logfile = None
    assert pid != os.getpid()
    text = logfile.read_text(encoding="utf-8")
    assert f"tekenen in hulpproces {pid}" in text
    assert "WARNING wijkscan: bericht uit het hulpproces" in text


def test_two_renders_at_once_run_side_by_side(workers, tmp_path):
    results: list[tuple[int, bool]] = []

    def one() -> None:
        results.append(renderpool.render(_meet, str(tmp_path), 2))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Each render waits in its worker until both have arrived: one after the other, the
    # first would give up.
    assert sorted(met for _, met in results) == [True, True]
    assert len({pid for pid, _ in results}) == 2


def _meet(folder: str, n: int, timeout: float = 30.0) -> tuple[int, bool]:
    from pathlib import Path

    (Path(folder) / str(os.getpid())).touch()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(Path(folder).iterdir())) >= n:
            return os.getpid(), True
        time.sleep(0.01)
    return os.getpid(), False


def test_user_error_in_a_worker_keeps_its_message(workers):
    with pytest.raises(WijkscanError) as in_worker:
        renderpool.render(config.check, {"gemeenten": ["Duiven"]})
    with pytest.raises(WijkscanError) as here:
        config.check({"gemeenten": ["Duiven"]})
    assert str(in_worker.value) == str(here.value)


def test_a_crashed_worker_fails_the_job_with_a_fix_and_later_renders_run_here(workers):
    with pytest.raises(WijkscanError, match="opnieuw") as err:
        renderpool.render(os._exit, 3)
    assert "--cores 1" in str(err.value)
    assert renderpool._pool is None
    assert renderpool.render(os.getpid) == os.getpid()


def test_the_pool_is_renewed_with_fresh_workers(workers, monkeypatch):
    # Two workers, one render each: the third render goes to a new pool (new forks).
    monkeypatch.setattr(renderpool, "RENDERS_PER_WORKER", 1)
    first = renderpool._pool
    pids = [renderpool.render(os.getpid) for _ in range(3)]
    assert renderpool._pool is not first
    assert pids[2] not in pids[:2]
    assert os.getpid() not in pids


def _pid_and_count() -> tuple[int, int]:
    return os.getpid(), renderpool._worker_renders


def test_a_worker_releases_memory_between_renders_not_before_the_first(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(steps, "release_memory", lambda: calls.append(1))
    monkeypatch.setattr(renderpool, "_worker_renders", 0)
    renderpool._logged(None, os.getpid)
    assert calls == []  # one gemeente, one report: no cost
    renderpool._logged(None, os.getpid)
    renderpool._logged(None, os.getpid)
    assert calls == [1, 1]


def test_each_render_worker_counts_its_own_renders_from_one(workers):
    # A fork of the server starts at 0 (the warm-up task is no render): per worker pid the
    # counts seen by the renders are 1, 2, 3, ... in order.
    per_pid: dict[int, list[int]] = {}
    for _ in range(6):
        pid, count = renderpool.render(_pid_and_count)
        per_pid.setdefault(pid, []).append(count)
    assert os.getpid() not in per_pid
    for counts in per_pid.values():
        assert counts == list(range(1, len(counts) + 1))
    assert renderpool._worker_renders == 0


def test_build_tasks_of_several_gemeenten_count_as_work_for_the_workers():
    # A national build step (342 interval tasks) before any render: workers pay off.
    assert renderpool.render_workers(True, 2, ["build"], rekentaken=342) == 2
    assert renderpool.render_workers(True, 2, ["build"], rekentaken=0) == 0
    assert renderpool.render_workers(False, 2, ["build"], rekentaken=342) == 0


def _pid_of(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def _pid_once_both_work(x: int, folder: str) -> tuple[int, int]:
    """:func:`_pid_of`, returning only once two processes have had a task (or after 30 s).

    Trivial tasks alone do not show the spreading: on a busy machine one worker could take
    all 40 before the other started (CI, 07-12). Holding the first task until a second
    process has one makes "two workers took part" a fact, not a race.
    """
    (Path(folder) / str(os.getpid())).touch()
    deadline = time.monotonic() + 30
    while len(list(Path(folder).iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    return _pid_of(x)


def test_run_all_without_workers_runs_here_in_order():
    assert renderpool._pool is None
    assert renderpool.run_all(_pid_of, [(1,), (2,), (3,)]) == [
        (os.getpid(), x * x) for x in (1, 2, 3)
    ]


def test_run_all_spreads_tasks_keeps_their_order_and_renews_the_pool(workers, tmp_path):
    logfile = tmp_path / "build.log"
    logfile.write_text("", encoding="utf-8")
    first = renderpool._pool
    steps.current_job.logfile = str(logfile)
    try:
        wie = tmp_path / "wie"
        wie.mkdir()
        out = renderpool.run_all(_pid_once_both_work, [(x, str(wie)) for x in range(40)])
        renderpool.run_all(logging.getLogger("wijkscan").warning, [("uit een taak",)] * 2)
    finally:
        steps.current_job.logfile = None
    assert [sq for _, sq in out] == [x * x for x in range(40)]
    pids = {pid for pid, _ in out}
    assert os.getpid() not in pids and len(pids) == 2
    # The renders that follow start in fresh workers, not in workers grown by the tasks.
    assert renderpool._pool is not first
    assert renderpool.render(os.getpid) not in pids
    # A task's records reach the job's log; no line per task about where it ran.
    text = logfile.read_text(encoding="utf-8")
    assert text.count("WARNING wijkscan: uit een taak") == 2
    assert "hulpproces" not in text


def test_run_all_passes_a_task_error_on_and_a_crash_as_a_fix(workers):
    with pytest.raises(WijkscanError) as in_worker:
        renderpool.run_all(config.check, [({"gemeenten": ["Duiven"]},)])
    assert "Duiven" in str(in_worker.value)
    with pytest.raises(WijkscanError, match="rekent") as err:
        renderpool.run_all(os._exit, [(3,), (4,)])
    assert "--cores 1" in str(err.value)
    assert renderpool._pool is None
