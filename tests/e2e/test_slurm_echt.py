"""A real run of ``profiles/slurm``: every job submitted with sbatch and run by Slurm.

Needs a working Slurm (``sbatch``, a node that is up); ``tests/support/slurm_lokaal.sh``
starts a throwaway cluster of one node (CI does). Without one the test is skipped with the
reason; the dry runs in ``test_profiles.py`` still check the plan and the resources.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from tests.e2e.conftest import REPO, make_workdir, snakemake, write_config

pytestmark = pytest.mark.e2e

SLURM_PROFILE = REPO / "profiles" / "slurm"


def _no_slurm() -> str | None:
    """Why no Slurm run is possible here (None: there is one)."""
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed"
    if shutil.which("sbatch") is None:
        return "no sbatch on PATH (start one with: bash tests/support/slurm_lokaal.sh)"
    try:
        res = subprocess.run(
            ["sinfo", "-h", "-o", "%a %T"], capture_output=True, text=True, timeout=15
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"sinfo failed: {exc}"
    states = res.stdout.split()
    # A trailing '*' means the node does not respond.
    if (
        res.returncode != 0
        or "up" not in states
        or not any(s in ("idle", "mixed", "allocated", "completing") for s in states)
    ):
        return f"no Slurm node up (sinfo: {res.stdout.strip() or res.stderr.strip()})"
    # Only the throwaway cluster: never send the demo to a real cluster's default partition.
    conf = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True)
    if not re.search(r"^ClusterName\s*=\s*wijkscan\s*$", conf.stdout, flags=re.M):
        return "Slurm is not the throwaway 'wijkscan' cluster of tests/support/slurm_lokaal.sh"
    return None


_REASON = _no_slurm()
requires_slurm = pytest.mark.skipif(_REASON is not None, reason=_REASON or "")

#: Options a cluster without slurmdbd needs (profiles/slurm explains them); the short first
#: status check only makes the test quicker.
CLUSTER_ARGS = (
    "--slurm-status-command",
    "squeue",
    "--slurm-no-account",
    "--slurm-init-seconds-before-status-checks",
    "2",
)


@requires_slurm
def test_demo_builds_on_a_real_slurm_cluster(tmp_path: Path) -> None:
    wd = make_workdir(tmp_path / "slurm")
    # One vouwkaart format keeps the run short; everything else is the default demo.
    cfg = write_config(wd, "slurm.yaml", {"vouwkaart": {"formaten": ["A3"]}})
    args = ("--profile", str(SLURM_PROFILE), *CLUSTER_ARGS)
    # Two cores, as a login node may have: render workers would start if they were wanted.
    res = snakemake(wd, *args, configfile=cfg, cores=2)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-5000:]
    # The renders are cluster jobs: no idle render workers on the login node.
    assert "tekenprocessen" not in out

    # Every job went through sbatch: fetch_kwb, the other fetches and the build of the gemeente
    # as one group job, then the export, the report, the vouwkaart and the session workbook
    # each with their own resources (profiles/slurm: not grouped, so that with 'in_een_keer'
    # the exports of all gemeenten do not join the one national build job).
    submitted = [line for line in out.splitlines() if "has been submitted with SLURM jobid" in line]
    assert len(submitted) == 6, out[-3000:]
    for name in (
        "rule_fetch_kwb/",
        "group_gemeente_",
        "rule_export_indicators/",
        "rule_render_report/",
        "rule_render_vouwkaart/",
        "rule_session_workbook/",
    ):
        assert sum(name in line for line in submitted) == 1, (name, submitted)

    report = wd / "reports" / "GM9999" / "wijkscan_GM9999.pdf"
    pages = PdfReader(report).pages
    assert len(pages) >= 20
    assert "FICTIEF" in pages[0].extract_text()
    kaart = PdfReader(wd / "reports" / "GM9999" / "vouwkaart_GM9999_A3.pdf")
    assert len(kaart.pages) == 1
    table = pd.read_csv(wd / "reports" / "GM9999" / "indicatoren_GM9999.csv")
    buurten = table[table["niveau"] == "buurt"]
    assert len(buurten) > 5 and buurten["code"].str.startswith("BU9999").all()
    assert buurten["mantelzorgpotentieel"].notna().any()

    # A cluster job renders in its own process, not in a render worker.
    render_log = (wd / "logs" / "render_report" / "GM9999.log").read_text(encoding="utf-8")
    assert "klaar render_report" in render_log
    assert "tekenen in hulpproces" not in render_log

    again = snakemake(wd, *args, configfile=cfg, cores=2)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert "Nothing to be done" in again.stdout + again.stderr
