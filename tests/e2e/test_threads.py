"""Thread mode (--force-use-threads): all jobs in one process, logs still per job."""

from __future__ import annotations

import pypdf
import pytest

from tests.e2e.conftest import make_workdir, snakemake

pytestmark = pytest.mark.e2e


def test_demo_in_thread_mode(tmp_path):
    wd = make_workdir(tmp_path)
    res = snakemake(wd, "--force-use-threads")
    assert res.returncode == 0, res.stderr[-4000:]
    # 1 report + 3 vouwkaarten on 2 cores: two render workers, and the run says so.
    assert "wijkscan: rapporten en vouwkaarten tekenen in 2 tekenprocessen" in res.stderr
    reader = pypdf.PdfReader(str(wd / "reports/GM9999/vouwkaart_GM9999_A1.pdf"))
    fonts = reader.pages[0]["/Resources"]["/Font"].get_object()
    subtypes = {str(f.get_object()["/Subtype"]) for f in fonts.values()}
    # A concurrent rcParams swap (pdf.fonttype 3 instead of 42) would give Type 3 fonts.
    assert subtypes and "/Type3" not in subtypes, subtypes
    # Jobs share one process, but each log file holds only its own job's records.
    for log in (wd / "logs").rglob("*.log"):
        text = log.read_text(encoding="utf-8")
        starts = [line for line in text.splitlines() if " start " in line]
        assert len(starts) == 1, (log, starts)
        assert "snakemake.logging" not in text, log
    # Renders ran in worker processes (renderpool.render), with their records in the job log
    # between the job's own start and end lines.
    render_logs = sorted((wd / "logs").glob("render_*/*.log"))
    assert len(render_logs) >= 2
    for log in render_logs:
        lines = log.read_text(encoding="utf-8").splitlines()
        worker = [i for i, line in enumerate(lines) if "tekenen in hulpproces" in line]
        assert len(worker) == 1, log
        assert " start " in lines[0] and " klaar " in lines[-1], log
        assert 0 < worker[0] < len(lines) - 1
    # Data steps stay in the Snakemake process.
    assert "hulpproces" not in (wd / "logs/build/GM9999.log").read_text()


def test_process_mode_renders_in_the_job_process(demo_build):
    # A process per job (Snakemake's default, Slurm): no render workers are started.
    assert "tekenprocessen" not in (demo_build / "snakemake_uitvoer.txt").read_text()
    for log in (demo_build / "logs").glob("render_*/*.log"):
        assert "hulpproces" not in log.read_text(encoding="utf-8"), log
