"""Benchmarks of wijkscan on the real extracts: wall time and peak memory per scenario.

Usage (from the repository root)::

    /work/venv/bin/python benchmarks/run.py                # writes benchmarks/results.md
    /work/venv/bin/python benchmarks/run.py --nationaal    # also the national full build (hours)

Every scenario runs as a child process. Wall time is measured around it; peak memory in two
ways, because a Snakemake build is a tree of processes (one per job):

* ``piek proces``: the largest resident set of any single process in the tree
  (``ru_maxrss`` from ``wait4``, what ``/usr/bin/time -v`` reports);
* ``piek samen``: the largest *sum* of resident sets over the tree, sampled every 0.1 s
  (with two jobs in parallel this is what the machine must have).

The targets are reported as PASS/FAIL; nothing here tunes a measurement to a target, and no
test asserts them. See ``benchmarks/README.md`` for the method and the conclusions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
NL2024 = REPO.parent / "shared" / "data" / "real" / "nl2024"
KWB = NL2024 / "kwb_2024_85984NED_subset.csv"
GPKG = NL2024 / "buurt_2024_gegeneraliseerd.gpkg"
BIN = Path(sys.executable).parent
SNAKEMAKE = BIN / "snakemake"
PROFILE_LOCAL = REPO / "profiles" / "local"
PROFILE_LANDELIJK = REPO / "profiles" / "landelijk"

EEN_GEMEENTE = ("GM0226", "GM0202")
ZEVEN = ("GM0150", "GM0202", "GM0226", "GM0293", "GM0299", "GM1705", "GM1734")
#: Targets on the 2-core reference machine (issue 13: no-op under 2 s, the national full build
#: within 12 min and under 2 GB).
DOEL_VLOER = 3.0
DOEL_NOOP_S = 2.0
DOEL_LANDELIJK_S = 30.0
DOEL_LANDELIJK_BUILD_S = 12 * 60.0
DOEL_GEHEUGEN_MB = 2048


# ------------------------------------------------------------------- measuring


@dataclass
class Meting:
    """One measured child process (tree)."""

    naam: str
    seconden: float
    piek_proces_mb: float
    piek_samen_mb: float
    returncode: int
    stdout: str = ""
    stderr: str = ""
    #: Largest summed PSS of the tree (shared pages counted once); None without smaps_rollup.
    piek_pss_mb: float | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the process exited with 0."""
        return self.returncode == 0


def _pss(pid: int) -> int | None:
    """Proportional set size of one process (bytes), from /proc/<pid>/smaps_rollup.

    Pages shared by several processes (a forkserver and the workers forked from it share
    their imported libraries) count once in total, split over the sharers.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


#: PSS needs /proc/<pid>/smaps_rollup (Linux 4.14+).
_HAS_PSS = Path("/proc/self/smaps_rollup").exists()


def _tree_mem(proc: psutil.Process) -> tuple[int, int | None]:
    """Sums of RSS and of PSS over a process and all its descendants (bytes).

    PSS is ``None`` where /proc has no smaps_rollup. A process that ends between the two
    reads adds only its RSS (builds start and end processes all the time).
    """
    rss = pss = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0, None
    for p in members:
        try:
            rss += p.memory_info().rss
        except psutil.Error:
            continue
        pss += _pss(p.pid) or 0
    return rss, pss if _HAS_PSS else None


def meet(naam: str, cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Meting:
    """Run ``cmd`` and measure wall time, largest process RSS and largest summed tree RSS.

    Parameters
    ----------
    naam
        Label for the report.
    cmd
        Command and arguments.
    cwd
        Working directory.
    env
        Extra environment variables.

    Returns
    -------
    Meting
        The measurement, with stdout/stderr of the run.
    """
    full_env = dict(os.environ, MPLBACKEND="Agg", **(env or {}))
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=out, stderr=err, text=True)
        peak = 0
        peak_pss: int | None = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak, peak_pss
            try:
                ps = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not stop.is_set():
                rss, pss = _tree_mem(ps)
                peak = max(peak, rss)
                peak_pss = None if pss is None else max(peak_pss or 0, pss)
                stop.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4 gives the rusage of the child and every descendant it waited for: ru_maxrss
        # is then the largest single process of the tree (kB on Linux).
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Meting(
            naam=naam,
            seconden=seconds,
            piek_proces_mb=usage.ru_maxrss / 1024,
            piek_samen_mb=peak / 2**20,
            piek_pss_mb=None if peak_pss is None else peak_pss / 2**20,
            returncode=proc.returncode,
            stdout=out.read(),
            stderr=err.read(),
        )


# --------------------------------------------------------------------- workdirs


def werkmap(root: Path, naam: str) -> Path:
    """A fresh Snakemake working directory with config/ and templates/ (like the e2e tests)."""
    wd = root / naam
    if wd.exists():
        shutil.rmtree(wd)
    wd.mkdir(parents=True)
    for sub in ("config", "templates"):
        shutil.copytree(REPO / sub, wd / sub)
    return wd


def echte_config(wd: Path, naam: str, gemeenten: list[str] | None) -> Path:
    """Config for real gemeenten from the shared extracts (absolute paths; demo ages).

    ``gemeenten=None`` gives config/landelijk.yaml (all gemeenten) with absolute paths.
    """
    if gemeenten is None:
        cfg = yaml.safe_load((REPO / "config" / "landelijk.yaml").read_text(encoding="utf-8"))
        for kind in ("kwb", "geometrie"):
            cfg["bronnen"][kind]["pad"] = str((REPO / cfg["bronnen"][kind]["pad"]).resolve())
    else:
        cfg = {
            "gemeenten": gemeenten,
            "bronnen": {
                "kwb": {"type": "lokaal", "pad": str(KWB)},
                "geometrie": {"type": "lokaal", "pad": str(GPKG), "laag": "buurt_gegeneraliseerd"},
                "bevolking": {"type": "demo"},
                "prognose": {"type": "demo"},
                "gezondheidsmonitor": {"type": "geen"},
            },
            # One vouwkaart per gemeente, as in config/landelijk.yaml and the rendering floor.
            "vouwkaart": {"formaten": ["A1"]},
        }
    path = wd / "config" / naam
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def snakemake_cmd(configfile: Path, *args: str, profile: Path = PROFILE_LOCAL) -> list[str]:
    """The build command: the repository's Snakefile with a profile (default profiles/local)."""
    return [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--profile",
        str(profile),
        "--nocolor",
        "--configfile",
        str(configfile),
        *args,
    ]


def process_profile(root: Path) -> Path:
    """profiles/local without ``force-use-threads``: every job in its own process.

    That is Snakemake's default for ``run:`` rules (and what each Slurm job does), so the
    per-job cost stays visible next to the thread mode of the local profile.
    """
    cfg = yaml.safe_load((PROFILE_LOCAL / "config.yaml").read_text(encoding="utf-8"))
    cfg.pop("force-use-threads", None)
    path = root / "profiel_proces"
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def adapter_seconds(wd: Path) -> dict[str, list[float]]:
    """Rule -> the job steps' own durations ('klaar ... in X s' in each job's log)."""
    out: dict[str, list[float]] = defaultdict(list)
    for log in sorted((wd / "logs").glob("*/*.log")):
        m = re.search(
            r"klaar \w+ in ([0-9.]+) s", log.read_text(encoding="utf-8", errors="replace")
        )
        if m:
            out[log.parent.name].append(float(m[1]))
    return dict(out)


def jobs_done(m: Meting) -> int:
    """Number of jobs Snakemake ran ('N of N steps (100%) done')."""
    hits = re.findall(r"(\d+) of (\d+) steps \(100%\) done", m.stderr + m.stdout)
    return int(hits[-1][1]) if hits else 0


# -------------------------------------------------------------- rendering floor

_FLOOR_MAP = r"""
import sys
import matplotlib
matplotlib.use("Agg")
import geopandas as gpd
import matplotlib.pyplot as plt
gpkg, gemeente, out = sys.argv[1:4]
gdf = gpd.read_file(gpkg, layer="buurt_gegeneraliseerd", where=f"statcode LIKE 'BU{gemeente[2:]}%'")
fig = plt.figure(figsize=(841 / 25.4, 594 / 25.4))  # A1 landscape
ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
ax.set_axis_off()
gdf.assign(v=range(len(gdf))).plot(column="v", cmap="YlOrRd", ax=ax, edgecolor="white", lw=0.4)
for name, pt in zip(gdf["statnaam"], gdf.representative_point()):
    ax.annotate(name, (pt.x, pt.y), ha="center", fontsize=7)
fig.savefig(out)
print(len(gdf))
"""

_FLOOR_PDF = r"""
import sys
from weasyprint import HTML
rows = "".join(f"<tr><td>Buurt {i}</td><td>{10 + i}%</td></tr>" for i in range(20))
html = f'''<html><head><meta charset="utf-8"><style>@page {{ size: A4; margin: 2cm }}
body {{ font-family: sans-serif; font-size: 10pt }}</style></head><body>
<h1>Wijkscan</h1><p>Een pagina met een kop, een alinea en een tabel.</p>
<table>{rows}</table></body></html>'''
HTML(string=html).write_pdf(sys.argv[1])
"""


def rendering_floor(root: Path, gemeente: str) -> tuple[Meting, Meting]:
    """A bare A1 map of the gemeente's buurten and a bare one-page WeasyPrint PDF."""
    kaart = meet(
        f"vloer kaart {gemeente}",
        [str(BIN / "python"), "-c", _FLOOR_MAP, str(GPKG), gemeente, str(root / "vloer.pdf")],
        root,
    )
    pdf = meet(
        "vloer pdf",
        [str(BIN / "python"), "-c", _FLOOR_PDF, str(root / "vloer_rapport.pdf")],
        root,
    )
    return kaart, pdf


# ------------------------------------------------------------------ overheads


def spawn_cost(
    wd: Path, configfile: Path, gemeente: str, profile: Path, repeat: int = 3
) -> dict[str, float]:
    """Fixed cost of one Snakemake job: rerun the exact spawned command of a tiny job.

    Snakemake runs every ``run:`` job as a new ``python -m snakemake --target-jobs ...``
    process that parses the workflow again. The command is taken from ``--verbose`` output
    of a forced ``export_indicators`` (a few tenths of a second of work) and timed ``repeat``
    times.
    """
    target = f"reports/{gemeente}/indicatoren_{gemeente}.csv"
    probe = meet(
        "probe",
        snakemake_cmd(configfile, "--verbose", "--force", "--cores", "1", target, profile=profile),
        wd,
    )
    cmds = re.findall(r"^spawned job: (.*)$", probe.stderr + probe.stdout, flags=re.M)
    if not probe.ok or not cmds:
        return {}
    walls, rss, work = [], [], []
    for _ in range(repeat):
        m = meet("spawn", ["bash", "-c", cmds[-1]], wd)
        walls.append(m.seconden)
        rss.append(m.piek_proces_mb)
        own = adapter_seconds(wd).get("export_indicators", [0.0])
        work.append(own[0] if own else 0.0)
    return {
        "taak_s": statistics.median(walls),
        "eigen_werk_s": statistics.median(work),
        "rss_mb": statistics.median(rss),
    }


def import_costs() -> dict[str, tuple[float, float]]:
    """Wall time and RSS of a bare interpreter importing what jobs import."""
    stmts = {
        "python zonder imports": "pass",
        "snakemake --version": None,
        "import pandas": "import pandas",
        "import geopandas": "import geopandas",
        "import mapclassify": "import mapclassify",
        "import snakemake_executor_plugin_slurm": "import snakemake_executor_plugin_slurm",
        "import pipeline.present.report": "import pipeline.present.report",
        "import pipeline.present.vouwkaart": "import pipeline.present.vouwkaart",
    }
    out = {}
    for label, stmt in stmts.items():
        cmd = [str(SNAKEMAKE), "--version"] if stmt is None else [str(BIN / "python"), "-c", stmt]
        runs = [meet(label, cmd, REPO) for _ in range(3)]
        out[label] = (
            statistics.median(r.seconden for r in runs),
            statistics.median(r.piek_proces_mb for r in runs),
        )
    return out


# ----------------------------------------------------------------------- report


def _fmt_s(x: float) -> str:
    return f"{x:.1f} s" if x >= 10 else f"{x:.2f} s"


def _row(m: Meting, doel: str = "", oordeel: str = "") -> str:
    status = "" if m.ok else f" (mislukt, code {m.returncode})"
    pss = "n.b." if m.piek_pss_mb is None else f"{m.piek_pss_mb:.0f} MiB"
    return (
        f"| {m.naam}{status} | {_fmt_s(m.seconden)} | {m.piek_proces_mb:.0f} MiB | "
        f"{m.piek_samen_mb:.0f} MiB | {pss} | {doel} | {oordeel} |"
    )


def _pass(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def slurm_plugin_warning() -> list[str]:
    """A warning when merely loading the Slurm executor plugin is slow on this machine.

    Snakemake loads every installed executor plugin at start-up, and the Slurm plugin runs
    ``scontrol show config`` while it is imported (timeout 10 s). Where ``scontrol`` exists
    but no controller answers (slurm-client left installed, cluster stopped), every
    Snakemake start then waits ~10 s: that skews every small measurement (seen on 06-12:
    no-op 10.5 s instead of 1.5 s).
    """
    cmd = [str(BIN / "python"), "-c", "import snakemake_executor_plugin_slurm"]
    seconds = meet("slurm-plugin laden", cmd, REPO).seconden
    if seconds < 3:
        return []
    return [
        f"- **LET OP**: de Slurm-plugin laden kost hier {seconds:.1f} s (`scontrol` zonder "
        "bereikbare Slurm-controller); elke Snakemake-start betaalt dat, dus de metingen van "
        "één gemeente en de no-op zijn niet vergelijkbaar. Start de testcluster "
        "(`bash tests/support/slurm_lokaal.sh`) of meet zonder `scontrol` op het pad."
    ]


def environment() -> list[str]:
    """Machine and software lines for the report."""
    import snakemake

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    mem = psutil.virtual_memory().total / 2**30
    return [
        f"- datum: {dt.datetime.now().isoformat(timespec='minutes')}",
        f"- machine: {os.cpu_count()} kernen, {mem:.0f} GiB, {platform.platform()}",
        f"- Python {platform.python_version()}, Snakemake {snakemake.__version__}",
        f"- commit {commit}" + (" (met lokale wijzigingen)" if dirty else ""),
        f"- data: {KWB.name}, {GPKG.name} (bevolking/prognose 'demo', eenzaamheid 'geen', "
        "vouwkaart A1)",
    ]


# ------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Run all scenarios and write the Markdown report."""
    parser = argparse.ArgumentParser(description="Benchmarks van wijkscan op de echte extracten.")
    parser.add_argument("--nationaal", action="store_true", help="ook de landelijke build (uren)")
    parser.add_argument("--werkmap", type=Path, help="map voor de builds (standaard: tijdelijk)")
    parser.add_argument(
        "--uitvoer", type=Path, default=REPO / "benchmarks" / "results.md", help="rapport"
    )
    args = parser.parse_args(argv)
    if not KWB.is_file() or not GPKG.is_file():
        print(f"De echte extracten ontbreken in {NL2024}.", file=sys.stderr)
        return 2
    root = args.werkmap or Path(tempfile.mkdtemp(prefix="wijkscan_bench_"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"werkmap: {root}", flush=True)
    waarschuwing = slurm_plugin_warning()
    for line in waarschuwing:
        print(line, file=sys.stderr, flush=True)
    lines = ["# Benchmarks wijkscan", "", *environment(), *waarschuwing, ""]
    verdicts: list[str] = []
    table = [
        "| meting | wandtijd | piek proces | piek samen | piek samen (PSS) | doel | oordeel |",
        "|---|---|---|---|---|---|---|",
    ]
    details: list[str] = []
    fixed_costs: list[float] = []

    # 1. One gemeente, full build, against the rendering floor of the same run: with the
    #    local profile (jobs as threads) and with one process per job (Snakemake's default).
    proces = process_profile(root)
    for gm in EEN_GEMEENTE:
        wd = werkmap(root, f"een_{gm}")
        cfg = echte_config(wd, "een.yaml", [gm])
        print(f"bouw {gm} ...", flush=True)
        build = meet(f"volledige build {gm} (profiles/local: threads)", snakemake_cmd(cfg), wd)
        kaart, pdf = rendering_floor(wd, gm)
        wdp = werkmap(root, f"een_{gm}_proces")
        cfgp = echte_config(wdp, "een.yaml", [gm])
        build_p = meet(
            f"volledige build {gm} (proces per taak)", snakemake_cmd(cfgp, profile=proces), wdp
        )
        floor = kaart.seconden + pdf.seconden
        for m, mode in ((build, "profiles/local, threads"), (build_p, "proces per taak")):
            ratio = m.seconden / floor
            ok = m.ok and ratio <= DOEL_VLOER
            table.append(_row(m, f"<= {DOEL_VLOER:.0f} x vloer", f"{ratio:.1f} x, {_pass(ok)}"))
            verdicts.append(
                f"- Eén gemeente {gm} ({mode}) binnen {DOEL_VLOER:.0f}x de vloer: {_pass(ok)} "
                f"({_fmt_s(m.seconden)} = {ratio:.1f} x vloer {_fmt_s(floor)})"
            )
            if not m.ok:
                details += ["", f"{m.naam} mislukte:", "```", m.stderr[-2000:], "```"]
        table.append(_row(kaart))
        table.append(_row(pdf))
        # Adapter times from the process-mode build: in thread mode a render's time also
        # counts the wait for the render lock.
        own = adapter_seconds(wdp)
        n_jobs = jobs_done(build_p) or sum(len(v) for v in own.values())
        spawn = spawn_cost(wdp, cfgp, gm, proces) if build_p.ok else {}
        details += ["", f"### Waar gaat de tijd heen: {gm} ({n_jobs} taken, 2 kernen)", ""]
        details += ["| regel | taken | eigen werk (adapter, proces per taak) |", "|---|---|---|"]
        for rule, secs in sorted(own.items(), key=lambda kv: -sum(kv[1])):
            details.append(f"| {rule} | {len(secs)} | {_fmt_s(sum(secs))} |")
        work = sum(sum(v) for v in own.values())
        details.append(f"| **totaal** | {sum(len(v) for v in own.values())} | {_fmt_s(work)} |")
        details += [
            "",
            f"- Vloer: kaart {_fmt_s(kaart.seconden)} + pdf {_fmt_s(pdf.seconden)} = "
            f"{_fmt_s(floor)} (elk een nieuw Python-proces met imports, zoals een taak).",
            f"- Threads (profiles/local): {_fmt_s(build.seconden)}; proces per taak: "
            f"{_fmt_s(build_p.seconden)}.",
        ]
        if spawn:
            fixed = spawn["taak_s"] - spawn["eigen_werk_s"]
            fixed_costs.append(fixed)
            details += [
                f"- Vaste kosten per taak in procesmodus (`python -m snakemake --target-jobs`, "
                f"gemeten op export_indicators): {_fmt_s(spawn['taak_s'])} per taak, waarvan "
                f"{_fmt_s(spawn['eigen_werk_s'])} eigen werk; {spawn['rss_mb']:.0f} MiB per proces.",
                f"- {n_jobs} taken x {_fmt_s(fixed)} = {_fmt_s(n_jobs * fixed)} CPU aan opstarten; "
                f"eigen werk {_fmt_s(work)}; samen {_fmt_s(n_jobs * fixed + work)} CPU, "
                f"op 2 kernen minstens {_fmt_s((n_jobs * fixed + work) / 2)} (gemeten: "
                f"{_fmt_s(build_p.seconden)}).",
            ]

    # 2. No-op rebuild of 7 gemeenten after building them.
    wd = werkmap(root, "zeven")
    cfg = echte_config(wd, "zeven.yaml", list(ZEVEN))
    print("bouw 7 gemeenten ...", flush=True)
    build7 = meet("build 7 gemeenten", snakemake_cmd(cfg), wd)
    table.append(_row(build7))
    noop = meet("no-op rebuild 7 gemeenten", snakemake_cmd(cfg), wd)
    nothing = "Nothing to be done" in noop.stdout + noop.stderr
    ok = build7.ok and noop.ok and nothing and noop.seconden < DOEL_NOOP_S
    table.append(_row(noop, f"< {DOEL_NOOP_S:.0f} s", _pass(ok)))
    dry = meet("dry-run (-n) 7 gemeenten", snakemake_cmd(cfg, "-n"), wd)
    table.append(_row(dry))
    verdicts.append(
        f"- No-op rebuild van 7 gemeenten onder {DOEL_NOOP_S:.0f} s: {_pass(ok)} "
        f"({_fmt_s(noop.seconden)}{'' if nothing else ', deed WEL iets'})"
    )
    if not build7.ok:
        details += ["", "Build 7 gemeenten mislukte:", "```", build7.stderr[-2000:], "```"]

    # 3. National indicators in one pass: the build rule of 'berekening: in_een_keer'
    #    (read KWB and geometry once, all gemeenten in one job).
    wdn = werkmap(root, "landelijk_build")
    cfgn = echte_config(wdn, "landelijk.yaml", None)
    dag = meet(
        "landelijke DAG (dry-run, -n)",
        snakemake_cmd(cfgn, "-n", "--quiet", "rules", profile=PROFILE_LANDELIJK),
        wdn,
    )
    m = re.search(r"^total\s+(\d+)", dag.stdout + dag.stderr, flags=re.M)
    n_nat = int(m[1]) if m else 0
    print("landelijke indicatoren ...", flush=True)
    nat_smk = meet(
        "landelijke indicatoren (Snakemake, in_een_keer, met horizonjaren)",
        snakemake_cmd(cfgn, "--until", "build", profile=PROFILE_LANDELIJK),
        wdn,
    )
    ok = nat_smk.ok and nat_smk.seconden < DOEL_LANDELIJK_S
    table.append(_row(nat_smk, f"< {DOEL_LANDELIJK_S:.0f} s", _pass(ok)))
    own = adapter_seconds(wdn)
    verdicts.append(
        f"- Landelijke indicatoren in één keer onder {DOEL_LANDELIJK_S:.0f} s: {_pass(ok)} "
        f"({_fmt_s(nat_smk.seconden)} als Snakemake-run met horizonjaren, piek "
        f"{nat_smk.piek_samen_mb:.0f} MiB)"
    )
    details += [
        "",
        "### Landelijke indicatoren",
        "",
        "Snakemake (`berekening: in_een_keer`), eigen werk per regel: "
        + ", ".join(f"{r} {_fmt_s(sum(v))}" for r, v in sorted(own.items())),
    ]
    if not nat_smk.ok:
        details += ["", "Landelijke indicatoren mislukten:", "```", nat_smk.stderr[-2000:], "```"]

    # 4. National full build (profiles/landelijk): the DAG always, the build on request. It
    #    continues in the same workdir, so it adds exports, reports and vouwkaarten.
    table.append(_row(dag))
    if args.nationaal:
        print("landelijke build (rapporten en vouwkaarten) ...", flush=True)
        full = meet(
            "landelijke build (export, rapporten, vouwkaarten)",
            snakemake_cmd(cfgn, profile=PROFILE_LANDELIJK),
            wdn,
        )
        table.append(_row(full))
        n_pdf = len(list(wdn.glob("reports/GM*/wijkscan_GM*.pdf")))
        n_vk = len(list(wdn.glob("reports/GM*/vouwkaart_GM*.pdf")))
        total = nat_smk.seconden + full.seconden
        peak = max(nat_smk.piek_samen_mb, full.piek_samen_mb)
        # The render workers are forks of one server and share its pages; RSS counts those
        # once per process, PSS once in total. The target is judged on PSS where there is one.
        pss = [m.piek_pss_mb for m in (nat_smk, full) if m.piek_pss_mb is not None]
        judged = max(pss) if len(pss) == 2 else peak
        verdicts.append(
            f"- Landelijke build ({n_nat} taken, profiles/landelijk): {_fmt_s(total)} "
            f"({total / 60:.0f} min) in totaal, {n_pdf} rapporten en {n_vk} vouwkaarten "
            f"(doel <= {DOEL_LANDELIJK_BUILD_S / 60:.0f} min: "
            f"{_pass(full.ok and total <= DOEL_LANDELIJK_BUILD_S)}); "
            f"piek {peak:.0f} MiB samen (RSS), "
            + (f"{max(pss):.0f} MiB samen (PSS), " if len(pss) == 2 else "")
            + f"{max(nat_smk.piek_proces_mb, full.piek_proces_mb):.0f} MiB grootste proces "
            f"(doel < 2 GB: {_pass(full.ok and judged < DOEL_GEHEUGEN_MB)})"
        )
        slow = sorted(((sum(v), r) for r, v in adapter_seconds(wdn).items()), reverse=True)
        details += ["", "### Landelijke build: eigen werk per regel (som over gemeenten)", ""]
        details += [f"- {r}: {_fmt_s(t)}" for t, r in slow]
        if not full.ok:
            details += ["", "Landelijke build mislukte:", "```", full.stderr[-3000:], "```"]
    else:
        verdicts.append(
            f"- Landelijke build: niet gedraaid (gebruik --nationaal); {n_nat} taken gepland."
        )

    costs = import_costs()
    details += ["", "### Importkosten (nieuw proces, mediaan van 3)", ""]
    details += ["| wat | wandtijd | RSS |", "|---|---|---|"]
    details += [f"| {k} | {_fmt_s(s)} | {r:.0f} MiB |" for k, (s, r) in costs.items()]

    lines += ["## Oordeel per doel (2 kernen)", "", *verdicts, "", "## Metingen", "", *table]
    lines += [
        "",
        "*piek proces*: grootste enkele proces (ru_maxrss; tekenprocessen die de "
        "forkserver start, vallen daarbuiten); *piek samen*: grootste som van het RSS over "
        "alle processen tegelijk (elke 0,1 s bemonsterd), waarin gedeelde pagina's per proces "
        "meetellen; *piek samen (PSS)*: hetzelfde met PSS, gedeelde pagina's één keer.",
        "",
        "## Details",
        *details,
        "",
    ]
    args.uitvoer.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(verdicts))
    print(f"rapport: {args.uitvoer}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
