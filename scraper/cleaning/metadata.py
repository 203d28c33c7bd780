"""Article metadata from a parsed page: JSON-LD, Open Graph and meta tags, breadcrumbs, date lines."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from lxml.html import HtmlElement

from . import rules
from .normalize import normalize_line

VIETNAM_TIME = timezone(timedelta(hours=7))

_DMY = re.compile(
    r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})\b"
    r"(?:[^\d]{0,12}?(?P<H>\d{1,2})[:h](?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>am|pm|sa|ch|sáng|chiều|tối|trưa)?)?",
    re.I,
)
_HM_FIRST = re.compile(
    r"(?P<H>\d{1,2})[:h](?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>am|pm|sa|ch|sáng|chiều|tối|trưa)?"
    r"[^\d]{0,30}?(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})\b",
    re.I,
)
_AFTERNOON = ("pm", "ch", "chiều", "tối")
_DATE_CLASSES = ("date", "time", "ngay", "publish", "post-time", "timestamp", "spantime", "timepost")
_TAG_CLASSES = ("tag", "keyword", "tukhoa", "tu-khoa", "hash-tags")
_AUTHOR_CLASSES = ("author", "byline", "tacgia", "tac-gia", "pauthor", "editor")
_SOURCE_CLASSES = ("source", "nguon", "psource")


@dataclass
class PageMetadata:
    """What a page says about itself, before its text is read."""

    title: str | None = None
    description: str | None = None
    author: str | None = None
    published: str | None = None
    modified: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    source: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    og_type: str | None = None
    jsonld_types: frozenset[str] = frozenset()
    dated: bool = False  # the page declares its publication time (JSON-LD or article:published_time)


def to_iso(value: str | None) -> str | None:
    """A date or date-time string as ISO 8601; local times get Vietnam's +07:00."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return parse_date_line(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VIETNAM_TIME)
    return parsed.astimezone(VIETNAM_TIME).replace(microsecond=0).isoformat()


def parse_date_line(text: str) -> str | None:
    """A Vietnamese date line ("Thứ năm, 20/12/2012, 10:18 GMT+7", "11:05 tối 24/12/12") as ISO 8601."""
    match = _DMY.search(text)
    if match is None or match["H"] is None:  # "15:20 PM | 21/12/2012": the time may come first
        match = _HM_FIRST.search(text) or match
    if match is None:
        return None
    parts = match.groupdict()
    year = int(parts["y"]) + (2000 if len(parts["y"]) == 2 else 0)
    day, month = int(parts["d"]), int(parts["m"])
    if month > 12 >= day:  # month first, as some CMSs write it ("3/24/2024 7:12:35 AM")
        day, month = month, day
    try:
        if parts["H"] is None:
            return datetime(year, month, day).date().isoformat()
        hour = int(parts["H"])
        if (parts["ampm"] or "").lower() in _AFTERNOON and hour < 12:
            hour += 12
        moment = datetime(year, month, day, hour, int(parts["M"]), int(parts["S"] or 0),
                          tzinfo=VIETNAM_TIME)
    except ValueError:
        return None
    return moment.isoformat()


Classed = list[tuple[HtmlElement, str]]  # elements with a class or id, and those names lower-cased


def _classed_elements(tree: HtmlElement) -> Classed:
    """Every element with a class or id, once per page, for the class-name lookups below."""
    return [(e, f"{e.get('class', '')} {e.get('id', '')}".lower()) for e in tree.xpath("//*[@class or @id]")]


def _classed(classed: Classed, tags: tuple[str, ...], fragments: tuple[str, ...],
             excluding: tuple[str, ...] = ()) -> list[HtmlElement]:
    """The elements of these tags whose class or id holds one of the (lower-case) fragments and none of
    `excluding`, in page order."""
    return [e for e, names in classed if e.tag in tags and _names_hold(names, fragments, excluding)]


@lru_cache(maxsize=8192)
def _names_hold(names: str, fragments: tuple[str, ...], excluding: tuple[str, ...]) -> bool:
    """Whether class and id names hold one of the fragments and none of `excluding` (names recur on a page)."""
    return any(fragment in names for fragment in fragments) and not any(fragment in names for fragment in excluding)


def _text(element: HtmlElement) -> str:
    return normalize_line(element.text_content())


def _jsonld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content(), strict=False)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
    return found


def _types(item: dict[str, Any]) -> list[str]:
    kind = item.get("@type", [])
    return kind if isinstance(kind, list) else [kind]


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _people(value: Any) -> Any:
    """JSON-LD authors that are people: an outlet naming itself as author is no byline."""
    if isinstance(value, list):
        return [item for item in value if not (isinstance(item, dict) and "Organization" in _types(item))]
    if isinstance(value, dict) and "Organization" in _types(value):
        return None
    return value


def _meta_values(tree: HtmlElement) -> dict[str, str]:
    """Each meta tag's content by its property, name and itemprop (the first non-empty one of each)."""
    values: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if content and content.strip():
            for attribute in ("property", "name", "itemprop"):
                key = element.get(attribute)
                if key:
                    values.setdefault(key, content)
    return values


def _meta(metas: dict[str, str], *keys: str) -> str | None:
    return next((normalize_line(metas[key]) for key in keys if key in metas), None)


def _title(tree: HtmlElement, declared: str | None) -> str | None:
    """The printed headline: the heading that best matches the declared title, else the declared one."""
    candidates = [_text(h) for h in tree.xpath("//h1 | //*[@class][self::h2 or self::h3 or self::div or self::p]"
                                               "[contains(@class, 'title') or contains(@class, 'Title')]")]
    candidates = [c for c in candidates if 2 <= len(c.split()) <= 60]
    if not declared:
        headings = [_text(h) for h in tree.xpath("//h1")]
        return next((h for h in headings if len(h.split()) >= 3), None)
    declared_words = set(declared.lower().split())
    best, best_score = None, 0.0
    for candidate in candidates:
        words = set(candidate.lower().split())
        score = len(words & declared_words) / max(len(words | declared_words), 1)
        if score > best_score:
            best, best_score = candidate, score
    return best if best_score >= 0.5 else _strip_site_name(declared)


def _strip_site_name(title: str) -> str:
    parts = re.split(r"\s+[|–—-]\s+", title)
    return max(parts, key=len) if len(parts) > 1 else title


def _breadcrumb(tree: HtmlElement, objects: list[dict[str, Any]], title: str | None) -> str | None:
    for item in objects:
        if "BreadcrumbList" in _types(item):
            names = []
            for entry in item.get("itemListElement") or []:
                if isinstance(entry, dict):
                    names.extend(_names(entry.get("item")) or _names(entry))
            names = [normalize_line(n) for n in names if n and normalize_line(n) != title]
            if names:
                return names[-1]
    for crumb in tree.xpath("//*[@class or @id][contains(@class, 'breadcrumb') or contains(@class, 'breadCrumb')"
                            " or contains(@class, 'navigationDetail') or @id='box-path']"):
        names = [_text(a) for a in crumb.xpath(".//a | .//li[not(.//a)]")]
        names = [n for n in names if n and n != title and len(n) < 60 and n.lower() not in ("trang chủ", "home")]
        if names:
            return names[-1]
    return None


def _tags(classed: Classed) -> list[str]:
    # "tagline" (a slogan) and "stage" hold "tag" too, and are no tag rows
    for row in _classed(classed, ("div", "p", "ul", "section", "span"), _TAG_CLASSES, excluding=("tagline", "stage")):
        tags = [_text(a) for a in row.xpath(".//a")]
        tags = [t for t in dict.fromkeys(tags) if t and len(t) <= 60]
        if tags:
            return tags
    return []


def _published(tree: HtmlElement, metas: dict[str, str], classed: Classed, article: dict[str, Any]) -> str | None:
    """The metadata's publication time; where it gives a day alone, the visible date line of that day
    adds the time."""
    declared = to_iso(str(article.get("datePublished") or "")) or to_iso(
        _meta(metas, "article:published_time", "datePublished", "pubdate", "dc.date.issued", "date"))
    if declared and len(declared) > 10:
        return declared
    visible = _visible_date(tree, classed)
    if declared is None or (visible and visible.startswith(declared)):
        return visible or declared
    return declared


def _visible_date(tree: HtmlElement, classed: Classed) -> str | None:
    """The visible date line: in an element with a date class, or in the one holding the page's
    `itemprop=datePublished` microdata ("<span><meta itemprop=datePublished …>Thứ Ba, 25/12/2012 - 10:03")."""
    elements = [*_classed(classed, ("span", "div", "p", "time", "li"), _DATE_CLASSES),
                *tree.xpath("//meta[@itemprop='datePublished']/parent::*[not(self::head)]")]
    day_only = None
    for element in elements:
        if len(text := _text(element)) <= 120:
            found = element.get("datetime") and to_iso(element.get("datetime")) or parse_date_line(text)
            if found and len(found) > 10:
                return found
            day_only = day_only or found
    return day_only


def _byline(classed: Classed) -> str | None:
    for element in _classed(classed, ("p", "span", "div", "a", "strong"), _AUTHOR_CLASSES):
        text = _text(element)
        if 2 <= len(text) <= 60 and parse_date_line(text) is None:  # an author bar may hold only the date
            return re.sub(r"^(tác giả|bài|by)\s*:?\s*", "", text, flags=re.I) or None
    return None


def _source(tree: HtmlElement, classed: Classed) -> str | None:
    """The agency or outlet the page credits: in a source-classed element, or in microdata author that
    names a source rather than a person ("<span itemprop=author>Theo Ngoisao</span>")."""
    elements = [*_classed(classed, ("p", "div", "span"), _SOURCE_CLASSES), *tree.xpath("//body//*[@itemprop='author']")]
    for element in elements:
        if match := rules.SOURCE_LINE.match(_text(element)):
            return match["source"]
    return None


def extract_metadata(tree: HtmlElement) -> PageMetadata:
    """Read a page's metadata; fields the page does not give stay empty."""
    objects = _jsonld_objects(tree)
    classed = _classed_elements(tree)
    metas = _meta_values(tree)
    article = next((o for o in objects if set(_types(o)) & set(rules.ARTICLE_JSONLD_TYPES)), {})
    declared_title = normalize_line(str(article.get("headline") or "")) or _meta(metas, "og:title") \
        or normalize_line(tree.findtext(".//title") or "") or None
    title = _title(tree, declared_title)
    authors = [normalize_line(n) for n in _names(_people(article.get("author")))]
    section = article.get("articleSection")
    if isinstance(section, list):
        section = section[-1] if section else None
    canonical = tree.xpath("string(//link[@rel='canonical']/@href)") or _meta(metas, "og:url") or None
    return PageMetadata(
        title=title,
        description=_meta(metas, "og:description", "description"),
        author=", ".join(dict.fromkeys(a for a in authors if a)) or _byline(classed),
        published=_published(tree, metas, classed, article),
        modified=to_iso(str(article.get("dateModified") or "")) or to_iso(
            _meta(metas, "article:modified_time", "dateModified")),
        category=_breadcrumb(tree, objects, title) or (normalize_line(section) if isinstance(section, str) else None)
        or _meta(metas, "article:section"),
        tags=_tags(classed),
        source=_source(tree, classed),
        language=(tree.get("lang") or _meta(metas, "content-language", "language") or "").split("-")[0].lower()
        or None,
        canonical_url=canonical,
        og_type=(_meta(metas, "og:type") or "").lower() or None,
        dated=bool(article.get("datePublished") or _meta(metas, "article:published_time", "datePublished")),
        jsonld_types=frozenset(kind for item in objects for kind in _types(item) if isinstance(kind, str)),
    )
