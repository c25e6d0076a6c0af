"""Tests of pipeline.present.vouwkaart: paper sizes, fonts, text content, pixels, folds, labels."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.text import Text
from pypdf import PdfReader

from pipeline import codes
from pipeline.ingest import demo
from pipeline.model.registry import build_registry
from pipeline.present import (
    kaartbasis,
    kaartgegevens,
    kaartklassen,
    kaartlegenda,
    vouwblad,
    vouwgegevens,
    vouwkaart,
)
from pipeline.present.texts import fictief_tekst

MM = 72 / 25.4
REAL = (
    Path(__file__).resolve().parents[4] / "shared/data/real/nl2024/buurt_2024_gegeneraliseerd.gpkg"
)
BRONNEN = [
    {"onderwerp": "Kerncijfers wijken en buurten", "uitgever": "CBS", "tabel": "85984NED",
     "jaar": 2024, "licentie": "CC BY 4.0"},
    {"onderwerp": "Buurtgrenzen", "uitgever": "CBS/Kadaster (PDOK)", "tabel": "gebiedsindelingen",
     "jaar": 2024, "licentie": "CC BY 4.0"},
    {"onderwerp": "Gezondheid per wijk en buurt", "uitgever": "RIVM", "tabel": "50150NED",
     "jaar": 2024, "licentie": "CC BY 4.0"},
]  # fmt: skip


def _registry():
    return build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")


def synthetic(buurten: gpd.GeoDataFrame, gemeente: str, fictief: bool):
    """Indicator table, meta and registry for any buurt geometry (values are synthetic).

    Every 11th buurt is 'te weinig inwoners' (rates NaN), ``mantelzorgpotentieel`` is NaN
    for every 4th buurt (geen gegevens), and ``afstand_supermarkt`` has no values at all
    (so it must not get an A4 page).
    """
    reg = _registry()
    rng = np.random.default_rng(11)
    rows = []
    jaren = [2024, 2030, 2040]
    for yi, jaar in enumerate(jaren):
        for i, (code, naam) in enumerate(zip(buurten["code"], buurten["naam"], strict=True)):
            st = "te weinig inwoners" if i % 11 == 3 else ""
            r = {"code": code, "naam": naam, "niveau": "buurt", "gemeentecode": "GM" + code[2:6],
                 "gemeentenaam": gemeente, "wijkcode": "WK" + code[2:8], "jaar": jaar,
                 "status": st, "eenzaamheid_jaar": 2022 if yi == 0 else None,
                 "schatting": "basisjaar" if yi == 0 else "projectie"}  # fmt: skip
            for k, ind in reg.items():
                no_value = (st and ind.is_rate) or (yi and not ind.prognose)
                no_value = no_value or k == "afstand_supermarkt"
                no_value = no_value or (k == "mantelzorgpotentieel" and i % 4 == 1)
                r[k] = np.nan if no_value else float(rng.uniform(2, 40) * (1 + 0.1 * yi))
            rows.append(r)
        for wk in sorted({"WK" + c[2:8] for c in buurten["code"]}):
            rows.append({"code": wk, "naam": f"Wijk {wk[-2:]}", "niveau": "wijk",
                         "gemeentenaam": gemeente, "wijkcode": wk, "jaar": jaar, "status": "",
                         "schatting": "basisjaar" if yi == 0 else "projectie"})  # fmt: skip
    df = pd.DataFrame(rows)
    df["eenzaamheid_jaar"] = df["eenzaamheid_jaar"].astype("Int64")
    meta = {"gemeentenaam": gemeente, "jaar": 2024, "horizon": jaren[1:], "fictief": fictief,
            "bronnen": BRONNEN, "waarschuwingen": [], "versie": "0.1.0",
            "gebouwd": "2026-11-25"}  # fmt: skip
    return df, meta, reg


@pytest.fixture(scope="module")
def demo_case():
    g = demo.buurt_geometry().rename(columns={"statcode": "code", "statnaam": "naam"})
    g = g[["code", "naam", "geometry"]].reset_index(drop=True)
    df, meta, reg = synthetic(g, "Voorbeeldwaard", fictief=True)
    return df, g, meta, reg


@pytest.fixture(scope="module")
def pdfs(demo_case, tmp_path_factory):
    df, g, meta, reg = demo_case
    out = tmp_path_factory.mktemp("vouwkaart")
    paths = {}
    for formaat in ("A1", "A3", "A4"):
        paths[formaat] = out / f"{formaat}.pdf"
        vouwkaart.render_vouwkaart(df, g, reg, meta, dict(vouwgegevens.DEFAULT_CFG), formaat,
                                   paths[formaat])  # fmt: skip
    cfg = dict(vouwgegevens.DEFAULT_CFG, afloopmarge=True)
    paths["A1+bleed"] = out / "A1_bleed.pdf"
    vouwkaart.render_vouwkaart(df, g, reg, meta, cfg, "A1", paths["A1+bleed"])
    return paths


@pytest.fixture(scope="module")
def texts(pdfs) -> dict[str, list[str]]:
    """Extracted text per page of every rendered PDF (pypdf extraction is the slow part)."""
    return {k: [p.extract_text() for p in PdfReader(v).pages] for k, v in pdfs.items()}


def _size_mm(page) -> tuple[float, float]:
    return float(page.mediabox.width), float(page.mediabox.height)


def _text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


# --- sizes and pages --------------------------------------------------------------------
@pytest.mark.parametrize(("formaat", "w", "h"), [("A1", 841, 594), ("A3", 420, 297)])
def test_single_sheet_has_exact_paper_size(pdfs, formaat, w, h):
    r = PdfReader(pdfs[formaat])
    assert len(r.pages) == 1
    pw, ph = _size_mm(r.pages[0])
    assert pw == pytest.approx(w * MM, abs=0.5)
    assert ph == pytest.approx(h * MM, abs=0.5)


def test_bleed_grows_the_page_and_adds_crop_marks(pdfs, demo_case):
    pw, ph = _size_mm(PdfReader(pdfs["A1+bleed"]).pages[0])
    assert pw == pytest.approx((841 + 6) * MM, abs=0.5)
    assert ph == pytest.approx((594 + 6) * MM, abs=0.5)
    df, g, meta, reg = demo_case
    crop = {}
    for bleed in (False, True):
        cfg = dict(vouwgegevens.DEFAULT_CFG, afloopmarge=bleed)
        fig = vouwkaart.build_figure(df, g, reg, meta, cfg, "A1")
        crop[bleed] = [a for a in fig.artists if a.get_gid() == "snijteken"]
    assert len(crop[False]) == 0 and len(crop[True]) == 8  # two crop marks per corner
    # Crop marks lie in the bleed, outside the trimmed sheet.
    b = vouwblad.BLEED_MM / (841 + 6)
    for ln in crop[True]:
        xs = ln.get_xdata()
        ys = ln.get_ydata()
        assert all(x <= b + 1e-9 or x >= 1 - b - 1e-9 for x in xs) or all(
            y <= vouwblad.BLEED_MM / 600 + 1e-9 or y >= 1 - vouwblad.BLEED_MM / 600 - 1e-9
            for y in ys
        )


def test_a4_has_one_page_per_indicator_with_values(pdfs, texts, demo_case):
    df, _g, _meta, reg = demo_case
    base = df[(df["niveau"] == "buurt") & (df["jaar"] == 2024)]
    expected = [k for k in reg if base[k].notna().any()]
    assert "afstand_supermarkt" not in expected
    assert vouwgegevens.main_indicators(df, reg) == expected
    r = PdfReader(pdfs["A4"])
    assert len(r.pages) == len(expected)
    for page in r.pages:
        pw, ph = _size_mm(page)
        assert pw == pytest.approx(210 * MM, abs=0.5) and ph == pytest.approx(297 * MM, abs=0.5)
    for k, page_text in zip(expected, texts["A4"], strict=True):
        assert reg[k].label in page_text  # one indicator per page, in registry order


# --- fonts and text -------------------------------------------------------------------
@pytest.mark.parametrize("formaat", ["A1", "A3", "A4"])
def test_fonts_are_embedded_truetype(pdfs, formaat):
    r = PdfReader(pdfs[formaat])
    seen = 0
    for page in r.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert font["/Subtype"] != "/Type3"
            desc_fonts = font.get("/DescendantFonts")
            f = desc_fonts[0].get_object() if desc_fonts else font
            assert "/FontFile2" in f["/FontDescriptor"].get_object(), font["/BaseFont"]
            seen += 1
    assert seen >= 1


def test_a1_text_has_legend_questions_sources_and_cover(texts, demo_case):
    df, _g, meta, reg = demo_case
    text = texts["A1"][0]
    vals, _ = kaartgegevens.buurt_values(df, "aandeel_65plus")
    cls = kaartklassen.classify(vals, "quantiles", 5, decimals=0, unit="%")
    for label in cls.labels:
        assert label in text
    for vraag in vouwgegevens.DEFAULT_CFG["vragen"]:
        assert vraag in text
    flat = " ".join(text.split())
    for part in ("85984NED (2024)", "50150NED (2024)", "CC BY 4.0 CBS/Kadaster/RIVM"):
        assert part in flat
    assert "Wijkscan" in text and "Voorbeeldwaard" in text
    assert "Vouwkaart voor het gesprek over zorgzame buurten" in flat
    assert "FICTIEF — demogegevens" in text
    assert "25 november 2026" in flat
    assert "[geschat]" in text and "[gemodelleerd]" in text  # soort markers from the registry
    assert "te weinig inwoners" in text and "geen gegevens" in text
    assert "enquête 2022" in text  # survey year of the loneliness map
    # Horizon maps are labelled with the last horizon year.
    assert "2024 en 2040" in flat


def test_every_format_says_fictief_only_when_fictief(texts, demo_case, tmp_path):
    for formaat in ("A1", "A1+bleed", "A3", "A4"):
        assert all("FICTIEF — demogegevens" in t for t in texts[formaat]), formaat
    df, g, meta, reg = demo_case
    echt = dict(meta, fictief=False)
    out = tmp_path / "echt.pdf"
    vouwkaart.render_vouwkaart(df, g, reg, echt, {}, "A3", out)
    assert "FICTIEF" not in _text(out)


def test_labels_come_from_the_registry(demo_case, tmp_path):
    df, g, meta, reg = demo_case
    reg2 = copy.copy(reg)
    reg2["aandeel_65plus"] = dataclasses.replace(reg["aandeel_65plus"], label="Xq-label 65")
    out = tmp_path / "a3.pdf"
    vouwkaart.render_vouwkaart(df, g, reg2, meta, {}, "A3", out)
    assert "Xq-label 65" in _text(out)


def test_config_drives_indicator_classes_and_questions(demo_case, tmp_path):
    df, g, meta, reg = demo_case
    cfg = {"hoofdindicator": "dementie_per_100_65plus", "klassen": 3,
           "classificatie": "equal_interval", "vragen": ["Wie doet al mee?"]}  # fmt: skip
    out = tmp_path / "a1.pdf"
    vouwkaart.render_vouwkaart(df, g, reg, meta, cfg, "A1", out)
    text = _text(out)
    vals, _ = kaartgegevens.buurt_values(df, "dementie_per_100_65plus")
    cls = kaartklassen.classify(vals, "equal_interval", 3, decimals=1, unit="per 100")
    assert all(lab in text for lab in cls.labels) and cls.k == 3
    assert "Wie doet al mee?" in text and "Wat is er al?" not in text
    assert f"{reg['dementie_per_100_65plus'].label} in 2024" in " ".join(text.split())


def test_all_text_is_pure_black(demo_case):
    df, g, meta, reg = demo_case
    fig = vouwkaart.build_figure(df, g, reg, meta, {}, "A1")
    colours = {mpl.colors.to_hex(t.get_color()) for t in fig.findobj(Text) if t.get_text()}
    assert colours == {"#000000"}


# --- folds, layout, labels ---------------------------------------------------------------
def _panel_of(fig, t: Text) -> tuple[int, int]:
    bb = t.get_window_extent(kaartbasis._renderer(fig))
    w, h = fig.bbox.width, fig.bbox.height
    cx, cy = (bb.x0 + bb.x1) / 2 / w, 1 - (bb.y0 + bb.y1) / 2 / h
    return int(cx * 4), int(cy * 2)


def test_a1_panels_cover_top_right_workspace_below_and_nothing_on_folds(demo_case):
    df, g, meta, reg = demo_case
    fig = vouwkaart.build_figure(df, g, reg, meta, {}, "A1")
    assert vouwblad.fold_conflicts(fig, "A1") == []
    by_text = {t.get_text(): t for t in fig.findobj(Text)}
    assert _panel_of(fig, by_text["Vouwkaart voor het gesprek over zorgzame buurten"]) == (3, 0)
    assert _panel_of(fig, by_text["Voorbeeldwaard"]) == (3, 0)
    for vraag in vouwgegevens.DEFAULT_CFG["vragen"]:
        assert _panel_of(fig, by_text[vraag]) == (3, 1)
        assert by_text[vraag].get_fontsize() >= 20
    # Fold ticks: 3 vertical folds x 2 edges + 1 horizontal fold x 2 edges.
    ticks = [a for a in fig.artists if a.get_gid() == "vouwteken"]
    assert len(ticks) == 8
    xs = sorted(
        {
            round(float(t.get_xdata()[0]) * 841, 2)
            for t in ticks
            if t.get_xdata()[0] == t.get_xdata()[1]
        }
    )
    assert xs == [210.25, 420.5, 630.75]


def test_fold_check_can_fail(demo_case):
    df, g, meta, reg = demo_case
    fig = vouwkaart.build_figure(df, g, reg, meta, {}, "A1")
    fig.text(0.5, 0.5, "op de vouw")  # x = 420.5 mm: the middle fold
    assert vouwblad.fold_conflicts(fig, "A1") == ["op de vouw"]


def _map_label_overlaps(fig) -> list[tuple[str, str]]:
    r = kaartbasis._renderer(fig)
    bad = []
    for ax in fig.axes:
        texts = [t for t in ax.texts if t.get_text().strip()]
        boxes = [(t.get_text(), t.get_window_extent(r)) for t in texts]
        bad += [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.overlaps(bb)]
    return bad


def test_a1_map_labels_do_not_overlap_demo(demo_case):
    df, g, meta, reg = demo_case
    fig = vouwkaart.build_figure(df, g, reg, meta, {}, "A1")
    assert _map_label_overlaps(fig) == []


@pytest.mark.parametrize(("prefix", "naam", "n"), [("BU0226", "Duiven", 14),
                                                   ("BU0150", "Deventer", 69)])  # fmt: skip
def test_a1_on_real_geometry(prefix, naam, n):
    if not REAL.exists():
        pytest.skip("real buurt geometry (shared/data/real/nl2024) not available")
    g = gpd.read_file(REAL, layer="buurt_gegeneraliseerd", where=f"statcode LIKE '{prefix}%'")
    g = g.rename(columns={"statcode": "code", "statnaam": "naam"})[["code", "naam", "geometry"]]
    assert len(g) == n
    df, meta, reg = synthetic(g, naam, fictief=False)
    fig = vouwkaart.build_figure(df, g, reg, meta, {}, "A1")
    assert _map_label_overlaps(fig) == []
    assert vouwblad.fold_conflicts(fig, "A1") == []
    texts = {t.get_text() for t in fig.findobj(Text)}
    assert f"Wijkscan {naam} — buurten en wijken" in texts
    # Every buurt is on the main map: by name (possibly wrapped) or in the numbered key.
    flat = " ".join(" ".join(texts).split())
    assert all(" ".join(b.split()) in flat for b in g["naam"])


def test_a4_key_uses_the_free_height_and_stays_above_the_text():
    # Deventer's A4 pages number ~50 buurten; in a fixed 50 mm box the key shrank to 4.5 pt,
    # while the page had room below it. Now the key takes that room at its full 7 pt.
    if not REAL.exists():
        pytest.skip("real buurt geometry (shared/data/real/nl2024) not available")
    g = gpd.read_file(REAL, layer="buurt_gegeneraliseerd", where="statcode LIKE 'BU0150%'")
    g = g.rename(columns={"statcode": "code", "statnaam": "naam"})[["code", "naam", "geometry"]]
    df, meta, reg = synthetic(g, "Deventer", fictief=False)
    fig = vouwkaart.build_figure(df, g, reg, meta, {}, "A4", indicator="inwoners")
    fig.canvas.draw()
    texts = fig.findobj(Text)
    key = [t for t in texts if re.match(r"^ ?\d+  \S", t.get_text())]
    assert len(key) > 40
    assert {t.get_fontsize() for t in key} == {7}
    lowest_key = min(t.get_window_extent().y0 for t in key)
    (definitie,) = [t for t in texts if t.get_text().startswith("Definitie:")]
    (bron,) = [t for t in texts if t.get_text().startswith("Bron: ")]
    (colofon,) = [t for t in texts if t.get_text().startswith("Bronnen: ")]
    assert definitie.get_window_extent().y1 < lowest_key
    assert colofon.get_window_extent().y1 < bron.get_window_extent().y0


# --- pixels -----------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm not installed")
def test_a3_png_is_not_blank_and_shows_hatching(pdfs, demo_case, tmp_path):
    df, g, meta, reg = demo_case
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-singlefile", str(pdfs["A3"]),
                    str(tmp_path / "a3")], check=True)  # fmt: skip
    img = mpl.image.imread(tmp_path / "a3.png")[:, :, :3]
    assert (img.mean(axis=2) < 0.95).mean() > 0.25  # a map, not a blank sheet
    # Locate a 'te weinig inwoners' buurt with the same layout and sample its pixels away
    # from any text (a label would darken the sample as well).
    fig = vouwkaart.build_figure(df, g, reg, meta, {}, "A3")
    ax = max(fig.axes, key=lambda a: len(a.collections))
    r = kaartbasis._renderer(fig)
    text_boxes = [t.get_window_extent(r).padded(4) for t in fig.findobj(Text) if t.get_text()]
    code = df.loc[df["status"] == "te weinig inwoners", "code"].iloc[0]
    poly = g.loc[g["code"] == code, "geometry"].iloc[0]
    x0, y0, x1, y1 = poly.bounds
    inner = poly.buffer(-0.05 * min(x1 - x0, y1 - y0))
    h, w = img.shape[:2]
    samples = []
    for x in np.linspace(x0, x1, 25):
        for y in np.linspace(y0, y1, 25):
            if not inner.contains(shapely.Point(x, y)):
                continue
            px, py = ax.transData.transform((x, y))
            if any(b.contains(px, py) for b in text_boxes):
                continue
            samples.append(img[int((1 - py / fig.bbox.height) * h), int(px / fig.bbox.width * w)])
    samples = np.array(samples)
    assert len(samples) >= 10
    chroma = (samples.max(axis=1) - samples.min(axis=1)).max()
    assert chroma < 0.05, "no palette colour on a buurt without value"
    face = mpl.colors.to_rgb(kaartlegenda.STATUS_STYLE[codes.STATUS_TE_WEINIG]["facecolor"])[0]
    assert np.median(samples) < face - 0.03, "hatch lines darken the grey face"


# --- files ------------------------------------------------------------------------------
def test_render_is_atomic_and_build_figure_writes_nothing(demo_case, tmp_path, monkeypatch):
    df, g, meta, reg = demo_case
    monkeypatch.chdir(tmp_path)
    vouwkaart.build_figure(df, g, reg, meta, {}, "A3")
    assert list(tmp_path.iterdir()) == []
    out = tmp_path / "kaart.pdf"
    out.write_bytes(b"oud")
    with pytest.raises(ValueError, match="formaat"):
        vouwkaart.render_vouwkaart(df, g, reg, meta, {}, "A0", out)
    assert out.read_bytes() == b"oud"
    with pytest.raises(KeyError):
        vouwkaart.render_vouwkaart(df, g, reg, meta, {"hoofdindicator": "bestaat_niet"}, "A3", out)
    assert out.read_bytes() == b"oud"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kaart.pdf"]


# --- honest presentation: no buurt signal, intervals ------------------------------------
UITLEG = "Een BRP-extract of een KWB-tabel met burgerlijke staat geeft detail per buurt."


def _zonder_case(demo_case, key="dementie_per_100_65plus"):
    """The demo case with a gemeente row, and ``key`` without buurt signal."""
    df, g, meta, reg = demo_case
    gm = {"code": "GM0000", "naam": "Voorbeeldwaard", "niveau": "gemeente",
          "gemeentenaam": "Voorbeeldwaard", "jaar": 2024, "status": "",
          "schatting": "basisjaar", key: 6.4, key + "_laag": 5.2, key + "_hoog": 7.9}  # fmt: skip
    df = pd.concat([df, pd.DataFrame([gm])], ignore_index=True)
    meta = dict(meta, buurtsignaal={key: {"signaal": False, "marges": [], "uitleg": UITLEG}})
    return df, g, meta, reg


def _flat(path: Path) -> str:
    # Wrapped lines may break after a hyphen ("BRP-" / "extract"): join those first.
    return " ".join(_text(path).replace("-\n", "-").split())


def _map_fills(fig) -> set[str]:
    from matplotlib.collections import PatchCollection

    out = set()
    for ax in fig.axes:
        for c in ax.collections:
            if isinstance(c, PatchCollection) and not c.get_hatch():
                out |= {mpl.colors.to_hex(f) for f in c.get_facecolor() if f[3] > 0}
    return out


def test_hoofdindicator_without_signal_has_no_classes_and_says_why(demo_case, tmp_path):
    df, g, meta, reg = _zonder_case(demo_case)
    key = "dementie_per_100_65plus"
    cfg = {"hoofdindicator": key}
    out = tmp_path / "a3.pdf"
    vouwkaart.render_vouwkaart(df, g, reg, meta, cfg, "A3", out)
    text = _flat(out)
    assert UITLEG in text
    assert "komen alleen uit het rekenmodel" in text and "geen klassen" in text
    assert "in 2024 ≈ 6,4 (90%-marge 5,2–7,9)" in text  # the gemeente figure
    vals, _ = kaartgegevens.buurt_values(df, key)
    cls = kaartklassen.classify(vals, "quantiles", 5, decimals=1)
    assert cls.k == 5 and not any(lab in text for lab in cls.labels)
    fig = vouwkaart.build_figure(df, g, reg, meta, cfg, "A3")
    assert _map_fills(fig) == {kaartlegenda.NEUTRAAL}
    # The same sheet with the signal does have classes (the checks above can fail).
    with_signal = tmp_path / "a3_met.pdf"
    vouwkaart.render_vouwkaart(df, g, reg, demo_case[2], cfg, "A3", with_signal)
    assert all(lab in _flat(with_signal) for lab in cls.labels)
    assert kaartlegenda.NEUTRAAL not in _map_fills(vouwkaart.build_figure(df, g, reg, demo_case[2], cfg,
                                                                  "A3"))  # fmt: skip


def test_a1_and_a4_without_signal(demo_case, tmp_path):
    df, g, meta, reg = _zonder_case(demo_case)
    key = "dementie_per_100_65plus"
    out = tmp_path / "a1.pdf"
    vouwkaart.render_vouwkaart(df, g, reg, meta, {"hoofdindicator": key}, "A1", out)
    text = _flat(out)
    assert UITLEG in text and "geen klassen" in text
    fig = vouwkaart.build_figure(df, g, reg, meta, {"hoofdindicator": key}, "A1")
    assert vouwblad.fold_conflicts(fig, "A1") == []
    # A4: the page of this indicator is classless, another page is not.
    a4 = vouwkaart.build_figure(df, g, reg, meta, {}, "A4", indicator=key)
    a4_text = " ".join(t.get_text() for t in a4.findobj(Text)).replace("-\n", "-")
    assert UITLEG in " ".join(a4_text.split())
    assert _map_fills(a4) == {kaartlegenda.NEUTRAAL}
    other = vouwkaart.build_figure(df, g, reg, meta, {}, "A4", indicator="aandeel_75plus")
    assert kaartlegenda.NEUTRAAL not in _map_fills(other)


def test_wide_intervals_merge_classes_on_the_sheet(demo_case, tmp_path):
    df, g, meta, reg = demo_case
    key = "aandeel_75plus"
    df = df.copy()
    b = df["niveau"] == "buurt"
    # Every buurt reaches down to the lowest value: nothing can be told apart.
    df.loc[b, key + "_laag"] = df.loc[b, key].min()
    df.loc[b, key + "_hoog"] = df.loc[b, key]
    fig = vouwkaart.build_figure(df, g, reg, meta, {"hoofdindicator": key}, "A3")
    palette5 = set(kaartklassen.palette(5, 1))
    fills = _map_fills(fig)
    # One neutral fill, no class colours, and the legend says why there are no classes.
    assert kaartlegenda.NEUTRAAL in fills and not fills & (
        palette5 | set(kaartklassen.palette(1, 1))
    )
    text = " ".join(" ".join(t.get_text() for t in fig.findobj(Text)).split())
    assert "elke klassegrens zou buurten scheiden die binnen elkaars marge liggen" in text
    # ...and the note under it neither speaks of classes that are not there.
    assert "Alle buurten hebben één kleur" in text and "alleen tussen klassen" not in text


def test_small_multiples_with_overlapping_intervals_are_grey_and_say_why(demo_case):
    """The A1 theme panels (2024 and the last horizon on shared breaks) follow the same
    rule as the main map: no break inside the margins, and one grey instead of one class
    colour that would look like a measurement."""
    df, g, meta, reg = demo_case
    key = "aandeel_75plus"  # the Vergrijzing panel
    df = df.copy()
    b = df["niveau"] == "buurt"
    df.loc[b, key + "_laag"] = 0.0
    df.loc[b, key + "_hoog"] = df.loc[b, key].max() + 50
    # The gemeente as a whole, as the pipeline publishes it beside the buurten.
    heel = df[b & df["jaar"].isin([2024, 2040])].drop_duplicates("jaar").copy()
    heel[["niveau", "code", "naam", key]] = ["gemeente", "GM9999", "Voorbeeldwaard", 9.0]
    heel.loc[heel["jaar"] == 2040, key] = 14.0
    heel[[key + "_laag", key + "_hoog"]] = float("nan")
    df = pd.concat([df, heel], ignore_index=True)
    fig = vouwkaart.build_figure(df, g, reg, meta, {"hoofdindicator": "aandeel_65plus"}, "A1")
    text = " ".join(" ".join(t.get_text() for t in fig.findobj(Text)).split())
    assert "elke klassegrens zou buurten scheiden die binnen elkaars marge liggen" in text
    # The panel title does not promise "dezelfde klassen" where the legend says there are none.
    assert "Aandeel 75-plussers: 2024 en 2040, dezelfde klassen" not in text
    assert "Aandeel 75-plussers: 2024 en 2040" in text
    assert kaartlegenda.NEUTRAAL in _map_fills(fig)
    # Two grey maps read as "no change": each year names the gemeente figure.
    assert "2024: heel Voorbeeldwaard ≈ 9%" in text
    assert "2040: heel Voorbeeldwaard ≈ 14%" in text


def test_fictief_banner_names_the_made_up_parts():
    """Issue 14: real CBS panels are not marked fictitious; the box says what is."""
    assert fictief_tekst({"fictief_onderdelen": ["kwb", "bevolking", "prognose"]}) == (
        "FICTIEF — demogegevens"
    )
    echt = fictief_tekst({"fictief_onderdelen": ["bevolking", "prognose"]})
    assert echt.startswith("FICTIEF: leeftijdsopbouw en prognose")
    assert "75+" in echt and "buurtcijfers" not in echt
    reg = build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")
    uitleg = vouwgegevens._soort_uitleg(
        [reg["aantal_85plus"]], {"fictief_onderdelen": ["bevolking"]}
    )
    assert "fictieve leeftijdsopbouw" in uitleg and "landelijke verhoudingen" not in uitleg
    assert "landelijke verhoudingen" in vouwgegevens._soort_uitleg([reg["aantal_85plus"]], {})


def test_marker_key_explains_only_markers_that_a_map_carries():
    """The A1 footer explained "gemeten/geschat" and "gemodelleerd", though no map showed
    either: a map of CBS's own counts has no marker, and loneliness was not loaded."""
    reg = build_registry("85984NED", 2024, (50, 64), 85, "test", "50150NED", "demo", "demo")
    assert vouwgegevens._soort_uitleg([reg["aandeel_65plus"]], {}) == ""
    beide = vouwgegevens._soort_uitleg([reg["aandeel_65plus"], reg["aandeel_75plus"]], {})
    assert "geschat = " in beide and "gemeten" not in beide
