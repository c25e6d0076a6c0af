"""Tests for pipeline.ingest.cbs: the real cbsodata client against a loopback CBS OData v3 server."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import cbsodata
import numpy as np
import pandas as pd
import pytest
import requests
from cbsodata import cbsodata3

from pipeline.errors import WijkscanError
from pipeline.ingest.cbs import (
    fetch_table,
    kwb_filter,
    region_filter,
    write_csv_atomic,
)
from pipeline.ingest.odata import cbsodata_options

# tests/ is not on sys.path when pytest is started as a script; make the shared
# support package importable without a conftest.
_ROOT = Path(__file__).resolve().parents[3]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from tests.support.odata_server import (  # noqa: E402
    Dimension,
    ODataServer,
    Table,
    evaluate_filter,
)

FAST = {"use_https": False, "timeout": 2.0, "backoff": 0.01}


# --------------------------------------------------------------------------- fixtures

_REGIONS = [
    # key (as CBS pads it), title, inhabitants, 65+ (NaN = secret)
    ("NL00      ", "Nederland", 17_942_942, 3_500_000.0),
    ("GM0226    ", "Duiven", 25_000, 4_500.0),
    ("WK022600  ", "Wijk 00 Duiven", 18_000, 3_000.0),
    ("WK022601  ", "Wijk 01 Groessen", 7_000, 1_500.0),
    ("BU02260000", "Duiven-Centrum", 3_000, np.nan),
    ("BU02260001", "Centrum", 15_000, 3_000.0),
    ("BU02260100", "Groessen", 7_000, 1_500.0),
    ("GM0228    ", "Ede", 120_000, 20_000.0),
    ("WK022801  ", "Wijk 01 Ede", 60_000, 10_000.0),
    ("BU02280101", "Centrum", 6_000, 900.0),
    ("GM2260    ", "Valgemeente", 1_000, 100.0),
    ("BU22600000", "Valbuurt", 1_000, 100.0),
]
_SOORT = {"NL": "Land      ", "GM": "Gemeente  ", "WK": "Wijk      ", "BU": "Buurt     "}


def kwb_table(table_id: str = "85984NED", catalog: str = "CBS") -> Table:
    keys = [r[0] for r in _REGIONS]
    data = pd.DataFrame(
        {
            "WijkenEnBuurten": keys,
            "SoortRegio_2": [_SOORT[k[:2]] for k in keys],
            "AantalInwoners_5": [r[2] for r in _REGIONS],
            "k_65JaarOfOuder_12": [r[3] for r in _REGIONS],
        }
    )
    dim = Dimension(
        "WijkenEnBuurten",
        [{"Key": r[0], "Title": r[1]} for r in _REGIONS],
        kind="GeoDetail",
    )
    return Table(table_id, data, [dim], title="Kerncijfers wijken en buurten", catalog=catalog)


def bevolking_table() -> Table:
    """03759ned-like: RegioS keys padded to 6, Geslacht keys padded to 7."""
    regios = [("NL01  ", "Nederland"), ("PV25  ", "Gelderland"), ("GM0226", "Duiven")]
    geslacht = [("T001038", "Totaal mannen en vrouwen"), ("3000   ", "Mannen")]
    perioden = [("2023JJ00", "2023"), ("2024JJ00", "2024")]
    rows = [
        {"Geslacht": g, "RegioS": r, "Perioden": p, "BevolkingOpDeEersteVanDeMaand_1": i * 10}
        for i, (g, r, p) in enumerate(
            (g, r, p) for g, _ in geslacht for r, _ in regios for p, _ in perioden
        )
    ]
    dims = [
        Dimension("Geslacht", [{"Key": k, "Title": t} for k, t in geslacht]),
        Dimension("RegioS", [{"Key": k, "Title": t} for k, t in regios], kind="GeoDimension"),
        Dimension("Perioden", [{"Key": k, "Title": t} for k, t in perioden], kind="TimeDimension"),
    ]
    return Table("03759ned", pd.DataFrame(rows), dims, title="Bevolking op 1 januari")


def big_table(n_rows: int, table_id: str = "99999NED") -> Table:
    keys = [f"BU{i:08d}" for i in range(n_rows)]
    data = pd.DataFrame(
        {
            "WijkenEnBuurten": keys,
            "AantalInwoners_5": np.arange(n_rows, dtype="int64"),
            "Oppervlakte_6": np.arange(n_rows, dtype="float64") / 4,
        }
    )
    dim = Dimension("WijkenEnBuurten", [{"Key": k, "Title": f"Buurt {k}"} for k in keys])
    return Table(table_id, data, [dim])


@pytest.fixture(scope="module")
def big() -> Table:
    # 12,345 rows x 4 columns (ID included): well above 10,000 rows and cells.
    return big_table(12_345)


@pytest.fixture
def server():
    with ODataServer([kwb_table(), bevolking_table()]) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _https_default():
    """Every test must leave cbsodata's global option as it found it."""
    before = cbsodata.options.use_https
    yield
    assert cbsodata.options.use_https == before


# --------------------------------------------------------------------------- filters


def test_kwb_filter_selects_gemeente_wijken_buurten():
    assert kwb_filter(["GM0226"]) == (
        "startswith(WijkenEnBuurten,'GM0226') or startswith(WijkenEnBuurten,'WK0226') "
        "or startswith(WijkenEnBuurten,'BU0226')"
    )
    two = kwb_filter([" gm0226", "GM0228", "GM0226"])
    assert two.count("startswith") == 6
    assert "'BU0228'" in two


@pytest.mark.parametrize("bad", [[], ["0226"], ["GM226"], ["GM0226'"], ["WK022600"]])
def test_kwb_filter_rejects_invalid_codes(bad):
    with pytest.raises(WijkscanError, match="gemeentecode"):
        kwb_filter(bad)


def test_region_filter_pads_like_cbs():
    assert region_filter("WijkenEnBuurten", ["GM0226"]) == "WijkenEnBuurten eq 'GM0226    '"
    assert region_filter("RegioS", ["GM0226"]) == "RegioS eq 'GM0226'"
    assert region_filter("RegioS", ["nl01", "GM0226"]) == (
        "(RegioS eq 'NL01  ' or RegioS eq 'GM0226')"
    )
    assert region_filter("Perioden", ["2024JJ00"]) == "Perioden eq '2024JJ00'"
    with pytest.raises(WijkscanError):
        region_filter("RegioS", ["GM02260"])  # longer than the key width
    with pytest.raises(WijkscanError):
        region_filter("RegioS", [])
    with pytest.raises(WijkscanError):
        region_filter("RegioS eq 'x' or RegioS", ["GM0226"])


def test_server_filter_grammar():
    frame = pd.DataFrame({"K": ["GM0226    ", "WK022600  ", "BU02260000", "O'Neil"]}, dtype=object)

    def match(expr: str) -> list[str]:
        return frame.loc[evaluate_filter(expr, frame), "K"].tolist()

    assert match("startswith(K,'GM') or substringof('0226', K)") == frame["K"].tolist()[:3]
    assert match("(startswith(K,'GM') or startswith(K,'BU')) and not K eq 'BU02260000'") == [
        "GM0226    "
    ]
    assert match("K eq 'GM0226'") == []  # exact, padded comparison
    assert match("K eq 'O''Neil'") == ["O'Neil"]
    assert match("substring(K,0,2) eq 'WK'") == ["WK022600  "]


# --------------------------------------------------------------------------- fetching


def test_fetch_kwb_keeps_padded_keys_not_titles(server):
    df = fetch_table("85984NED", filters=kwb_filter(["GM0226"]), api_url=server.host, **FAST)

    assert df["WijkenEnBuurten"].tolist() == [
        "GM0226    ",
        "WK022600  ",
        "WK022601  ",
        "BU02260000",
        "BU02260001",
        "BU02260100",
    ]
    # UntypedDataSet: CBS strings, '.' for a secret cell.
    row = df.set_index("WijkenEnBuurten").loc["BU02260000"]
    assert row["k_65JaarOfOuder_12"].strip() == "."
    assert row["AantalInwoners_5"].strip() == "3000"
    assert df["SoortRegio_2"].iloc[0] == "Gemeente  "
    assert server.count("UntypedDataSet") == 1

    # The trap we avoid: cbsodata.get_data replaces keys by (non-unique) titles.
    with cbsodata_options(use_https=False):
        titled = cbsodata.get_data(
            "85984NED", filters=kwb_filter(["GM0226"]), catalog_url=server.host
        )
    assert [r["WijkenEnBuurten"] for r in titled][:2] == ["Duiven", "Wijk 00 Duiven"]


def test_fetch_typed_and_select_order(server):
    df = fetch_table(
        "85984NED",
        filters=kwb_filter(["GM0228"]),
        select=["AantalInwoners_5", "WijkenEnBuurten"],
        typed=True,
        api_url=server.host,
        **FAST,
    )
    assert list(df.columns) == ["AantalInwoners_5", "WijkenEnBuurten"]
    assert df["AantalInwoners_5"].tolist() == [120_000, 60_000, 6_000]


def test_eq_needs_padded_key_and_region_filter_provides_it(server):
    unpadded = fetch_table(
        "85984NED", filters="WijkenEnBuurten eq 'GM0226'", api_url=server.host, **FAST
    )
    assert unpadded.empty  # exactly what CBS does with an unpadded key
    padded = fetch_table(
        "85984NED",
        filters=region_filter("WijkenEnBuurten", ["GM0226"]),
        api_url=server.host,
        **FAST,
    )
    assert padded["WijkenEnBuurten"].tolist() == ["GM0226    "]


def test_region_filter_on_gemeente_level_table(server):
    flt = region_filter("RegioS", ["GM0226"]) + " and Perioden eq '2024JJ00'"
    df = fetch_table(
        "03759ned",
        filters=flt,
        select=["Geslacht", "RegioS", "Perioden", "BevolkingOpDeEersteVanDeMaand_1"],
        api_url=server.host,
        **FAST,
    )
    assert df["RegioS"].tolist() == ["GM0226", "GM0226"]
    assert df["Geslacht"].tolist() == ["T001038", "3000   "]  # padded key kept
    assert df["Perioden"].unique().tolist() == ["2024JJ00"]


def test_table_larger_than_limit_is_fetched_through_nextlink(big):
    with ODataServer([big]) as srv:
        df = fetch_table(big.table_id, api_url=srv.host, **FAST)
        pages = [r for r in srv.requests if r.path.endswith("/UntypedDataSet")]
    assert len(df) == 12_345
    assert df["ID"].tolist() == list(range(12_345))
    assert df["WijkenEnBuurten"].iloc[-1] == "BU00012344"
    assert [p.query.get("$skip") for p in pages] == [None, "10000"]
    assert pages[1].query.get("$format") == "json"


def test_nextlink_keeps_filter_and_select_on_every_page():
    table = big_table(7_000, "88888NED")
    with ODataServer([table], feed_page_rows=1_000) as srv:
        df = fetch_table(
            table.table_id,
            filters="substringof('1',WijkenEnBuurten)",
            select=["WijkenEnBuurten"],
            api_url=srv.host,
            **FAST,
        )
        n_pages = srv.count("UntypedDataSet")
    expected = [f"BU{i:08d}" for i in range(7_000) if "1" in f"{i:08d}"]
    assert df["WijkenEnBuurten"].tolist() == expected
    assert list(df.columns) == ["WijkenEnBuurten"]
    assert n_pages == -(-len(expected) // 1_000)


def test_interactive_api_refuses_more_than_10000_cells_like_cbs(big):
    with ODataServer([big]) as srv:
        base = f"{srv.url}/ODataApi/odata/{big.table_id}/UntypedDataSet"
        too_big = requests.get(base, params={"$format": "json"}, timeout=5)
        ok = requests.get(base, params={"$format": "json", "$top": "2500"}, timeout=5)
        feed = requests.get(
            f"{srv.url}/ODataFeed/odata/{big.table_id}/UntypedDataSet",
            params={"$format": "json"},
            timeout=5,
        ).json()
    assert too_big.status_code == 500
    assert "query returns more than 10000 records" in too_big.text
    assert ok.status_code == 200 and len(ok.json()["value"]) == 2_500
    assert len(feed["value"]) == 10_000 and "$skip=10000" in feed["odata.nextLink"]


def test_cells_limit_error_is_not_retried(big, monkeypatch):
    # Make cbsodata use the interactive API instead of the feed, to get CBS' HTTP 500.
    monkeypatch.setattr(cbsodata3, "BULK", "ODataApi/odata")
    with ODataServer([big]) as srv:
        with pytest.raises(WijkscanError, match="te veel cellen"):
            fetch_table(big.table_id, api_url=srv.host, retries=3, **FAST)
        assert srv.count("/ODataApi/odata/99999NED/UntypedDataSet") == 1


# --------------------------------------------------------------------------- faults


def test_dropped_connection_and_http_500_are_retried(server):
    server.inject("drop", times=1, path_contains="UntypedDataSet")
    server.inject("http500", times=1, path_contains="UntypedDataSet")
    df = fetch_table(
        "85984NED", filters=kwb_filter(["GM0226"]), api_url=server.host, retries=3, **FAST
    )
    assert len(df) == 6
    assert [r.fault for r in server.requests] == ["drop", "http500", None]


def test_truncated_json_short_body_and_reset_are_retried(server):
    for mode in ("truncate", "short", "reset"):
        server.inject(mode, times=1)
    df = fetch_table("85984NED", api_url=server.host, retries=4, **FAST)
    assert len(df) == len(_REGIONS)
    assert [r.fault for r in server.requests] == ["truncate", "short", "reset", None]


def test_always_failing_server_gives_useful_error(server):
    server.inject("http503", times=None)
    with pytest.raises(WijkscanError) as info:
        fetch_table("85984NED", api_url=server.host, retries=3, **FAST)
    msg = str(info.value)
    assert "85984NED" in msg
    assert "3 poging" in msg
    assert "HTTP 503" in msg
    assert server.host in msg
    assert "probeer het later opnieuw" in msg.lower()
    assert "bron: lokaal" in msg
    assert server.count("UntypedDataSet") == 3


def test_slow_server_times_out_and_is_retried(server):
    server.inject("slow", times=1, delay=5)
    start = time.monotonic()
    df = fetch_table("85984NED", api_url=server.host, retries=2, **{**FAST, "timeout": 0.3})
    assert len(df) == len(_REGIONS)
    assert time.monotonic() - start < 3


def test_slow_server_gives_timeout_error_quickly(server):
    server.inject("slow", times=None, delay=5)
    start = time.monotonic()
    with pytest.raises(WijkscanError, match="time-out"):
        fetch_table("85984NED", api_url=server.host, retries=2, **{**FAST, "timeout": 0.2})
    assert time.monotonic() - start < 2


def test_unknown_table_404_fails_immediately(server):
    with pytest.raises(WijkscanError, match="12345NED bestaat niet") as info:
        fetch_table("12345NED", api_url=server.host, retries=4, **FAST)
    assert "derden" in str(info.value)
    assert server.count("12345NED") == 1


def test_rejected_query_is_not_retried(server):
    with pytest.raises(WijkscanError, match="HTTP 400") as info:
        fetch_table(
            "85984NED", filters="AantalInwoners_5 gt 5", api_url=server.host, retries=4, **FAST
        )
    assert "AantalInwoners_5 gt 5" in str(info.value)
    assert server.count("UntypedDataSet") == 1


def test_invalid_table_id_is_rejected_before_any_request(server):
    with pytest.raises(WijkscanError, match="tabelnummer"):
        fetch_table("../etc", api_url=server.host, **FAST)
    assert server.requests == []


# --------------------------------------------------------------------------- catalogs


def test_third_party_catalog_via_catalog_url():
    with ODataServer([kwb_table()]) as main, ODataServer([kwb_table("50150NED", "RIVM")]) as derden:
        df = fetch_table(
            "50150NED",
            filters=kwb_filter(["GM0226"]),
            api_url=main.host,
            catalog_url=derden.host,
            **FAST,
        )
        assert df["WijkenEnBuurten"].str.strip().tolist()[0] == "GM0226"
        assert main.requests == []
        assert derden.count("/ODataFeed/odata/50150NED/UntypedDataSet") == 1
        with pytest.raises(WijkscanError, match="bestaat niet"):
            fetch_table("50150NED", api_url=main.host, **FAST)


# --------------------------------------------------------------------------- options


def test_options_restored_after_failure(server):
    assert cbsodata.options.use_https is True
    server.inject("http500", times=None)
    with pytest.raises(WijkscanError):
        fetch_table("85984NED", api_url=server.host, retries=1, **FAST)
    assert cbsodata.options.use_https is True


def test_concurrent_fetches_share_the_scheme(server):
    results: dict[int, int] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = len(fetch_table("85984NED", api_url=server.host, **FAST))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors
    assert results == {i: len(_REGIONS) for i in range(4)}


def test_other_scheme_waits_until_block_is_left():
    entered = threading.Event()
    seen: list[bool] = []

    def https_user() -> None:
        with cbsodata_options(use_https=True):
            seen.append(cbsodata.options.use_https)
            entered.set()

    with cbsodata_options(use_https=False):
        assert cbsodata.options.use_https is False
        thread = threading.Thread(target=https_user)
        thread.start()
        assert not entered.wait(0.2)  # blocked: would flip the scheme under us
        assert cbsodata.options.use_https is False
    assert entered.wait(2)
    thread.join(2)
    assert seen == [True]


def test_nested_other_scheme_raises_instead_of_deadlock():
    with cbsodata_options(use_https=False):
        with cbsodata_options(use_https=False):
            assert cbsodata.options.use_https is False
        with pytest.raises(RuntimeError, match="nested"):
            with cbsodata_options(use_https=True):
                pass
        assert cbsodata.options.use_https is False


# --------------------------------------------------------------------------- writing


def _dir_listing(path: Path) -> list[str]:
    return sorted(os.listdir(path))


def test_write_csv_atomic_roundtrip_keeps_padding(tmp_path):
    df = pd.DataFrame({"WijkenEnBuurten": ["GM0226    ", "BU02260000"], "A_1": ["   12", "."]})
    target = tmp_path / "sub" / "kwb.csv"
    write_csv_atomic(df, target)
    back = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert back["WijkenEnBuurten"].tolist() == ["GM0226    ", "BU02260000"]
    assert back["A_1"].tolist() == ["   12", "."]
    assert _dir_listing(target.parent) == ["kwb.csv"]
    assert (target.stat().st_mode & 0o777) == 0o644


def test_failure_mid_write_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "kwb.csv"
    target.write_text("WijkenEnBuurten\nGM0226    \n", encoding="utf-8")
    before = target.read_bytes()
    real_to_csv = pd.DataFrame.to_csv

    def half_then_crash(self, buf, *args, **kwargs):
        real_to_csv(self.head(1), buf, *args, **kwargs)  # part of the data is on disk
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_crash)
    df = pd.DataFrame({"WijkenEnBuurten": ["GM0228    ", "WK022801  "]})
    with pytest.raises(OSError, match="disk full"):
        write_csv_atomic(df, target)
    assert target.read_bytes() == before
    assert _dir_listing(tmp_path) == ["kwb.csv"]


def test_fsync_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "kwb.csv"
    target.write_bytes(b"old\n")

    def boom(fd):
        raise OSError("I/O error")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="I/O error"):
        write_csv_atomic(pd.DataFrame({"a": [1]}), target)
    assert target.read_bytes() == b"old\n"
    assert _dir_listing(tmp_path) == ["kwb.csv"]


def test_empty_result_never_replaces_good_file(tmp_path):
    target = tmp_path / "kwb.csv"
    target.write_bytes(b"good\n")
    with pytest.raises(WijkscanError, match="Geen gegevens"):
        write_csv_atomic(pd.DataFrame({"WijkenEnBuurten": []}), target)
    assert target.read_bytes() == b"good\n"
    write_csv_atomic(pd.DataFrame({"WijkenEnBuurten": []}), target, allow_empty=True)
    assert target.read_text(encoding="utf-8").strip() == "WijkenEnBuurten"


# --------------------------------------------------------------------------- bulk 03759ned


def _bulk_03759ned(jaar: int = 2024) -> bytes:
    from pipeline.ingest import demo
    from tests.support.odata_server import bulk_zip

    rows, leeftijd = demo.bevolking_raw(jaar)
    other = rows.copy()
    other["RegioS"] = "GM0226"  # a second gemeente: the stream must leave it out
    rows = pd.concat([rows, other], ignore_index=True)

    def dim(name: str, kind: str = "Dimension", titles: dict | None = None) -> Dimension:
        keys = list(dict.fromkeys(rows[name]))
        titles = titles or {}
        return Dimension(name, [{"Key": k, "Title": titles.get(k.strip(), k)} for k in keys], kind)

    from pipeline.ingest.gemeentebevolking import BURGERLIJKE_STAAT_TITELS
    from pipeline.ingest.statline import GESLACHT_TITELS

    dims = [
        dim("Geslacht", titles=GESLACHT_TITELS),
        Dimension("Leeftijd", leeftijd[["Key", "Title"]]),
        dim("BurgerlijkeStaat", titles=BURGERLIJKE_STAAT_TITELS),
        dim("RegioS", "GeoDimension"),
        dim("Perioden", "TimeDimension"),
    ]
    return bulk_zip(
        rows,
        dims,
        {
            "BevolkingOp1Januari_1": ("M000352", "Bevolking op 1 januari"),
            "GemiddeldeBevolking_2": ("M000100", "Gemiddelde bevolking"),
        },
    )


def _bulk_kw(server: ODataServer, tmp_path: Path) -> dict:
    return {
        "cache": tmp_path / ".bulk",
        "url": server.host + "/csv/CBS/nl/{tabel}",
        "use_https": False,
        "timeout": 2.0,
        "retries": 3,
        "backoff": 0.01,
    }


def test_bulk_03759ned_streams_one_gemeente_with_marital_status(tmp_path: Path) -> None:
    from pipeline.ingest import demo
    from pipeline.ingest.bulkdownload import fetch_bulk_03759ned
    from pipeline.ingest.gemeentebevolking import parse_03759ned, parse_03759ned_burgerlijke_staat

    with ODataServer() as server:
        server.add_bulk("03759ned", _bulk_03759ned())
        server.inject("short", times=1, path_contains="/csv/")  # cut-off transfer: retried
        rows, dim = fetch_bulk_03759ned("03759ned", "GM9999", 2024, **_bulk_kw(server, tmp_path))
        assert server.count("/csv/CBS/nl/03759ned") == 2
        # A second gemeente reads the cached zip: no new download.
        fetch_bulk_03759ned("03759ned", "GM0226", 2024, **_bulk_kw(server, tmp_path))
        assert server.count("/csv/") == 2
    assert set(rows["RegioS"]) == {"GM9999"}
    raw, raw_dim = demo.bevolking_raw(2024)
    pd.testing.assert_frame_equal(
        parse_03759ned(rows, dim, 2024, ["GM9999"]), parse_03759ned(raw, raw_dim, 2024, ["GM9999"])
    )
    bs = parse_03759ned_burgerlijke_staat(rows, dim, 2024, ["GM9999"])
    assert len(bs) and bs["aantal"].sum() == demo.gemeente_population(2024)["aantal"].sum()


def test_bulk_03759ned_new_year_downloads_again(tmp_path: Path) -> None:
    from pipeline.ingest.bulkdownload import fetch_bulk_03759ned

    with ODataServer() as server:
        server.add_bulk("03759ned", _bulk_03759ned(2023))
        fetch_bulk_03759ned("03759ned", "GM9999", 2023, **_bulk_kw(server, tmp_path))
        server.add_bulk("03759ned", _bulk_03759ned(2024))  # CBS published a new year
        rows, _ = fetch_bulk_03759ned("03759ned", "GM9999", 2024, **_bulk_kw(server, tmp_path))
        assert server.count("/csv/") == 2
        assert set(rows["Perioden"]) == {"2024JJ00"}
        with pytest.raises(WijkscanError, match="(?s)GM9990.*1 januari 2024"):
            fetch_bulk_03759ned("03759ned", "GM9990", 2024, **_bulk_kw(server, tmp_path))


def test_bulk_03759ned_unknown_table_not_retried(tmp_path: Path) -> None:
    from pipeline.ingest.bulkdownload import fetch_bulk_03759ned

    with ODataServer() as server:
        with pytest.raises(WijkscanError, match="(?s)HTTP 404.*cbs.bulk_url"):
            fetch_bulk_03759ned("03759xxx", "GM9999", 2024, **_bulk_kw(server, tmp_path))
        assert server.count("/csv/") == 1
    assert not list((tmp_path / ".bulk").glob("*.zip"))
