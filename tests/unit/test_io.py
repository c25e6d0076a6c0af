from __future__ import annotations

import datetime as dt
import os
import stat

import pytest

from pipeline.errors import WijkscanError
from pipeline.io import atomic_path, source_date_epoch, write_text


def test_atomic_write_is_readable_by_others_and_keeps_mode(tmp_path):
    old = os.umask(0o022)
    try:
        target = tmp_path / "rapport.html"
        write_text("<p>x</p>", target)
        assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not mkstemp's 0600
        target.chmod(0o640)
        write_text("<p>y</p>", target)
        assert stat.S_IMODE(target.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def test_failed_writer_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "tabel.csv"
    target.write_text("oud")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("schrijver faalt")
    assert target.read_text() == "oud"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tabel.csv"]


def test_source_date_epoch_is_utc_and_optional(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert source_date_epoch() is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert source_date_epoch() == dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)


def test_bad_source_date_epoch_is_a_dutch_error(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "gisteren")
    with pytest.raises(WijkscanError, match="SOURCE_DATE_EPOCH") as err:
        source_date_epoch()
    assert err.value.oplossing and "seconden" in err.value.oplossing
