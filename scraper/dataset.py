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

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).parent / "schema" / f"article-{SCHEMA_VERSION}.json"
RECORD_FIELDS = ("schema_version", "url", "canonical_url", "outlet", "title", "lead", "text", "author", "published",
                 "modified", "category", "tags", "source", "language", "word_count", "fetched_at", "content_hash")


def content_hash(text: str) -> str:
    """The record's content hash: SHA-256 of the clean text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def utc_now() -> str:
    """The current time as the dataset writes it (ISO 8601, UTC, seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


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
    }


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
