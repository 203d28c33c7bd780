"""The cleaner's result: one article's clean text and metadata."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Removed:
    """A block the cleaner dropped, with the name of the rule that dropped it."""

    text: str
    rule: str


@dataclass
class Article:
    """Clean text and metadata of one article page.

    `text` holds the lead first, then the body paragraphs, one per line; no title line, no captions.
    `removed` lists every block the cleaner dropped, with its rule. `page_type` is "article", or
    "listing" for a page cleaned all the same (`keep_all`); `page_type_score` the verdict's probability
    of an article (see `pagetype`).
    """

    text: str = ""
    title: str | None = None
    lead: str | None = None
    author: str | None = None
    published: str | None = None
    modified: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    source: str | None = None
    captions: list[str] = field(default_factory=list)
    language: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    page_type: str = "article"
    page_type_score: float | None = None
    removed: list[Removed] = field(default_factory=list, repr=False)

    def to_dict(self, with_removed: bool = False) -> dict[str, Any]:
        """The record as plain JSON-ready data (the removed blocks only when asked for)."""
        data = asdict(self)
        if not with_removed:
            data.pop("removed")
        return data
