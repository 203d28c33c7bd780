"""No holes: every paragraph the cleaner gives is one contiguous piece of the page's text.

Extraction sometimes runs two pieces of a page together as one paragraph (a skip link and the
headline, two paragraphs around a box it left out). Each extracted paragraph is checked against the
page's text, whitespace aside, and one that is no piece of it is split where the seams are.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree
from lxml.html import HtmlElement

from .normalize import normalize_line

_SPACE = re.compile(r"\s+")
_NOT_TEXT_TAGS = ("svg", "math", "rt", "rp")  # graphics, formulas, ruby annotations
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|clip\s*:\s*rect\(0")


def compact(text: str) -> str:
    """Text as the check compares it: normalised, without whitespace."""
    return _SPACE.sub("", normalize_line(text))


def _drop(elements: list[HtmlElement]) -> None:
    for element in elements:
        if element.getparent() is not None:
            element.drop_tree()


def other_readings(tree: HtmlElement) -> tuple[str, str]:
    """The page's text (of a tree no step has changed) as a reader sees it, with no graphics, formulas,
    ruby annotations, or elements hidden by the `hidden` attribute or an inline style; and as a screen
    reader reads it, without what `aria-hidden` keeps from it either (a tooltip, a drop cap). Changes
    the tree."""
    etree.strip_elements(tree, *_NOT_TEXT_TAGS, with_tail=False)
    _drop([element for element in tree.xpath("//*[@hidden or @style]") if element.get("hidden") is not None
           or _HIDDEN_STYLE.search(element.get("style", "").lower())])
    shown = compact(tree.text_content())
    _drop(tree.xpath("//*[@aria-hidden='true']"))
    return shown, compact(tree.text_content())


class PageText:
    """A page's text, to tell whether a paragraph is one contiguous piece of it: `whole`, compacted; and,
    made only when a paragraph is no piece of that (a few pages in a hundred), from the tree that
    `reparse()` gives (the page parsed again), its other readings and the texts of its links."""

    def __init__(self, whole: str, reparse: Callable[[], HtmlElement] | None = None) -> None:
        self.whole = whole
        self._reparse = reparse
        self._others: tuple[str, ...] | None = None
        self._links: list[str] = []

    def _other_readings(self) -> tuple[str, ...]:
        if self._others is None:
            self._others = ()
            if self._reparse is not None:
                tree = self._reparse()
                etree.strip_elements(tree, "script", "style", "template", with_tail=False)
                self._links = link_texts(tree)
                self._others = other_readings(tree)
        return self._others

    def holds(self, piece: str) -> bool:
        """Whether a compacted piece of text is contiguous in some reading of the page."""
        return piece in self.whole or any(piece in reading for reading in self._other_readings())

    def link_share(self, piece: str) -> float:
        """The share of a compacted piece of text that is the text of the page's links."""
        self._other_readings()
        return link_coverage(piece, self._links)


def link_texts(tree: HtmlElement) -> list[str]:
    """The compacted texts of a tree's links (of two characters or more), normalised in one go."""
    joined = compact("\ue000".join(" ".join(link.text_content().split()) for link in tree.iter("a")))
    return [text for text in joined.split("\ue000") if len(text) > 1]


def link_coverage(piece: str, links: list[str]) -> float:
    """The share of a compacted piece of text that is covered by the texts of `links`."""
    covered = bytearray(len(piece))
    for link in links:
        start = piece.find(link)
        while start >= 0:
            covered[start:start + len(link)] = b"\x01" * len(link)
            start = piece.find(link, start + len(link))
    return sum(covered) / len(piece) if piece else 0.0


def page_text(tree: HtmlElement, reparse: Callable[[], HtmlElement]) -> PageText:
    """The text of a parsed page whose scripts and styles are stripped, before any other step changes it."""
    return PageText(compact(tree.text_content()), reparse)


def text_lines(text: str) -> PageText:
    """Pre-extracted text: a piece must lie within one of its lines."""
    return PageText("\n".join(compact(line) for line in text.splitlines()))


def split_at_seams(text: str, page: PageText) -> list[str]:
    """A paragraph as the contiguous pieces of the page's text it is made of: itself when it is one;
    else each longest piece in turn (a character that is in no reading of the page is left out)."""
    line = normalize_line(text)
    squeezed = _SPACE.sub("", line)
    if page.holds(squeezed):
        return [text]
    positions = [index for index, char in enumerate(line) if not char.isspace()]
    pieces = []
    start = 0
    while start < len(squeezed):
        low, high = start, len(squeezed)  # the longest piece from `start` that the page holds
        while low < high:
            middle = (low + high + 1) // 2
            if page.holds(squeezed[start:middle]):
                low = middle
            else:
                high = middle - 1
        if low == start:
            start += 1
            continue
        if low < len(squeezed):  # end the piece where a word ends, if one does within it
            word_end = next((end for end in range(low, start, -1) if positions[end] > positions[end - 1] + 1), low)
            low = word_end
        pieces.append(line[positions[start]:positions[low - 1] + 1])
        start = low
    return pieces


def holes(page: PageText, text: str) -> list[str]:
    """The lines of a cleaned text that are not one contiguous piece of the page's text (whitespace aside):
    a kept paragraph with words missing from its middle, or two paragraphs run together."""
    return [line for line in text.splitlines() if not page.holds(compact(line))]
