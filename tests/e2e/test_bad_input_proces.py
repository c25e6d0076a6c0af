"""Issue 14, the process around a build: crashes, failures, the wijkscan command, gemeenten.

Each case runs the real workflow and checks the exit code, a Dutch message that says what is
wrong, where and how to fix it, no Python traceback, and no changed or half-written output.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pypdf
import pytest

from pipeline.ingest import demo
from pipeline.workflow import steps
from tests.e2e.conftest import (
    REPO,
    assert_dutch_failure,
    make_workdir,
    snakemake,
    snapshot,
    write_config,
)

pytestmark = pytest.mark.e2e
GM = demo.DEMO_GEMEENTE
#: What Snakemake printed after a FOUT block before issue 14 (three times per failure).
NOISE = ("RuleException", "WorkflowError", "Error in rule", "Exiting because", "Traceback")


def wijkscan(wd: Path, *args: str, **popen) -> subprocess.Popen:
    """Start the ``wijkscan`` command (pipeline.workflow.cli) in ``wd`` in a session of its own."""
    cmd = [sys.executable, "-m", "pipeline.workflow.cli", "--snakefile", str(REPO / "Snakefile")]
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [*cmd, "--nocolor", *args],
        cwd=wd,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def _run(wd: Path, *args: str) -> tuple[int, str, int]:
    proc = wijkscan(wd, *args)
    out, _ = proc.communicate(timeout=1800)
    return proc.returncode, out, proc.pid


def _session(sid: int) -> list[psutil.Process]:
    """Living processes of the session (process group) ``sid``."""
    found = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getsid(proc.pid) == sid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


def _command(proc: psutil.Process) -> str:
    """A process's command line, '' when it ended meanwhile (a race, not a failure)."""
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def _is_render_worker(proc: psutil.Process, build: int) -> bool:
    """A child of the forkserver (not the forkserver that the build started itself)."""
    try:
        return "forkserver" in _command(proc) and proc.ppid() != build
    except psutil.Error:
        return False


def _left_after(sid: int, seconds: float) -> list[str]:
    end = time.monotonic() + seconds
    while True:
        left = _session(sid)
        if not left or time.monotonic() > end:
            return [" ".join(_command(p).split()[:3]) for p in left if p.is_running()]
        time.sleep(0.1)


def _temp_files(wd: Path) -> list[Path]:
    return [p for sub in ("reports", "data") for p in (wd / sub).rglob(".*") if p.is_file()]


# ------------------------------------------------------------- 1. kill -9 and what is left


def test_kill_9_mid_render_leaves_no_process_and_the_same_command_finishes(tmp_path):
    wd = make_workdir(tmp_path)
    args = ("--cores", "2", "--force-use-threads")
    proc = wijkscan(wd, *args)
    try:
        # Wait until render workers (children of the forkserver) draw.
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            workers = [p for p in _session(proc.pid) if _is_render_worker(p, proc.pid)]
            if workers or proc.poll() is not None:
                break
            time.sleep(0.2)
        assert workers, "no render worker started"
        time.sleep(1.0)  # mid-render
        assert proc.poll() is None, "the build ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    left = _left_after(proc.pid, 5)
    assert not left, f"still running 5 s after kill -9: {left}"
    assert list((wd / ".snakemake" / "locks").glob("*.lock")), "no stale lock to recover"

    # The same command again: no --unlock by hand, cut-off jobs are redone.
    rc, out, sid = _run(wd, *args)
    assert rc == 0, out[-4000:]
    assert "--unlock" not in out and "LockException" not in out
    assert "de vorige run in deze map is afgebroken" in out
    # A successful build leaves nothing running in its process group.
    assert not _left_after(sid, 1.0)
    assert not _temp_files(wd), _temp_files(wd)
    assert not list((wd / ".snakemake" / "incomplete").glob("*"))
    for formaat in ("A1", "A3", "A4"):
        assert len(pypdf.PdfReader(wd / f"reports/{GM}/vouwkaart_{GM}_{formaat}.pdf").pages)
    assert len(pypdf.PdfReader(wd / f"reports/{GM}/wijkscan_{GM}.pdf").pages) > 5
    assert "Voorbeeldwaard" in (wd / f"reports/{GM}/wijkscan_{GM}.html").read_text("utf-8")


# --------------------------------------------- 2. a failed step: its FOUT block, no noise


def _bad_kwb(wd: Path) -> Path:
    df = demo.kwb_table()
    df.loc[df["WijkenEnBuurten"].str.strip() == "BU99990102", "AantalInwoners_5"] = "abc"
    (wd / "invoer").mkdir()
    df.to_csv(wd / "invoer" / "kwb.csv", index=False)
    cfg = {"bronnen": {"kwb": {"type": "lokaal", "pad": str(wd / "invoer" / "kwb.csv")}}}
    return write_config(wd, "kwb.yaml", cfg)


@pytest.mark.parametrize("modus", ["threads", "processen"])
def test_a_failed_step_prints_its_fout_block_and_one_closing_line(tmp_path, modus):
    # Before: after the FOUT block Snakemake printed RuleException with code frames, "Error
    # in rule" with the log (the message again), "Exiting because ..." and WorkflowError;
    # in process mode once more per job (measured: 116 lines, 3x RuleException, 3x
    # WorkflowError; thread mode with --quiet 36 lines).
    wd = make_workdir(tmp_path)
    cfg = _bad_kwb(wd)
    if modus == "threads":
        rc, out, _ = _run(wd, "--cores", "2", "--force-use-threads", "--configfile", str(cfg))
    else:
        res = snakemake(wd, configfile=cfg)
        rc, out = res.returncode, res.stdout + res.stderr
    assert_dutch_failure(rc, out, "FOUT in stap 'fetch_kwb", "'abc'", "BU99990102")
    for noise in NOISE:
        assert noise not in out, (noise, out[-3000:])
    assert out.count(steps.GESTOPT) == 1, out[-3000:]
    # Two jobs read the file (the gemeente's rows and the national reference); whichever
    # fails first stops the run, and its block names its own log.
    stap = re.search(r"FOUT in stap '(fetch_kwb\w*)'", out).group(1)
    assert f"(log: logs/{stap}/" in out
    assert not [p for p in (wd / "reports").rglob("*") if p.is_file()]


def test_an_unexpected_error_keeps_snakemakes_report(tmp_path):
    # Not the user's to fix (a crash in the code): Snakemake's traceback stays.
    wd = make_workdir(tmp_path)
    res = snakemake(wd, "--until", "build", configfile=None)
    assert res.returncode == 0, res.stderr[-2000:]
    (wd / f"data/processed/{GM}/indicatoren.parquet").write_bytes(b"geen parquet")
    os.utime(wd / f"data/processed/{GM}/indicatoren.parquet", (2e9, 2e9))
    res = snakemake(wd, "--until", "export_indicators")
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "RuleException" in out and steps.GESTOPT not in out


# ---------------------------------------------------- 3. the wijkscan command's pre-checks


@pytest.mark.parametrize(
    ("inhoud", "fragments"),
    [
        (None, ("Configuratiebestand niet gevonden: config/weg.yaml", "config/voorbeeld_lokaal")),
        ("jaar: 2024\nhorizon: [2030\n", ("geen geldige YAML", "regel 3", "begonnen op regel 2")),
    ],
)
def test_the_wijkscan_command_reports_a_bad_configfile_in_dutch(tmp_path, inhoud, fragments):
    wd = make_workdir(tmp_path)
    name = "config/weg.yaml"
    if inhoud is not None:
        name = "config/kapot.yaml"
        (wd / name).write_text(inhoud, encoding="utf-8")
    rc, out, _ = _run(wd, "--cores", "2", "--configfile", name)
    assert_dutch_failure(rc, out, "FOUT:", *fragments)
    assert "FileNotFoundError" not in out
    assert not (wd / ".snakemake").exists() and not (wd / "logs").exists()


# ----------------------------------------------------- 4. gemeenten checked before planning


def test_an_unknown_gemeente_is_refused_before_anything_is_planned(tmp_path):
    wd = make_workdir(tmp_path)
    res = snakemake(wd, configfile=write_config(wd, "gm.yaml", {"gemeenten": ["GM0000"]}))
    out = res.stdout + res.stderr
    assert_dutch_failure(
        res.returncode, out, "Gemeente GM0000 komt niet voor", "GM9999 (Voorbeeldwaard)"
    )
    assert "Building DAG" not in out and "WijkscanError in file" not in out
    assert not (wd / "logs").exists() and not list((wd / "data").rglob("*GM0000*"))


def test_a_code_that_is_no_code_is_refused_in_dutch(tmp_path):
    wd = make_workdir(tmp_path)
    res = snakemake(wd, configfile=write_config(wd, "gm.yaml", {"gemeenten": ["GM12"]}))
    assert_dutch_failure(
        res.returncode,
        res.stdout + res.stderr,
        "'GM12' is geen gemeentecode",
        "GM en vier cijfers, zoals GM9999",
    )


def test_real_kwb_unknown_code_gets_names_and_a_name_is_accepted(tmp_path, real_kwb_path):
    wd = make_workdir(tmp_path)
    bron = {"bronnen": {"kwb": {"type": "lokaal", "pad": str(real_kwb_path)}}}
    res = snakemake(wd, configfile=write_config(wd, "fout.yaml", bron | {"gemeenten": ["GM0227"]}))
    out = res.stdout + res.stderr
    assert_dutch_failure(res.returncode, out, "GM0227 komt niet voor", "GM0226 is Duiven")
    assert "Building DAG" not in out
    # The name instead of the code: planned as GM0226.
    res = snakemake(
        wd, "-n", configfile=write_config(wd, "naam.yaml", bron | {"gemeenten": ["Duiven"]})
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    assert "gemeente 'Duiven' is GM0226" in out and "kwb_85984NED_2024_GM0226.csv" in out


# --------------------------------------------------- 5. a local source without a file


@pytest.fixture(scope="module")
def gebouwd(demo_build, tmp_path_factory) -> Path:
    wd = tmp_path_factory.mktemp("proces") / "wd"
    shutil.copytree(demo_build, wd, symlinks=True)
    return wd


@pytest.mark.parametrize("soort", ["kwb", "geometrie", "prognose"])
def test_a_local_source_without_a_file_after_a_build(gebouwd, soort):
    # Was: "MissingOutputException ... filesystem latency" after a build.
    before = snapshot(gebouwd)
    cfg = write_config(gebouwd, f"zonder_{soort}.yaml", {"bronnen": {soort: {"type": "lokaal"}}})
    res = snakemake(gebouwd, configfile=cfg)
    out = res.stdout + res.stderr
    assert_dutch_failure(
        res.returncode, out, f"bronnen.{soort}.pad", "geen bestand opgegeven", "pad: ..."
    )
    assert "latency" not in out and "Building DAG" not in out
    assert snapshot(gebouwd) == before


# ------------------------------------------- 6. a truncated national KWB file is named so


@pytest.mark.parametrize("afgekapt", ["regelgrens", "midden_in_regel"])
def test_a_truncated_national_kwb_is_called_incomplete(
    tmp_path, real_kwb_path, real_gpkg_path, afgekapt
):
    lines = real_kwb_path.read_text(encoding="utf-8").splitlines(keepends=True)
    laatste = max(i for i, line in enumerate(lines) if line.startswith("BU02260201"))
    tekst = "".join(lines[: laatste + 1])
    if afgekapt == "midden_in_regel":
        tekst += lines[laatste + 1][:30]
    wd = make_workdir(tmp_path)
    (wd / "kwb_afgekapt.csv").write_text(tekst, encoding="utf-8")
    cfg = {
        "gemeenten": ["GM0226"],
        "bronnen": {
            "kwb": {"type": "lokaal", "pad": str(wd / "kwb_afgekapt.csv")},
            "geometrie": {"type": "lokaal", "pad": str(real_gpkg_path)},
            "gezondheidsmonitor": {"type": "geen"},
        },
    }
    res = snakemake(wd, configfile=write_config(wd, "afgekapt.yaml", cfg))
    out = res.stdout + res.stderr
    woord = "onvolledig" if afgekapt == "regelgrens" else "afgebroken"
    assert_dutch_failure(res.returncode, out, "kwb_afgekapt.csv", woord)
    assert "hetzelfde jaar" not in out  # not blamed on the year of the buurtgrenzen
    assert not [p for p in (wd / "reports").rglob("*") if p.is_file()]


# ------------------------------------------------- 8. a changed path reruns what uses it


@pytest.mark.parametrize("sleutel", ["dementie_prevalentie", "dementie_landelijk"])
def test_pointing_a_setting_to_another_file_reruns_what_depends_on_it(gebouwd, sleutel):
    kopie = gebouwd / "config" / f"ander_{sleutel}.csv"
    shutil.copy(gebouwd / "config" / f"{sleutel}.csv", kopie)
    os.utime(kopie, (1e9, 1e9))  # older than every output: mtime alone would miss it
    cfg = write_config(
        gebouwd,
        f"ander_{sleutel}.yaml",
        {"indicatoren": {sleutel: str(kopie.relative_to(gebouwd))}},
    )
    res = snakemake(gebouwd, "-n", configfile=cfg)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    assert "rule build:" in out and "Set of input files has changed" in out
    assert "rule render_report:" in out
    # Back to the file of the build: nothing to do.
    res = snakemake(gebouwd, "-n")
    assert "Nothing to be done" in res.stdout + res.stderr
