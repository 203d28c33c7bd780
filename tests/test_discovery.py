"""Finding article URLs in feeds, sitemaps and category pages, including hostile XML."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scraper.discovery import DiscoveryError, Link, page_links, parse_feed, parse_sitemap

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>VnExpress - Tin moi nhat</title><link>https://vnexpress.net/</link>
  <item>
    <title>Bai mot</title>
    <link>https://vnexpress.net/bai-mot-4954454.html</link>
    <pubDate>Thu, 14 Sep 2023 08:05:12 +0700</pubDate>
  </item>
  <item>
    <title>Bai hai</title>
    <guid>https://vnexpress.net/bai-hai-4954455.html</guid>
    <pubDate>Thu, 14 Sep 2023 01:05:12 GMT</pubDate>
  </item>
  <item><title>Bai ba</title><link>
    https://vnexpress.net/bai-ba-4954456.html?a=1&amp;b=2
  </link></item>
  <item><title>No link</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Znews</title><link href="https://znews.vn/"/>
  <entry>
    <title>A</title>
    <link rel="self" href="https://znews.vn/feed/a"/>
    <link rel="alternate" href="https://znews.vn/a-post1528657.html"/>
    <published>2023-09-14T08:05:12+07:00</published>
    <updated>2023-09-15T10:00:00+07:00</updated>
  </entry>
  <entry>
    <title>B</title>
    <link href="https://znews.vn/b-post1528658.html"/>
    <updated>2023-09-14T01:05:12Z</updated>
  </entry>
</feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://genk.vn/"><title>GenK</title><link>https://genk.vn/</link></channel>
  <item rdf:about="https://genk.vn/a-20121221042311300.chn">
    <title>A</title><link>https://genk.vn/a-20121221042311300.chn</link>
    <dc:date>2012-12-21T04:23:11+07:00</dc:date>
  </item>
</rdf:RDF>"""

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://vnexpress.net/a-1111111.html</loc>
    <lastmod>2023-09-15T00:00:00+07:00</lastmod>
    <news:news>
      <news:publication><news:name>VnExpress</news:name><news:language>vi</news:language></news:publication>
      <news:publication_date>2023-09-14T08:05:12+07:00</news:publication_date>
      <news:title>A</news:title>
    </news:news>
  </url>
  <url><loc>https://vnexpress.net/b-2222222.html</loc><lastmod>2023-09-13</lastmod></url>
  <url><loc>https://vnexpress.net/c-3333333.html</loc><lastmod>2023-09-14T01:05:12Z</lastmod></url>
  <url><loc>https://vnexpress.net/d-4444444.html</loc></url>
  <url><lastmod>2023-09-13</lastmod></url>
</urlset>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://vov.vn/sitemap-1.xml</loc><lastmod>2023-01-01</lastmod></sitemap>
  <sitemap><loc> https://vov.vn/sitemap-2.xml.gz </loc></sitemap>
</sitemapindex>"""


# --------------------------------------------------------------------------------------------
# Feeds
# --------------------------------------------------------------------------------------------


def test_rss_items_in_order_with_local_times() -> None:
    assert parse_feed(RSS) == [
        Link("https://vnexpress.net/bai-mot-4954454.html", "2023-09-14T08:05:12+07:00"),
        Link("https://vnexpress.net/bai-hai-4954455.html", "2023-09-14T08:05:12+07:00"),
        Link("https://vnexpress.net/bai-ba-4954456.html?a=1&b=2", None),
    ]


def test_rss_channel_link_is_not_an_article() -> None:
    assert "https://vnexpress.net/" not in [link.url for link in parse_feed(RSS)]


def test_rss_unreadable_date_is_none() -> None:
    feed = b"<rss version='2.0'><channel><item><link>https://x.vn/a</link><pubDate>soon</pubDate></item></channel></rss>"
    assert parse_feed(feed) == [Link("https://x.vn/a", None)]


def test_atom_takes_the_alternate_link_and_published() -> None:
    assert parse_feed(ATOM) == [
        Link("https://znews.vn/a-post1528657.html", "2023-09-14T08:05:12+07:00"),
        Link("https://znews.vn/b-post1528658.html", "2023-09-14T08:05:12+07:00"),
    ]


def test_atom_prefers_published_whatever_the_order() -> None:
    feed = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <updated>2023-09-15T10:00:00+07:00</updated>
      <link href="https://znews.vn/a-post1528657.html"/>
      <published>2023-09-14T08:05:12+07:00</published>
    </entry></feed>"""
    assert parse_feed(feed) == [Link("https://znews.vn/a-post1528657.html", "2023-09-14T08:05:12+07:00")]


def test_rdf_feed() -> None:
    assert parse_feed(RDF) == [Link("https://genk.vn/a-20121221042311300.chn", "2012-12-21T04:23:11+07:00")]


def test_leading_whitespace_and_bom_are_accepted() -> None:
    assert parse_feed(b"\n\n  " + RSS) == parse_feed(RSS)
    bom = "\ufeff".encode() + b"<rss version='2.0'><channel><item><link>https://x.vn/a</link></item></channel></rss>"
    assert parse_feed(bom) == [Link("https://x.vn/a")]


@pytest.mark.parametrize("body", [
    b"<html><body><p>Trang chu</p></body></html>",
    URLSET,
    b"",
    b"not xml at all",
    b"\xff\xfe\x00",
], ids=["html", "sitemap", "empty", "text", "binary"])
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(DiscoveryError):
        parse_feed(body)


# --------------------------------------------------------------------------------------------
# Sitemaps
# --------------------------------------------------------------------------------------------


def test_news_sitemap_prefers_publication_date_then_lastmod() -> None:
    links, children = parse_sitemap(URLSET)
    assert children == []
    assert links == [
        Link("https://vnexpress.net/a-1111111.html", "2023-09-14T08:05:12+07:00"),
        Link("https://vnexpress.net/b-2222222.html", "2023-09-13"),
        Link("https://vnexpress.net/c-3333333.html", "2023-09-14T08:05:12+07:00"),
        Link("https://vnexpress.net/d-4444444.html", None),
    ]


def test_sitemap_index_lists_its_children() -> None:
    assert parse_sitemap(SITEMAP_INDEX) == ([], [Link("https://vov.vn/sitemap-1.xml", "2023-01-01"),
                                                 Link("https://vov.vn/sitemap-2.xml.gz", None)])


@pytest.mark.parametrize("body", [RSS, b"<html><body/></html>", b""], ids=["rss", "html", "empty"])
def test_not_a_sitemap(body: bytes) -> None:
    with pytest.raises(DiscoveryError):
        parse_sitemap(body)


# --------------------------------------------------------------------------------------------
# Category pages
# --------------------------------------------------------------------------------------------

CATEGORY = b"""<html><head><title>Thoi su</title></head><body>
<a href="/a-1111111.html">A</a>
<a href="https://vnexpress.net/b-2222222.html#box_comment">B</a>
<a href="/a-1111111.html">A again</a>
<a href="#top">top</a><a href="javascript:void(0)">js</a><a href="mailto:toasoan@vnexpress.net">mail</a>
<a href="">empty</a><a>no href</a>
<a href="  c-3333333.html  ">C, relative</a>
<a href="//vnexpress.net/d-4444444.html">D, scheme-relative</a>
<a href="/b-2222222.html">B again</a>
<a href="/thoi-su-p2" rel="next">Trang sau</a>
</body></html>"""


def test_page_links_are_absolute_unique_in_page_order() -> None:
    links, following = page_links(CATEGORY, "https://vnexpress.net/thoi-su/")
    assert links == [
        "https://vnexpress.net/a-1111111.html",
        "https://vnexpress.net/b-2222222.html",
        "https://vnexpress.net/thoi-su/c-3333333.html",
        "https://vnexpress.net/d-4444444.html",
        "https://vnexpress.net/thoi-su-p2",
    ]
    assert following == "https://vnexpress.net/thoi-su-p2"


def test_rel_next_from_link_element() -> None:
    body = b'<html><head><link rel="next" href="?page=2"></head><body><a href="/a-1.html">a</a></body></html>'
    assert page_links(body, "https://dantri.com.vn/xa-hoi.htm") == (
        ["https://dantri.com.vn/a-1.html"], "https://dantri.com.vn/xa-hoi.htm?page=2")


def test_no_rel_next() -> None:
    assert page_links(b"<html><body><a href='/a'>a</a></body></html>", "https://x.vn/")[1] is None


def test_javascript_links_are_dropped_in_any_case() -> None:
    body = b'<html><body><a href="JavaScript:void(0)">js</a><a href="/a-1.html">a</a></body></html>'
    assert page_links(body, "https://x.vn/")[0] == ["https://x.vn/a-1.html"]


def test_rel_next_among_other_tokens() -> None:
    body = b'<html><body><a rel="nofollow next" href="/trang-2.htm">Sau</a></body></html>'
    assert page_links(body, "https://x.vn/")[1] == "https://x.vn/trang-2.htm"


@pytest.mark.parametrize("body", [b"", b"   "], ids=["empty", "blank"])
def test_not_an_html_page(body: bytes) -> None:
    with pytest.raises(DiscoveryError):
        page_links(body, "https://x.vn/")


# --------------------------------------------------------------------------------------------
# Hostile XML
# --------------------------------------------------------------------------------------------


def _secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-7f3a", encoding="utf-8")
    return secret


def test_external_entity_in_feed_is_not_resolved(tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    for target in ("file:///etc/passwd", secret.as_uri()):
        feed = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{target}">]>'
                '<rss version="2.0"><channel><item><link>https://x.vn/&x;</link></item></channel></rss>').encode()
        links = parse_feed(feed)
        assert [link.url for link in links] == ["https://x.vn/"]
        urls = " ".join(link.url for link in links)
        assert "TOPSECRET" not in urls
        assert "root:" not in urls
        assert all(len(link.url) < 100 for link in links)


def test_external_entity_in_sitemap_is_not_resolved(tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    sitemap = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
               '<urlset><url><loc>https://x.vn/&x;</loc></url></urlset>').encode()
    links, _ = parse_sitemap(sitemap)
    assert links
    assert "TOPSECRET" not in " ".join(link.url for link in links)


def _billion_laughs(root: bytes) -> bytes:
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    return b'<?xml version="1.0"?><!DOCTYPE lolz [' + entities + b"]>" + root


def test_billion_laughs_does_not_expand() -> None:
    started = time.perf_counter()
    links = parse_feed(_billion_laughs(
        b'<rss version="2.0"><channel><item><link>https://x.vn/&lol9;</link></item></channel></rss>'))
    sitemap_links, _ = parse_sitemap(_billion_laughs(b"<urlset><url><loc>https://x.vn/&lol9;</loc></url></urlset>"))
    assert time.perf_counter() - started < 1
    assert links and sitemap_links
    assert all(len(link.url) < 100 for link in links + sitemap_links)
