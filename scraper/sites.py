"""Recorded crawls built from stored files, for offline replay.

Two kinds, both written as the cassettes a live recording would make:

- `fixtures/sites/<outlet>/<host>/<path>`: small sites we write for the outlets of the seed files
  (robots.txt, feeds, sitemaps, category pages, article pages); `scraper fixture check --update` turns each
  into `fixtures/cassettes/<outlet>.yaml`;
- the real pages of `../shared/pages/` listed in `fixtures/pages/`: grouped by outlet, served at their
  own URLs with a robots.txt per host and every discovery source of the outlet listing them.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .cassettes import CASSETTE_SUFFIX, Interaction, write_cassette
from .fixtures import FIXTURES_DIR, page_fixtures
from .outlets import Outlet, get_outlet, outlet_for_url
from .spiders.news import category_page_url

SITES_DIR = FIXTURES_DIR / "sites"
# The outlet each seed text was given to, and its site (fixtures/README.md says why).
SEED_OUTLETS = {"baotintuc": "000", "vietbao": "001", "vietnamplus": "002", "baochinhphu": "003", "vov": "004"}
CASSETTES_DIR = FIXTURES_DIR / "cassettes"
EXPECTED_RECORDS = CASSETTES_DIR / "expected.jsonl"
_RECORDED_AT = format_datetime(datetime(2026, 12, 1, tzinfo=UTC), usegmt=True)
_TYPES = {".txt": "text/plain", ".xml": "application/xml", ".rss": "application/rss+xml"}


def served(url: str, body: bytes, content_type: str = "text/html; charset=utf-8", compress: bool = True,
           status: int = 200) -> Interaction:
    """A response as a news site's server sends it: gzip-encoded when it is text worth compressing."""
    headers = {"Content-Type": [content_type], "Date": [_RECORDED_AT]}
    if compress and len(body) > 512:
        body = gzip.compress(body, mtime=0)
        headers["Content-Encoding"] = ["gzip"]
        headers["Vary"] = ["Accept-Encoding"]
    headers["Content-Length"] = [str(len(body))]
    return Interaction(url=url, body=body, status=status, headers=headers)


HOME_FILE = "index.html"  # a site folder's <host>/index.html is served as the home page, https://<host>/


def site_interactions(site_dir: Path) -> list[Interaction]:
    """A site folder (`<host>/<path>` files) as the exchanges of a crawl over https."""
    interactions = []
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        relative = path.relative_to(site_dir)
        served_path = "" if relative.parts[1:] == (HOME_FILE,) else "/".join(relative.parts[1:])
        url = f"https://{relative.parts[0]}/{served_path}"
        content_type = _TYPES.get(path.suffix, "text/html") + "; charset=utf-8"
        interactions.append(served(url, path.read_bytes(), content_type))
    return interactions


def _rss(outlet: Outlet, urls: list[str]) -> bytes:
    items = "".join(f"<item><title>{escape(url)}</title><link>{escape(url)}</link></item>\n" for url in urls)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{escape(outlet.title)}'
            f"</title>\n{items}</channel></rss>\n").encode()


def _sitemap(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{escape(url)}</loc></url>\n" for url in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</urlset>\n").encode()


def _category_page(outlet: Outlet, urls: list[str]) -> bytes:
    links = "".join(f'<li><a href="{escape(url)}">{escape(url)}</a></li>\n' for url in urls)
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{escape(outlet.title)}</title>'
            f"</head><body><ul>\n{links}</ul></body></html>\n").encode()


def outlet_site(outlet: Outlet, pages: dict[str, bytes]) -> list[Interaction]:
    """A site serving `pages` (URL -> HTML) with robots.txt for each host and every discovery source
    of the outlet listing them (category pages on every page up to `max_pages`, and the home page)."""
    urls = list(pages)
    interactions = []
    hosts = sorted({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in [*urls, *(s for _, s in outlet.sources)]})
    robots = b"User-agent: *\nDisallow: /tim-kiem\n"
    interactions += [served(f"{host}/robots.txt", robots, "text/plain") for host in hosts]
    interactions += [served(url, _rss(outlet, urls), "application/rss+xml") for url in outlet.feeds]
    interactions += [served(url, _sitemap(urls), "application/xml") for url in outlet.sitemaps]
    for url in outlet.categories:
        interactions.append(served(url, _category_page(outlet, urls)))
        for page in range(2, outlet.max_pages + 1):
            following = category_page_url(outlet, url, page)
            if following:
                interactions.append(served(following, _category_page(outlet, [])))
    if outlet.home_page not in outlet.categories:
        interactions.append(served(outlet.home_page, _category_page(outlet, urls)))
    interactions += [served(url, body, "text/html") for url, body in pages.items()]
    return interactions


def shared_page_sites(pages_dir: Path | None = None,
                      fixtures_root: Path = FIXTURES_DIR) -> dict[str, list[Interaction]]:
    """The stored pages of the page fixtures, real ones in `pages_dir` and those written for an outlet
    beside their records, as one site per outlet (pages whose file is missing are left out)."""
    by_outlet: dict[str, dict[str, bytes]] = defaultdict(dict)
    for fixture in page_fixtures(fixtures_root, pages_dir):
        outlet = outlet_for_url(fixture.url) if fixture.url else None
        if outlet is not None and not fixture.in_cassette and fixture.input_path.is_file():
            by_outlet[outlet.name][fixture.url] = fixture.input_path.read_bytes()
    return {name: outlet_site(get_outlet(name), pages) for name, pages in sorted(by_outlet.items())}


def build_site_cassettes(sites_dir: Path = SITES_DIR, out_dir: Path = CASSETTES_DIR) -> list[Path]:
    """Write `<out_dir>/<outlet>.yaml` for every site folder; returns the cassettes written."""
    written = []
    for site in sorted(p for p in sites_dir.iterdir() if p.is_dir()):
        get_outlet(site.name)  # a site belongs to a known outlet
        path = out_dir / f"{site.name}{CASSETTE_SUFFIX}"
        write_cassette(path, site_interactions(site))
        written.append(path)
    return written


def build_page_cassettes(out_dir: Path, pages_dir: Path | None = None) -> list[Path]:
    """Write a cassette per outlet of the stored real pages; returns the cassettes written."""
    written = []
    for name, interactions in shared_page_sites(pages_dir).items():
        path = out_dir / f"{name}{CASSETTE_SUFFIX}"
        write_cassette(path, interactions)
        written.append(path)
    return written


def read_records(out: Path) -> list[dict[str, Any]]:
    """Every record of the JSONL dataset under `out/dataset`, in file order."""
    return [json.loads(line) for path in sorted((out / "dataset").rglob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]
