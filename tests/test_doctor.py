"""`scraper doctor` against a local site that breaks in the ways live outlets do, and on the cassettes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from localsite import LocalSite, Reply, article_page, numbered_paragraphs, rss
from test_crawl import FAST, scraper

pytestmark = pytest.mark.slow  # every test here runs crawls, servers or a browser: see the README

ARTICLES = ["/tin-1.html", "/tin-2.html"]
GOOD_ARTICLE = article_page("Bài một", numbered_paragraphs(1), "2026-11-30T08:00:00+07:00")
# The outlet changed its template: the body moved into markup that is all script-filled placeholders.
EMPTY_ARTICLE = b"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>B\xc3\xa0i | Tin</title>
<meta property="og:type" content="article"><meta property="og:title" content="B\xc3\xa0i hai">
<meta property="article:published_time" content="2026-11-30T08:00:00+07:00"></head>
<body><article><h1>B\xc3\xa0i hai</h1><div id="app" data-src="/api/tin-2.json"></div></article></body></html>"""


@pytest.fixture
def site() -> Iterator[LocalSite]:
    served = LocalSite().start()
    served.add("/robots.txt", Reply(b"User-agent: *\nDisallow: /tim-kiem\n", content_type="text/plain"))
    served.add("/rss.xml", Reply(rss([(served.url(path), "Mon, 30 Nov 2026 08:00:00 +0700") for path in ARTICLES]),
                                 content_type="application/rss+xml"))
    served.add("/sitemap.xml", Reply(b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                                     b'sitemap/0.9">' + b"".join(f"<url><loc>{served.url(p)}</loc></url>".encode()
                                                                for p in ARTICLES) + b"</urlset>",
                                     content_type="application/xml"))
    for path in ARTICLES:
        served.add(path, Reply(GOOD_ARTICLE))
    yield served
    served.stop()


def outlets_file(tmp_path: Path, site: LocalSite, feeds: list[str], sitemaps: list[str]) -> Path:
    path = tmp_path / "outlets.toml"
    path.write_text("\n".join([
        "[[outlets]]", 'name = "localnews"', 'domains = ["127.0.0.1"]', r"article_url = '-\d+\.html$'",
        f"feeds = {json.dumps([site.url(p) for p in feeds])}",
        f"sitemaps = {json.dumps([site.url(p) for p in sitemaps])}",
    ]) + "\n", encoding="utf-8")
    return path


def doctor(tmp_path: Path, site: LocalSite, feeds: list[str] = ["/rss.xml"],  # noqa: B006
           sitemaps: list[str] = ["/sitemap.xml"]) -> tuple[int, dict[str, tuple[str, str]], str]:  # noqa: B006
    """Run the doctor on the local outlet: (exit status, {check: (status, detail)}, output)."""
    outlets = outlets_file(tmp_path, site, feeds, sitemaps)
    result = scraper("doctor", "localnews", "--outlets", str(outlets), *FAST, "-s", "RETRY_TIMES=0")
    rows = {}
    for line in result.stdout.splitlines()[1:]:
        parts = line.split(None, 3)
        if len(parts) >= 3 and parts[0] == "localnews":
            name, rest = line[13:].split("  ", 1)
            status, _, detail = rest.strip().partition(" ")
            rows[name.strip()] = (status, detail.strip())
    return result.returncode, rows, result.stdout + result.stderr


def test_a_healthy_outlet_passes(tmp_path: Path, site: LocalSite) -> None:
    status, rows, output = doctor(tmp_path, site)
    assert status == 0, output
    assert rows["robots.txt"][0] == "ok"
    assert rows[f"feed {site.url('/rss.xml')}"] == ("ok", "2 article URLs")
    assert rows[f"sitemap {site.url('/sitemap.xml')}"] == ("ok", "2 article URLs")
    assert rows["articles"] == ("ok", "2 of 2 cleaned to text with title and time")
    assert "none failing" in output


def test_a_dead_feed_fails(tmp_path: Path, site: LocalSite) -> None:
    status, rows, output = doctor(tmp_path, site, feeds=["/rss-cu.xml"])
    assert status == 1, output
    assert rows[f"feed {site.url('/rss-cu.xml')}"][0] == "fail"
    assert "HTTP 404" in rows[f"feed {site.url('/rss-cu.xml')}"][1]
    assert rows["articles"][0] == "ok"  # the sitemap still lists them
    assert "1 of 1 outlets failing: localnews" in output


def test_a_feed_that_is_not_a_feed_fails(tmp_path: Path, site: LocalSite) -> None:
    site.add("/rss.xml", Reply(b"<html><body>Trang ch\xe1\xbb\xa7</body></html>"))
    status, rows, _ = doctor(tmp_path, site)
    assert status == 1
    assert rows[f"feed {site.url('/rss.xml')}"][0] == "fail"
    assert "not a feed" in rows[f"feed {site.url('/rss.xml')}"][1]


def test_a_sitemap_that_moved(tmp_path: Path, site: LocalSite) -> None:
    """Moved with a redirect: it still works, and the doctor says where it went. Moved without one: it fails."""
    site.add("/sitemap-cu.xml", Reply(b"", 301, headers={"Location": site.url("/sitemap.xml")}))
    status, rows, _ = doctor(tmp_path, site, sitemaps=["/sitemap-cu.xml"])
    assert status == 0
    check_status, detail = rows[f"sitemap {site.url('/sitemap-cu.xml')}"]
    assert check_status == "warn" and f"moved to {site.url('/sitemap.xml')}" in detail

    status, rows, _ = doctor(tmp_path, site, sitemaps=["/sitemap-da-xoa.xml"])
    assert status == 1
    assert rows[f"sitemap {site.url('/sitemap-da-xoa.xml')}"][0] == "fail"


def test_robots_txt_that_forbids_us_fails(tmp_path: Path, site: LocalSite) -> None:
    site.add("/robots.txt", Reply(b"User-agent: scraper\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
                                  content_type="text/plain"))
    status, rows, output = doctor(tmp_path, site)
    assert status == 1, output
    assert rows["robots.txt"][0] == "fail" and "forbids" in rows["robots.txt"][1]
    assert not [path for path, _ in site.requests if path != "/robots.txt"], "nothing forbidden was fetched"


def test_a_changed_template_whose_articles_come_out_empty_fails(tmp_path: Path, site: LocalSite) -> None:
    for path in ARTICLES:
        site.add(path, Reply(EMPTY_ARTICLE))
    status, rows, output = doctor(tmp_path, site)
    assert status == 1, output
    check_status, detail = rows["articles"]
    assert check_status == "fail" and detail.startswith("0 of 2 cleaned")
    assert f"{site.url('/tin-1.html')}: not_article" in detail and "has the outlet's template changed?" in detail


def test_articles_served_as_something_else_than_html_fail(tmp_path: Path, site: LocalSite) -> None:
    for path in ARTICLES:
        site.add(path, Reply(GOOD_ARTICLE, content_type="application/pdf"))
    status, rows, _ = doctor(tmp_path, site)
    assert status == 1
    assert "not_html" in rows["articles"][1]


def test_robots_txt_is_read_as_the_crawl_reads_it(tmp_path: Path, site: LocalSite) -> None:
    """A byte-order mark and bytes that are not UTF-8: Scrapy's parser still reads `Disallow: /`."""
    site.add("/robots.txt", Reply(b"\xef\xbb\xbfUser-agent: *\nDisallow: /\xff\xfe\n", content_type="text/plain"))
    status, rows, output = doctor(tmp_path, site)
    assert status == 1, output
    assert rows["robots.txt"][0] == "fail"


def sitemap_index(site: LocalSite, *children: str) -> bytes:
    entries = "".join(f"<sitemap><loc>{site.url(c)}</loc><lastmod>2026-11-{30 - i:02d}</lastmod></sitemap>"
                      for i, c in enumerate(children))
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}' \
           "</sitemapindex>".encode()


def test_a_sitemap_index_whose_newest_child_is_gone(tmp_path: Path, site: LocalSite) -> None:
    """The crawl reads the older child too: the dead one is a warning, not a failure."""
    site.add("/sitemap-index.xml", Reply(sitemap_index(site, "/sitemap-da-xoa.xml", "/sitemap.xml"),
                                         content_type="application/xml"))
    status, rows, output = doctor(tmp_path, site, feeds=[], sitemaps=["/sitemap-index.xml"])
    assert status == 0, output
    assert rows[f"sitemap {site.url('/sitemap-index.xml')}"][0] == "ok"
    assert rows[f"sitemap {site.url('/sitemap-da-xoa.xml')}"][0] == "warn"
    assert rows[f"sitemap {site.url('/sitemap.xml')}"] == ("ok", "2 article URLs")


def test_a_sitemap_index_that_lists_itself_ends(tmp_path: Path, site: LocalSite) -> None:
    site.add("/sitemap-index.xml", Reply(sitemap_index(site, "/sitemap-index.xml", "/sitemap-2.xml"),
                                         content_type="application/xml"))
    site.add("/sitemap-2.xml", Reply(sitemap_index(site, "/sitemap-index.xml"), content_type="application/xml"))
    status, rows, output = doctor(tmp_path, site, sitemaps=["/sitemap-index.xml"])
    assert status == 0, output  # the feed still lists the articles
    assert "an index loop" in rows[f"sitemap {site.url('/sitemap-2.xml')}"][1]
    assert site.requested("/sitemap-index.xml") == 1 and site.requested("/sitemap-2.xml") == 1


def test_sources_that_list_no_articles_fail(tmp_path: Path, site: LocalSite) -> None:
    site.add("/rss.xml", Reply(rss([]), content_type="application/rss+xml"))
    status, rows, _ = doctor(tmp_path, site, sitemaps=[])
    assert status == 1
    assert rows[f"feed {site.url('/rss.xml')}"] == ("fail", "lists no article URL (0 links)")
    assert rows["articles"][0] == "fail"


def test_named_sources_that_list_nothing_while_the_fallbacks_do_want_mending(tmp_path: Path,
                                                                          site: LocalSite) -> None:
    """The feed the definition names lists nothing; robots.txt names the sitemap and the home page links the
    articles: the crawl still finds them, and the doctor says the definition needs mending."""
    site.add("/rss.xml", Reply(rss([]), content_type="application/rss+xml"))
    site.add("/robots.txt", Reply(f"User-agent: *\nSitemap: {site.url('/sitemap.xml')}\n".encode(),
                                  content_type="text/plain"))
    site.add("/", Reply(f'<html><body><a href="{site.url("/tin-1.html")}">Một</a></body></html>'.encode()))
    status, rows, output = doctor(tmp_path, site, sitemaps=[])
    assert rows[f"feed {site.url('/rss.xml')}"][0] == "fail"
    named_in_robots = next(value for name, value in rows.items() if name.startswith(f"sitemap {site.url('/')}"))
    assert named_in_robots == ("ok", "2 article URLs")
    assert rows[f"home {site.url('/')}"] == ("ok", "1 article URLs")
    assert rows["definition"][0] == "warn" and "needs mending" in rows["definition"][1]
    assert rows["articles"][0] == "ok"


def test_doctor_replay_passes_for_every_fixture_outlet() -> None:
    result = scraper("doctor", "--replay")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert not [line for line in lines[1:-1] if "  fail  " in line or "  warn  " in line]
    assert {"baotintuc", "vietbao", "vietnamplus", "baochinhphu", "vov"} <= {line.split()[0] for line in lines[1:-1]}


def test_unknown_outlets_are_a_clear_error() -> None:
    result = scraper("doctor", "no_such_outlet", "--replay")
    assert result.returncode == 2
    assert "unknown outlet(s): no_such_outlet" in result.stderr and "Traceback" not in result.stderr
