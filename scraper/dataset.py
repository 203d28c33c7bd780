"""Dataset records: one cleaned article as a JSON object of the versioned schema in `schema/`."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema

from .cleaning.article import Article
from .cleaning.errors import CleanerError, NotAnArticle
from .cleaning.html import clean_html
from .outlets import Outlet
from .urls import canonicalize_url

SCHEMA_VERSION = 3  # 2 added near_duplicate_of, 3 page_type and page_type_score; older schemas stay beside it
SCHEMA_PATH = Path(__file__).parent / "schema" / f"article-{SCHEMA_VERSION}.json"
RECORD_FIELDS = ("schema_version", "url", "canonical_url", "outlet", "title", "lead", "text", "author", "published",
                 "modified", "category", "tags", "source", "language", "word_count", "fetched_at", "content_hash",
                 "near_duplicate_of", "page_type", "page_type_score")


def content_hash(text: str) -> str:
    """The record's content hash: SHA-256 of the clean text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def utc_now() -> str:
    """The current time as the dataset writes it (ISO 8601, UTC, seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def clean_page(body: bytes | str, url: str | None, outlet: Outlet | None, keep_all: bool = False) -> Article:
    """Clean an outlet's article page as a crawl does: with the outlet's cleaner hints, and the
    publication time its URL encodes when the page shows none. Raises the cleaner's `CleanerError`s
    (with `keep_all`, not for a page judged not to be an article)."""
    article = clean_html(body, url=url, hints=outlet.cleaner if outlet else None, keep_all=keep_all)
    if outlet and url and not article.published:
        article.published = outlet.published_from_url(url)
    return article


def missing_field(article: Article) -> str | None:
    """Why a cleaned article cannot be a record (`no_title`, `no_publication_time`), or None."""
    if not article.title:
        return "no_title"
    if not article.published:
        return "no_publication_time"
    return None


def make_record(article: Article, *, url: str, canonical_url: str, outlet: str, fetched_at: str) -> dict[str, Any]:
    """The dataset record of one cleaned article."""
    return {
        "schema_version": SCHEMA_VERSION,
        "url": url,
        "canonical_url": canonical_url,
        "outlet": outlet,
        "title": article.title,
        "lead": article.lead,
        "text": article.text,
        "author": article.author,
        "published": article.published,
        "modified": article.modified,
        "category": article.category,
        "tags": list(article.tags),
        "source": article.source,
        "language": article.language,
        "word_count": len(article.text.split()),
        "fetched_at": fetched_at,
        "content_hash": content_hash(article.text),
        "near_duplicate_of": None,  # set by the near-duplicate check (scraper.neardup)
        "page_type": article.page_type,
        "page_type_score": article.page_type_score,
    }


class NoRecord(Exception):
    """A fetched page that makes no record; `reason` is what the manifest counts it under."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[NoRecord], tuple[str, str]]:  # raised in a cleaning process too
        return NoRecord, (self.reason, self.detail)


def page_record(body: bytes, *, url: str, outlet: Outlet, fetched_at: str, since: str | None = None) -> dict[str, Any]:
    """The dataset record of one fetched article page, checked against the schema; `NoRecord` with the
    reason when the page makes none. The crawl and the re-cleaning of an archive both go through here."""
    try:
        article = clean_page(body, url, outlet)
    except NotAnArticle as error:
        article = _doubtful_page(error, body, url, outlet)
    except CleanerError as error:
        raise NoRecord(error.reason, error.message) from error
    missing = missing_field(article)
    if missing:
        raise NoRecord(missing)
    if since and article.published[:10] < since:
        raise NoRecord("before_since")
    page_canonical = article.canonical_url if article.canonical_url and outlet.owns(article.canonical_url) else url
    record = make_record(article, url=url, canonical_url=canonicalize_url(page_canonical), outlet=outlet.name,
                         fetched_at=fetched_at)
    problem = schema_errors(record)
    if problem:
        raise NoRecord("invalid_record", problem)
    return record


def _doubtful_page(refusal: NotAnArticle, body: bytes, url: str, outlet: Outlet) -> Article:
    """A page the cleaner refused as no article. A sure verdict is final (`not_article`); a doubtful one
    loses no article: at an address of the outlet's articles the page is cleaned all the same and stored
    with its page type, elsewhere it is skipped (`doubtful_not_article`) and not remembered, so that the
    next run fetches it again."""
    if refusal.sure:
        raise NoRecord(refusal.reason, refusal.message) from refusal
    if not outlet.is_article_url(url):
        raise NoRecord("doubtful_not_article", refusal.message) from refusal
    try:
        article = clean_page(body, url, outlet, keep_all=True)
    except CleanerError as error:
        raise NoRecord("doubtful_not_article", error.message) from error
    missing = missing_field(article)
    if missing:
        raise NoRecord("doubtful_not_article", f"{refusal.message}; kept, it would have {missing}") from refusal
    return article


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the current record version."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> Any:
    return fastjsonschema.compile(schema())


def schema_errors(record: dict[str, Any]) -> str | None:
    """Why the record does not fit the schema, or None when it does."""
    try:
        _validator()(record)
    except fastjsonschema.JsonSchemaValueException as error:
        return error.message
    return None
