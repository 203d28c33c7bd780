"""The Vietnamese post-filter: works on paragraphs for what markup alone cannot tell.

Both entry points use it: `clean_html` on the paragraphs trafilatura extracted, `clean_text` on the
lines of pre-extracted text. Every removed line is recorded with the name of the rule that removed it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from . import rules
from .article import Removed
from .normalize import modernize_tone_marks, normalize_line

if TYPE_CHECKING:
    from .trace import Trace

_EDGE_PUNCTUATION = string.punctuation + "–—…»«›‹►▶→•·“”‘’ "


@dataclass
class Block:
    """One paragraph of extracted text; `kind` is "p", "head", "item", "quote" or "cell";
    `position` is its place in the input, for a trace."""

    text: str
    kind: str = "p"
    position: tuple[int, int] = (0, 0)


@dataclass
class Filtered:
    """What the post-filter kept, what it removed, and the metadata it found in the text."""

    lines: list[str] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    title: str | None = None
    source: str | None = None
    author: str | None = None


@lru_cache(maxsize=8192)
def line_key(text: str) -> str:
    """A line as markers are matched: lower-case, new-style tone marks, no surrounding punctuation."""
    return modernize_tone_marks(text).lower().strip(_EDGE_PUNCTUATION)


def _starts_with_marker(key: str, markers: tuple[str, ...], extra_words: int = 3) -> bool:
    """The line is a marker, or a marker followed by a few words ("Nổi bật Việt Báo")."""
    for marker in markers:
        if key == marker:
            return True
        if key.startswith(marker) and not key[len(marker)].isalnum():
            rest = key[len(marker):].strip(_EDGE_PUNCTUATION)
            if len(rest.split()) <= extra_words and not rules.SENTENCE_END.search(rest):
                return True
    return False


def author_names(byline: str) -> str:
    """The names of a byline ("Quang Phong - Tùng Nguyên") joined with ", "."""
    return ", ".join(name for name in re.split(r"\s*[-–,&]\s*", byline.strip()) if name)


def word_count(text: str) -> int:
    """Words of a line: whitespace-separated, where Chinese and Japanese (written without spaces) count a
    word for every two characters."""
    return len(text.split()) + len(rules.UNSPACED_SCRIPT.findall(text)) // 2


def is_sentence(text: str) -> bool:
    """A line that reads as body prose: a long paragraph, or a sentence of several words."""
    words = word_count(text)
    if words >= rules.LONG_PARAGRAPH_WORDS:
        return True
    return words >= rules.SENTENCE_MIN_WORDS and bool(rules.SENTENCE_END.search(text))


def is_title_like(text: str) -> bool:
    """A short line without closing punctuation: a headline, a link, a label."""
    return len(text) <= rules.TITLE_MAX_CHARS and not rules.SENTENCE_END.search(text.rstrip("?"))


def is_caption(text: str) -> bool:
    """A photo caption: a short paragraph that ends with a photo credit."""
    return len(text) <= rules.CAPTION_MAX_CHARS and bool(rules.CAPTION_CREDIT.search(text))


def _repeats_a_copy(text: str) -> bool:
    """Whether a line seen before is a copy of the page's text: a long paragraph copied whole. Shorter lines
    come again in texts of their own (the same question put to each of those interviewed, the same line in
    each day of a meal plan)."""
    return word_count(text) >= rules.LONG_PARAGRAPH_WORDS


def _prose_length(blocks: list[Block]) -> int:
    """Characters of the blocks that read as prose."""
    return sum(len(block.text) for block in blocks if is_sentence(block.text))


def _line_rule(text: str, key: str) -> str | None:
    """The rule that removes this line on its own, if any (tail and run rules are applied elsewhere)."""
    if rules.IMAGE_PLACEHOLDER.search(text):
        return "image_placeholder"
    if key in rules.WIDGET_LINES:
        return "widget_label"
    if rules.RELATIVE_TIME.match(key):
        return "relative_time"
    if rules.DATE_LINE.match(key):
        return "date_line"
    if rules.LINK_LINE.match(text):
        return "link_line"
    if not any(ch.isalpha() for ch in text):
        return "no_words"
    return None


class _Filter:
    def __init__(self, blocks: list[Block], title: str | None, lead: str | None, text_mode: bool,
                 trace: Trace | None, link_share: Callable[[str], float] | None) -> None:
        self.blocks = [Block(normalize_line(b.text), b.kind, b.position) for b in blocks]
        self.blocks = [b for b in self.blocks if b.text]
        self.result = Filtered(title=title)
        self.lead_key = line_key(lead) if lead else None
        self.title_key = line_key(title) if title else None
        self.text_mode = text_mode
        self.kept: list[Block] = []
        self.trace = trace
        self.link_share = link_share

    def drop(self, block: Block, rule: str, text: str | None = None) -> None:
        """Remove a block (or only `text`, the part of it split off) under a rule."""
        text = block.text if text is None else text
        self.result.removed.append(Removed(text, rule))
        if self.trace is not None:
            self.trace.filtered(block.position, text, rule)

    def run(self) -> Filtered:
        blocks = self.blocks
        if self.text_mode:
            blocks = self._drop_header(blocks)
        index = 0
        seen: set[str] = set()
        while index < len(blocks):
            block = blocks[index]
            text, key = block.text, line_key(block.text)
            tail = self._tail_start(text, key)
            if tail and self._ends_article(tail, blocks[index + 1:]):
                self._drop_rest(blocks[index:], tail)
                break
            if tail:  # a label or credit that ends nothing: the article goes on after it
                self.drop(block, f"{tail}_line")
                index += 1
                continue
            if _starts_with_marker(key, rules.BOX_HEADINGS, extra_words=0):
                index = self._drop_box(blocks, index)
                continue
            if self.title_key and key.startswith(self.title_key + " ") and is_sentence(text[len(self.title_key):]):
                self.drop(block, "title_line", text[: len(self.title_key)])
                text = block.text = text[len(self.title_key):].strip()
                key = line_key(text)
            rule = _line_rule(text, key)
            if rule is None and key == self.title_key:
                rule = "title_line"
            if rule is None and key in seen and _repeats_a_copy(text):
                rule = "duplicate_line"
            if rule is None and (tag_match := rules.TAG_ROW.match(text)):
                self.result.tags.extend(t.strip() for t in re.split(r"[,;|]", tag_match["tags"]) if t.strip())
                rule = "tag_row"
            if rule is None and is_caption(text) and key != self.lead_key:
                self.result.captions.append(text)
                rule = "caption"
            if rule is None and rules.CREDIT_LINE.match(text):
                self._take_agency(text)
                rule = "credit_line"
            if rule is None and (source := self._source(text)):
                self.result.source = self.result.source or source
                rule = "source_line"
            if rule:
                self.drop(block, rule)
            else:
                seen.add(key)
                self.kept.append(block)
            index += 1
        self._drop_title_runs()
        self._drop_trailing_teasers()
        self._take_author()
        self.result.lines = [b.text for b in self.kept]
        if self.trace is not None:
            for block in self.kept:
                self.trace.filtered(block.position, block.text, None)
        return self.result

    def _tail_start(self, text: str, key: str) -> str | None:
        """"footer" or "tail_heading" when the line may start a tail of non-article content."""
        if any(pattern.search(key) for pattern in rules.FOOTER_PATTERNS):
            return "footer"
        if (is_title_like(text) or text.endswith(":")) and _starts_with_marker(key, rules.TAIL_HEADINGS):
            return "tail_heading"
        return None

    def _ends_article(self, tail: str, rest: list[Block]) -> bool:
        """Whether a tail start really ends the article: a tail heading comes after some of its prose (or
        before none), a footer line after more prose than follows it ("© Shutterstock" over the first
        paragraph is a photo credit)."""
        before = _prose_length(self.kept)
        after = _prose_length(rest)
        if tail == "footer":
            return after <= before
        return before > 0 or after == 0

    def _drop_rest(self, blocks: list[Block], rule: str) -> None:
        for block in blocks:
            self.drop(block, rule)

    def _drop_box(self, blocks: list[Block], index: int) -> int:
        """Drop a "Tin liên quan" heading and the link-like lines after it; return where text resumes."""
        self.drop(blocks[index], "related_box")
        index += 1
        while index < len(blocks) and not is_sentence(blocks[index].text):
            self.drop(blocks[index], "related_box")
            index += 1
        return index

    def _drop_header(self, blocks: list[Block]) -> list[Block]:
        """Pre-extracted text: the lines before the first paragraph are title, slogans, tags, dates."""
        for index, block in enumerate(blocks):
            if is_sentence(block.text):
                header = blocks[:index]
                titles = [b.text for b in header if not rules.SLOGAN.search(b.text) and len(b.text.split()) >= 4]
                if titles and not self.result.title:
                    self.result.title = titles[0]
                    self.title_key = line_key(titles[0])
                for b in header:
                    self.drop(b, "title_line" if b.text == self.result.title else "header_line")
                return blocks[index:]
        return blocks

    def _source(self, text: str) -> str | None:
        if len(text) > rules.SOURCE_MAX_CHARS:
            return None
        match = rules.SOURCE_LINE.match(text)
        return match["source"].strip(_EDGE_PUNCTUATION) if match else None

    def _take_agency(self, text: str) -> None:
        lowered = text.lower()
        for name, agency in rules.AGENCIES.items():
            if name in lowered:
                self.result.source = self.result.source or agency
                return

    def _drop_title_runs(self) -> None:
        """Runs of short title-like lines are lists of links to other articles."""
        kept: list[Block] = []
        run: list[Block] = []
        for block in [*self.kept, None]:
            if block is not None and block.kind in ("p", "head") and is_title_like(block.text) \
                    and len(block.text.split()) >= 2:
                run.append(block)
                continue
            if len(run) >= rules.TITLE_RUN_MIN and self._are_links(run):
                for item in run:
                    self.drop(item, "title_run")
            else:
                kept.extend(run)
            run = []
            if block is not None:
                kept.append(block)
        self.kept = kept

    def _are_links(self, run: list[Block]) -> bool:
        """Whether a run of title-like lines is a list of links: most of its lines the text of links of
        the page (without markup to tell, as pre-extracted text, every such run is taken for one)."""
        if self.link_share is None:
            return True
        linked = sum(self.link_share(block.text) >= rules.LINKED_LINE_SHARE for block in run)
        return 2 * linked >= len(run)

    def _drop_trailing_teasers(self) -> None:
        """A paragraph cut short with "…" at the end of the text is the teaser of another article."""
        while self.kept and rules.TRUNCATED.search(self.kept[-1].text):
            self.drop(self.kept.pop(), "teaser")
        while self.kept and is_title_like(self.kept[-1].text) and self.kept[-1].kind == "head":
            self.drop(self.kept.pop(), "trailing_heading")

    def _take_author(self) -> None:
        """A short name-like last line is the byline, not text."""
        if len(self.kept) < 2:
            return
        text = self.kept[-1].text
        if len(text) <= rules.AUTHOR_MAX_CHARS and (match := rules.AUTHOR_LINE.match(text)):
            self.result.author = self.result.author or author_names(match["name"])
            self.drop(self.kept.pop(), "author_line")


def filter_blocks(blocks: list[Block], title: str | None = None, lead: str | None = None,
                  text_mode: bool = False, trace: Trace | None = None,
                  link_share: Callable[[str], float] | None = None) -> Filtered:
    """Run the post-filter over extracted paragraphs.

    `text_mode` is for pre-extracted text, whose first lines (title, slogans, dates) are not
    marked up: they are dropped up to the first paragraph that reads as prose. A `trace` is told
    every paragraph's verdict. `link_share` tells the share of a line that is the text of the page's
    links, where there is a page.
    """
    return _Filter(blocks, title, lead, text_mode, trace, link_share).run()
