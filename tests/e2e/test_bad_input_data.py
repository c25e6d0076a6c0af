"""Issue 14, input-data integrity: damaged KWB files and an incomplete BRP extract.

Each case runs the real workflow and asserts: a non-zero exit code, a Dutch message
that says what is wrong, where and how to fix it, no Python traceback, and nothing
(half-)written in ``reports/``.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.ingest import demo
from tests.e2e.conftest import REPO, make_workdir, snakemake, write_config

pytestmark = pytest.mark.e2e
GM = demo.DEMO_GEMEENTE
FIXTURES = REPO / "tests" / "fixtures"


def _report_files(wd):
    reports = wd / "reports"
    return [p for p in reports.rglob("*") if p.is_file()] if reports.exists() else []


def _assert_clean_failure(wd, res, *fragments: str) -> str:
    out = res.stdout + res.stderr
    assert res.returncode != 0, out[-3000:]
    assert "Traceback (most recent call last)" not in out
    assert "Waar:" in out and "Oplossing:" in out
    for fragment in fragments:
        assert fragment in out, (fragment, out[-4000:])
    assert not _report_files(wd)
    return out


def _demo_kwb_build(tmp_path, kwb_text: str):
    wd = make_workdir(tmp_path)
    files = wd / "invoer"
    files.mkdir()
    (files / "kwb.csv").write_text(kwb_text, encoding="utf-8")
    cfg = {"bronnen": {"kwb": {"type": "lokaal", "pad": str(files / "kwb.csv")}}}
    return wd, snakemake(wd, configfile=write_config(wd, "kwb.yaml", cfg))


def _demo_kwb():
    df = demo.kwb_table()
    return df, df["WijkenEnBuurten"].str.strip()


def test_text_in_a_kwb_count_cell(tmp_path):
    df, codes = _demo_kwb()
    df.loc[codes == "BU99990102", "AantalInwoners_5"] = "abc"
    wd, res = _demo_kwb_build(tmp_path, df.to_csv(index=False))
    _assert_clean_failure(
        wd, res, "Geen getal in het KWB-bestand", "'abc'", "AantalInwoners_5", "BU99990102"
    )


def test_kwb_file_cut_off_mid_row(tmp_path):
    df, _ = _demo_kwb()
    text = df.to_csv(index=False).rstrip("\n")
    cut = text[: text.rindex("\n") + len(text.rsplit("\n", 1)[1]) // 2]
    wd, res = _demo_kwb_build(tmp_path, cut)
    _assert_clean_failure(wd, res, "afgebroken", "kwb.csv, regel", "opnieuw")


def test_kwb_file_missing_buurt_rows(tmp_path):
    # Complete records, but the rows of two buurten are gone (a filtered or cut export):
    # only the published wijk and gemeente totals can show it.
    df, codes = _demo_kwb()
    df = df[~codes.isin(["BU99990102", "BU99990103"])]
    wd, res = _demo_kwb_build(tmp_path, df.to_csv(index=False))
    # Waar: the user's own file, not the cached copy under data/raw.
    _assert_clean_failure(
        wd,
        res,
        "De buurten tellen niet op",
        "WK999901 inwoners",
        "gepubliceerd",
        f"Waar: {wd / 'invoer' / 'kwb.csv'}",
    )


def test_secret_kwb_cells_are_not_numbers(tmp_path):
    # '.', empty and -99997 are secret: the build runs and the buurt stays unknown.
    df, codes = _demo_kwb()
    df.loc[codes == "BU99990102", "k_65JaarOfOuder_12"] = "-99997"
    df.loc[codes == "BU99990103", "k_65JaarOfOuder_12"] = "."
    wd = make_workdir(tmp_path)
    (wd / "kwb.csv").write_text(df.to_csv(index=False), encoding="utf-8")
    cfg = {"bronnen": {"kwb": {"type": "lokaal", "pad": str(wd / "kwb.csv")}}}
    target = f"data/processed/{GM}/regios.parquet"
    res = snakemake(wd, target, configfile=write_config(wd, "kwb.yaml", cfg))
    assert res.returncode == 0, res.stderr[-3000:]
    import pandas as pd

    reg = pd.read_parquet(wd / target).set_index("code")
    assert np.isnan(reg.at["BU99990102", "k_65plus"]) and np.isnan(reg.at["BU99990103", "k_65plus"])


def test_brp_extract_missing_buurten(tmp_path, real_kwb_path, real_gpkg_path):
    # tests/fixtures/brp_GM0226.csv covers 3 of Duiven's 14 buurten; it gave
    # "65+ 5.460" next to "75+ ≈ 235" with exit code 0.
    wd = make_workdir(tmp_path)
    cfg = {
        "gemeenten": ["GM0226"],
        "bronnen": {
            "kwb": {"type": "lokaal", "pad": str(real_kwb_path)},
            "geometrie": {"type": "lokaal", "pad": str(real_gpkg_path)},
            "bevolking": {"type": "brp", "pad": str(FIXTURES / "brp_GM0226.csv")},
            "prognose": {"type": "lokaal", "pad": str(FIXTURES / "cbs_85171ned_GM0226_GM0293.csv")},
            "gezondheidsmonitor": {"type": "geen"},
        },
        "vouwkaart": {"formaten": ["A3"]},
    }
    res = snakemake(wd, configfile=write_config(wd, "brp.yaml", cfg))
    _assert_clean_failure(
        wd,
        res,
        "Het BRP-extract dekt 3 van de 14 KWB-buurten van GM0226",
        "bronnen.bevolking",
        "03759ned",
    )


def test_kwb_file_of_one_gemeente_gives_no_national_figures(tmp_path, real_kwb_path):
    # A KWB file holding only Duiven turned "Nederland" into Duiven.
    import pandas as pd

    lines = real_kwb_path.read_text(encoding="utf-8").splitlines()
    duiven = [lines[0]] + [x for x in lines[1:] if x[2:6] == "0226" and x[:2] in ("GM", "WK", "BU")]
    wd = make_workdir(tmp_path)
    (wd / "duiven.csv").write_text("\n".join(duiven) + "\n", encoding="utf-8")
    cfg = {
        "gemeenten": ["GM0226"],
        "bronnen": {"kwb": {"type": "lokaal", "pad": str(wd / "duiven.csv")}},
    }
    target = "data/processed/referentie/NL01_2024.parquet"
    res = snakemake(wd, target, configfile=write_config(wd, "duiven.yaml", cfg))
    assert res.returncode == 0, res.stderr[-3000:]
    ref = pd.read_parquet(wd / target)
    assert ref["niveau"].tolist() == ["nederland"]
    assert ref["inwoners"].isna().all() and ref["aandeel_65plus"].isna().all()
    logs = "".join(p.read_text(encoding="utf-8") for p in (wd / "logs").rglob("*.log"))
    assert "Geen landelijke vergelijkingscijfers" in logs + res.stderr
    assert "1 gemeente(n)" in logs + res.stderr


def test_brp_extract_missing_buurten_estimated_on_request(tmp_path, real_kwb_path, real_gpkg_path):
    # The same 3-of-14 extract with the explicit fallback: the build runs, the 11 missing
    # buurten are estimated from their own KWB bands and say so in the table, in
    # bronnen.json and in the report; the gemeente counts include them.
    import json

    import pandas as pd

    wd = make_workdir(tmp_path)
    brp = {
        "type": "brp",
        "pad": str(FIXTURES / "brp_GM0226.csv"),
        "ontbrekende_buurten": "schatten",
    }
    cfg = {
        "gemeenten": ["GM0226"],
        "bronnen": {
            "kwb": {"type": "lokaal", "pad": str(real_kwb_path)},
            "geometrie": {"type": "lokaal", "pad": str(real_gpkg_path)},
            "bevolking": brp,
            "prognose": {"type": "lokaal", "pad": str(FIXTURES / "cbs_85171ned_GM0226_GM0293.csv")},
            "gezondheidsmonitor": {"type": "geen"},
        },
    }
    target = "reports/GM0226/wijkscan_GM0226.html"
    res = snakemake(wd, target, configfile=write_config(wd, "brp.yaml", cfg))
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]

    meta = json.loads((wd / "data/processed/GM0226/bronnen.json").read_text(encoding="utf-8"))[
        "GM0226"
    ]
    geschat = meta["brp_geschatte_buurten"]
    in_extract = set(pd.read_csv(FIXTURES / "brp_GM0226.csv", sep=";")["buurtcode"])
    assert len(geschat) == 11 and not set(geschat) & in_extract
    assert any("niet in het BRP-extract" in w for w in meta["waarschuwingen"])

    table = pd.read_parquet(wd / "data/processed/GM0226/indicatoren.parquet")
    buurten = table[(table["niveau"] == "buurt") & (table["jaar"] == table["jaar"].min())]
    marked = buurten.loc[buurten["marges"].fillna("").str.contains("niet in BRP-extract"), "code"]
    assert sorted(marked) == sorted(geschat)
    # 65+ of the gemeente is the KWB-sized total of all 14 buurten, not the extract's 3.
    kwb = pd.read_parquet(wd / "data/processed/GM0226/regios.parquet").set_index("code")
    gem = table[(table["niveau"] == "gemeente") & (table["jaar"] == table["jaar"].min())]
    inwoners = float(gem["inwoners"].iloc[0])
    assert abs(inwoners - kwb.loc["GM0226", "inwoners"]) <= 0.02 * inwoners

    html = (wd / target).read_text(encoding="utf-8")
    assert "niet in het BRP-extract" in html
