"""Running the steps (pipeline.workflow.steps): job logs, user errors, memory, end of a run."""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest

from pipeline.errors import WijkscanError
from pipeline.workflow import steps


def _sleep_then_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _snakemake_rate_limit() -> None:  # stands in for the scheduler's lambda
    pass


def test_finish_run_cancels_only_snakemakes_timers(monkeypatch):
    monkeypatch.setattr(_snakemake_rate_limit, "__module__", "snakemake.scheduling.job_scheduler")
    theirs = threading.Timer(30, _snakemake_rate_limit)
    ours = threading.Timer(30, _sleep_then_pid, args=(0,))
    theirs.start()
    ours.start()
    try:
        steps.finish_run()
        theirs.join(timeout=2)
        assert not theirs.is_alive()
        assert ours.is_alive()
    finally:
        ours.cancel()
        theirs.cancel()


def test_only_steps_marked_release_give_memory_back(monkeypatch, tmp_path):
    calls: list[str] = []
    monkeypatch.setattr(steps, "release_memory", lambda: calls.append("vrij"))

    def national(input, output, params, wildcards):
        pass

    def small(input, output, params, wildcards):
        pass

    steps.step(small)({}, [], {}, {}, str(tmp_path / "small.log"))
    assert calls == []
    steps.step(release=True)(national)({}, [], {}, {}, str(tmp_path / "national.log"))
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
    steps.release_memory()
    assert calls == [0]


def test_release_memory_without_glibc_is_a_no_op(monkeypatch):
    import ctypes

    monkeypatch.setattr(ctypes, "CDLL", lambda name: _FakeLibc(None))  # macOS, musl
    steps.release_memory()


def test_a_failing_release_does_not_hide_the_steps_error(monkeypatch, tmp_path):
    import ctypes

    def broken(name):
        raise TypeError("no CDLL(None) here")  # what Windows does

    monkeypatch.setattr(ctypes, "CDLL", broken)
    steps.release_memory()  # swallowed, logged at debug level

    def national(input, output, params, wildcards):
        raise WijkscanError("kapot", oplossing="repareer")

    with pytest.raises(steps.StepFailed) as exc:
        steps.step(release=True)(national)({}, [], {}, {}, str(tmp_path / "n.log"))
    assert exc.value.melding.startswith("kapot")


def test_a_user_error_is_printed_and_logged_once_and_snakemake_gets_a_pointer(tmp_path, capsys):
    import pickle

    def fetch_iets(input, output, params, wildcards):
        raise WijkscanError("Bestand kapot.", waar="bronnen.kwb.pad", oplossing="Maak het heel.")

    logfile = tmp_path / "logs" / "fetch_iets.log"
    with pytest.raises(steps.StepFailed) as exc:
        steps.step(fetch_iets)({}, [], {}, {}, str(logfile))
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
        with pytest.raises(steps.StepFailed) as exc:
            steps.step(writes(err))({}, [], {}, {}, str(tmp_path / "r.log"))
        assert woord in exc.value.melding and "reports/GM9999" in exc.value.melding
        assert "Oplossing:" in exc.value.melding
        assert "FOUT in stap 'render'" in capsys.readouterr().err
    # Any other OS error is not the user's: it stays what it is.
    with pytest.raises(OSError):
        steps.step(writes(errno.EIO))({}, [], {}, {}, str(tmp_path / "r.log"))


def _record(msg, **extra):
    record = logging.LogRecord("snakemake.logging", logging.ERROR, __file__, 1, msg, (), None)
    record.__dict__.update(extra)
    return record


def test_snakemakes_repetitions_of_a_user_error_become_one_dutch_line(tmp_path):
    """Issue 14: after the FOUT block Snakemake repeated the failure three times."""
    logfile = tmp_path / "fetch_kwb.log"
    logfile.write_text(f"x ERROR wijkscan: {steps.FOUT_MARKER} 'fetch_kwb': kapot\n")
    noise = steps._SnakemakeNoise(lambda: True)
    pointer = str(steps.StepFailed("fetch_kwb", "kapot", str(logfile)))
    rule_exc = _record(f"RuleException:\nStepFailed in file fetch.smk, line 17:\n{pointer}")
    job_error = _record("Error in rule fetch_kwb, jobid: 4", event="job_error", log=[str(logfile)])
    exiting = _record("Exiting because a job execution failed. Look above for error messages")
    final = _record("WorkflowError:\nAt least one job did not complete successfully.")
    assert [noise.filter(r) for r in (rule_exc, job_error, exiting, final)] == [0, 0, 0, 1]
    assert final.msg == steps.GESTOPT


def test_an_unexpected_error_keeps_snakemakes_full_report(tmp_path):
    logfile = tmp_path / "compute.log"
    logfile.write_text("x ERROR wijkscan: onverwachte fout in compute\nTraceback ...\n")
    noise = steps._SnakemakeNoise(lambda: True)
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
    logfile.write_text(f"{steps.FOUT_MARKER} 'fetch_kwb': kapot\n")
    job_error = _record("Error in rule fetch_kwb, jobid: 4", event="job_error", log=[str(logfile)])
    # On Slurm the FOUT block is in the cluster job's output, not on this screen.
    assert steps._SnakemakeNoise(lambda: False).filter(job_error)
    child = steps._SnakemakeNoise(lambda: True, main=False)
    child.filter(_record(str(steps.StepFailed("fetch_kwb", "kapot", str(logfile)))))
    assert not child.filter(
        _record("WorkflowError:\nAt least one job did not complete successfully.")
    )


def test_the_schedulers_per_job_lines_go_only_when_the_run_is_quiet_about_progress():
    """Snakemake 9.2x printed 'Select jobs to execute...' per job despite --quiet progress."""
    lines = ["Select jobs to execute...", "Execute 12 jobs..."]
    quiet = steps._SnakemakeNoise(lambda: True, quiet_progress=lambda: True)
    assert not any(quiet.filter(_record(line)) for line in lines)
    assert quiet.filter(_record("wijkscan GM9999 Voorbeeldwaard: rapport klaar (30 pagina's)"))
    loud = steps._SnakemakeNoise(lambda: True)
    assert all(loud.filter(_record(line)) for line in lines)


@pytest.mark.parametrize(
    ("quiet", "expected"),
    [({"RULES", "PROGRESS"}, True), ({"ALL"}, True), ({"RULES"}, False), (None, False)],
)
def test_quiet_about_progress_reads_snakemakes_output_settings(quiet, expected):
    from types import SimpleNamespace

    from snakemake.settings.enums import Quietness

    settings = SimpleNamespace(quiet=quiet and {Quietness[q] for q in quiet})
    assert steps._quiet_about_progress(SimpleNamespace(output_settings=settings)) is expected
