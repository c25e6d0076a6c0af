from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from pipeline.errors import WijkscanError
from pipeline.ingest import demo, geometry


def test_reads_pdok_layout(tmp_path):
    path = tmp_path / "g.gpkg"
    demo.write_geometry(path)
    gdf = geometry.read_buurten(path, "GM9999")
    assert len(gdf) == len(demo.BUURTEN)
    assert gdf.crs.to_epsg() == 28992
    assert list(gdf.columns) == ["code", "naam", "geometry"]


def test_reads_cbs_wijkenbuurtkaart_layout_in_other_crs(tmp_path):
    path = tmp_path / "wbk.gpkg"
    g = demo.buurt_geometry().rename(columns={"statcode": "buurtcode", "statnaam": "buurtnaam"})
    g["aantalInwoners"] = -99997  # the CBS map's 'geheim' sentinel must not matter here
    g.to_crs(4326).to_file(path, layer="buurten", driver="GPKG")
    gdf = geometry.read_buurten(path, "GM9999")
    assert set(gdf.code) == {b.code for b in demo.BUURTEN}
    assert gdf.crs.to_epsg() == 28992


def test_buurten_without_geometry_are_dropped_without_a_warning(tmp_path):
    # The real PDOK layer has such features; geopandas 1.x warned on GeoSeries.notna() for
    # them, and that warning landed in every national run's output.
    import warnings

    from shapely.geometry import Polygon

    g = demo.buurt_geometry().iloc[:3].copy()
    g.loc[g.index[1], "geometry"] = Polygon()
    g.loc[g.index[2], "geometry"] = None
    path = tmp_path / "leeg.gpkg"
    g.to_file(path, layer="buurt_gegeneraliseerd", driver="GPKG")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gdf = geometry.read_buurten(path, None)
    assert list(gdf["code"]) == [g["statcode"].iloc[0]]


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\x00 truncated"])
def test_corrupt_gpkg_gives_clear_error(tmp_path, content):
    path = tmp_path / "kapot.gpkg"
    path.write_bytes(content)
    with pytest.raises(WijkscanError, match="kapot.gpkg"):
        geometry.read_buurten(path, "GM9999")


def test_unknown_layer_lists_layers(tmp_path):
    path = tmp_path / "g.gpkg"
    gpd.GeoDataFrame({"x": [1]}, geometry=[box(0, 0, 1, 1)], crs=28992).to_file(path, layer="iets")
    with pytest.raises(WijkscanError, match="iets"):
        geometry.read_buurten(path, "GM9999")


def test_code_mismatch_fails_by_default_and_warns_on_request():
    match = geometry.match_codes(["BU1", "BU2", "BU3"], ["BU2", "BU3", "BU4"])
    assert match.only_in_data == ["BU1"] and match.only_in_geometry == ["BU4"]
    with pytest.raises(WijkscanError) as exc:
        geometry.check_codes(match, 2024, "fout", "x.gpkg")
    assert "BU1" in str(exc.value) and "BU4" in str(exc.value)
    warnings = geometry.check_codes(match, 2024, "waarschuwing", "x.gpkg")
    assert len(warnings) == 1 and "BU1" in warnings[0]


@pytest.mark.parametrize("gemeente,n", [("GM0226", 14), ("GM0150", 69)])
def test_real_geometry_has_every_buurt_of_the_table(real_gpkg_path, real_kwb_path, gemeente, n):
    from pipeline.ingest import kwb, kwb_lezen

    gdf = geometry.read_buurten(real_gpkg_path, gemeente)
    reg = kwb.normalize_kwb(kwb_lezen.read_kwb(real_kwb_path), gemeente, "kwb")
    match = geometry.match_codes(reg.loc[reg.niveau == "buurt", "code"], gdf.code)
    assert match.ok, match
    assert len(gdf) == n


def test_code_mismatch_message_says_when_the_list_is_cut_short():
    from pipeline.ingest.geometry import CodeMatch

    many = CodeMatch(only_in_data=[f"BU0226{i:04d}" for i in range(25)])
    text = many.message(2024)
    assert text.startswith("25 buurt(en) in de data zonder grens: BU02260000, ")
    assert "BU02260019 ..." in text and "BU02260020" not in text
    few = CodeMatch(only_in_geometry=["BU02260001"]).message(2024)
    assert few == "1 buurt(en) op de kaart zonder data: BU02260001 (peiljaar 2024)"


def test_self_intersecting_buurt_is_repaired_and_reported():
    """A bow-tie ring made wijken and maps fail with a bare GEOSException (issue 14)."""
    import geopandas as gpd
    from shapely.geometry import Polygon, box

    from pipeline.ingest import geometry

    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    assert not bowtie.is_valid
    g = gpd.GeoDataFrame(
        {"code": ["BU00010001", "BU00010002"], "naam": ["Strik", "Vierkant"]},
        geometry=[bowtie, box(20, 0, 30, 10)],
        crs=28992,
    )
    fixed, codes = geometry.repair(g)
    assert codes == ["BU00010001"]
    assert fixed.geometry.is_valid.all()
    assert fixed.geometry.iloc[0].area == pytest.approx(50.0)  # both triangles kept
    assert fixed.geometry.iloc[1].equals(box(20, 0, 30, 10))  # valid ones untouched
    geometry.wijken_from_buurten(fixed)  # dissolving no longer raises
    (tekst,) = geometry.repair_warning(codes)
    assert "BU00010001" in tekst and "hersteld" in tekst
    assert geometry.repair(fixed)[1] == [] and geometry.repair_warning([]) == []


def test_buurten_missing_only_from_the_data_point_at_an_incomplete_kwb_file():
    """Issue 14: a KWB file that lost rows was blamed on the year of the boundaries."""
    kwijt = geometry.match_codes(["BU00010001"], ["BU00010001", "BU00010002"])
    with pytest.raises(WijkscanError) as exc:
        geometry.check_codes(kwijt, 2024, "fout", "x.gpkg")
    text = str(exc.value)
    assert "KWB-bestand onvolledig" in text and "bronnen.kwb" in text
    assert text.index("KWB-bestand (bronnen.kwb) volledig") < text.index("hetzelfde jaar")
    # Codes on both sides differ: other boundaries are the likely cause, as before.
    ander_jaar = geometry.match_codes(["BU00010003"], ["BU00010002"])
    with pytest.raises(WijkscanError) as exc:
        geometry.check_codes(ander_jaar, 2024, "fout", "x.gpkg")
    assert "onvolledig" not in str(exc.value) and "hetzelfde jaar" in str(exc.value)
