"""The cleaner's account of one input: every block in reading order, kept or removed and by which rule."""

from __future__ import annotations

from dataclasses import dataclass, field

from .article import Article
from .errors import CleanerError
from .hints import CleanerHints
from .html import clean_html
from .text import parse_text
from .trace import Trace, TracedBlock


@dataclass
class Explanation:
    """What the cleaner made of an input: its blocks, and the article (or the error that refused it)."""

    blocks: list[TracedBlock] = field(default_factory=list)
    article: Article | None = None
    error: CleanerError | None = None


def explain_html(data: str | bytes, url: str | None = None, hints: CleanerHints | None = None) -> Explanation:
    """Clean a page with a trace: the same article as `clean_html`, and each block's fate."""
    trace = Trace()
    try:
        article = clean_html(data, url=url, hints=hints, trace=trace)
    except CleanerError as error:
        return Explanation(trace.blocks(), None, error)
    return Explanation(trace.blocks(), article)


def explain_text(data: str | bytes) -> Explanation:
    """Clean pre-extracted text with a trace: the same article as `parse_text`, and each line's fate."""
    trace = Trace()
    try:
        article = parse_text(data, trace=trace)
    except CleanerError as error:
        return Explanation(trace.blocks(), None, error)
    return Explanation(trace.blocks(), article)
