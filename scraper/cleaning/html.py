"""Cleaning an HTML article page: one parse, pruning, trafilatura extraction, the Vietnamese post-filter."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import trafilatura
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, document_fromstring

from . import rules
from .article import Article, Removed
from .decode import decode_page
from .errors import EmptyInput, InputTooLarge, NotAnArticle
from .hints import CleanerHints
from .metadata import PageMetadata, extract_metadata, parse_date_line
from .normalize import normalize_line
from .pagetype import PageMeasures, PageType, judge, measure_page, text_outside_links
from .postfilter import Block, author_names, filter_blocks, is_sentence, line_key
from .seams import PageText, compact, link_coverage, link_texts, page_text, split_at_seams
from .text import vietnamese_language
from .trace import Trace

MAX_ELEMENTS = 200_000
_PARSER = HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=False)
# Every element an HtmlElement, chosen in C: lxml.html's own lookup (form-element classes) runs Python
# code for each element touched, a tenth of the cleaner's time.
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))
_LEAF_TAGS = ("p", "h2", "h3", "span", "strong", "b", "td", "div")  # leaf blocks that may hold the lead
_LINK_BOX_WORD = re.compile("|".join(map(re.escape, rules.LINK_BOX_CLASS_WORDS)))
_WIDGET_WORD = re.compile("|".join(map(re.escape, rules.WIDGET_CLASS_WORDS)))
_NEVER_ARTICLE_WORD = re.compile("|".join(map(re.escape, rules.NEVER_ARTICLE_CLASS_WORDS)))
_LEAD_CLASSED_TAGS = ("p", "h2", "h3", "div", "span", "strong")  # elements whose class may name the lead
_BLOCK_TAGS = frozenset(("div", "p", "table", "ul", "ol", "h1", "h2", "h3", "h4", "section", "article", "blockquote",
                         "figure"))
# The inline elements of running text (HTML's phrasing content, less forms and media players).
_PHRASING_TAGS = frozenset(("a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "font", "i",
                            "img", "kbd", "mark", "picture", "q", "s", "samp", "small", "span", "strong", "sub",
                            "sup", "time", "u", "var", "wbr"))
# Elements that stand between words, not inside one: the text after one is a new word ("ba”.<img>Tổng").
_SEPARATING_TAGS = ("img", "figure", "picture", "video", "audio", "iframe", "table", "div", "p", "ul", "ol",
                    "blockquote", "section", "aside", "h1", "h2", "h3", "h4", "h5", "h6")
_PARAGRAPH_TAGS = frozenset(("p", "td", "div"))  # elements whose own text may be a paragraph of prose
_BREAK = "\u2029"  # a <br> inside a paragraph, kept apart from the source's own line breaks


_SERVER_CODE = re.compile(r"<%.*?%>", re.S)
_FLIGHT_STRING = re.compile(r'self\.__next_f\.push\(\[1,\s*"(?P<text>(?:[^"\\]|\\.)*)"\]\)')
_HTML_FRAGMENT = re.compile(r"<(?:p|h[1-6]|div|li|blockquote)[\s>]")
_HEAD = re.compile(r"<head[\s>].*?</head>", re.S | re.I)
_NOT_XML_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32)])  # control characters, in UTF-8


def parse_html(text: str) -> HtmlElement:
    """Parse a page once; refuse pages too large or too deeply nested to clean in bounded time."""
    text = re.sub(r"^\s*<%@.*?%>", "", text, flags=re.S)  # server-side page directives before <html>
    # control characters (and U+FFFE, U+FFFF) lxml parses but cannot write back into a tree
    data = text.encode("utf-8", "replace").translate(None, _NOT_XML_BYTES)
    if b"\xef\xbf" in data:  # a character from U+FFC0 on: U+FFFE or U+FFFF may be there
        data = data.replace(b"\xef\xbf\xbe", b"").replace(b"\xef\xbf\xbf", b"")
    try:
        tree = document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError) as error:
        raise EmptyInput(f"no HTML document could be parsed ({error})") from None
    if any(entry.type_name == "ERR_RESOURCE_LIMIT" for entry in _PARSER.error_log):
        raise InputTooLarge("the page nests elements deeper than the HTML parser's limit of 256")
    if len(text) > 3 * MAX_ELEMENTS and sum(1 for _ in tree.iter()) > MAX_ELEMENTS:  # "<a>": 3 characters
        raise InputTooLarge(f"the page has more than {MAX_ELEMENTS:,} elements")
    if "<%" in text or "&lt;%" in text:  # a server directive that a broken page shows as text
        for node in tree.iter():
            if node.text and "<%" in node.text:
                node.text = _SERVER_CODE.sub("", node.text)
            if node.tail and "<%" in node.tail:
                node.tail = _SERVER_CODE.sub("", node.tail)
    return tree


class _Remover:
    """Takes blocks out of the page tree, recording each with the rule that took it (and telling
    the trace, when there is one)."""

    def __init__(self, trace: Trace | None) -> None:
        self.removed: list[Removed] = []
        self.trace = trace

    def drop(self, element: HtmlElement, text: str, rule: str) -> None:
        if text:
            self.removed.append(Removed(text, rule))
        if self.trace is not None:
            self.trace.markup_removed(element, text, rule)
        _take_out(element)


def _take_out(element: HtmlElement) -> None:
    """Remove an element from the tree, keeping the text after it. A block's place keeps a line break, so
    that the text before and after it do not run together as one paragraph."""
    if element.tag not in _PHRASING_TAGS and element.tail and element.tail.strip():
        line_break = element.makeelement("br")
        line_break.tail = element.tail
        element.addnext(line_break)
        element.tail = None
    element.drop_tree()


def _text_in_order(element: etree._Element, line_break: str, break_tag: str = "br") -> str:
    """An element's text in reading order: each child's text, then what is under it, then its tail (the
    tail comes after the child's descendants); `line_break` stands for each `break_tag`; scripts and
    styles give no text."""
    parts = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        if event == "start":
            if node.tag == break_tag:
                parts.append(line_break)
            if node.text and node.tag not in ("script", "style"):
                parts.append(node.text)
        elif node is not element and node.tail:
            parts.append(node.tail)
    return "".join(parts)


def _element_text(element: HtmlElement) -> str:
    return normalize_line(_text_in_order(element, " "))


def _lead_candidates(tree: HtmlElement, meta: PageMetadata) -> list[HtmlElement]:
    """Elements that may hold the lead, best first: the one whose text is the page's description,
    then those with a lead-like class, then a sentence-like heading right after the headline."""
    candidates: list[HtmlElement] = []
    body = tree.find("body")
    if body is None:
        return candidates
    if meta.description and len(meta.description) >= rules.LEAD_MIN_CHARS:
        prefix = line_key(meta.description[:60])
        for element in body.iter(*_LEAF_TAGS):
            if element.tag == "div" and next(element.iterdescendants("div", "p"), None) is not None:
                continue  # only a div that holds no block is a leaf (tested first: a container's text is long)
            text = element.text_content()
            if len(text) < rules.LEAD_MIN_CHARS:
                continue  # too short to be the lead (menus, labels: most elements)
            if line_key(text[:200]).startswith(prefix):
                candidates.append(element)
                break
    candidates.extend(element for element in body.iter(*_LEAD_CLASSED_TAGS) if _names_lead(element.get("class")))
    candidates.extend(tree.xpath("//h1/following::*[self::h2 or self::h3 or self::p][1]"))
    return candidates


@lru_cache(maxsize=4096)
def _names_lead(class_names: str | None) -> bool:
    """Whether a class attribute names the lead (sapo)."""
    names = (class_names or "").lower()
    return bool(names) and any(word in names for word in rules.LEAD_CLASS_WORDS)


def _lead_element(tree: HtmlElement, meta: PageMetadata) -> HtmlElement | None:
    """The element holding the lead (sapo): the first candidate that is a block of prose of its own, not
    words of a sentence nor the summary of another article's teaser."""
    title_key = line_key(meta.title or "")
    for element in _lead_candidates(tree, meta):
        if element.getparent() is None or element.xpath("ancestor::figure or ancestor::head") \
                or _in_running_text(element, {}):
            continue
        text = _element_text(element)
        if not (rules.LEAD_MIN_CHARS <= len(text) <= rules.LEAD_MAX_CHARS) or line_key(text) == title_key \
                or not is_sentence(text) or element.xpath(".//p[.//p] | .//div[.//p]") \
                or rules.TRUNCATED.search(text) or _in_teaser(element, title_key):
            continue
        return element
    return None


def _take_lead(tree: HtmlElement, meta: PageMetadata, remover: _Remover, found: HtmlElement | None) -> str | None:
    """Take the lead (sapo) out of the tree, its inline related links dropped: `found`, the element found
    before, unless a step since took it out (as a caption) and another is found now."""
    still_there = found is not None and any(ancestor is tree for ancestor in found.iterancestors())
    element = found if still_there else _lead_element(tree, meta)
    if element is None:
        return None
    for link in element.xpath(".//a"):
        link_text = normalize_line(link.text_content())
        if rules.LINK_LINE.match(link_text):
            remover.drop(link, link_text, "link_line")
    text = _element_text(element)
    if remover.trace is not None:
        remover.trace.lead_taken(element, text)
    _take_out(element)
    return text


def _in_teaser(element: HtmlElement, title_key: str) -> bool:
    """Whether an element stands in another article's teaser: inside a link, or in a block (two levels up)
    that holds little besides it and a headline link that is not this page's own headline."""
    if element.xpath("ancestor::a"):
        return True
    own = len(element.text_content().strip())
    block = element.getparent()
    for _ in range(2):
        if block is None:
            return False
        rest = len(block.text_content().strip()) - own
        for link in block.iter("a"):
            text = normalize_line(link.text_content())
            if len(text.split()) >= 4 and line_key(text) != title_key and element not in link.iterancestors() \
                    and rest <= len(text) + rules.TEASER_EXTRA_CHARS:
                return True
        block = block.getparent()
    return False


def _take_byline(tree: HtmlElement, remover: _Remover) -> tuple[str | None, str | None]:
    """The right-aligned byline closing the body: (author, source), taken out of the tree. Of the last
    few right-aligned lines, a "Theo <author>/<source>" line wins over a bare name (the original
    publication often follows it: "Theo Minh Nguyễn/Vcamp.vn", "Forbes")."""
    closing = [(element, text) for element in reversed(tree.xpath(rules.BYLINE_XPATH))
               if (text := _element_text(element)) and len(text) <= rules.AUTHOR_MAX_CHARS + 20]
    closing = closing[:rules.BYLINE_LINES]
    for element, text in closing:
        if source := rules.SOURCE_LINE.match(text):
            remover.drop(element, text, "source_line")
            author = source["author"].strip() if source["author"] else None
            return author, source["source"].strip()
    for element, text in closing:
        if author := rules.AUTHOR_LINE.match(text):
            remover.drop(element, text, "author_line")
            return author_names(author["name"]), None
    return None, None


_CAPTION_TAG = etree.XPath(rules.CAPTION_TAG_XPATH)
_CLASSED_ANY = etree.XPath("//*[@class]")
_PHOTO_TABLE = etree.XPath(rules.PHOTO_TABLE_XPATH)
_ITALIC_PHOTO_LINE = etree.XPath(rules.CENTRED_ITALIC_PHOTO_LINE)


@lru_cache(maxsize=4096)
def _names_caption(class_names: str) -> bool:
    return bool(rules.CAPTION_CLASS.search(class_names))


def _is_centred(element: HtmlElement) -> bool:
    style = (element.get("style") or "").lower().replace(" ", "")
    return element.get("align") == "center" or "text-align:center" in style


# The caption rules of `rules`, in their order, each finding its elements in a tree (the class and
# centring tests run in Python on candidates: faster than the same tests in XPath), and whether it goes
# by position alone (a line at a photo), not by what the markup names a caption.
_CAPTION_FINDERS: tuple[tuple[Callable[[HtmlElement], list[HtmlElement]], bool], ...] = (
    (_CAPTION_TAG, False),
    (lambda tree: [e for e in _CLASSED_ANY(tree) if _names_caption(e.get("class", ""))], False),
    (_PHOTO_TABLE, True),
    (lambda tree: [e for e in tree.iter(*rules.CENTRED_CAPTION_TAGS) if _is_centred(e) and _ITALIC_PHOTO_LINE(e)],
     True),
)


def _reads_as_text(text: str) -> bool:
    """Text beside a photo that is part of the article, not its caption: a numbered step ("Bước 2: …"), or
    several sentences of prose (a caption is one sentence and a credit)."""
    if rules.STEP_LABEL.match(text):
        return True
    sentences = [part for part in rules.SENTENCE_SPLIT.split(text) if len(part.split()) >= rules.SENTENCE_MIN_WORDS]
    return len(sentences) >= 2


def _take_captions(tree: HtmlElement, remover: _Remover) -> list[str]:
    captions: list[str] = []
    for find, by_position in _CAPTION_FINDERS:
        for element in find(tree):
            text = _element_text(element)
            if len(text) > rules.CAPTION_MAX_CHARS + 150 or by_position and _reads_as_text(text):
                continue
            if text:
                captions.append(text)
            if element.getparent() is not None:
                remover.drop(element, text, "caption")
            elif text:
                remover.removed.append(Removed(text, "caption"))
    return captions


def _boilerplate_name(element: HtmlElement) -> str | None:
    """What the element's class or id names it, when that is chrome: "widget" (ads, comments, sharing…) or
    "links" (a related list, a menu, a tag row)."""
    return _chrome_kind(f"{element.get('class', '')} {element.get('id', '')}")


@lru_cache(maxsize=4096)
def _chrome_kind(class_and_id: str) -> str | None:
    """`_boilerplate_name` of a class and id (class names recur on a page: each is read once)."""
    names = class_and_id.lower()
    if not names.strip():
        return None
    if _WIDGET_WORD.search(names) or any(token in rules.BOILERPLATE_CLASS_TOKENS for token in names.split()):
        return "widget"
    return "links" if _LINK_BOX_WORD.search(names) else None


def _chrome(body: HtmlElement, paragraphs: dict[HtmlElement, int]) -> set[HtmlElement]:
    """The outermost elements of chrome: whose class or id names what never holds the article (a popup, a
    footer, comments); then, of the rest, those of a tag that is never article text or whose class or id
    names a widget, unless they hold more than a share of the prose (as pruning spares them)."""
    never = _outermost(body, lambda e: _never_article(f"{e.get('class', '')} {e.get('id', '')}"))
    paragraphs = {p: n for p, n in paragraphs.items() if not any(a in never for a in p.iterancestors())}
    prose_under = _prose_under(paragraphs)
    prose = max(sum(paragraphs.values()), 1)
    return never | _outermost(body, lambda e: e not in never and (
        e.tag in rules.BOILERPLATE_TAGS or _boilerplate_name(e) == "widget")
        and prose_under.get(e, 0) <= rules.PRUNE_MAX_PROSE_SHARE * prose, skip=never)


@lru_cache(maxsize=4096)
def _never_article(class_and_id: str) -> bool:
    """Whether a class and id name what never holds the article (a popup, a footer, comments)."""
    return bool(_NEVER_ARTICLE_WORD.search(class_and_id.lower()))


def _outermost(body: HtmlElement, chosen: Callable[[HtmlElement], bool],
               skip: set[HtmlElement] | None = None) -> set[HtmlElement]:
    """The outermost elements under `body` that `chosen` picks (not looking inside `skip`)."""
    skip = skip or set()
    found: set[HtmlElement] = set()
    stack = list(body)
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str) or element in skip:
            continue
        if chosen(element):
            found.add(element)
        else:
            stack.extend(element)
    return found


def _is_boilerplate_container(element: HtmlElement, name: str | None) -> bool:
    """A container of chrome: by its tag, or by a class or id (`name`, see `_boilerplate_name`) naming a
    widget, or a list of links that it is (links make up a good share of its text)."""
    if element.tag in rules.BOILERPLATE_TAGS or name == "widget":
        return True
    return name == "links" and _link_share(element) >= rules.LINK_BOX_MIN_LINK_SHARE


def _link_share(element: HtmlElement) -> float:
    """The share of an element's text that is the text of links (1.0 for an element with no text)."""
    text = len("".join(element.text_content().split()))
    links = sum(len("".join(link.text_content().split())) for link in element.iter("a"))
    return links / text if text else 1.0


def _is_link_paragraph(element: HtmlElement, text: str) -> bool:
    """A short paragraph whose text is a link (a pointer to another article), or a row of links with a
    label and separators that reads as no sentence ("Mua nguyên liệu: Trứng gà | Sữa tươi")."""
    if element.tag not in ("p", "li", "h2", "h3", "h4", "div") or len(text) > 200 or element.xpath(".//p|.//div"):
        return False
    links = [length for link in element.iter("a") if link.get("href") and (length := len(_element_text(link)))]
    if not links:
        return False
    if sum(links) >= 0.8 * len(text):
        return True
    return len(links) >= 2 and sum(links) >= rules.LINK_ROW_MIN_SHARE * len(text) and not is_sentence(text)


def _long_paragraphs(element: HtmlElement) -> dict[HtmlElement, int]:
    """The paragraph-like elements (p, td, div) under an element whose own text, the text not inside a
    block within them (that of links and spans counts), is long enough to be prose, with that length.
    One walk over the tree: each piece of text counts for the nearest block around it."""
    lengths: dict[HtmlElement, int] = {}
    owners: list[HtmlElement] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        if not isinstance(node.tag, str):
            continue
        if event == "start":
            owners.append(node if node.tag not in _PHRASING_TAGS or not owners else owners[-1])
            if node.text:
                lengths[owners[-1]] = lengths.get(owners[-1], 0) + len(node.text.strip())
        else:
            owners.pop()
            if node.tail and owners:
                lengths[owners[-1]] = lengths.get(owners[-1], 0) + len(node.tail.strip())
    return {block: length for block, length in lengths.items()
            if length >= rules.PROSE_MIN_CHARS and block.tag in _PARAGRAPH_TAGS}


def _prose_under(paragraphs: dict[HtmlElement, int]) -> dict[HtmlElement, int]:
    """The prose under each element that holds any, summed up from the long paragraphs in one pass."""
    totals: dict[HtmlElement, int] = {}
    for paragraph, length in paragraphs.items():
        for element in (paragraph, *paragraph.iterancestors()):
            totals[element] = totals.get(element, 0) + length
    return totals


def _article_container(paragraphs: dict[HtmlElement, int]) -> set[HtmlElement]:
    """The element holding the most prose in its own paragraphs, with its ancestors: never pruned."""
    scores: dict[HtmlElement, int] = {}
    for paragraph, length in paragraphs.items():
        parent = paragraph.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + length
    if not scores:
        return set()
    best = max(scores, key=scores.__getitem__)
    return {best, *best.iterancestors()}


def _still_under(paragraphs: dict[HtmlElement, int], body: HtmlElement) -> dict[HtmlElement, int]:
    """The paragraphs of an earlier measure that a step since has left in the tree."""
    return {p: length for p, length in paragraphs.items() if body in p.iterancestors()}


def _prune(tree: HtmlElement, remover: _Remover, paragraphs: dict[HtmlElement, int]) -> None:
    """Drop boilerplate containers and link-only paragraphs, never a container holding the article.
    `paragraphs` are the page's long paragraphs as measured before the lead and captions were taken."""
    body = tree.find("body")
    if body is None:
        return
    paragraphs = _still_under(paragraphs, body)
    prose_under = _prose_under(paragraphs)
    prose = max(sum(paragraphs.values()), 1)
    protected = _article_container(paragraphs)
    block_words: dict[HtmlElement, int] = {}
    doomed: list[tuple[HtmlElement, str]] = []
    stack = list(body)
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        name = _boilerplate_name(element)
        boilerplate = _is_boilerplate_container(element, name)
        teasers = not boilerplate and element not in protected and _is_teaser_list(element, block_words)
        if name and not boilerplate:  # a "related" box of no links: no class rule of the extractor drops it
            element.attrib.pop("class", None)
            element.attrib.pop("id", None)
        if teasers:  # other articles' teasers, however long their summaries (never the article's container)
            doomed.append((element, "teaser_list"))
            continue
        if element not in protected and boilerplate and not _in_running_text(element, block_words):
            if prose_under.get(element, 0) <= rules.PRUNE_MAX_PROSE_SHARE * prose:
                doomed.append((element, "boilerplate_container"))
                continue
        elif element.tag == "div" and (element.find("div") is not None or element.find("p") is not None):
            _wrap_loose_text(element)  # a container of blocks: neither a link paragraph nor a paragraph itself
        elif element.tag in ("p", "li", "h2", "h3", "h4", "div"):
            raw = element.text_content()
            # normalised only when short enough to be a link paragraph (200 characters) in the end
            text = normalize_line(raw) if len(raw) < 300 or len(" ".join(raw.split())) < 300 else raw
            if text and _is_link_paragraph(element, text):
                doomed.append((element, "link_paragraph"))
                continue
            if element.tag == "div" and len(text) >= rules.PROSE_MIN_CHARS and _holds_only_phrasing(element):
                element.tag = "p"  # a div holding a paragraph's worth of inline content is a paragraph
        stack.extend(element)
    for element, rule in doomed:
        remover.drop(element, normalize_line(element.text_content()), rule)
    _unclass_running_text(body)


def _is_teaser_list(element: HtmlElement, block_words: dict[HtmlElement, int]) -> bool:
    """A list of other articles' teasers, whatever its class: enough of its items, and most of them, each
    holding a headline link that stands in no sentence, and a summary (see `rules.TEASER_LIST_MIN_ITEMS`).
    `block_words` caches the words of blocks (see `_in_running_text`)."""
    items = [child for child in element if child.tag in ("li", "div", "article")]
    if len(items) < rules.TEASER_LIST_MIN_ITEMS:
        return False
    items = [item for item in items if item.text_content().strip()]
    teasers = sum(_is_teaser_item(item, block_words) for item in items)
    return teasers >= rules.TEASER_LIST_MIN_ITEMS and teasers >= rules.TEASER_LIST_MIN_SHARE * len(items)


def _is_teaser_item(item: HtmlElement, block_words: dict[HtmlElement, int]) -> bool:
    """An item holding a headline link (not inside a sentence) and a summary outside its links."""
    fewest, most = rules.TEASER_HEADLINE_WORDS
    headlines = [link for link in item.iter("a") if (link.get("href") or "#")[0] != "#"
                 and fewest <= len(link.text_content().split()) <= most]
    if not headlines or any(_in_running_text(link, block_words) for link in headlines):
        return False
    shortest, longest = rules.TEASER_SUMMARY_CHARS
    return shortest <= text_outside_links(item) <= longest


def _in_running_text(element: HtmlElement, block_words: dict[HtmlElement, int]) -> bool:
    """An inline element inside a sentence: the nearest block around it holds words besides its own
    ("giá <a class="cms-relate">cổ phiếu PNJ</a> liên tục lao dốc"). `block_words` caches each block's words."""
    if element.tag not in _PHRASING_TAGS:
        return False
    block = next((ancestor for ancestor in element.iterancestors() if ancestor.tag not in _PHRASING_TAGS), None)
    if block is None:
        return False
    if block not in block_words:
        block_words[block] = len(block.text_content().split())
    return block_words[block] - len(element.text_content().split()) >= rules.RUNNING_TEXT_MIN_WORDS


def _unclass_running_text(body: HtmlElement) -> None:
    """Inline elements inside sentences lose their class and id, so that no class rule of the extractor
    cuts their words out of the sentence either."""
    block_words: dict[HtmlElement, int] = {}
    for element in body.iter(*_PHRASING_TAGS):
        if (element.get("class") is not None or element.get("id") is not None) \
                and _in_running_text(element, block_words):
            element.attrib.pop("class", None)
            element.attrib.pop("id", None)


def _holds_only_phrasing(element: HtmlElement) -> bool:
    """Whether everything under the element is running text (no block, however deep: a div holding a
    <main> of paragraphs is no paragraph)."""
    return all(isinstance(node.tag, str) and node.tag in _PHRASING_TAGS for node in element.iterdescendants())


def _wrap_loose_text(container: HtmlElement) -> None:
    """Make a paragraph of each run of text standing loose among the container's blocks (its text or a block's
    tail, with the inline elements of running text that follow), as extraction keeps only the text inside
    blocks. A run holding anything else (a stray <title> or <meta> of a broken page) is left as it is."""
    runs: list[tuple[HtmlElement | None, str | None, list[HtmlElement]]] = []
    block, text, inline = None, container.text, []
    for child in container:
        if child.tag in _BLOCK_TAGS:
            runs.append((block, text, inline))
            block, text, inline = child, child.tail, []
        else:
            inline.append(child)
    runs.append((block, text, inline))
    for block, text, inline in runs:
        # counted outside the inline elements: a caption in an italic span after a photo is not loose prose
        words = len((text or "").split()) + sum(len((element.tail or "").split()) for element in inline)
        if words < rules.LOOSE_TEXT_MIN_WORDS or any(isinstance(element.tag, str) and element.tag not in
                                                     _PHRASING_TAGS for element in inline):
            continue
        paragraph = container.makeelement("p")
        paragraph.text = text
        if block is None:
            container.text = None
            container.insert(0, paragraph)
        else:
            block.tail = None
            block.addnext(paragraph)
        paragraph.extend(inline)  # each with its tail


def _extract(tree: HtmlElement, url: str | None, paragraphs: dict[HtmlElement, int] | None = None) -> list[Block]:
    """trafilatura's fast extraction; its fallback extractors only when the fast one missed the prose (of the
    long paragraphs, when measured before, that are still in the tree)."""
    body = tree.find("body")
    if body is None:
        prose = 0
    else:
        prose = sum((_long_paragraphs(body) if paragraphs is None else _still_under(paragraphs, body)).values())
    head = tree.find("head")
    if head is not None:  # the metadata is read: extraction needs the body alone
        tree.remove(head)
    for element in tree.iter(*_SEPARATING_TAGS):  # trafilatura joins text across them without a space
        if element.tail and not element.tail[0].isspace():
            element.tail = " " + element.tail
    document = None
    for fast in (True, False):
        document = trafilatura.bare_extraction(tree, url=url, fast=fast, include_comments=False,
                                               include_tables=True, include_images=False, with_metadata=False)
        found = len(document.text or "") if document is not None else 0
        if document is not None and (found >= rules.FAST_EXTRACTION_MIN_SHARE * prose
                                     or prose - found < rules.FALLBACK_MIN_MISSING_PROSE):
            break
    return _blocks(document.body) if document is not None and document.body is not None else []


def _blocks(body: etree._Element) -> list[Block]:
    """trafilatura's output tree as paragraphs; line breaks inside a paragraph split it."""
    blocks: list[Block] = []
    for child in body:
        if child.tag == "list":
            blocks.extend(Block(_tree_text(item), "item") for item in child.iter("item"))
        elif child.tag == "table":
            for cell in child.iter("cell"):
                parts = [part for part in cell if part.tag in ("p", "head", "quote", "list")]
                if parts:
                    blocks.extend(Block(_tree_text(part), "cell") for part in parts)
                else:
                    blocks.append(Block(_tree_text(cell), "cell"))
        else:
            kind = {"head": "head", "quote": "quote"}.get(child.tag, "p")
            blocks.extend(Block(part, kind) for part in _tree_text(child, breaks=True).split(_BREAK))
    return blocks


def _tree_text(element: etree._Element, breaks: bool = False) -> str:
    return _text_in_order(element, _BREAK if breaks else " ", break_tag="lb")


def _hinted_texts(tree: HtmlElement, xpath: str | None) -> list[str]:
    found = tree.xpath(xpath) if xpath else []
    texts = [normalize_line(e.text_content()) for e in found if isinstance(e, HtmlElement)]
    return [text for text in texts if text]


def _apply_metadata_hints(tree: HtmlElement, meta: PageMetadata, hints: CleanerHints) -> None:
    """The outlet's own places for title, author, category and tags win; its date line fills a gap.
    Read before scripts are stripped: some templates write the date line from a script."""
    for field in ("title", "author", "category"):
        texts = _hinted_texts(tree, getattr(hints, field))
        if texts:
            setattr(meta, field, texts[0])
    tags = _hinted_texts(tree, hints.tags)
    if tags:
        meta.tags = list(dict.fromkeys(tags))
    if meta.published is None and hints.published:
        meta.published = next(filter(None, map(parse_date_line, _hinted_texts(tree, hints.published))), None)


def _drop_hinted(tree: HtmlElement, hints: CleanerHints, remover: _Remover) -> None:
    """Remove the boxes the outlet definition names."""
    for xpath in hints.drop:
        for element in tree.xpath(xpath):
            if isinstance(element, HtmlElement) and element.getparent() is not None:
                remover.drop(element, normalize_line(element.text_content()), "outlet_drop")


def _keep_hinted_body(tree: HtmlElement, hints: CleanerHints, remover: _Remover) -> None:
    """Keep only the article body container the outlet definition names, when the page has it."""
    found = tree.xpath(hints.body) if hints.body else []
    container = next((e for e in found if isinstance(e, HtmlElement)), None)
    body = tree.find("body")
    if container is None or body is None:
        return
    chain = [container, *container.iterancestors()]
    for element in chain:
        parent = element.getparent()
        if parent is None or element is body:
            break
        for sibling in list(parent):
            if sibling is not element and isinstance(sibling.tag, str):
                remover.drop(sibling, normalize_line(sibling.text_content()), "outside_outlet_body")


@dataclass
class _ReadPage:
    """A page read up to its page-type verdict: its text (as the cleaner reads it: see `_as_rendered`), tree
    (scripts stripped, the outlet's boxes dropped), metadata, the remover that dropped them, the measures."""

    page: str
    tree: HtmlElement
    meta: PageMetadata
    remover: _Remover
    paragraphs: dict[HtmlElement, int]
    lead: HtmlElement | None
    measures: PageMeasures
    page_type: PageType


def _read(html: str | bytes, url: str | None, hints: CleanerHints | None, trace: Trace | None) -> _ReadPage:
    page = decode_page(html)
    tree = parse_html(page)
    meta = extract_metadata(tree)
    if hints:
        _apply_metadata_hints(tree, meta, hints)
    etree.strip_elements(tree, "script", "style", "template", with_tail=False)
    page, tree = _as_rendered(page, tree)
    if trace is not None:
        trace.start(tree)
    remover = _Remover(trace)
    if hints:
        _drop_hinted(tree, hints, remover)
    body = tree.find("body")
    paragraphs = _long_paragraphs(body) if body is not None else {}
    lead = _lead_element(tree, meta)
    chrome = _chrome(body, paragraphs) if body is not None else set()
    measures = measure_page(tree, meta, paragraphs, chrome, lead is not None, url)
    return _ReadPage(page, tree, meta, remover, paragraphs, lead, measures, judge(measures))


def page_type_of(html: str | bytes, url: str | None = None,
                 hints: CleanerHints | None = None) -> tuple[PageMeasures, PageType]:
    """The measures of a page and the page-type verdict the cleaner gives it (raises `CleanerError`s for
    input that cannot be read)."""
    read = _read(html, url, hints, None)
    return read.measures, read.page_type


def clean_html(html: str | bytes, url: str | None = None, hints: CleanerHints | None = None,
               trace: Trace | None = None, keep_all: bool = False) -> Article:
    """Clean one article page: its text (lead first, one paragraph per line) and metadata.

    Raises a `CleanerError` subclass (`NotAnArticle`, `EmptyInput`, `BinaryInput`,
    `UnsupportedEncoding`, `InputTooLarge`) when the input is not an article that can be cleaned;
    `NotAnArticle` carries the page-type verdict and the signals that decided it. With `keep_all`, a
    page judged not to be an article is cleaned all the same (its `page_type` says what it is).
    `hints` are an outlet's XPaths of boxes to drop and of its article body container. A `trace`
    is told what each step kept and removed, block by block (see `scraper.cleaning.trace`).
    """
    read = _read(html, url, hints, trace)
    page, tree, meta, remover, measures, page_type = (read.page, read.tree, read.meta, read.remover, read.measures,
                                                     read.page_type)
    source = page_text(tree, lambda: parse_html(page))
    if page_type.kind != "article" and not keep_all:
        raise NotAnArticle(f"not an article ({'sure' if page_type.sure else 'doubtful'}, "
                           f"score {page_type.score:.2f}): {page_type.explain()}", page_type)
    captions = _take_captions(tree, remover)  # before the lead: a caption that repeats the description is none
    lead = _take_lead(tree, meta, remover, read.lead)
    byline_author, byline_source = _take_byline(tree, remover)
    if hints:
        _keep_hinted_body(tree, hints, remover)
    _prune(tree, remover, read.paragraphs)
    if trace is not None:
        trace.extraction_input(tree)
    links = link_texts(tree)
    blocks = _whole_pieces(_extract(tree, url, read.paragraphs), source, remover)
    if trace is not None:
        trace.extracted(blocks)
    result = filter_blocks(blocks, title=meta.title, lead=lead, trace=trace,
                           link_share=lambda line: link_coverage(compact(line), links))
    lines = _with_lead(result.lines, lead, trace)
    if not any(is_sentence(line) for line in lines):
        # where the page had prose, the pruning may have taken it: plain extraction of the whole page
        plain = filter_blocks(_whole_pieces(_extract(parse_html(page), url), source, remover), title=meta.title,
                              lead=lead) if measures.prose_chars >= rules.PLAIN_EXTRACTION_MIN_PROSE else None
        if plain is not None and any(is_sentence(line) for line in _with_lead(plain.lines, lead, None)):
            result, lines = plain, _with_lead(plain.lines, lead, None)
        elif not lines:
            raise NotAnArticle("not an article (doubtful): the page has no article text",
                               replace(page_type, kind="no_prose", sure=False))
        elif page_type.score < rules.PAGE_TYPE["keep_unsentenced_score"]:  # else verse, lists: kept
            page_type = replace(page_type, kind="no_prose", sure=False)
            if not keep_all:
                raise NotAnArticle("not an article (doubtful): the page has no paragraph of article prose",
                                   page_type)
    text = "\n".join(lines)
    published = meta.published
    if published is None:
        published = next((parse_date_line(r.text) for r in result.removed if r.rule == "date_line"), None)
    return Article(
        text=text,
        title=meta.title or result.title,
        lead=lead,
        author=meta.author or byline_author or result.author,
        published=published,
        modified=meta.modified,
        category=meta.category,
        tags=meta.tags or result.tags,
        source=byline_source or result.source or meta.source,
        captions=captions + result.captions,
        language=vietnamese_language(text) or meta.language,
        url=url,
        canonical_url=meta.canonical_url,
        page_type=page_type.kind,
        page_type_score=page_type.score,
        removed=remover.removed + result.removed,
    )


def _as_rendered(page: str, tree: HtmlElement) -> tuple[str, HtmlElement]:
    """The page and its tree (scripts stripped) as the cleaner reads them: as served, or, when the body holds
    almost no text and scripts carry the article's HTML, the page those scripts render."""
    body = tree.find("body")
    if body is not None and len(body.text_content().strip()) >= rules.PAGE_TYPE["little_text_chars"]:
        return page, tree
    rendered = _script_rendered_page(page)
    if rendered is None:
        return page, tree
    tree = parse_html(rendered)
    etree.strip_elements(tree, "script", "style", "template", with_tail=False)
    return rendered, tree


def page_as_read(data: str | bytes) -> tuple[str, HtmlElement]:
    """A page as the cleaner reads it, decoded and parsed (scripts stripped): see `_as_rendered`."""
    page = decode_page(data)
    tree = parse_html(page)
    etree.strip_elements(tree, "script", "style", "template", with_tail=False)
    return _as_rendered(page, tree)


def _script_rendered_page(page: str) -> str | None:
    """The page a script renders, for a page whose body the server leaves empty: the HTML fragments carried
    as strings in its Next.js flight data (`self.__next_f.push([1, "…"])`), in the page's own head."""
    fragments = []
    for match in _FLIGHT_STRING.finditer(page):
        try:
            fragment = json.loads(f'"{match["text"]}"')
        except ValueError:
            continue
        if _HTML_FRAGMENT.search(fragment):
            fragments.append(fragment)
    if not fragments:
        return None
    head = _HEAD.search(page)
    return f"<html>{head[0] if head else ''}<body>{''.join(fragments)}</body></html>"


def _with_lead(lines: list[str], lead: str | None, trace: Trace | None) -> list[str]:
    """The lead first, and not again among the lines."""
    if not lead:
        return lines
    if trace is not None:
        trace.lead_repeats_removed(lead)
    return [lead, *(line for line in lines if line_key(line) != line_key(lead))]


def _whole_pieces(blocks: list[Block], source: PageText, remover: _Remover) -> list[Block]:
    """Extracted paragraphs as contiguous pieces of the page's text (see `seams`); a piece of a stitched
    paragraph that is mostly link text (a menu or tag row run into the text) is dropped."""
    kept = []
    for block in blocks:
        pieces = split_at_seams(block.text, source)
        for piece in pieces:
            if pieces != [block.text] and source.link_share(compact(piece)) >= rules.STITCHED_LINKS_SHARE:
                remover.removed.append(Removed(piece, "stitched_links"))
                if remover.trace is not None:
                    remover.trace.filtered(block.position, piece, "stitched_links")
            else:
                kept.append(Block(piece, block.kind, block.position))
    return kept
