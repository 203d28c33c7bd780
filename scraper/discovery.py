"""Finding article URLs: RSS/Atom feeds, sitemaps (news sitemaps and indexes too), the sitemaps robots.txt
names, and category pages.

A feed or sitemap has no use for a DTD: its DOCTYPE is dropped before parsing, and the parser
resolves no entity and reads no network, so a hostile document can neither expand (billion laughs)
nor fetch anything (external entities), and its ordinary entries are still read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree, html
from scrapy.utils.gz import gunzip

from .cleaning.metadata import to_iso

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                              recover=True, remove_comments=True)


class DiscoveryError(ValueError):
    """A feed, sitemap or category page that cannot be read."""


@dataclass(frozen=True)
class Link:
    """An article URL found in a listing, with the publication time the listing gives, if any."""

    url: str
    published: str | None = None


def _listed_time(value: str | None) -> str | None:
    """A feed's RFC 822 date ("Thu, 14 Sep 2023 08:05:12 +0700") or a sitemap's ISO date as ISO 8601."""
    if not value:
        return None
    try:
        return to_iso(parsedate_to_datetime(value).isoformat())
    except (TypeError, ValueError, IndexError):
        return to_iso(value)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def _without_doctype(body: bytes) -> bytes:
    """The document without its DOCTYPE (internal subset included), found by one linear scan."""
    match = _DOCTYPE.search(body, 0, 65536)
    if match is None:
        return body
    close = body.find(b">", match.end())
    bracket = body.find(b"[", match.end(), close if close >= 0 else len(body))
    if bracket >= 0:
        close = body.find(b"]", bracket)
        close = body.find(b">", close) if close >= 0 else -1
    return body[:match.start()] + (body[close + 1:] if close >= 0 else b"")


def _parse_xml(body: bytes) -> etree._Element:
    body = _without_doctype(body)
    try:
        root = etree.fromstring(body.lstrip(), parser=_XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise DiscoveryError(f"not XML: {error}") from error
    if root is None:
        raise DiscoveryError("not XML: empty document")
    return root


def _child_text(element: etree._Element, *names: str) -> str | None:
    """The text of the first of `names` (in the order given, not the document's) that the element has."""
    found: dict[str, str] = {}
    for child in element.iter():
        name = _local(child.tag)
        if name in names and name not in found and child.text and child.text.strip():
            found[name] = child.text.strip()
    return next((found[name] for name in names if name in found), None)


def parse_feed(body: bytes) -> list[Link]:
    """The article links of an RSS 2.0 or Atom feed, newest first as the feed lists them."""
    root = _parse_xml(body)
    if _local(root.tag) not in ("rss", "feed", "rdf"):
        raise DiscoveryError(f"not a feed: the document is <{_local(root.tag)}>")
    links = []
    for item in root.iter():
        kind = _local(item.tag)
        if kind == "item":
            url = _child_text(item, "link") or _child_text(item, "guid")
            published = _child_text(item, "pubdate", "date")
        elif kind == "entry":
            link = next((e for e in item if _local(e.tag) == "link" and e.get("rel", "alternate") == "alternate"),
                        None)
            url = link.get("href") if link is not None else None
            published = _child_text(item, "published", "updated")
        else:
            continue
        if url:
            links.append(Link(url.strip(), _listed_time(published)))
    return links


def parse_sitemap(body: bytes, max_size: int = 0) -> tuple[list[Link], list[Link]]:
    """A sitemap's article links and, for a sitemap index, its child sitemaps (with their lastmod); a
    gzip-compressed sitemap (.xml.gz) is expanded first, to at most `max_size` bytes (0: no limit)."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, ValueError) as error:
            raise DiscoveryError(f"gzip: {error}") from error
    root = _parse_xml(body)
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"not a sitemap: the document is <{kind}>")
    links: list[Link] = []
    children: list[Link] = []
    for entry in root:
        if _local(entry.tag) not in ("url", "sitemap"):
            continue
        loc = next((c.text.strip() for c in entry if _local(c.tag) == "loc" and c.text), None)
        if not loc:
            continue
        if kind == "sitemapindex":
            children.append(Link(loc, _listed_time(_child_text(entry, "lastmod"))))
        else:
            published = _child_text(entry, "publication_date") or _child_text(entry, "lastmod")
            links.append(Link(loc, _listed_time(published)))
    return links, children


_SITEMAP_LINE = re.compile(rb"^[ \t]*sitemap[ \t]*:[ \t]*(\S+)", re.I | re.M)


def robots_sitemaps(body: bytes, base_url: str) -> list[str]:
    """The sitemaps a robots.txt names in its `Sitemap:` lines (absolute http(s) URLs, each once)."""
    urls = (urljoin(base_url, match.decode("utf-8", "replace")) for match in _SITEMAP_LINE.findall(body))
    return list(dict.fromkeys(url for url in urls if url.startswith(("http://", "https://"))))


def page_links(body: bytes, base_url: str) -> tuple[list[str], str | None]:
    """A category page's links (absolute, in page order, each once) and its rel="next" page, if any."""
    try:
        tree = html.fromstring(body, base_url=base_url)
    except (etree.ParserError, ValueError) as error:
        raise DiscoveryError(f"not an HTML page: {error}") from error
    seen: dict[str, None] = {}
    for href in tree.xpath("//a/@href"):
        href = href.strip()
        if href and not href.lower().startswith(("#", "javascript:", "mailto:", "tel:")):
            seen.setdefault(urljoin(base_url, href).split("#", 1)[0], None)
    next_rel = "contains(concat(' ', normalize-space(translate(@rel, 'NEXT', 'next')), ' '), ' next ')"
    following = tree.xpath(f"//link[{next_rel}]/@href | //a[{next_rel}]/@href")
    return list(seen), urljoin(base_url, following[0].strip()) if following else None
