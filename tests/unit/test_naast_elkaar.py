"""benchmarks/naast_elkaar.py: two run.py reports side by side."""

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "naast_elkaar", REPO / "benchmarks" / "naast_elkaar.py"
)
naast_elkaar = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(naast_elkaar)


def _report(commit: str, build_s: float, noop_s: float, unit: str = "MB") -> str:
    return "\n".join(
        [
            "# Benchmarks wijkscan",
            "",
            "- datum: 2026-12-05T18:00",
            f"- commit {commit}",
            "",
            "## Metingen",
            "",
            "| meting | wandtijd | piek proces | piek samen | piek samen (PSS) | doel | oordeel |",
            "|---|---|---|---|---|---|---|",
            f"| volledige build GM0226 | {build_s} s | 277 {unit} | 1068 {unit} | 740 {unit} | | |",
            f"| vloer pdf | 0.53 s | 57 {unit} | 51 {unit} | 46 {unit} |  |  |",
            f"| vloer pdf | 0.52 s | 57 {unit} | 50 {unit} | 45 {unit} |  |  |",
            f"| no-op rebuild 7 gemeenten | {noop_s} s | 166 {unit} | 165 {unit} | 159 {unit} "
            "| < 2 s | |",
            "",
            "## Details",
            "",
            "| regel | taken | eigen werk |",
            "| render_report | 1 | 6.41 s |",
        ]
    )


def test_rows_side_by_side_with_the_ratio_and_the_new_report_below():
    # An older report (MB, as run.py wrote before) beside a new one (MiB: the values are MiB).
    out = naast_elkaar.naast_elkaar(
        _report("aaa1111", 8.44, 1.26), _report("bbb2222", 4.22, 2.52, unit="MiB")
    )
    assert out.startswith("# Benchmarks wijkscan\n")
    assert "- oud: commit aaa1111" in out and "- nieuw: commit bbb2222" in out
    assert "| volledige build GM0226 | 8.44 s | 4.22 s | 0.50 | 1068 MiB | 1068 MiB |" in out
    assert "| no-op rebuild 7 gemeenten | 1.26 s | 2.52 s | 2.00 |" in out
    # The floor is measured once per gemeente: both rows stay, numbered.
    assert "| vloer pdf (2) | 0.52 s | 0.52 s | 1.00 | 50 MiB | 50 MiB |" in out
    # Rows of the details section are not measurements.
    assert "| render_report | 6.41 s |" not in out.split("## Details")[0]
    # The new report follows in full.
    assert out.rstrip().endswith("| render_report | 1 | 6.41 s |")


def test_a_measurement_only_one_report_has_is_named():
    oud = _report("aaa1111", 8.44, 1.26).replace("| no-op rebuild 7 gemeenten", "| no-op oud")
    out = naast_elkaar.naast_elkaar(oud, _report("bbb2222", 4.22, 2.52))
    assert "In één van de twee rapporten: no-op rebuild 7 gemeenten; no-op oud." in out
