"""Tests for pipeline.ingest.download against a loopback HTTP server (real requests, no mocks)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from pipeline.errors import WijkscanError
from pipeline.ingest.download import download_file, validate_gpkg

# tests/ is not on sys.path when pytest is started as a script.
_ROOT = Path(__file__).resolve().parents[3]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from tests.support.odata_server import ODataServer  # noqa: E402

LAYER = "buurt_gegeneraliseerd"
FAST = {"timeout": 2.0, "backoff": 0.01}


def _make_gpkg(path: Path, layer: str = LAYER, n: int = 2) -> Path:
    gdf = gpd.GeoDataFrame(
        {
            "buurtcode": [f"BU0226{i:04d}" for i in range(n)],
            "buurtnaam": [f"Buurt {i}" for i in range(n)],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(n)],
        crs="EPSG:28992",
    )
    gdf.to_file(path, layer=layer, driver="GPKG")
    return path


@pytest.fixture(scope="module")
def gpkg_bytes(tmp_path_factory) -> bytes:
    return _make_gpkg(tmp_path_factory.mktemp("gpkg") / "src.gpkg").read_bytes()


@pytest.fixture
def server():
    with ODataServer() as srv:
        yield srv


def _validator(path: Path) -> None:
    validate_gpkg(path, LAYER)


def _leftovers(directory: Path, keep: str) -> list[str]:
    return sorted(n for n in os.listdir(directory) if n != keep)


# --------------------------------------------------------------------------- download


def test_download_success(server, gpkg_bytes, tmp_path):
    url = server.add_file("/cbs/gebiedsindelingen_2024.gpkg", gpkg_bytes)
    dest = tmp_path / "geo" / "gebiedsindelingen.gpkg"
    out = download_file(url, dest, validate=_validator, **FAST)
    assert out == dest
    assert dest.read_bytes() == gpkg_bytes
    assert _leftovers(dest.parent, dest.name) == []
    assert gpd.read_file(dest, layer=LAYER)["buurtcode"].tolist() == ["BU02260000", "BU02260001"]


def test_corrupt_content_is_rejected_and_dest_untouched(server, tmp_path):
    url = server.add_file("/x.gpkg", b"<html><body>Onderhoud</body></html>", "text/html")
    dest = tmp_path / "x.gpkg"
    dest.write_bytes(b"previous good file")
    with pytest.raises(WijkscanError, match="geen GeoPackage") as info:
        download_file(url, dest, validate=_validator, retries=3, **FAST)
    assert "<html>" in str(info.value)
    assert dest.read_bytes() == b"previous good file"
    assert _leftovers(tmp_path, dest.name) == []
    # Complete per Content-Length: the server serves this content, retrying is pointless.
    assert server.count("/x.gpkg") == 1


def test_truncated_gpkg_with_valid_length_is_rejected(server, gpkg_bytes, tmp_path):
    url = server.add_file("/half.gpkg", gpkg_bytes[: len(gpkg_bytes) // 2])
    dest = tmp_path / "half.gpkg"
    with pytest.raises(WijkscanError, match="onbruikbaar"):
        download_file(url, dest, validate=_validator, **FAST)
    assert not dest.exists()
    assert _leftovers(tmp_path, dest.name) == []


def test_cut_off_transfer_is_retried_then_fails_cleanly(server, gpkg_bytes, tmp_path):
    url = server.add_file("/a.gpkg", gpkg_bytes)
    server.inject("short", times=None)
    dest = tmp_path / "a.gpkg"
    dest.write_bytes(b"old")
    with pytest.raises(WijkscanError, match="3 poging") as info:
        download_file(url, dest, validate=_validator, retries=3, **FAST)
    assert url in str(info.value)
    assert dest.read_bytes() == b"old"
    assert _leftovers(tmp_path, dest.name) == []
    assert server.count("/a.gpkg") == 3


def test_flaky_server_is_retried(server, gpkg_bytes, tmp_path):
    url = server.add_file("/b.gpkg", gpkg_bytes)
    server.inject("http503", times=1)
    server.inject("drop", times=1)
    server.inject("short", times=1)
    dest = tmp_path / "b.gpkg"
    download_file(url, dest, validate=_validator, retries=4, **FAST)
    assert dest.read_bytes() == gpkg_bytes
    assert [r.fault for r in server.requests] == ["http503", "drop", "short", None]


def test_not_found_is_not_retried(server, tmp_path):
    dest = tmp_path / "c.gpkg"
    with pytest.raises(WijkscanError, match="HTTP 404"):
        download_file(f"{server.url}/bestaat-niet.gpkg", dest, retries=4, **FAST)
    assert server.count("/bestaat-niet.gpkg") == 1
    assert not dest.exists()


def test_slow_server_times_out_quickly(server, gpkg_bytes, tmp_path):
    url = server.add_file("/slow.gpkg", gpkg_bytes)
    server.inject("slow", times=None, delay=5)
    start = time.monotonic()
    with pytest.raises(WijkscanError, match="time-out"):
        download_file(url, tmp_path / "slow.gpkg", retries=2, timeout=0.2, backoff=0.01)
    assert time.monotonic() - start < 2
    assert os.listdir(tmp_path) == []


def test_empty_body_is_an_error(server, tmp_path):
    url = server.add_file("/empty.gpkg", b"")
    with pytest.raises(WijkscanError, match="0 bytes"):
        download_file(url, tmp_path / "empty.gpkg", retries=2, **FAST)
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- validate_gpkg


def test_validate_gpkg_accepts_good_file(tmp_path):
    path = _make_gpkg(tmp_path / "ok.gpkg")
    validate_gpkg(path)
    validate_gpkg(path, LAYER)


def test_validate_gpkg_missing_layer_lists_layers(tmp_path):
    path = _make_gpkg(tmp_path / "ok.gpkg", layer="gemeente_gegeneraliseerd")
    with pytest.raises(WijkscanError, match="gemeente_gegeneraliseerd") as info:
        validate_gpkg(path, LAYER)
    assert LAYER in str(info.value)


def test_validate_gpkg_rejects_layer_without_features(tmp_path):
    path = tmp_path / "leeg.gpkg"
    gdf = gpd.GeoDataFrame({"buurtcode": []}, geometry=[], crs="EPSG:28992")
    gdf.to_file(path, layer=LAYER, driver="GPKG")
    with pytest.raises(WijkscanError, match="geen objecten"):
        validate_gpkg(path, LAYER)


@pytest.mark.filterwarnings("ignore:GPKG. bad application_id:RuntimeWarning")
@pytest.mark.parametrize("content", [b"", b"SQLite format 3\x00" + b"\x00" * 200])
def test_validate_gpkg_rejects_empty_and_corrupt(tmp_path, content):
    path = tmp_path / "kapot.gpkg"
    path.write_bytes(content)
    with pytest.raises(WijkscanError, match="kapot.gpkg") as info:
        validate_gpkg(path)
    assert "Oplossing" in str(info.value)


def test_zip_truncated_but_full_length_is_rejected_with_own_hint(server, tmp_path):
    import io
    import zipfile

    from pipeline.ingest.download import validate_zip

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("Observations.csv", "Id;Measure;Value\n0;M000352;1\n")
    good = buf.getvalue()
    server.add_file("/csv/CBS/nl/x", good[: len(good) // 2])  # complete transfer, broken zip
    dest = tmp_path / "x.zip"
    with pytest.raises(WijkscanError, match="geen leesbaar zip-bestand"):
        download_file(
            server.url + "/csv/CBS/nl/x",
            dest,
            timeout=2,
            retries=2,
            backoff=0.01,
            validate=lambda p: validate_zip(p, ("Observations.csv",)),
        )
    assert not dest.exists()
    with pytest.raises(WijkscanError, match="eigen hint"):
        download_file(server.url + "/nergens", dest, retries=1, oplossing="eigen hint")
    (tmp_path / "ok.zip").write_bytes(good)
    validate_zip(tmp_path / "ok.zip", ("Observations.csv",))
    with pytest.raises(WijkscanError, match="mist MeasureCodes.csv"):
        validate_zip(tmp_path / "ok.zip", ("MeasureCodes.csv",))
