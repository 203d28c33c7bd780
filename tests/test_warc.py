"""The raw archive: `scraper crawl --warc` writes WARC files a standard reader opens, and `scraper clean
--warc` rebuilds from them the records the crawl made."""

from __future__ import annotations

import gzip
import random
import shutil
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from localsite import LocalSite, Reply, article_page, numbered_paragraphs, rss
from test_crawl import FAST, REPO, crawl_local, manifest_of, outlet_file, scraper
from warcio.archiveiterator import ArchiveIterator

from scraper.sites import read_records
from scraper.storage.warc import LISTED_URL_FIELD, OPEN_SUFFIX, OUTLET_FIELD, WARC_SUFFIX, Exchange, WarcArchive


def without_fetched_at(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["canonical_url"]: {k: v for k, v in r.items() if k != "fetched_at"} for r in records}


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A replay of every recorded outlet (the fixture sites and the stored real pages) with --warc."""
    out = tmp_path_factory.mktemp("warc")
    manifest_of(scraper("crawl", "--replay", "--warc", "--out", str(out)))
    return out


@pytest.mark.slow
def test_recleaning_the_archive_gives_the_crawls_records(archived: Path, tmp_path: Path, shared_pages: None) -> None:
    crawled = read_records(archived)
    result = scraper("clean", "--warc", str(archived / "warc"), "--jobs", "2", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    rebuilt = read_records(tmp_path)
    assert len(crawled) >= 25 and len(rebuilt) == len(crawled)
    assert without_fetched_at(rebuilt) == without_fetched_at(crawled)
    dates = {}
    for path in (archived / "warc").glob(f"*{WARC_SUFFIX}"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response" and record.rec_headers.get_header(LISTED_URL_FIELD):
                    dates[record.rec_headers.get_header("WARC-Target-URI")] = record.rec_headers.get_header("WARC-Date")
    assert all(r["fetched_at"] == dates[r["url"]] for r in rebuilt), "fetched_at is the response's WARC-Date"
    assert "not_article" not in result.stdout  # the category page is no article URL: never fetched as one


@pytest.mark.slow
def test_the_archive_is_standard_warc(archived: Path, shared_pages: None) -> None:
    files = sorted((archived / "warc").iterdir())
    assert files and all(f.name.endswith(WARC_SUFFIX) for f in files), "no file left open"
    encoded = 0
    for path in files:
        with path.open("rb") as stream:
            records = list(ArchiveIterator(stream))
            stream.seek(0)
            raw = [(r.rec_type, r.rec_headers, r.http_headers, r.raw_stream.read()) for r in ArchiveIterator(stream)]
        assert records[0].rec_type == "warcinfo"
        responses = {headers.get_header("WARC-Record-ID"): (http, body)
                     for kind, headers, http, body in raw if kind == "response"}
        requests = [(headers, http) for kind, headers, http, _ in raw if kind == "request"]
        assert len(requests) == len(responses) > 0
        for headers, http in requests:
            assert headers.get_header("WARC-Concurrent-To") in responses
            assert http.protocol == "GET" and http.get_header("Host")
        for http, body in responses.values():
            if http.get_header("Content-Encoding") == "gzip":  # stored as sent: still compressed
                assert body[:2] == b"\x1f\x8b" and gzip.decompress(body)
                encoded += 1
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True,
                               text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
    assert encoded > 10


def test_files_rotate_and_appear_only_when_finished(tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path, "run-vov", max_size=20_000, software="test")
    for n in range(13):
        archive.write(Exchange(url=f"https://vov.vn/bai-{n}.vov", method="GET", request_headers=[("Host", "vov.vn")],
                               status=200, protocol="HTTP/1.1", response_headers=[("Content-Type", "text/html")],
                               body=random.Random(n).randbytes(5000), date="2026-12-02T01:00:00Z",
                               fields={}))
    unfinished = [p.name for p in tmp_path.iterdir() if p.name.endswith(OPEN_SUFFIX)]
    assert unfinished == [f"run-vov-{len(archive.files):05d}{WARC_SUFFIX}{OPEN_SUFFIX}"]
    archive.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) >= 3 and names == sorted(archive.files) and not any(n.endswith(OPEN_SUFFIX) for n in names)
    urls = []
    for name in names:
        with (tmp_path / name).open("rb") as stream:
            kinds = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(stream)]
        assert kinds[0][0] == "warcinfo"
        urls += [url for kind, url in kinds if kind == "response"]
    assert urls == [f"https://vov.vn/bai-{n}.vov" for n in range(13)]


@pytest.mark.slow
def test_a_live_crawl_archives_what_the_server_sent(tmp_path: Path) -> None:
    """Against a site on 127.0.0.1: a gzip-encoded page is archived still encoded, a redirect as the 301
    it was; re-cleaning gives the crawl's records."""
    site = LocalSite().start()
    page = article_page("Bài nén", numbered_paragraphs(1), "2023-09-14T08:05:00+07:00")
    site.add("/tin/nen-1.html", Reply(gzip.compress(page), headers={"Content-Encoding": "gzip"}))
    site.add("/tin/cu-2.html", Reply(b"", 301, headers={"Location": site.url("/tin/moi-2.html")}))
    site.add("/tin/moi-2.html", Reply(article_page("Bài chuyển", numbered_paragraphs(2), "2023-09-14T09:00:00+07:00")))
    site.add("/rss.xml", Reply(rss([(site.url("/tin/nen-1.html"), ""), (site.url("/tin/cu-2.html"), "")])))
    try:
        crawl_local(tmp_path, outlet_file(tmp_path, site, feeds=["/rss.xml"]), "--warc")
    finally:
        site.stop()
    out = tmp_path / "out"
    outlets = tmp_path / "outlets.toml"
    result = scraper("clean", "--warc", str(out / "warc"), "--outlets", str(outlets), "--out", str(tmp_path / "re"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(read_records(out)) == 2
    assert without_fetched_at(read_records(tmp_path / "re")) == without_fetched_at(read_records(out))
    [path] = (out / "warc").iterdir()
    with path.open("rb") as stream:
        responses = {r.rec_headers.get_header("WARC-Target-URI"): (r.http_headers, r.raw_stream.read())
                     for r in ArchiveIterator(stream) if r.rec_type == "response"}
    headers, body = responses[site.url("/tin/nen-1.html")]
    assert headers.get_header("Content-Encoding") == "gzip" and gzip.decompress(body) == page
    headers, _ = responses[site.url("/tin/cu-2.html")]
    assert headers.get_statuscode() == "301" and headers.get_header("Location") == site.url("/tin/moi-2.html")


@pytest.mark.slow
def test_a_killed_crawl_leaves_no_finished_file_half_written(tmp_path: Path) -> None:
    site = LocalSite().start()
    urls = [site.url(f"/tin/bai-{n}.html") for n in range(60)]
    site.add("/rss.xml", Reply(rss([(url, "") for url in urls])))
    for n in range(60):
        site.add(f"/tin/bai-{n}.html", Reply(article_page(f"Tin {n}", numbered_paragraphs(n),
                                                          "2023-09-14T08:05:00+07:00"), delay=0.05))
    outlets = outlet_file(tmp_path, site, feeds=["/rss.xml"])
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "scraper", "crawl", "localnews", "--warc", "--out", str(out),
                                "-s", f"SCRAPER_OUTLET_FILES={outlets}", *FAST, "-s", "CONCURRENT_REQUESTS=2"],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(site.requests) < 20 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        process.kill()
        process.wait(timeout=30)
    finally:
        site.stop()
    files = list((out / "warc").iterdir())
    assert [f.name.endswith(f"{WARC_SUFFIX}{OPEN_SUFFIX}") for f in files] == [True], "only the open file"
    kinds = []
    with files[0].open("rb") as stream:
        for record in ArchiveIterator(stream):
            kinds.append(record.rec_type)
    assert kinds[0] == "warcinfo" and kinds.count("response") >= 10


def members(data: bytes) -> list[tuple[int, int]]:
    """The (start, end) offsets of the gzip members of a gzip-per-record WARC file."""
    spans, start = [], 0
    while start < len(data):
        inflater = zlib.decompressobj(31)
        inflater.decompress(data[start:])
        end = len(data) - len(inflater.unused_data)
        spans.append((start, end))
        start = end
    return spans


def damaged_copies(archived: Path, folder: Path, damage: Callable[[bytes, int, int], bytes]) -> Path:
    """The vov and baotintuc files of the archive in `folder`, the vov one damaged in its largest record
    (the article's response) by `damage(data, start, end)`; returns the damaged file."""
    folder.mkdir()
    for outlet in ("vov", "baotintuc"):
        [path] = (archived / "warc").glob(f"*-{outlet}-*{WARC_SUFFIX}")
        shutil.copy(path, folder / path.name)
    [vov] = folder.glob("*-vov-*")
    data = vov.read_bytes()
    start, end = max(members(data), key=lambda span: span[1] - span[0])
    vov.write_bytes(damage(data, start, end))
    return vov


def altered(data: bytes, start: int, end: int) -> bytes:
    """The record's payload changed, its length and gzip envelope whole: only the digest tells."""
    record = gzip.decompress(data[start:end])
    assert record.endswith(b"\r\n\r\n")  # the record's end, after its last payload byte
    record = record[:-5] + bytes([record[-5] ^ 1]) + record[-4:]
    return data[:start] + gzip.compress(record) + data[end:]


@pytest.mark.parametrize(("damage", "told"), [
    (lambda data, start, end: data[:(start + end) // 2], "truncated_record 1"),  # a crawl cut mid-record
    (altered, "bad_digest 1"),
    (lambda data, start, end: data[:start + 40] + bytes(b ^ 0xFF for b in data[start + 40:start + 50])
     + data[start + 50:], "damaged after"),  # flipped bytes: the gzip member no longer inflates
], ids=["truncated", "altered", "flipped"])
@pytest.mark.slow
def test_a_damaged_archive_is_reported_and_fails(archived: Path, tmp_path: Path, damage: Callable, told: str) -> None:
    damaged = damaged_copies(archived, tmp_path / "warc", damage)
    result = scraper("clean", "--warc", str(tmp_path / "warc"), "--out", str(tmp_path / "re"))
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert told in result.stdout + result.stderr
    assert f"scraper clean: warning: {damaged}: " in result.stderr
    assert "Traceback" not in result.stderr
    assert [r["outlet"] for r in read_records(tmp_path / "re")] == ["baotintuc"]  # the other file still cleaned


@pytest.mark.slow
def test_the_writer_gives_every_record_its_digests(archived: Path) -> None:
    for path in (archived / "warc").glob(f"*{WARC_SUFFIX}"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                assert record.rec_headers.get_header("WARC-Block-Digest", "").startswith("sha1:")
                if record.rec_type in ("response", "request"):
                    assert record.rec_headers.get_header("WARC-Payload-Digest", "").startswith("sha1:")


@pytest.mark.parametrize("content", [b"this is a text file, not an archive\n", random.Random(7).randbytes(3000),
                                     b"WARC/1.0\r\n", b"WARC/1.0\r\nWARC-Type: response\r\n\r\n", b""],
                         ids=["text", "random", "version-line", "header-only", "empty"])
@pytest.mark.slow
def test_a_file_that_is_no_warc_is_reported_and_the_others_cleaned(archived: Path, tmp_path: Path,
                                                                    content: bytes) -> None:
    [good] = (archived / "warc").glob(f"*-vov-*{WARC_SUFFIX}")
    bad = tmp_path / f"bad{WARC_SUFFIX}"
    bad.write_bytes(content)
    result = scraper("clean", "--warc", str(bad), str(good), "--out", str(tmp_path / "re"))
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert f"scraper clean: warning: {bad}: not a WARC file: " in result.stderr
    assert "Traceback" not in result.stderr
    assert [r["outlet"] for r in read_records(tmp_path / "re")] == ["vov"]


def encoded_exchange(encoding: str, body: bytes) -> Exchange:
    headers = [("Content-Type", "text/html"), ("Content-Encoding", encoding)]
    return Exchange(url="https://vov.vn/bai-1.vov", method="GET", request_headers=[("Host", "vov.vn")], status=200,
                    protocol="HTTP/1.1", response_headers=headers, body=body, date="2026-12-02T01:00:00Z",
                    fields={OUTLET_FIELD: "vov", LISTED_URL_FIELD: "https://vov.vn/bai-1.vov"})


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["br", "deflate", "gzip"])
def test_a_body_its_encoding_does_not_decode_is_counted(tmp_path: Path, encoding: str) -> None:
    """The archive is whole (the server sent that body): the page is counted as undecodable, the run succeeds."""
    archive = WarcArchive(tmp_path / "warc", "run-vov", max_size=1 << 20, software="test")
    archive.write(encoded_exchange(encoding, b"\x1f\x8b\x08 not compressed at all " * 20))
    archive.close()
    result = scraper("clean", "--warc", str(tmp_path / "warc"), "--out", str(tmp_path / "re"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "undecodable_body 1" in result.stdout and "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_open_files_of_a_killed_crawl_are_read(archived: Path, tmp_path: Path) -> None:
    """In a folder, `.warc.gz.open` files are read too; a cut last record is reported."""
    folder = tmp_path / "warc"
    folder.mkdir()
    for outlet in ("vov", "baotintuc"):
        [path] = (archived / "warc").glob(f"*-{outlet}-*{WARC_SUFFIX}")
        shutil.copy(path, folder / (path.name + OPEN_SUFFIX))
    result = scraper("clean", "--warc", str(folder), "--out", str(tmp_path / "re"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(r["outlet"] for r in read_records(tmp_path / "re")) == ["baotintuc", "vov"]
    [vov] = folder.glob("*-vov-*")
    data = vov.read_bytes()
    start, end = max(members(data), key=lambda span: span[1] - span[0])
    vov.write_bytes(data[:(start + end) // 2])
    result = scraper("clean", "--warc", str(folder), "--out", str(tmp_path / "again"))
    assert result.returncode == 1 and f"warning: {vov}: truncated_record: " in result.stderr
