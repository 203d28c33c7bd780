"""What the cleaner did with each block of a page: kept, or removed and by which of its rules.

`clean_html` and `parse_text` take an optional `Trace`; each of their steps tells it what it took
out, so the record is the cleaner's own account, not a second reading of the rules. Blocks that
were still in the page when trafilatura extracted it, but are not in its output, are recorded
under the rule `extraction`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml.html import HtmlElement

from .normalize import normalize_line
from .postfilter import Block, line_key

# Where a block was dropped: taken out of the page tree before extraction, left out by
# trafilatura, or dropped from the extracted paragraphs by the post-filter.
MARKUP, EXTRACTION, POSTFILTER = "markup", "extraction", "postfilter"
LEAD = "lead"  # the stage of the lead, kept: taken out of the tree to open the text
EXTRACTION_RULE = "extraction"
LEAD_REPEAT_RULE = "lead_repeat"

_INLINE_TAGS = frozenset((
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "font", "i", "img", "kbd",
    "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
))

Position = tuple[int, int]  # (element's place in document order, paragraph within it)


@dataclass
class TracedBlock:
    """One block of the input, in reading order, and what the cleaner did with it.

    `rule` is None for a kept block, else the name of the rule that removed it; `stage` says which
    part of the cleaner decided (MARKUP, EXTRACTION or POSTFILTER; LEAD for the lead).
    """

    text: str
    rule: str | None
    stage: str

    @property
    def kept(self) -> bool:
        return self.rule is None


@dataclass
class _Entry:
    position: Position
    sequence: int
    block: TracedBlock


@dataclass
class Trace:
    """Collects, while the cleaner runs, where each block was and what became of it."""

    _order: dict[HtmlElement, int] = field(default_factory=dict)
    _entries: list[_Entry] = field(default_factory=list)
    _page_blocks: list[tuple[int, str]] = field(default_factory=list)

    def _add(self, position: Position, text: str, rule: str | None, stage: str) -> None:
        self._entries.append(_Entry(position, len(self._entries), TracedBlock(text, rule, stage)))

    def start(self, tree: HtmlElement) -> None:
        """Number the page's elements in document order, before any is taken out."""
        self._order = {element: index for index, element in enumerate(tree.iter())}

    def markup_removed(self, element: HtmlElement, text: str, rule: str) -> None:
        """A block taken out of the page tree before extraction."""
        if text:
            self._add((self._order.get(element, 0), 0), text, rule, MARKUP)

    def lead_taken(self, element: HtmlElement, text: str) -> None:
        """The lead, taken out of the tree to open the text."""
        self._add((self._order.get(element, 0), 0), text, None, LEAD)

    def extraction_input(self, tree: HtmlElement) -> None:
        """The text blocks still in the page when it goes to trafilatura."""
        self._page_blocks = _text_blocks(tree, self._order)

    def extracted(self, blocks: list[Block]) -> None:
        """trafilatura's paragraphs: each gets the place of the page block it came from; page blocks
        that are in none of them were left out by the extraction."""
        keys = [_match_key(block.text) for block in blocks]
        cursor = 0
        for index, (block, key) in enumerate(zip(blocks, keys, strict=True)):
            for place in range(cursor, len(self._page_blocks)):
                page_key = _match_key(self._page_blocks[place][1])
                if key and (key in page_key or page_key in key):
                    cursor = place
                    break
            order = self._page_blocks[cursor][0] if self._page_blocks else 0
            block.position = (order, index + 1)
        output = "\n".join(keys)
        for order, text in self._page_blocks:
            if _match_key(text) not in output and any(ch.isalpha() for ch in text):
                self._add((order, 0), text, EXTRACTION_RULE, EXTRACTION)

    def filtered(self, position: Position, text: str, rule: str | None) -> None:
        """The post-filter's verdict on one paragraph (or the part of one it split off)."""
        self._add(position, text, rule, POSTFILTER)

    def lead_repeats_removed(self, lead: str) -> None:
        """Kept paragraphs repeating the lead are dropped: the lead already opens the text."""
        for entry in self._entries:
            block = entry.block
            if block.kept and block.stage == POSTFILTER and line_key(block.text) == line_key(lead):
                block.rule = LEAD_REPEAT_RULE

    def blocks(self) -> list[TracedBlock]:
        """Every recorded block in reading order."""
        return [entry.block for entry in sorted(self._entries, key=lambda e: (e.position, e.sequence))]


def _match_key(text: str) -> str:
    return normalize_line(text).lower()


def _text_blocks(tree: HtmlElement, order: dict[HtmlElement, int]) -> list[tuple[int, str]]:
    """The page's text grouped by nearest block element, in document order: (element's place, text)."""
    body = tree.find("body")
    if body is None:
        return []
    parts: dict[HtmlElement, list[str]] = {}
    owners: dict[HtmlElement, HtmlElement] = {}

    def owner(element: HtmlElement) -> HtmlElement:
        found = owners.get(element)
        if found is None:
            parent = element.getparent()
            inline = element.tag in _INLINE_TAGS and element is not body and parent is not None
            found = owner(parent) if inline else element
            owners[element] = found
        return found

    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        if element.text:
            parts.setdefault(owner(element), []).append(element.text)
        parent = element.getparent()
        if element is not body and parent is not None and element.tail:
            separator = "" if element.tag in _INLINE_TAGS and element.tag != "br" else " "
            parts.setdefault(owner(parent), []).append(separator + element.tail)
    found = ((order.get(element, 0), normalize_line("".join(texts))) for element, texts in parts.items())
    return sorted((place, text) for place, text in found if text)
