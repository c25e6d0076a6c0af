"""Make-style behaviour: no-op reruns, targeted reruns, clean failures."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.e2e.conftest import REPO, snakemake, write_config

pytestmark = pytest.mark.e2e


def _planned_rules(output: str) -> set[str]:
    return set(re.findall(r"^(?:local)?rule (\w+):", output, flags=re.M)) - {"all"}


def test_second_run_does_nothing(demo_build):
    res = snakemake(demo_build, "-n")
    assert res.returncode == 0
    assert "Nothing to be done" in res.stdout + res.stderr
    assert not _planned_rules(res.stdout)


def test_template_change_reruns_only_render_rules(demo_build, tmp_path):
    css = demo_build / "templates" / "rapport.css"
    original = css.read_text(encoding="utf-8")
    try:
        css.write_text(original + "\n/* changed */\n", encoding="utf-8")
        res = snakemake(demo_build, "-n")
        planned = _planned_rules(res.stdout)
        assert planned == {"render_report"}, planned
    finally:
        css.write_text(original, encoding="utf-8")
        snakemake(demo_build, "--touch")


def test_new_code_reruns_what_runs_it_and_nothing_is_fetched(demo_build, tmp_path):
    """An upgrade of wijkscan must not leave reports with the old code's numbers: Snakemake
    does not see changes in imported modules, so the rules carry the code's fingerprint."""
    # Another checkout (Snakemake puts the Snakefile's folder first on sys.path, so its
    # `pipeline` is the one imported).
    shutil.copytree(
        REPO / "pipeline", tmp_path / "pipeline", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO / "config", tmp_path / "config")  # the schema sits beside the package
    shutil.copy2(REPO / "Snakefile", tmp_path / "Snakefile")
    kopie = tmp_path / "Snakefile"
    # The same sources in another place: same fingerprint, nothing to do.
    res = snakemake(demo_build, "-n", snakefile=kopie)
    assert res.returncode == 0 and not _planned_rules(res.stdout), res.stdout[-2000:]
    fmt = tmp_path / "pipeline" / "present" / "fmt.py"
    fmt.write_text(fmt.read_text(encoding="utf-8") + "\n# upgraded\n", encoding="utf-8")
    res = snakemake(demo_build, "-n", snakefile=kopie)
    planned = _planned_rules(res.stdout)
    assert {"build", "export_indicators", "render_report", "render_vouwkaart"} <= planned
    assert not any(r.startswith("fetch") for r in planned), planned  # data/raw stays
    assert "Params have changed" in res.stdout, res.stdout[-2000:]
    # The installed package (unchanged) still finds the build up to date.
    assert not _planned_rules(snakemake(demo_build, "-n").stdout)


def test_vouwkaart_setting_reruns_only_vouwkaarten(demo_build):
    cfg = write_config(demo_build, "andere_klassen.yaml", {"vouwkaart": {"klassen": 4}})
    res = snakemake(demo_build, "-n", configfile=cfg)
    assert _planned_rules(res.stdout) == {"render_vouwkaart"}, res.stdout[-2000:]
