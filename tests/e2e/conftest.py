"""End-to-end harness: run the real Snakefile in a temporary copy of the workflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def make_workdir(dest: Path) -> Path:
    """A fresh working directory with the config and templates (not data or caches).

    The Snakefile and rule files are used from the repository (``--snakefile``); a
    copied ``pipeline/workflow/rules`` folder would shadow the installed ``pipeline`` package.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for sub in ("config", "templates"):
        shutil.copytree(REPO / sub, dest / sub, dirs_exist_ok=True)
    return dest


def write_config(workdir: Path, name: str, cfg: dict) -> Path:
    path = workdir / "config" / name
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def snakemake(
    workdir: Path,
    *args: str,
    configfile: Path | None = None,
    cores: int = 2,
    snakefile: Path = REPO / "Snakefile",
):
    """Run snakemake in ``workdir``; returns the CompletedProcess (never raises).

    ``snakefile``: another checkout's (Snakemake imports ``pipeline`` from beside it).
    """
    cmd = [str(SNAKEMAKE), "--snakefile", str(snakefile), "--cores", str(cores)]
    cmd += ["--nocolor", *args]
    if configfile is not None:
        cmd += ["--configfile", str(configfile)]
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env=env, timeout=1800)


def snapshot(wd: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every product and intermediate file (a changed file shows up)."""
    out = {}
    for sub in ("reports", "data"):
        for p in (wd / sub).rglob("*"):
            if p.is_file():
                st = p.stat()
                out[str(p.relative_to(wd))] = (st.st_size, st.st_mtime_ns)
    return out


def assert_dutch_failure(rc: int, out: str, *fragments: str) -> None:
    """A user mistake: non-zero exit, a Dutch what/where/fix message, no traceback."""
    assert rc != 0, out[-3000:]
    assert "Traceback (most recent call last)" not in out, out[-3000:]
    assert "Waar:" in out and "Oplossing:" in out, out[-3000:]
    for fragment in fragments:
        assert fragment in out, (fragment, out[-3000:])


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Path:
    """The default demo build (README command 1) in a fresh temporary workdir."""
    wd = make_workdir(tmp_path_factory.mktemp("demo"))
    res = snakemake(wd)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    # Snakemake's own output, for tests that check what the user saw.
    (wd / "snakemake_uitvoer.txt").write_text(res.stdout + res.stderr, encoding="utf-8")
    return wd
