"""The ``wijkscan`` command (pipeline.workflow.cli): Dutch pre-checks, then Snakemake's command line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pipeline.workflow import cli

REPO = Path(__file__).resolve().parents[3]


def test_the_console_script_is_declared():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["wijkscan"] == "pipeline.workflow.cli:main"


def test_default_profile_and_short_output(tmp_path):
    (tmp_path / "profiles" / "local").mkdir(parents=True)
    args = cli.snakemake_args(["--configfile", "config/x.yaml", "--cores", "4"], tmp_path)
    assert args[:2] == ["--profile", "profiles/local"]
    assert args[2:6] == ["--configfile", "config/x.yaml", "--cores", "4"]
    # The quiet choices last, so that nothing after them is read as one more choice.
    assert args[6:] == list(cli.QUIET)


@pytest.mark.parametrize(
    "user",
    [["-n"], ["-np"], ["--dry-run"], ["--quiet", "all"], ["--verbose"], ["-q"]],
)
def test_dry_runs_and_own_output_choices_are_left_alone(tmp_path, user):
    assert "--quiet" not in cli.snakemake_args(user, tmp_path) or user[0] == "--quiet"
    assert cli.snakemake_args(user, tmp_path).count("--quiet") <= 1


def test_an_own_profile_wins(tmp_path):
    (tmp_path / "profiles" / "local").mkdir(parents=True)
    args = cli.snakemake_args(["--profile", "profiles/slurm"], tmp_path)
    assert args.count("--profile") == 1 and "profiles/slurm" in args


def test_a_missing_configfile_is_dutch_and_snakemake_never_starts(tmp_path, monkeypatch, capsys):
    (tmp_path / "Snakefile").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.os, "execv", lambda *a: pytest.fail("snakemake started"))
    assert cli.main(["--configfile", "config/weg.yaml"]) == 1
    err = capsys.readouterr().err
    assert "Configuratiebestand niet gevonden: config/weg.yaml" in err and "Oplossing:" in err


def test_outside_a_checkout_says_where_to_go(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.os, "execv", lambda *a: pytest.fail("snakemake started"))
    assert cli.main(["--cores", "2"]) == 1
    assert "geen Snakefile" in capsys.readouterr().err


def test_a_good_command_line_becomes_snakemake(tmp_path, monkeypatch):
    (tmp_path / "Snakefile").write_text("")
    (tmp_path / "profiles" / "local").mkdir(parents=True)
    (tmp_path / "c.yaml").write_text("jaar: 2024\n")
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(cli.os, "execv", lambda exe, cmd: calls.append(cmd))
    cli.main(["--configfile", "c.yaml"])
    (cmd,) = calls
    assert "snakemake" in " ".join(cmd[:3])
    assert cmd[-7:] == ["--configfile", "c.yaml", *cli.QUIET]
