"""Outlet definitions: what the crawler and the cleaner know about one news site.

Each outlet is one small TOML file in this package (`<name>.toml`); see `vnexpress.toml` for the fields.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..cleaning.hints import CleanerHints
from ..cleaning.metadata import VIETNAM_TIME

DEFINITIONS_DIR = Path(__file__).parent
OUTLET_NAME = re.compile(r"[a-z][a-z0-9_]*")  # also a folder name in the dataset and a cassette's name
_FIELDS = {"name", "title", "domains", "home", "feeds", "sitemaps", "categories", "article_url", "pagination",
           "max_pages", "published_in_url", "cleaner"}
_TIME_GROUPS = ("y", "m", "d")
_CLEANER_FIELDS = {"drop", "body", "published", "title", "author", "category", "tags"}


class OutletError(ValueError):
    """An outlet definition that cannot be used, naming the outlet and the field."""


@dataclass(frozen=True)
class Outlet:
    """One news site: where its articles are listed, how their URLs look, and hints for the cleaner."""

    name: str
    title: str
    domains: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    article_url: re.Pattern[str] = field(default=re.compile(r"."))
    pagination: str | None = None  # a category page's page N: "{url}-p{page}"
    max_pages: int = 3
    published_in_url: re.Pattern[str] | None = None  # groups y, m, d and optionally H, M, S
    cleaner: CleanerHints = field(default_factory=CleanerHints)
    home: str | None = None  # the home page; default: the root of the site of the first source

    def owns(self, url: str) -> bool:
        """Whether the URL is an http(s) address on one of the outlet's domains (subdomains included)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        host = (parts.hostname or "").lower()
        return any(host == domain or host.endswith("." + domain) for domain in self.domains)

    def is_article_url(self, url: str) -> bool:
        """Whether the URL is on the outlet and looks like one of its article pages."""
        return self.owns(url) and bool(self.article_url.search(urlsplit(url).path))

    def published_from_url(self, url: str) -> str | None:
        """The publication time an article URL encodes ("-20221224095943188.htm"), as ISO 8601."""
        match = self.published_in_url.search(urlsplit(url).path) if self.published_in_url else None
        if match is None:
            return None
        parts = {k: int(v) for k, v in match.groupdict().items() if v}
        try:
            if "H" not in parts:
                return date(parts["y"], parts["m"], parts["d"]).isoformat()
            moment = datetime(parts["y"], parts["m"], parts["d"], parts["H"], parts.get("M", 0), parts.get("S", 0),
                              tzinfo=VIETNAM_TIME)
        except ValueError:
            return None
        return moment.isoformat()

    @property
    def sources(self) -> list[tuple[str, str]]:
        """The discovery sources the definition names, as (kind, URL) pairs."""
        return ([("feed", url) for url in self.feeds] + [("sitemap", url) for url in self.sitemaps]
                + [("category", url) for url in self.categories])

    @property
    def home_page(self) -> str:
        """The outlet's home page: as defined, else the root of the site its first source is on."""
        if self.home:
            return self.home
        parts = urlsplit(self.sources[0][1]) if self.sources else None
        return f"{parts.scheme}://{parts.netloc}/" if parts else f"https://{self.domains[0]}/"

    @property
    def fallback_sources(self) -> list[tuple[str, str]]:
        """The sources every outlet has besides those its definition names, as (kind, URL) pairs: the
        `Sitemap:` lines of its robots.txt, and its home page read as a category page. A named source that
        moves or goes leaves them. A home page the definition names as a category page is read once."""
        parts = urlsplit(self.home_page)
        robots = ("robots", f"{parts.scheme}://{parts.netloc}/robots.txt")
        return [robots] if self.home_page in self.categories else [robots, ("home", self.home_page)]


def _strings(name: str, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise OutletError(f"outlet {name!r}: field {key!r} must be a list of non-empty strings")
    return tuple(value)


def _urls(name: str, key: str, value: Any) -> tuple[str, ...]:
    urls = _strings(name, key, value)
    for url in urls:
        if urlsplit(url).scheme not in ("http", "https"):
            raise OutletError(f"outlet {name!r}: field {key!r}: not an http(s) URL: {url!r}")
    return urls


def _pattern(name: str, key: str, value: Any) -> re.Pattern[str] | None:
    if value is None:
        return None
    try:
        return re.compile(value)
    except (re.error, TypeError) as error:
        raise OutletError(f"outlet {name!r}: field {key!r} is not a regular expression: {error}") from error


def outlet_from_dict(data: dict[str, Any]) -> Outlet:
    """Build and check one outlet definition; errors name the outlet and the field."""
    name = data.get("name")
    if not isinstance(name, str) or not OUTLET_NAME.fullmatch(name):
        raise OutletError(f"outlet {name!r}: field 'name' must be lowercase letters, digits and '_'")
    unknown = set(data) - _FIELDS
    if unknown:
        raise OutletError(f"outlet {name!r}: unknown field(s): {', '.join(sorted(unknown))}")
    domains = tuple(d.lower() for d in _strings(name, "domains", data.get("domains")))
    if not domains:
        raise OutletError(f"outlet {name!r}: field 'domains' must name at least one domain")
    pattern = _pattern(name, "article_url", data.get("article_url", "."))
    published_in_url = _pattern(name, "published_in_url", data.get("published_in_url"))
    if published_in_url is not None and not set(_TIME_GROUPS) <= set(published_in_url.groupindex):
        raise OutletError(f"outlet {name!r}: field 'published_in_url' needs the groups (?P<y>…), (?P<m>…), (?P<d>…)")
    pagination = data.get("pagination")
    if pagination is not None and (not isinstance(pagination, str) or "{page}" not in pagination):
        raise OutletError(f"outlet {name!r}: field 'pagination' must be a string containing '{{page}}'")
    max_pages = data.get("max_pages", 3)
    if not isinstance(max_pages, int) or isinstance(max_pages, bool) or max_pages < 1:
        raise OutletError(f"outlet {name!r}: field 'max_pages' must be a positive integer")
    hints = data.get("cleaner", {})
    if not isinstance(hints, dict) or set(hints) - _CLEANER_FIELDS:
        raise OutletError(f"outlet {name!r}: field 'cleaner' takes only {sorted(_CLEANER_FIELDS)}")
    single = {key: hints[key] for key in _CLEANER_FIELDS - {"drop"} if key in hints}
    for key, value in single.items():
        if not isinstance(value, str) or not value:
            raise OutletError(f"outlet {name!r}: field 'cleaner.{key}' must be an XPath string")
    drop = _strings(name, "cleaner.drop", hints.get("drop", []))
    try:
        cleaner = CleanerHints(drop=drop, **single)
    except ValueError as error:
        raise OutletError(f"outlet {name!r}: field 'cleaner': {error}") from error
    home = data.get("home")
    if home is not None:
        home = _urls(name, "home", home)[0]
    outlet = Outlet(
        name=name, title=str(data.get("title", name)), domains=domains, home=home,
        feeds=_urls(name, "feeds", data.get("feeds", [])), sitemaps=_urls(name, "sitemaps", data.get("sitemaps", [])),
        categories=_urls(name, "categories", data.get("categories", [])), article_url=pattern,
        pagination=pagination, max_pages=max_pages, published_in_url=published_in_url, cleaner=cleaner,
    )
    if not outlet.sources:
        raise OutletError(f"outlet {name!r}: needs at least one of 'feeds', 'sitemaps', 'categories'")
    return outlet


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise OutletError(f"{path}: cannot read: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise OutletError(f"{path}: not valid TOML: {error}") from error


def load_outlet_file(path: Path) -> Outlet:
    """Read one outlet definition from a TOML file."""
    return outlet_from_dict(_read_toml(path))


@cache
def builtin_outlets() -> dict[str, Outlet]:
    """The outlets that ship with the package, by name."""
    outlets = [load_outlet_file(path) for path in sorted(DEFINITIONS_DIR.glob("*.toml"))]
    return {outlet.name: outlet for outlet in outlets}


def load_outlets_file(path: Path) -> dict[str, Outlet]:
    """A user's outlet file: TOML with one `[[outlets]]` table per outlet, fields as in the built-in files."""
    data = _read_toml(path)
    tables = data.get("outlets")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables) or set(data) != {"outlets"}:
        raise OutletError(f"{path}: expected one [[outlets]] table per outlet and nothing else")
    try:
        outlets = [outlet_from_dict(table) for table in tables]
    except OutletError as error:
        raise OutletError(f"{path}: {error}") from error
    return {outlet.name: outlet for outlet in outlets}


def all_outlets(files: list[str] | list[Path] = ()) -> dict[str, Outlet]:  # type: ignore[assignment]
    """The built-in outlets, with those of the given outlet files added or overriding them."""
    outlets = dict(builtin_outlets())
    for file in files:
        outlets.update(load_outlets_file(Path(file)))
    return outlets


def select_outlets(names: list[str], known: dict[str, Outlet]) -> list[Outlet]:
    """The outlets of these names, each once, or an `OutletError` naming those that are not known."""
    unknown = [name for name in names if name not in known]
    if unknown:
        raise OutletError(f"unknown outlet(s): {', '.join(unknown)}; `scraper outlets` lists them")
    return [known[name] for name in dict.fromkeys(names)]


def get_outlet(name: str) -> Outlet:
    """The outlet of that name, or a `KeyError` listing the known ones."""
    outlets = builtin_outlets()
    if name not in outlets:
        raise KeyError(f"unknown outlet {name!r}; known: {', '.join(sorted(outlets))}")
    return outlets[name]


def outlet_for_url(url: str) -> Outlet | None:
    """The outlet whose domains hold the URL; the most specific domain wins (ngoisao.vnexpress.net)."""
    host = (urlsplit(url).hostname or "").lower()
    matches = [(len(domain), outlet) for outlet in builtin_outlets().values() for domain in outlet.domains
               if host == domain or host.endswith("." + domain)]
    return max(matches, key=lambda match: match[0])[1] if matches else None
