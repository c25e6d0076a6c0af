"""The ``wijkscan`` command: Snakemake with the project's settings and Dutch pre-checks.

``wijkscan [snakemake-opties]`` is ``snakemake`` with

* a Dutch message (what / where / fix) for a missing or broken ``--configfile``, which
  Snakemake reads before the Snakefile runs and reports as an English traceback;
* the machine profile ``profiles/local`` (threads, render workers, rerun of cut-off jobs)
  unless ``--profile`` is given;
* the short output of ``make demo``: the project's own Dutch lines, details in ``logs/``
  (``--quiet rules reason host progress``), unless a ``--quiet``/``-q``, ``--verbose`` or a
  dry run (``-n``: its job list is what the user asked for) is on the command line.

Everything else is passed to Snakemake unchanged, e.g. ``wijkscan --configfile
config/voorbeeld_lokaal.yaml --cores 4``.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from pipeline.errors import WijkscanError
from pipeline.workflow.config_schema import check_configfiles

#: What ``make demo`` and this command hide from Snakemake's output (see the Makefile).
QUIET = ("--quiet", "rules", "reason", "host", "progress")
#: The default machine profile (relative to the working directory).
PROFILE = "profiles/local"


def _has(args: list[str], *flags: str) -> bool:
    return any(a in flags or any(a.startswith(f + "=") for f in flags) for a in args)


def snakemake_args(args: list[str], workdir: Path | None = None) -> list[str]:
    """The Snakemake command line for ``wijkscan ARGS``.

    Parameters
    ----------
    args
        The user's arguments (Snakemake options).
    workdir
        Where Snakemake will run (default: the working directory), to find the profile.

    Returns
    -------
    list of str
        Snakemake's arguments: the profile, the user's (an option given twice takes the
        last value, so the user's win over the profile's) and the quiet flags.
    """
    workdir = Path.cwd() if workdir is None else Path(workdir)
    extra: list[str] = []
    if not _has(args, "--profile", "--workflow-profile") and (workdir / PROFILE).is_dir():
        extra += ["--profile", PROFILE]
    # -n, also in a cluster of short flags such as -np.
    dry = _has(args, "--dry-run", "--dryrun") or any(
        a.startswith("-") and not a.startswith("--") and "n" in a[1:] for a in args
    )
    quiet = [] if dry or _has(args, "--quiet", "-q", "--verbose") else list(QUIET)
    # The quiet choices last: a target file after them would be read as one more choice.
    return extra + list(args) + quiet


def _snakemake_command() -> list[str]:
    """The ``snakemake`` next to this Python (the venv's), else ``python -m snakemake``."""
    script = Path(sys.executable).with_name("snakemake")
    if script.is_file():
        return [sys.executable, str(script)]
    found = shutil.which("snakemake")
    return [found] if found else [sys.executable, "-m", "snakemake"]


def check_workdir(args: list[str], workdir: Path | None = None) -> None:
    """Refuse to start outside a wijkscan checkout (no ``Snakefile`` to run).

    Raises
    ------
    WijkscanError
        When there is no Snakefile here and none is named with ``--snakefile``/``-s``.
    """
    workdir = Path.cwd() if workdir is None else Path(workdir)
    if _has(args, "--snakefile", "-s") or (workdir / "Snakefile").is_file():
        return
    raise WijkscanError(
        "Hier staat geen wijkscan: de map heeft geen Snakefile.",
        waar=f"werkmap {workdir}",
        oplossing="Ga eerst naar de map van de wijkscan (waar README.md en Snakefile staan), "
        "bijvoorbeeld 'cd wijkscan', en start daar 'wijkscan' (of '.venv/bin/wijkscan').",
    )


def main(argv: list[str] | None = None) -> int:
    """Run Snakemake for the wijkscan (the ``wijkscan`` console script).

    Returns
    -------
    int
        1 after a Dutch message when a configuration file is missing or broken; otherwise
        this process becomes Snakemake (``exec``: a kill or Ctrl-C reaches it directly).
    """
    args = sys.argv[1:] if argv is None else list(argv)
    if _has(args, "-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        print("\nOpties van snakemake:\n", file=sys.stderr)
    try:
        check_workdir(args)
        check_configfiles(args)
    except WijkscanError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    cmd = _snakemake_command() + snakemake_args(args)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(cmd[0], cmd)
    return 0  # pragma: no cover - execv does not return


if __name__ == "__main__":
    raise SystemExit(main())
