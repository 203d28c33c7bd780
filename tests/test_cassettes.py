"""Recorded HTTP traffic (vcrpy cassettes behind Scrapy's HTTP cache) and the retry backoff."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import scrapy
import yaml
from scrapy.http import Response
from scrapy.settings import Settings

from scraper.cassettes import CassetteCacheStorage, Interaction, read_cassette, write_cassette
from scraper.fixtures import FIXTURES_DIR
from scraper.middlewares import BackoffRetryMiddleware, retry_after_seconds

PAGE = "<html><body><p>Hà Nội mùa thu</p></body></html>".encode()
GZIPPED = gzip.compress(b"<?xml version='1.0'?><urlset/>")
WINDOWS_1258 = b"Ti\xeang Vi\xd2t \xff\x80\x00"  # not UTF-8

INTERACTIONS = [
    Interaction(url="https://vov.vn/a-post1.vov", body=PAGE, headers={"Content-Type": ["text/html; charset=utf-8"]}),
    Interaction(url="https://vov.vn/sitemap-news.xml", body=GZIPPED,
                headers={"Content-Encoding": ["gzip"], "Content-Type": ["application/xml"]}),
    Interaction(url="https://vov.vn/cu.htm?id=1", body=WINDOWS_1258, status=404,
                headers={"Content-Type": ["text/html; charset=windows-1258"], "Set-Cookie": ["a=1", "b=2"]}),
    Interaction(url="https://vov.vn/old", body=b"", status=301, headers={"Location": ["https://vov.vn/"]}),
]


class VovSpider(scrapy.Spider):
    name = "vov"


def _storage(directory: Path, mode: str = "replay") -> CassetteCacheStorage:
    return CassetteCacheStorage(Settings({"SCRAPER_CASSETTE_MODE": mode, "SCRAPER_CASSETTE_DIRS": [str(directory)]}))


# --------------------------------------------------------------------------------------------
# Cassette files
# --------------------------------------------------------------------------------------------


def test_write_then_read_round_trips_every_exchange(tmp_path: Path) -> None:
    path = tmp_path / "vov.yaml"
    write_cassette(path, INTERACTIONS)
    assert read_cassette(path) == INTERACTIONS
    assert gzip.decompress(read_cassette(path)[1].body) == b"<?xml version='1.0'?><urlset/>"


def test_cassette_is_a_vcrpy_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "vov.yaml"
    write_cassette(path, INTERACTIONS)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert [i["request"]["uri"] for i in data["interactions"]] == [i.url for i in INTERACTIONS]
    assert data["interactions"][0]["request"]["method"] == "GET"
    assert data["interactions"][2]["response"]["status"]["code"] == 404
    assert data["interactions"][1]["response"]["headers"]["Content-Encoding"] == ["gzip"]
    assert [p.name for p in tmp_path.iterdir()] == ["vov.yaml"]


def test_write_cassette_replaces_what_was_there(tmp_path: Path) -> None:
    path = tmp_path / "vov.yaml"
    write_cassette(path, INTERACTIONS)
    write_cassette(path, INTERACTIONS[:1])
    assert read_cassette(path) == INTERACTIONS[:1]


def test_the_shipped_cassettes_read() -> None:
    paths = sorted((FIXTURES_DIR / "cassettes").glob("*.yaml"))
    assert paths
    for path in paths:
        assert read_cassette(path), path


# --------------------------------------------------------------------------------------------
# The Scrapy cache storage
# --------------------------------------------------------------------------------------------


def test_replay_serves_recorded_responses(tmp_path: Path) -> None:
    write_cassette(tmp_path / "vov.yaml", INTERACTIONS)
    storage, spider = _storage(tmp_path), VovSpider()
    storage.open_spider(spider)
    for item in INTERACTIONS:
        for _ in range(2):  # a response can be played more than once
            response = storage.retrieve_response(spider, scrapy.Request(item.url))
            assert response is not None
            assert response.url == item.url
            assert response.status == item.status
            assert response.body == item.body
            for name, values in item.headers.items():
                assert response.headers.getlist(name) == [v.encode("latin-1") for v in values]
    assert storage.missing == []
    storage.close_spider(spider)


def test_replay_refuses_and_reports_an_unrecorded_request(tmp_path: Path) -> None:
    write_cassette(tmp_path / "vov.yaml", INTERACTIONS)
    storage, spider = _storage(tmp_path), VovSpider()
    storage.open_spider(spider)
    assert storage.retrieve_response(spider, scrapy.Request("https://vov.vn/not-recorded")) is None
    assert storage.retrieve_response(spider, scrapy.Request("https://vov.vn/cu.htm?id=2")) is None
    assert storage.missing == ["https://vov.vn/not-recorded", "https://vov.vn/cu.htm?id=2"]
    storage.store_response(spider, scrapy.Request("https://vov.vn/x"), Response("https://vov.vn/x", body=b"x"))
    storage.close_spider(spider)
    assert read_cassette(tmp_path / "vov.yaml") == INTERACTIONS  # replay never writes


def test_replay_without_a_cassette_reports_everything_missing(tmp_path: Path) -> None:
    storage, spider = _storage(tmp_path), VovSpider()
    storage.open_spider(spider)
    assert storage.retrieve_response(spider, scrapy.Request("https://vov.vn/")) is None
    storage.close_spider(spider)
    assert storage.missing == ["https://vov.vn/"]
    assert list(tmp_path.iterdir()) == []


def test_first_folder_holding_the_cassette_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    write_cassette(second / "vov.yaml", INTERACTIONS[:1])
    storage = CassetteCacheStorage(Settings({"SCRAPER_CASSETTE_DIRS": [str(first), str(second)]}))
    assert storage.mode == "replay"
    assert storage.cassette_path("vov") == second / "vov.yaml"
    assert storage.cassette_path("dantri") == first / "dantri.yaml"


def test_record_then_replay(tmp_path: Path) -> None:
    storage, spider = _storage(tmp_path, "record"), VovSpider()
    storage.open_spider(spider)
    request = scrapy.Request("https://vov.vn/b-post2.vov")
    assert storage.retrieve_response(spider, request) is None  # record mode always fetches
    storage.store_response(spider, request, Response(
        request.url, status=404, body=WINDOWS_1258,
        headers={"Retry-After": "5", "Content-Encoding": "gzip", "Set-Cookie": ["a=1", "b=2"]}))
    assert list(tmp_path.iterdir()) == []  # written when the spider closes
    storage.close_spider(spider)
    assert read_cassette(tmp_path / "vov.yaml") == [Interaction(
        url=request.url, body=WINDOWS_1258, status=404,
        headers={"Retry-After": ["5"], "Content-Encoding": ["gzip"], "Set-Cookie": ["a=1", "b=2"]})]

    replay = _storage(tmp_path)
    replay.open_spider(spider)
    response = replay.retrieve_response(spider, scrapy.Request(request.url))
    replay.close_spider(spider)
    assert response is not None
    assert (response.status, response.body) == (404, WINDOWS_1258)
    assert response.headers.getlist("Set-Cookie") == [b"a=1", b"b=2"]
    assert response.headers["Retry-After"] == b"5"


def test_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SCRAPER_CASSETTE_MODE"):
        _storage(tmp_path, "live")


def test_no_cassette_folder_is_refused() -> None:
    with pytest.raises(ValueError, match="SCRAPER_CASSETTE_DIRS"):
        CassetteCacheStorage(Settings({"SCRAPER_CASSETTE_MODE": "replay", "SCRAPER_CASSETTE_DIRS": []}))


# --------------------------------------------------------------------------------------------
# Retry-After and backoff
# --------------------------------------------------------------------------------------------

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0), (b"120", 120.0), (" 120 ", 120.0), ("0", 0.0),
    (None, None), ("", None), (b"", None), ("garbage", None), ("-5", None), ("1.5", None),
    ("Wed, 32 Xyz 2024 99:00:00 GMT", None),
])
def test_retry_after_seconds(value: str | bytes | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, NOW) == seconds


def test_retry_after_http_date() -> None:
    assert retry_after_seconds(format_datetime(NOW + timedelta(seconds=90), usegmt=True), NOW) == 90.0
    assert retry_after_seconds(format_datetime(NOW - timedelta(seconds=90), usegmt=True), NOW) == 0.0
    assert retry_after_seconds("Mon, 01 Jan 2024 12:01:30", NOW) == 90.0  # no zone: taken as UTC


def test_retry_after_http_date_from_the_clock() -> None:
    future = datetime.now(UTC) + timedelta(minutes=10)
    seconds = retry_after_seconds(format_datetime(future, usegmt=True).encode())
    assert seconds is not None and 590 <= seconds <= 600
    assert retry_after_seconds(format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)) == 0.0


@pytest.mark.parametrize("value", [b"\xb2", b"1\xb9"])
def test_retry_after_with_superscript_digits_is_garbage(value: bytes) -> None:
    assert retry_after_seconds(value, NOW) is None


@pytest.fixture
def middleware() -> BackoffRetryMiddleware:
    settings = Settings()
    settings.setmodule("scraper.settings")
    return BackoffRetryMiddleware(settings)


def test_backoff_doubles_per_attempt_up_to_the_cap(middleware: BackoffRetryMiddleware) -> None:
    assert (middleware.backoff_base, middleware.backoff_max) == (2.0, 120.0)
    assert [middleware.backoff(attempt, None) for attempt in range(1, 9)] == [2, 4, 8, 16, 32, 64, 120, 120]


def test_retry_after_wins_but_is_capped(middleware: BackoffRetryMiddleware) -> None:
    assert middleware.backoff(1, 30.0) == 30.0
    assert middleware.backoff(5, 3.0) == 3.0
    assert middleware.backoff(1, 0.0) == 0.0
    assert middleware.backoff(1, 3600.0) == 120.0


def test_backoff_settings_can_be_overridden() -> None:
    settings = Settings()
    settings.setmodule("scraper.settings")
    settings.set("SCRAPER_RETRY_BACKOFF_BASE", 0.5)
    settings.set("SCRAPER_RETRY_BACKOFF_MAX", 3)
    middleware = BackoffRetryMiddleware(settings)
    assert [middleware.backoff(attempt, None) for attempt in range(1, 5)] == [0.5, 1.0, 2.0, 3.0]


def test_record_leaves_out_answers_the_crawl_retries(tmp_path: Path) -> None:
    """A 503 that the crawl retried is not what the page is; the answer after the retry is recorded."""
    storage, spider = _storage(tmp_path, "record"), VovSpider()
    storage.open_spider(spider)
    request = scrapy.Request("https://vov.vn/b-post2.vov")
    storage.store_response(spider, request, Response(request.url, status=503, body=b"busy"))
    storage.store_response(spider, request, Response(request.url, status=200, body=b"<html>ok</html>"))
    storage.close_spider(spider)
    assert [(i.status, i.body) for i in read_cassette(tmp_path / "vov.yaml")] == [(200, b"<html>ok</html>")]
