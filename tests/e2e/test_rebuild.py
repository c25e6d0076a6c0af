"""Make-style behaviour: no-op reruns, targeted reruns, clean failures."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import snakemake, write_config

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


def test_vouwkaart_setting_reruns_only_vouwkaarten(demo_build):
    cfg = write_config(demo_build, "andere_klassen.yaml", {"vouwkaart": {"klassen": 4}})
    res = snakemake(demo_build, "-n", configfile=cfg)
    assert _planned_rules(res.stdout) == {"render_vouwkaart"}, res.stdout[-2000:]
