"""Render workers (pipeline.workflow.adapters.render): where renders run and how failures surface."""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest

from pipeline.errors import WijkscanError
from pipeline.workflow import adapters, config


@pytest.fixture
def workers():
    """Two render workers for one test; stopped (and the pool cleared) afterwards."""
    adapters.start_render_workers(2)
    yield
    adapters.finish_run()


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
    assert adapters.render_workers(threads, cores, jobs) == expected


def test_no_render_workers_on_a_cluster_login_node():
    # Snakemake says use_threads=True for the Slurm executor: the login node must not start
    # idle workers for renders that run as cluster jobs.
    jobs = ["render_report", "render_vouwkaart"] * 3
    assert adapters.render_workers(True, 2, jobs, local=True) == 2
    assert adapters.render_workers(True, 2, jobs, local=False) == 0


def test_without_workers_renders_in_this_process():
    assert adapters._pool is None
    assert adapters.render(os.getpid) == os.getpid()


def test_workers_render_in_another_process_and_log_to_the_job_log(workers, tmp_path):
    logfile = tmp_path / "render_report.log"
    logfile.write_text("", encoding="utf-8")
    adapters._job.logfile = str(logfile)
    try:
        pid = adapters.render(os.getpid)
        adapters.render(logging.getLogger("wijkscan").warning, "bericht uit het hulpproces")
    finally:
        adapters._job.logfile = None
    assert pid != os.getpid()
    text = logfile.read_text(encoding="utf-8")
    assert f"tekenen in hulpproces {pid}" in text
    assert "WARNING wijkscan: bericht uit het hulpproces" in text


def test_two_renders_at_once_run_side_by_side(workers, tmp_path):
    results: list[tuple[int, bool]] = []

    def one() -> None:
        results.append(adapters.render(_meet, str(tmp_path), 2))

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


def _sleep_then_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_user_error_in_a_worker_keeps_its_message(workers):
    with pytest.raises(WijkscanError) as in_worker:
        adapters.render(config.check, {"gemeenten": ["Duiven"]})
    with pytest.raises(WijkscanError) as here:
        config.check({"gemeenten": ["Duiven"]})
    assert str(in_worker.value) == str(here.value)


def test_a_crashed_worker_fails_the_job_with_a_fix_and_later_renders_run_here(workers):
    with pytest.raises(WijkscanError, match="opnieuw") as err:
        adapters.render(os._exit, 3)
    assert "--cores 1" in str(err.value)
    assert adapters._pool is None
    assert adapters.render(os.getpid) == os.getpid()


def _snakemake_rate_limit() -> None:  # stands in for the scheduler's lambda
    pass


def test_finish_run_cancels_only_snakemakes_timers(monkeypatch):
    monkeypatch.setattr(_snakemake_rate_limit, "__module__", "snakemake.scheduling.job_scheduler")
    theirs = threading.Timer(30, _snakemake_rate_limit)
    ours = threading.Timer(30, _sleep_then_pid, args=(0,))
    theirs.start()
    ours.start()
    try:
        adapters.finish_run()
        theirs.join(timeout=2)
        assert not theirs.is_alive()
        assert ours.is_alive()
    finally:
        ours.cancel()
        theirs.cancel()


def test_the_pool_is_renewed_with_fresh_workers(workers, monkeypatch):
    # Two workers, one render each: the third render goes to a new pool (new forks).
    monkeypatch.setattr(adapters, "RENDERS_PER_WORKER", 1)
    first = adapters._pool
    pids = [adapters.render(os.getpid) for _ in range(3)]
    assert adapters._pool is not first
    assert pids[2] not in pids[:2]
    assert os.getpid() not in pids


def _pid_and_count() -> tuple[int, int]:
    return os.getpid(), adapters._worker_renders


def test_a_worker_releases_memory_between_renders_not_before_the_first(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(adapters, "release_memory", lambda: calls.append(1))
    monkeypatch.setattr(adapters, "_worker_renders", 0)
    adapters._logged(None, os.getpid)
    assert calls == []  # one gemeente, one report: no cost
    adapters._logged(None, os.getpid)
    adapters._logged(None, os.getpid)
    assert calls == [1, 1]


def test_each_render_worker_counts_its_own_renders_from_one(workers):
    # A fork of the server starts at 0 (the warm-up task is no render): per worker pid the
    # counts seen by the renders are 1, 2, 3, ... in order.
    per_pid: dict[int, list[int]] = {}
    for _ in range(6):
        pid, count = adapters.render(_pid_and_count)
        per_pid.setdefault(pid, []).append(count)
    assert os.getpid() not in per_pid
    for counts in per_pid.values():
        assert counts == list(range(1, len(counts) + 1))
    assert adapters._worker_renders == 0


def test_only_steps_marked_release_give_memory_back(monkeypatch, tmp_path):
    calls: list[str] = []
    monkeypatch.setattr(adapters, "release_memory", lambda: calls.append("vrij"))

    def national(input, output, params, wildcards):
        pass

    def small(input, output, params, wildcards):
        pass

    adapters.step(small)({}, [], {}, {}, str(tmp_path / "small.log"))
    assert calls == []
    adapters.step(release=True)(national)({}, [], {}, {}, str(tmp_path / "national.log"))
    assert calls == ["vrij"]
    assert "klaar national" in (tmp_path / "national.log").read_text(encoding="utf-8")


class _FakeLibc:
    def __init__(self, calls: list[int] | None) -> None:
        if calls is not None:
            self.malloc_trim = lambda pad: calls.append(pad)


def test_release_memory_trims_the_c_heap(monkeypatch):
    import ctypes

    calls: list[int] = []
    monkeypatch.setattr(ctypes, "CDLL", lambda name: _FakeLibc(calls))
    adapters.release_memory()
    assert calls == [0]


def test_release_memory_without_glibc_is_a_no_op(monkeypatch):
    import ctypes

    monkeypatch.setattr(ctypes, "CDLL", lambda name: _FakeLibc(None))  # macOS, musl
    adapters.release_memory()


def test_a_failing_release_does_not_hide_the_steps_error(monkeypatch, tmp_path):
    import ctypes

    def broken(name):
        raise TypeError("no CDLL(None) here")  # what Windows does

    monkeypatch.setattr(ctypes, "CDLL", broken)
    adapters.release_memory()  # swallowed, logged at debug level

    def national(input, output, params, wildcards):
        raise WijkscanError("kapot", oplossing="repareer")

    with pytest.raises(adapters.StepFailed) as exc:
        adapters.step(release=True)(national)({}, [], {}, {}, str(tmp_path / "n.log"))
    assert exc.value.melding.startswith("kapot")


class _Named(list):
    """Like Snakemake's named output: a list of paths with attribute access."""

    def __init__(self, **paths: str) -> None:
        super().__init__(paths.values())
        self.__dict__.update(paths)


def test_a_mistyped_gemeente_in_the_geometry_step_gets_neighbouring_codes(tmp_path, capsys):
    from types import SimpleNamespace

    from pipeline.ingest import demo

    gpkg = tmp_path / "buurten.gpkg"
    demo.buurt_geometry().to_file(gpkg, layer="buurt_gegeneraliseerd", driver="GPKG")
    with pytest.raises(adapters.StepFailed) as exc:
        adapters.fetch_geometry(
            SimpleNamespace(gpkg=[str(gpkg)]),
            _Named(gpkg=str(tmp_path / "uit.gpkg")),
            SimpleNamespace(laag="buurt_gegeneraliseerd"),
            SimpleNamespace(bron="lokaal", gemeente="GM9998", items=lambda: []),
            str(tmp_path / "fetch_geometry.log"),
        )
    text = exc.value.melding
    assert "Geen enkele buurt van GM9998" in text
    assert "erop lijken: GM9999" in text
    assert not (tmp_path / "uit.gpkg").exists()


def test_a_user_error_is_printed_and_logged_once_and_snakemake_gets_a_pointer(tmp_path, capsys):
    import pickle

    def fetch_iets(input, output, params, wildcards):
        raise WijkscanError("Bestand kapot.", waar="bronnen.kwb.pad", oplossing="Maak het heel.")

    logfile = tmp_path / "logs" / "fetch_iets.log"
    with pytest.raises(adapters.StepFailed) as exc:
        adapters.step(fetch_iets)({}, [], {}, {}, str(logfile))
    err = capsys.readouterr().err
    assert "FOUT in stap 'fetch_iets':" in err and err.count("Bestand kapot.") == 1
    assert "Oplossing: Maak het heel." in err
    assert logfile.read_text(encoding="utf-8").count("Bestand kapot.") == 1
    # Snakemake prints str(exc) in its RuleException: a pointer, not the message again.
    pointer = str(exc.value)
    assert "Bestand kapot." not in pointer
    assert "'fetch_iets'" in pointer and str(logfile) in pointer
    assert exc.value.melding.startswith("Bestand kapot.")
    assert str(pickle.loads(pickle.dumps(exc.value))) == pointer


def test_read_only_folder_and_full_disk_give_a_dutch_step_error(tmp_path, capsys):
    """Issue 14: PermissionError / ENOSPC in a step is the user's to fix: FOUT block."""
    import errno

    def writes(err):
        def render(input, output, params, wildcards):
            raise OSError(err, os.strerror(err), "reports/GM9999/wijkscan_GM9999.pdf")

        return render

    for err, woord in ((errno.EACCES, "schrijfrechten"), (errno.ENOSPC, "schijf is vol")):
        with pytest.raises(adapters.StepFailed) as exc:
            adapters.step(writes(err))({}, [], {}, {}, str(tmp_path / "r.log"))
        assert woord in exc.value.melding and "reports/GM9999" in exc.value.melding
        assert "Oplossing:" in exc.value.melding
        assert "FOUT in stap 'render'" in capsys.readouterr().err
    # Any other OS error is not the user's: it stays what it is.
    with pytest.raises(OSError):
        adapters.step(writes(errno.EIO))({}, [], {}, {}, str(tmp_path / "r.log"))


def _record(msg, **extra):
    record = logging.LogRecord("snakemake.logging", logging.ERROR, __file__, 1, msg, (), None)
    record.__dict__.update(extra)
    return record


def test_snakemakes_repetitions_of_a_user_error_become_one_dutch_line(tmp_path):
    """Issue 14: after the FOUT block Snakemake repeated the failure three times."""
    logfile = tmp_path / "fetch_kwb.log"
    logfile.write_text(f"x ERROR wijkscan: {adapters.FOUT_MARKER} 'fetch_kwb': kapot\n")
    noise = adapters._SnakemakeNoise(lambda: True)
    pointer = str(adapters.StepFailed("fetch_kwb", "kapot", str(logfile)))
    rule_exc = _record(f"RuleException:\nStepFailed in file fetch.smk, line 17:\n{pointer}")
    job_error = _record("Error in rule fetch_kwb, jobid: 4", event="job_error", log=[str(logfile)])
    exiting = _record("Exiting because a job execution failed. Look above for error messages")
    final = _record("WorkflowError:\nAt least one job did not complete successfully.")
    assert [noise.filter(r) for r in (rule_exc, job_error, exiting, final)] == [0, 0, 0, 1]
    assert final.msg == adapters.GESTOPT


def test_an_unexpected_error_keeps_snakemakes_full_report(tmp_path):
    logfile = tmp_path / "compute.log"
    logfile.write_text("x ERROR wijkscan: onverwachte fout in compute\nTraceback ...\n")
    noise = adapters._SnakemakeNoise(lambda: True)
    records = [
        _record("RuleException:\nKeyError in file process.smk, line 3:\n'inwoners'"),
        _record("Error in rule compute, jobid: 2", event="job_error", log=[str(logfile)]),
        _record("Exiting because a job execution failed. Look above for error messages"),
        _record("WorkflowError:\nAt least one job did not complete successfully."),
    ]
    assert all(noise.filter(r) for r in records)
    assert "did not complete" in records[-1].msg


def test_a_cluster_jobs_error_block_stays_and_a_job_process_says_nothing_at_the_end(tmp_path):
    logfile = tmp_path / "fetch_kwb.log"
    logfile.write_text(f"{adapters.FOUT_MARKER} 'fetch_kwb': kapot\n")
    job_error = _record("Error in rule fetch_kwb, jobid: 4", event="job_error", log=[str(logfile)])
    # On Slurm the FOUT block is in the cluster job's output, not on this screen.
    assert adapters._SnakemakeNoise(lambda: False).filter(job_error)
    child = adapters._SnakemakeNoise(lambda: True, main=False)
    child.filter(_record(str(adapters.StepFailed("fetch_kwb", "kapot", str(logfile)))))
    assert not child.filter(
        _record("WorkflowError:\nAt least one job did not complete successfully.")
    )
