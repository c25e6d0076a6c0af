"""Tests of pipeline.present.overzichtskaart: insets of crowded centres, each buurt labelled once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from pipeline.present import kaartnummers, overzichtskaart
from tests.support.figuurtekst import collisions

REAL = (
    Path(__file__).resolve().parents[4] / "shared/data/real/nl2024/buurt_2024_gegeneraliseerd.gpkg"
)


def _grid_town() -> gpd.GeoDataFrame:
    """A 6 km town: eight rural buurten around a centre of 36 blocks of 150 m, plus the
    rest of the middle square (with the centre as a hole)."""
    rows = []
    for i in range(6):
        for j in range(6):
            x, y = 2550 + i * 150, 2550 + j * 150
            rows.append(box(x, y, x + 150, y + 150))
    centre = box(2550, 2550, 3450, 3450)
    for i in range(3):
        for j in range(3):
            cell = box(i * 2000, j * 2000, i * 2000 + 2000, j * 2000 + 2000)
            rows.append(cell.difference(centre) if (i, j) == (1, 1) else cell)
    codes = [f"BU0999{k // 10:02d}{k % 10:02d}" for k in range(len(rows))]
    return gpd.GeoDataFrame(
        {"code": codes, "naam": [f"Buurt nummer {k}" for k in range(len(rows))],
         "geometry": rows}, crs=28992,
    )  # fmt: skip


def test_overview_map_enlarges_a_crowded_centre_and_labels_each_buurt_once():
    g = _grid_town()
    wijken = g.assign(wijkcode="WK" + g["code"].str[2:8]).dissolve("wijkcode", as_index=False)
    fig, key = overzichtskaart.overview_map(g, wijken, {}, height_mm=200)
    insets = [ax for ax in fig.axes if ax.get_title(loc="left").startswith("Uitsnede A")]
    assert len(insets) == 1
    labelled = Counter(
        (t.get_gid() or "").split("-", 1)[1]
        for ax in fig.axes
        for t in ax.texts
        if (t.get_gid() or "").startswith(("buurtnaam-", "buurtnummer-"))
    )
    assert set(labelled) == set(g["code"]) and max(labelled.values()) == 1
    # Inside the inset the centre's numbers fit in their own blocks: no leader lines there.
    assert not [ln for ln in insets[0].lines if (ln.get_gid() or "").startswith("leider-")]
    # The key lists every numbered buurt once, in number order, with the gemeente numbering.
    nummers = kaartnummers.buurt_nummers(g["code"])
    assert [nr for nr, _ in key] == sorted(nr for nr, _ in key)
    naam = dict(zip(g["code"], g["naam"], strict=True))
    assert all(naam[c] == n for c, nr in nummers.items() for k, n in key if k == nr)


def test_overview_map_without_crowd_has_no_inset():
    g = _grid_town().iloc[36:]  # only the large buurten
    wijken = g.assign(wijkcode="WK" + g["code"].str[2:8]).dissolve("wijkcode", as_index=False)
    fig, _key = overzichtskaart.overview_map(g, wijken, {}, height_mm=120)
    assert not [ax for ax in fig.axes if ax.get_title(loc="left").startswith("Uitsnede")]


def test_real_arnhem_centre_gets_an_inset_and_no_number_collides():
    if not REAL.exists():
        pytest.skip("real buurt geometry (shared/data/real/nl2024) not available")
    g = gpd.read_file(REAL, layer="buurt_gegeneraliseerd", where="statcode LIKE 'BU0202%'")
    g = g.rename(columns={"statcode": "code", "statnaam": "naam"})[["code", "naam", "geometry"]]
    assert len(g) == 83
    wijken = g.assign(wijkcode="WK" + g["code"].str[2:8]).dissolve("wijkcode", as_index=False)
    names = {w: f"Wijk {w[-2:]}" for w in wijken["wijkcode"]}
    fig, key = overzichtskaart.overview_map(g, wijken, names, height_mm=200)
    assert any(ax.get_title(loc="left").startswith("Uitsnede A") for ax in fig.axes)
    assert collisions(fig) == []
    assert len(key) == len(set(key))


@pytest.mark.parametrize("n_wijken", [12, 60, 110])
def test_wijk_legend_stays_on_the_page_with_many_wijken(n_wijken):
    # Tilburg has 59 wijken, Amsterdam 110: one column of 7 pt ran off the page.
    rows = [box(k % 11 * 500, k // 11 * 500, k % 11 * 500 + 500, k // 11 * 500 + 500)
            for k in range(n_wijken)]  # fmt: skip
    g = gpd.GeoDataFrame(
        {"code": [f"BU0999{k:04d}" for k in range(n_wijken)],
         "naam": [f"Buurt {k}" for k in range(n_wijken)], "geometry": rows}, crs=28992,
    )  # fmt: skip
    wijken = g.assign(wijkcode="WK0999" + g["code"].str[6:10])
    wijken = wijken.dissolve("wijkcode", as_index=False)
    namen = {wk: f"Bedrijventerrein Kraaiven {i}" for i, wk in enumerate(wijken["wijkcode"])}
    fig, _key = overzichtskaart.overview_map(g, wijken, namen, height_mm=200, uitsnede=False)
    leg = fig.axes[0].get_legend()
    box_ = leg.get_window_extent(fig.canvas.get_renderer())
    assert [t.get_text() for t in leg.get_texts()] == list(namen.values())
    assert box_.y0 >= 0 and box_.x1 <= fig.bbox.width
    if n_wijken == 12:
        assert leg.get_texts()[0].get_fontsize() == 7.0  # few wijken: as before
