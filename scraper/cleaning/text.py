"""Cleaning text that was already extracted, with the boilerplate still in it."""

from __future__ import annotations

import re

from .article import Article
from .decode import decode_page
from .postfilter import Block, filter_blocks
from .trace import Trace

_VIETNAMESE_MARKS = "ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
_VIETNAMESE_LETTER = re.compile(f"[{_VIETNAMESE_MARKS}{_VIETNAMESE_MARKS.upper()}]")
_LETTER = re.compile(r"[^\W\d_]")


def vietnamese_language(text: str) -> str | None:
    """"vi" when the text is written in Vietnamese (letters only Vietnamese uses are common in it)."""
    sample = text[:20_000]
    letters = len(_LETTER.findall(sample))
    if letters < 20:
        return None
    return "vi" if len(_VIETNAMESE_LETTER.findall(sample)) / letters > 0.03 else None


def parse_text(text: str | bytes, trace: Trace | None = None) -> Article:
    """Clean pre-extracted text and return it as an `Article` (title, source, captions found in it).
    A `trace` is told what became of each line."""
    decoded = decode_page(text)
    blocks = [Block(line, position=(number, 0)) for number, line in enumerate(decoded.splitlines())]
    result = filter_blocks(blocks, text_mode=True, trace=trace)
    return Article(
        text="\n".join(result.lines),
        title=result.title,
        lead=result.lines[0] if result.lines else None,
        author=result.author,
        source=result.source,
        tags=result.tags,
        captions=result.captions,
        language=vietnamese_language(decoded),
        removed=result.removed,
    )


def clean_text(text: str) -> str:
    """Clean pre-extracted text: the article's paragraphs, one per line, boilerplate removed."""
    return parse_text(text).text
