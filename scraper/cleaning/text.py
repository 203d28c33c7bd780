"""Cleaning text that was already extracted, with the boilerplate still in it."""

from __future__ import annotations

from .article import Article
from .decode import decode_page
from .postfilter import Block, filter_blocks

_VIETNAMESE_MARKS = set("ăâđêôơưĂÂĐÊÔƠƯ") | set("ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def vietnamese_language(text: str) -> str | None:
    """"vi" when the text is written in Vietnamese (letters only Vietnamese uses are common in it)."""
    letters = [ch for ch in text[:20_000].lower() if ch.isalpha()]
    if len(letters) < 20:
        return None
    return "vi" if sum(ch in _VIETNAMESE_MARKS for ch in letters) / len(letters) > 0.03 else None


def parse_text(text: str | bytes) -> Article:
    """Clean pre-extracted text and return it as an `Article` (title, source, captions found in it)."""
    decoded = decode_page(text)
    blocks = [Block(line) for line in decoded.splitlines()]
    result = filter_blocks(blocks, text_mode=True)
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
