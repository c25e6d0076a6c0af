"""Snakemake profiles: dry runs that plan all 342 gemeenten, and a Slurm rerun on the demo.

The dry run of ``profiles/slurm`` prints every planned job with its resources; that output
is the evidence that the profile's resources (and the partition from the environment) reach
the jobs the Slurm executor would submit. Nothing is executed and no Slurm is needed, only
the executor plugin (it registers ``--executor slurm``).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import REPO, make_workdir, snakemake, write_config

pytestmark = pytest.mark.e2e

N_GEMEENTEN = 342
SLURM_PROFILE = REPO / "profiles" / "slurm"
LOCAL_PROFILE = REPO / "profiles" / "local"
PARTITION = "wijkscan_test"

#: Rules with one job per gemeente with ``berekening: per_gemeente`` (render_vouwkaart: one
#: per gemeente and format). No fetch_health: config/landelijk.yaml has no loneliness source
#: (``gezondheidsmonitor: geen``), so there is nothing to fetch.
PER_GEMEENTE = (
    "fetch_kwb",
    "fetch_geometry",
    "fetch_population",
    "fetch_forecast",
    "build",
    "export_indicators",
    "render_report",
    "session_workbook",
)
#: ``berekening: in_een_keer`` (config/landelijk.yaml): these once, only these per gemeente.
ONE_PASS = ("build",)
ONE_PASS_PER_GEMEENTE = ("export_indicators", "render_report", "session_workbook")

requires_slurm_plugin = pytest.mark.skipif(
    importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
    reason="snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]'); "
    "without it Snakemake does not know '--executor slurm'",
)


def national_config(real_kwb_path: Path, real_gpkg_path: Path) -> dict:
    """config/landelijk.yaml with its ../shared paths made absolute (relative to the repo)."""
    cfg = yaml.safe_load((REPO / "config" / "landelijk.yaml").read_text(encoding="utf-8"))
    for kind, fixture_path in (("kwb", real_kwb_path), ("geometrie", real_gpkg_path)):
        pad = cfg["bronnen"][kind]["pad"]
        assert pad.startswith("../shared/"), pad
        absolute = (REPO / pad).resolve()
        assert absolute == fixture_path.resolve(), (absolute, fixture_path)
        cfg["bronnen"][kind]["pad"] = str(absolute)
    return cfg


def profile_settings(profile: Path, env: dict[str, str]) -> dict:
    """The profile as Snakemake reads it (YTE template rendered with ``env``)."""
    import yte

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        with (profile / "config.yaml").open(encoding="utf-8") as fh:
            return yte.process_yaml(fh, require_use_yte=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def as_printed(value: object) -> str:
    """A profile resource value as the dry run prints it (Python string literals evaluated)."""
    text = str(value)
    if text[:1] in "'\"":
        return str(ast.literal_eval(text))
    return text


def job_stats(output: str) -> Counter:
    """Rule -> planned job count, from the 'Job stats' table of a dry run."""
    table = output.split("Job stats:", 1)[1].split("Reasons:", 1)[0]
    return Counter({m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, flags=re.M)})


def job_resources(output: str) -> dict[str, list[dict[str, str]]]:
    """Rule -> one ``{resource: value}`` dict per planned job, from a dry run's job list."""
    jobs: dict[str, list[dict[str, str]]] = {}
    for block in re.split(r"^\s*(?=(?:local)?rule \w+:$)", output, flags=re.M):
        head = re.match(r"(?:local)?rule (\w+):", block)
        res = re.search(r"^\s*resources: (.*)$", block, flags=re.M)
        if head and res:
            pairs = (item.split("=", 1) for item in res[1].split(", "))
            jobs.setdefault(head[1], []).append({k: v for k, v in pairs})
    return jobs


@pytest.fixture(scope="module")
def national_wd(tmp_path_factory, real_kwb_path, real_gpkg_path):
    wd = make_workdir(tmp_path_factory.mktemp("landelijk"))
    cfg = write_config(wd, "landelijk.yaml", national_config(real_kwb_path, real_gpkg_path))
    return wd, cfg


@pytest.fixture(scope="module")
def slurm_dry_run(national_wd):
    wd, cfg = national_wd
    env = {"WIJKSCAN_SLURM_PARTITION": PARTITION}
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        t0 = time.perf_counter()
        res = snakemake(wd, "-n", "--profile", str(SLURM_PROFILE), configfile=cfg)
        seconds = time.perf_counter() - t0
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return res.stdout + res.stderr, profile_settings(SLURM_PROFILE, env), seconds


def _assert_national_counts(stats: Counter, one_pass: bool = True) -> None:
    cfg = yaml.safe_load((REPO / "config" / "landelijk.yaml").read_text(encoding="utf-8"))
    assert cfg["berekening"] == "in_een_keer"
    per_gemeente = ONE_PASS_PER_GEMEENTE if one_pass else PER_GEMEENTE
    for rule in per_gemeente:
        assert stats[rule] == N_GEMEENTEN, (rule, stats[rule])
    formats = len(cfg["vouwkaart"]["formaten"])
    assert stats["render_vouwkaart"] == N_GEMEENTEN * formats
    if one_pass:
        assert all(stats[rule] == 1 for rule in ONE_PASS), stats
        assert not (set(PER_GEMEENTE) - set(ONE_PASS_PER_GEMEENTE) - set(ONE_PASS)) & set(stats)
    # Anything else is shared by all gemeenten (national reference, 'all').
    others = {r: n for r, n in stats.items() if r not in (*per_gemeente, "render_vouwkaart")}
    others.pop("total", None)
    assert all(n == 1 for n in others.values()), others
    assert stats["all"] == 1


@requires_slurm_plugin
def test_slurm_dry_run_plans_every_gemeente(slurm_dry_run):
    out, _, seconds = slurm_dry_run
    stats = job_stats(out)
    _assert_national_counts(stats)
    # Per gemeente only the renders remain, each its own Slurm job with its own resources; the
    # one national build is the only (one-job) group.
    assert out.count("Group job") == 1, out.count("Group job")
    print(f"dry run (slurm, {stats['total']} jobs): {seconds:.1f} s")


@requires_slurm_plugin
def test_slurm_profile_resources_reach_every_job(slurm_dry_run):
    out, profile, _ = slurm_dry_run
    jobs = job_resources(out)
    defaults = {k: as_printed(v) for k, v in profile["default-resources"].items()}
    assert defaults["slurm_partition"] == PARTITION
    per_rule = profile["set-resources"]
    checked = 0
    for rule, job_list in jobs.items():
        if rule == "all":
            continue
        expected = defaults | {k: as_printed(v) for k, v in per_rule.get(rule, {}).items()}
        for job in job_list:
            for key, value in expected.items():
                assert job.get(key) == value, (rule, key, job)
            checked += 1
    assert checked >= N_GEMEENTEN * len(ONE_PASS_PER_GEMEENTE)
    # The heavy steps really got more than the light ones.
    pdf = jobs["render_report"][0]
    fetch = jobs["export_indicators"][0]
    assert int(pdf["mem_mb"]) > int(fetch["mem_mb"])
    assert int(pdf["runtime"]) > int(fetch["runtime"])


@requires_slurm_plugin
def test_profile_names_only_existing_rules(national_wd):
    # Snakemake silently ignores set-resources and groups for an unknown rule name, so a
    # typo would quietly drop a memory limit: check every name against the workflow.
    wd, cfg = national_wd
    res = snakemake(wd, "--list-rules", configfile=cfg)
    assert res.returncode == 0, res.stderr[-2000:]
    rules = set(res.stdout.split())
    profile = profile_settings(SLURM_PROFILE, {})
    named = set(profile["set-resources"]) | set(profile.get("groups", {}))
    assert named <= rules, named - rules
    assert "slurm_partition" not in profile["default-resources"]  # unset env: no partition


def test_local_dry_run_plans_every_gemeente(national_wd):
    wd, cfg = national_wd
    res = snakemake(wd, "-n", "--profile", str(LOCAL_PROFILE), configfile=cfg)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    assert f"Using profile {LOCAL_PROFILE}" in out
    _assert_national_counts(job_stats(out))
    assert "Group job" not in out


def test_local_dry_run_per_gemeente_plans_every_step(national_wd, real_kwb_path, real_gpkg_path):
    # The same national selection computed per gemeente: the full chain for each of them.
    wd, _ = national_wd
    cfg = national_config(real_kwb_path, real_gpkg_path) | {"berekening": "per_gemeente"}
    path = write_config(wd, "landelijk_per_gemeente.yaml", cfg)
    res = snakemake(wd, "-n", "--profile", str(LOCAL_PROFILE), configfile=path)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    _assert_national_counts(job_stats(out), one_pass=False)


@requires_slurm_plugin
def test_slurm_plans_a_rerun_after_a_new_kwb(demo_build):
    # berekening: per_gemeente (the default) groups the light steps of a gemeente into one
    # Slurm job. With fetch_kwb in that group, a rerun of only fetch_kwb (a new KWB file, or
    # --forcerun) could not even be planned: the other fetches wait for it via ancient(), so
    # they stay outside the group while depending on it ("depends on rule(s) ... from
    # outside the group ... This is not allowed"). Seen on a real Slurm cluster.
    res = snakemake(
        demo_build, "-n", "--profile", str(SLURM_PROFILE), "--forcerun", "fetch_kwb", cores=1
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    assert "from outside the group" not in out
    stats = job_stats(out)
    assert stats["fetch_kwb"] == 1 and stats["build"] == 1, stats
    # The full chain is still one group job per gemeente (plus fetch_kwb on its own).
    res = snakemake(demo_build, "-n", "--profile", str(SLURM_PROFILE), "--forceall", cores=1)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    assert out.count("Group job gemeente") == 1
