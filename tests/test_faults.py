"""A crawl through every fault a news site can throw at a scheduled job: it finishes, stores every
good article exactly once, names every failed page with its reason, stays within bounded memory and
resolves no XML entity."""

from __future__ import annotations

import gzip
import json
import resource
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from legacy_encodings import to_cp1258, to_tcvn3
from localsite import LocalSite, Reply, article_page, numbered_paragraphs

from scraper.dataset import schema_errors
from scraper.sites import read_records

pytestmark = pytest.mark.slow  # every test here runs crawls, servers or a browser: see the README

REPO = Path(__file__).resolve().parent.parent
SECRET = "SECRET-MARKER-51c9"
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "SCRAPER_RETRY_BACKOFF_BASE=0.05",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1",
        "-s", "DOWNLOAD_MAXSIZE=1048576", "-s", "DOWNLOAD_WARNSIZE=0"]


def page(n: int, charset_meta: str = '<meta charset="utf-8">') -> str:
    html = article_page(f"Tin thứ {n} về giao thông đô thị", numbered_paragraphs(n), "2023-09-14T08:05:00+07:00")
    return html.decode().replace('<meta charset="utf-8">', charset_meta)


def gzip_bomb(megabytes: int = 64) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\x00" * 1_000_000
    return b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()


GOOD = {  # path -> the replies that end in a good article
    "/tin/binh-thuong-1.html": lambda: [Reply(page(1).encode())],
    "/tin/qua-tai-2.html": lambda: [Reply(b"busy", 503, headers={"Retry-After": "1"}), Reply(page(2).encode())],
    "/tin/gioi-han-3.html": lambda: [Reply(b"slow", 429, headers={"Retry-After": "0"}), Reply(page(3).encode())],
    "/tin/sai-charset-4.html": lambda: [Reply(page(4, '<meta charset="windows-1252">').encode(),
                                              content_type="text/html; charset=iso-8859-1")],
    "/tin/khong-charset-5.html": lambda: [Reply(page(5, "").encode(), content_type="text/html")],
    "/tin/windows-1258-6.html": lambda: [Reply(to_cp1258(page(6, '<meta charset="windows-1258">')),
                                               content_type="text/html; charset=windows-1258")],
    "/tin/html-hong-7.html": lambda: [Reply(page(7).replace("</p>", "").replace("</div>", "<div><span>")
                                            .replace("</body>", "<table><tr><td>").encode())],
    "/tin/loi-mot-lan-8.html": lambda: [Reply(b"oops", 500), Reply(page(8).encode())],
    "/tin/chuyen-huong-9.html": lambda: [Reply(b"", 301, headers={"Location": "/tin/noi-moi-9.html"})],
    "/tin/noi-moi-9.html": lambda: [Reply(page(9).encode())],
    "/tin/nen-gzip-10.html": lambda: [Reply(gzip.compress(page(10).encode()), headers={"Content-Encoding": "gzip"})],
}
FAILED = {  # path -> (replies, the reason the manifest must give)
    "/tin/treo-21.html": ([Reply(page(21).encode(), delay=8)], "timeout"),
    "/tin/ngat-ket-noi-22.html": ([Reply(page(22).encode(), fault="reset")], "connection_lost"),
    "/tin/cut-ngang-23.html": ([Reply(page(23).encode(), fault="truncate")], "truncated"),
    "/tin/vong-lap-24.html": ([Reply(b"", 302, headers={"Location": "/tin/vong-lap-24b.html"})], "redirect_loop"),
    "/tin/vong-lap-24b.html": ([Reply(b"", 302, headers={"Location": "/tin/vong-lap-24.html"})], None),
    "/tin/qua-lon-25.html": ([Reply(page(25).encode() + b"<!--" + b"x" * 3_000_000 + b"-->")], "too_large"),
    "/tin/bom-gzip-26.html": ([Reply(gzip_bomb(), headers={"Content-Encoding": "gzip"})], "too_large"),
    "/tin/loi-may-chu-27.html": ([Reply(b"error", 500)], "http_500"),
    "/tin/cong-loi-28.html": ([Reply(b"bad gateway", 502)], "http_502"),
}
SKIPPED = {  # path -> (replies, the skip reason)
    "/tin/anh-31.html": ([Reply(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, content_type="image/png")], "not_html"),
    "/tin/rong-32.html": ([Reply(b"")], "empty"),
    "/tin/tcvn3-33.html": ([Reply(to_tcvn3(page(33, '<meta charset="tcvn3">')), content_type="text/html")],
                           "encoding"),
}


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("faults")
    secret = tmp / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    site = LocalSite().start()
    for path, replies in GOOD.items():
        site.add(path, *replies())
    for path, (replies, _) in {**FAILED, **SKIPPED}.items():
        site.add(path, *replies)
    listed = [p for p in [*GOOD, *FAILED, *SKIPPED] if p not in ("/tin/noi-moi-9.html", "/tin/vong-lap-24b.html")]
    items = "".join(f"<item><link>{site.url(p)}</link></item>" for p in listed[:-3])
    feed = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
            f'<rss version="2.0"><channel><title>&xxe;</title>{items}<item><link>&xxe;</link></item>'
            "</channel></rss>")
    laughs = "".join(f'<!ENTITY l{i} "' + (f"&l{i - 1};" * 10 if i else "lol") + '">' for i in range(10))
    urls = "".join(f"<url><loc>{site.url(p)}</loc></url>" for p in listed[-3:])
    sitemap = (f'<?xml version="1.0"?><!DOCTYPE urlset [{laughs}]>'
               f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&l9;</loc></url>{urls}'
               "</urlset>")
    site.add("/rss.xml", Reply(feed.encode(), content_type="application/rss+xml"))
    site.add("/sitemap.xml", Reply(sitemap.encode(), content_type="application/xml"))
    site.add("/tin-mat.rss", Reply("<html><body>Trang này không còn</body></html>".encode()))
    outlets = tmp / "outlets.toml"
    outlets.write_text("\n".join([
        "[[outlets]]", 'name = "localnews"', 'domains = ["127.0.0.1"]', r"article_url = '-\d+\.html$'",
        f"feeds = {json.dumps([site.url('/rss.xml'), site.url('/tin-mat.rss')])}",
        f"sitemaps = {json.dumps([site.url('/sitemap.xml')])}"]) + "\n", encoding="utf-8")
    out = tmp / "out"
    result = subprocess.run([sys.executable, "-m", "scraper", "crawl", "localnews", "--out", str(out),
                             "-s", f"SCRAPER_OUTLET_FILES={outlets}", *FAST],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    site.stop()
    manifest_line = next((line for line in result.stdout.splitlines() if line.startswith("manifest: ")), None)
    return {
        "result": result, "site": site, "out": out,
        "manifest": json.loads(Path(manifest_line[10:]).read_text()) if manifest_line else None,
        "records": read_records(out),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def test_the_run_finishes_without_a_traceback(faulty_crawl: dict[str, Any]) -> None:
    result = faulty_crawl["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert faulty_crawl["manifest"]["outlets"]["localnews"]["finish_reason"] == "finished"


def test_every_good_article_is_stored_exactly_once(faulty_crawl: dict[str, Any]) -> None:
    records = faulty_crawl["records"]
    site = faulty_crawl["site"]
    good = sorted(p for p in GOOD if p != "/tin/chuyen-huong-9.html")
    assert sorted(r["url"].removeprefix(site.url("")) for r in records) == good
    for record in records:
        assert schema_errors(record) is None
        number = int(record["url"].rsplit("-", 1)[1].split(".")[0])
        assert record["text"].splitlines() == numbered_paragraphs(number), record["url"]


def test_every_failed_page_is_named_with_its_reason(faulty_crawl: dict[str, Any]) -> None:
    site = faulty_crawl["site"]
    figures = faulty_crawl["manifest"]["outlets"]["localnews"]
    failures = {f["url"].removeprefix(site.url("")): f["reason"] for f in figures["failures"]}
    for path, (_, reason) in FAILED.items():
        if reason:
            assert failures.get(path) == reason, (path, failures.get(path))
    skipped = {s["url"].removeprefix(site.url("")): s["reason"] for s in figures["skipped_pages"]}
    for path, (_, reason) in SKIPPED.items():
        assert skipped.get(path) == reason, (path, skipped.get(path))
    assert failures.get("/tin-mat.rss") == "bad_feed", "a feed that turned into an HTML page"
    assert figures["errors"] == len(figures["failures"])


def test_no_xml_entity_is_resolved(faulty_crawl: dict[str, Any]) -> None:
    everything = "".join(p.read_text(errors="replace") for p in faulty_crawl["out"].rglob("*") if p.is_file()
                         and p.suffix in (".json", ".jsonl"))
    assert SECRET not in everything
    assert "lollollol" not in everything
    assert not any(SECRET in path for path, _ in faulty_crawl["site"].requests)


def test_memory_stays_bounded(faulty_crawl: dict[str, Any]) -> None:
    """A 64 MB gzip bomb and a 3 MB page against a 1 MB limit: the crawl never holds them."""
    assert faulty_crawl["max_rss_mb"] < 400, f"peak RSS {faulty_crawl['max_rss_mb']:.0f} MB"
