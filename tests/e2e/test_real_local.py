"""Real gemeenten from the shared CBS/PDOK extracts (offline, local files)."""

from __future__ import annotations

import html
import re

import geopandas as gpd
import pandas as pd
import pytest

from pipeline.ingest import kwb, kwb_lezen
from pipeline.workflow import published
from tests.conftest import SHARED_REAL
from tests.e2e.conftest import make_workdir, snakemake, write_config

pytestmark = pytest.mark.e2e

GEMEENTEN = {"GM0226": 14, "GM0150": 69}
KWB_2023 = SHARED_REAL / "kwb_volledig" / "kwb_2023_NL_43kol_burgstaat_huishoudens.csv"


def real_config(real_kwb_path, real_gpkg_path, **extra) -> dict:
    if not KWB_2023.is_file():
        pytest.skip(f"real KWB 2023 extract not found at {KWB_2023}")
    return {
        "gemeenten": list(GEMEENTEN),
        "bronnen": {
            "kwb": {"type": "lokaal", "pad": str(real_kwb_path)},
            # Burgerlijke staat per buurt from the adjacent year (all buurt codes unchanged).
            "kwb_aanvulling": {"type": "lokaal", "pad": str(KWB_2023), "jaar": 2023},
            "geometrie": {"type": "lokaal", "pad": str(real_gpkg_path)},
            "bevolking": {"type": "demo"},
            "prognose": {"type": "demo"},
            "gezondheidsmonitor": {"type": "geen"},
        },
        "vouwkaart": {"formaten": ["A1"]},
        "regio": {"naam": "Testregio Oost"},
        **extra,
    }


@pytest.fixture(scope="module")
def real_build(tmp_path_factory, real_kwb_path, real_gpkg_path):
    wd = make_workdir(tmp_path_factory.mktemp("real"))
    cfg = write_config(wd, "echt.yaml", real_config(real_kwb_path, real_gpkg_path))
    res = snakemake(wd, configfile=cfg)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    (wd / "snakemake_uitvoer.txt").write_text(res.stderr, encoding="utf-8")
    return wd


def test_adding_a_gemeente_adds_only_its_jobs(real_build, real_kwb_path, real_gpkg_path):
    # Westervoort joins Duiven and Deventer: all its own jobs are planned; of the gemeenten
    # already built only the reports rerun, because the region column they show now has one
    # member more. No data step of Duiven or Deventer reruns.
    cfg = real_config(real_kwb_path, real_gpkg_path)
    cfg["gemeenten"] = [*GEMEENTEN, "GM0293"]
    res = snakemake(real_build, "-n", configfile=write_config(real_build, "plus.yaml", cfg))
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    jobs = set()
    for block in re.split(r"^(?=(?:local)?rule \w+:)", res.stdout, flags=re.M):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        gm = re.search(r"(?:gemeente|batch)=(GM\d{4})", block)
        if rule and gm:
            jobs.add((rule.group(1), gm.group(1)))
    new = {rule for rule, gm in jobs if gm == "GM0293"}
    assert {"fetch_kwb", "build", "export_indicators", "render_vouwkaart"} <= new, new
    others = {(rule, gm) for rule, gm in jobs if gm != "GM0293"}
    assert others == {("render_report", gm) for gm in GEMEENTEN}, others


def test_one_progress_line_per_gemeente_built(real_build):
    out = (real_build / "snakemake_uitvoer.txt").read_text(encoding="utf-8")
    for gm, naam in (("GM0226", "Duiven"), ("GM0150", "Deventer")):
        lines = re.findall(
            rf"^wijkscan {gm} {naam}: rapport klaar \((\d+) pagina's\), zie reports/{gm}/$",
            out,
            re.M,
        )
        assert len(lines) == 1, out[-2000:]
        assert int(lines[0]) >= 20  # the whole report, not a stub


@pytest.mark.parametrize("gemeente,n", GEMEENTEN.items())
def test_every_buurt_in_table_map_and_report(real_build, real_kwb_path, gemeente, n):
    reg = kwb.normalize_kwb(kwb_lezen.read_kwb(real_kwb_path), gemeente, "kwb")
    codes = set(reg.loc[reg.niveau == "buurt", "code"])
    assert len(codes) == n
    t = pd.read_csv(
        real_build / f"reports/{gemeente}/indicatoren_{gemeente}.csv", dtype={"code": str}
    )
    base = t[(t.jaar == 2024)]
    assert set(base.loc[base.niveau == "buurt", "code"]) == codes
    gdf = gpd.read_file(real_build / f"reports/{gemeente}/indicatoren_{gemeente}.gpkg")
    assert set(gdf.code) == codes
    page = (real_build / f"reports/{gemeente}/wijkscan_{gemeente}.html").read_text(encoding="utf-8")
    for naam in reg.loc[reg.niveau == "buurt", "naam"]:
        assert naam in html.unescape(page), naam
    # Numbered buurten (Deventer): the list skips the numbers of the names on the map, and
    # the caption says why, so a reader does not look for buurten that went missing.
    if '<ol class="sleutel"' in page:
        assert "Een buurt heeft op elke kaart hetzelfde nummer" in page


@pytest.mark.parametrize("gemeente,n", GEMEENTEN.items())
def test_buurt_sums_match_gemeente_and_kwb_65plus_kept(real_build, real_kwb_path, gemeente, n):
    reg = kwb.normalize_kwb(kwb_lezen.read_kwb(real_kwb_path), gemeente, "kwb").set_index("code")
    t = pd.read_csv(
        real_build / f"reports/{gemeente}/indicatoren_{gemeente}.csv", dtype={"code": str}
    )
    base = t[t.jaar == 2024].set_index("code")
    buurten = base[base.niveau == "buurt"]
    gm = base.loc[gemeente]
    assert abs(buurten.inwoners.sum() - gm.inwoners) <= 2.5 * n
    assert abs(buurten.aantal_65plus.sum() - gm.aantal_65plus) <= 2.5 * n
    # Published 65+ counts are CBS's own numbers wherever CBS published one.
    measured = reg.loc[buurten.index, "k_65plus"].dropna()
    assert (buurten.loc[measured.index, "aantal_65plus"] == measured).all()
    assert (
        "eenzaam_pct" in t and t["eenzaam_pct"].isna().all()
    )  # source 'geen': no numbers invented


def test_region_report_compares_gemeenten_with_nl(real_build):
    page = (
        real_build / "reports/regio/testregio_oost/wijkscan_regio_testregio_oost.html"
    ).read_text(encoding="utf-8")
    text = html.unescape(page)
    for naam in ("Duiven", "Deventer", "Testregio Oost", "Nederland"):
        assert naam in text
    ref = pd.read_parquet(real_build / "data/processed/regio/referentie.parquet")
    t = {
        gm: pd.read_csv(real_build / f"reports/{gm}/indicatoren_{gm}.csv", dtype={"code": str})
        for gm in GEMEENTEN
    }
    base = ref[ref.jaar == 2024].iloc[0]
    assert base.inwoners == sum(
        x[(x.code == gm) & (x.jaar == 2024)].inwoners.iloc[0] for gm, x in t.items()
    )
    # The cross-gemeente overview ranks buurten of both gemeenten together: every buurt of
    # both is either ranked or named as left out.
    m = re.search(r"(\d+) buurten van de regio samen gerangschikt", text)
    assert m, "no cross-gemeente ranking"
    m2 = re.search(r"(\d+) andere buurten, met te weinig", text)
    per_gemeente = [int(((x.niveau == "buurt") & (x.jaar == 2024)).sum()) for x in t.values()]
    gerangschikt, andere = int(m.group(1)), int(m2.group(1)) if m2 else 0
    assert gerangschikt + andere == sum(per_gemeente)
    assert gerangschikt > max(per_gemeente)
    # On the real KWB the estimate's margins tie the top buurten: the list would rank buurten
    # whose difference lies inside them, so the report names none and says why.
    assert "Geen buurt hoort zeker bij de hoogste" in text
    assert "BU0226" not in page and "BU0150" not in page


def test_region_pdf_shows_the_whole_comparison_and_fictief_on_every_page(real_build):
    from pypdf import PdfReader

    reader = PdfReader(
        real_build / "reports/regio/testregio_oost/wijkscan_regio_testregio_oost.pdf"
    )
    texts = [p.extract_text() for p in reader.pages]
    # Demo ages: every printed page says so, not only the title page.
    assert all("FICTIEF" in t for t in texts), [t[:80] for t in texts]
    # The title page summarises the region (it held only the title before).
    assert "In het kort" in texts[0] and "65 jaar of ouder" in texts[0], texts[0][:600]
    # The table caption, not the heading: the title page names the chapters too.
    i = next(i for i, t in enumerate(texts) if "Kerncijfers per gemeente" in t)
    box = reader.pages[i].mediabox
    assert box.width > box.height  # the wide comparison table gets a landscape page
    # Its last columns (dementia, loneliness) were cut off at the right edge in portrait.
    for kop in ("Inwoners", "Dementie", "Eenzaam"):
        assert kop in texts[i], texts[i][:400]
    assert texts[i].count("n.b.") >= 1 and "Nederland" in texts[i]


def _jobs(stdout: str) -> set[str]:
    return set(re.findall(r"^rule (\w+):", stdout, flags=re.M))


def test_one_pass_gives_the_per_gemeente_results(
    real_build, tmp_path, real_kwb_path, real_gpkg_path
):
    # "berekening: in_een_keer" reads the national files once and computes all gemeenten
    # in one batch; a gemeente's numbers must be those of its batch of one.
    wd = make_workdir(tmp_path / "in_een_keer")
    cfg = write_config(
        wd, "echt.yaml", real_config(real_kwb_path, real_gpkg_path, berekening="in_een_keer")
    )
    targets = [f"reports/{gm}/indicatoren_{gm}.gpkg" for gm in GEMEENTEN]
    targets.append("data/processed/regio/referentie.parquet")
    plan = snakemake(wd, "-n", *targets, configfile=cfg)
    assert plan.returncode == 0, plan.stderr[-3000:]
    jobs = _jobs(plan.stdout)
    assert {"build", "export_indicators"} <= jobs
    # The national files are read by the one build job, not cut per gemeente first.
    assert not jobs & {"fetch_kwb", "fetch_geometry", "fetch_forecast"}, jobs
    assert "batch=samen" in plan.stdout
    # Thread mode, as profiles/landelijk: the batch's interval draws go to the workers.
    res = snakemake(wd, "--force-use-threads", *targets, configfile=cfg)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    build_log = (wd / "logs/build/samen.log").read_text(encoding="utf-8")
    assert f"{len(GEMEENTEN)} taken verdeeld over 2 hulpprocessen" in build_log
    # Nothing to render in this run: the start-up line says what the workers do instead.
    assert "wijkscan: marges berekenen in 2 hulpprocessen" in res.stderr
    assert "tekenprocessen" not in res.stderr
    # One progress line per gemeente, as in the per-gemeente rules.
    for gm in GEMEENTEN:
        assert re.search(rf"wijkscan {gm} \w+: \d+ buurten", res.stderr), res.stderr[-2000:]
    for gm in GEMEENTEN:
        for name in ("indicatoren", "grootheden"):
            a = pd.read_parquet(real_build / f"data/processed/{gm}/{name}.parquet")
            b = published.read_table(wd / f"data/processed/samen/{name}.parquet", gm)
            # Same functions on bigger arrays: group sums may differ in the last bit.
            pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=0)
        for path, samen in (
            (f"data/processed/{gm}/buurten.gpkg", "data/processed/samen/buurten.gpkg"),
            (f"reports/{gm}/indicatoren_{gm}.gpkg", f"reports/{gm}/indicatoren_{gm}.gpkg"),
        ):
            ga = gpd.read_file(real_build / path)
            gb = gpd.read_file(wd / samen)
            gb = gb[gb["code"].str[2:6] == gm[2:]].reset_index(drop=True)
            pd.testing.assert_frame_equal(
                pd.DataFrame(ga.drop(columns="geometry")),
                pd.DataFrame(gb.drop(columns="geometry")),
                check_exact=False,
                rtol=1e-12,
            )
            assert ga.geometry.geom_equals_exact(gb.geometry, 0).all(), path
        meta = published.read_meta(wd / "data/processed/samen/bronnen.json", gm)
        assert meta["gemeente"] == gm and meta["fictief"]
        # Provenance names the national file that was actually read, with its hash.
        kwb_bron = next(b for b in meta["bronnen"] if b["tabel"] == "85984NED")
        assert kwb_bron["bestand"] == str(real_kwb_path) and len(kwb_bron["sha256"]) == 64
    pd.testing.assert_frame_equal(
        pd.read_parquet(real_build / "data/processed/regio/referentie.parquet"),
        pd.read_parquet(wd / "data/processed/regio/referentie.parquet"),
        check_exact=False,
        rtol=1e-12,
    )
    again = snakemake(wd, "-n", *targets, configfile=cfg)
    assert not _jobs(again.stdout), again.stdout[-2000:]


@pytest.mark.parametrize("gemeente", GEMEENTEN)
def test_85plus_within_65plus_follows_the_widowed_share(real_build, gemeente):
    """Issue 16: buurt differences in '85+ binnen 65+' come from data (burgerlijke staat)."""
    raw = kwb_lezen.read_kwb(KWB_2023)
    aux = kwb.normalize_kwb(raw, gemeente, "kwb 2023", required=False).set_index("code")
    t = pd.read_csv(
        real_build / f"reports/{gemeente}/indicatoren_{gemeente}.csv", dtype={"code": str}
    )
    b = t[(t.jaar == 2024) & (t.niveau == "buurt")].set_index("code")
    b = b[b["dubbele_vergrijzing"].notna()]
    assert b["dubbele_vergrijzing"].nunique() > len(b) // 2  # no longer one number for all
    widowed = aux.loc[b.index, "verweduwd"] / b["aantal_65plus"]
    rho = b["dubbele_vergrijzing"].corr(widowed, method="spearman")
    assert rho > 0.8, rho
    assert (b["marges"].str.contains("burgerlijke staat \\(KWB 2023\\)")).all()
    meta = published.read_meta(real_build / f"data/processed/{gemeente}/bronnen.json", gemeente)
    assert meta["buurtsignaal"]["dubbele_vergrijzing"]["signaal"] is True


@pytest.mark.parametrize("gemeente", GEMEENTEN)
def test_every_estimated_figure_in_the_exports_has_an_interval(real_build, gemeente):
    from pipeline.model import intervals, registry

    reg = registry.build_registry("85984NED", 2024, (50, 64), 85, "", "", "demo", "demo")
    t = pd.read_csv(
        real_build / f"reports/{gemeente}/indicatoren_{gemeente}.csv", dtype={"code": str}
    )
    rows = t[t.niveau.isin(["buurt", "wijk"])]
    for key in intervals.interval_keys(reg):
        published = (rows.jaar == 2024) & (key in ("inwoners", "aantal_65plus"))
        has_value = rows[key].notna() & ~published
        assert rows.loc[has_value, [key + "_laag", key + "_hoog"]].notna().all().all(), key
        ok = rows.loc[has_value]
        assert ((ok[key + "_laag"] <= ok[key]) & (ok[key] <= ok[key + "_hoog"])).all(), key
    gdf = gpd.read_file(real_build / f"reports/{gemeente}/indicatoren_{gemeente}.gpkg")
    assert {"dubbele_vergrijzing_laag", "dubbele_vergrijzing_hoog_2040"} <= set(gdf.columns)
