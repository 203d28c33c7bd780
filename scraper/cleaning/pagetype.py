"""Is this page one article, or a listing of many (a home, category, tag or video-hub page)?

No single sign decides: each signal adds evidence (log-odds) for an article or against it, and the
sum, through the logistic function, is the verdict's score, the probability of an article. The
weights and thresholds are data in `rules.PAGE_TYPE`, measured on labelled pages (see
`benchmarks/page_types.py` and `benchmarks/page_types.json`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from lxml.html import HtmlElement

from . import rules
from .metadata import PageMetadata

_SKIPPED = ("nav", "header", "footer", "aside", "form", "select", "button", "noscript")
_CARD_TAGS = ("li", "article", "div", "section", "td", "dd")
_HEADING_TAGS = ("h2", "h3", "h4", "h5")
_CARD_DEPTH = 5
_TEASERS_ALIKE = 3  # teasers of the same tag and class that make a repeated block
_SUMMARY_CHARS = 60  # a teaser's summary (sapo) outside its links
_TEASER_MAX_CHARS = 500  # a teaser holds no more text outside links than a summary


@dataclass
class PageType:
    """The verdict on a page: `kind` ("article" or "listing"; "no_prose" for one whose extraction found no
    paragraph of prose), `score` (probability of an article),
    `sure` (the score is far from the line) and `signals`: each signal's measure and the evidence it
    added, in log-odds (positive for an article)."""

    kind: str
    score: float
    sure: bool
    signals: dict[str, tuple[str, float]] = field(default_factory=dict)

    def explain(self) -> str:
        """The signals that weighed most, strongest first: "link text 0.91 of the text (-2.4), …"."""
        ranked = sorted(self.signals.items(), key=lambda item: -abs(item[1][1]))
        return ", ".join(f"{name} {measure} ({weight:+.1f})" for name, (measure, weight) in ranked if weight)


@dataclass
class PageMeasures:
    """What the signals are computed from: measured once on the page tree."""

    text_chars: int = 0
    link_chars: int = 0
    prose_chars: int = 0  # prose in the container holding the most of it
    # the largest set of same-looking teasers (headline link with a picture or summary), or the number of long
    # paragraphs read as teaser summaries when there are three or more (they need not look alike)
    teasers: int = 0
    teaser_chars: int = 0  # text in teasers
    jsonld_types: frozenset[str] = frozenset()
    og_type: str | None = None
    url_path: str | None = None
    title: str | None = None
    dated: bool = False  # the metadata declares a publication time
    lead: bool = False  # a lead paragraph, the page's description, stands in the page
    headline: bool = False  # the title stands as a heading that is no link

    @property
    def link_density(self) -> float:
        """The share of the page's text that is link text."""
        return self.link_chars / self.text_chars if self.text_chars else 0.0

    @property
    def teaser_share(self) -> float:
        """The share of the page's text that is in teasers."""
        return min(self.teaser_chars / self.text_chars, 1.0) if self.text_chars else 0.0



def measure_page(tree: HtmlElement, meta: PageMetadata, paragraphs: dict[HtmlElement, int],
                 chrome: set[HtmlElement], lead: bool, url: str | None) -> PageMeasures:
    """Measure a page (scripts and styles stripped) for the page-type signals, leaving out its `chrome`
    (menus, footers, popups: see `html._chrome`): `paragraphs` are its long paragraphs with their lengths
    (see `html._long_paragraphs`), `lead` whether its lead was found."""
    body = tree.find("body")
    measures = PageMeasures(jsonld_types=meta.jsonld_types, og_type=meta.og_type, url_path=_path(url),
                            title=meta.title, dated=meta.dated, lead=lead)
    if body is None:
        return measures
    measures.text_chars = _chars(body) - sum(map(_chars, chrome))
    in_chrome = {element for outermost in chrome for element in outermost.iterdescendants()}  # under chrome
    measures.headline = _has_headline(body, meta.title)
    headlines: dict[HtmlElement, int] = {}
    signatures: dict[tuple[str, str], list[tuple[HtmlElement, ...]]] = {}
    outside: dict[HtmlElement, int] = {}  # text outside links, of the blocks around headline links
    for link in body.iter("a"):
        text = " ".join(link.text_content().split())
        if not text or link in in_chrome:
            continue
        measures.link_chars += len(text)
        low, high = rules.TEASER_HEADLINE_WORDS
        if low <= len(text.split()) <= high and link.get("href"):
            headlines[link] = len(text)
            teaser = _teaser(link, outside)
            if teaser:
                key = (teaser[0].tag, teaser[0].get("class", ""))
                signatures.setdefault(key, []).append(teaser)
    measures.teasers = max(map(len, signatures.values()), default=0)
    # only teasers that repeat, alike, make a listing
    parts = {part for group in signatures.values() if len(group) >= _TEASERS_ALIKE for teaser in group
             for part in teaser}
    measures.teaser_chars = sum(len(" ".join(part.text_content().split())) for part in parts
                                if not any(ancestor in parts for ancestor in part.iterancestors()))
    near: dict[HtmlElement, int] = {}  # the longest headline link within two levels under each element
    for link, size in headlines.items():
        for _, ancestor in zip(range(_CARD_DEPTH), link.iterancestors(), strict=False):
            near[ancestor] = max(near.get(ancestor, 0), size)
    prose: dict[HtmlElement, int] = {}
    summaries: dict[HtmlElement, int] = {}  # long paragraphs that are teasers' summaries
    for paragraph, length in paragraphs.items():
        if paragraph not in in_chrome:
            is_summary = _is_teaser_summary(paragraph, length, headlines, near)
            (summaries if is_summary else prose)[paragraph] = length
    measures.prose_chars = _most_in_one_container(prose)
    if len(summaries) >= _TEASERS_ALIKE:  # three summaries too long for a teaser's card still make a listing
        measures.teasers = max(measures.teasers, len(summaries))
        measures.teaser_chars += sum(length for paragraph, length in summaries.items() if paragraph not in parts
                                     and not any(ancestor in parts for ancestor in paragraph.iterancestors()))
    return measures


def _has_headline(body: HtmlElement, title: str | None) -> bool:
    """Whether the page shows its title as a headline of its own: a heading of the title's words that is no
    link and holds none (a listing's heading names its section; its headlines are links)."""
    if not title or sum(any(c.isalnum() for c in word) for word in title.split()) < rules.TEASER_HEADLINE_WORDS[0] + 1:
        return False  # separators ("|", "-") are no words
    wanted = " ".join(title.split())
    for heading in body.iter("h1", "h2"):
        if " ".join(heading.text_content().split()) == wanted and heading.find(".//a") is None \
                and not any(ancestor.tag == "a" for ancestor in heading.iterancestors()):
            return True
    return False


def _chars(element: HtmlElement) -> int:
    return len(" ".join(element.text_content().split()))


def _most_in_one_container(paragraphs: dict[HtmlElement, int]) -> int:
    """The prose of the element holding the most of it in its own paragraphs."""
    totals: dict[HtmlElement, int] = {}
    for paragraph, length in paragraphs.items():
        parent = paragraph.getparent()
        if parent is not None:
            totals[parent] = totals.get(parent, 0) + length
    return max(totals.values(), default=0)


def _is_teaser_summary(paragraph: HtmlElement, length: int, headlines: dict[HtmlElement, int],
                       near: dict[HtmlElement, int]) -> bool:
    """A paragraph that is the summary of a teaser, not prose: mostly a headline link itself, or after one
    (the elements between holding no text, as a thumbnail), or in a small block with one and little else."""
    if _headline_text(paragraph, headlines) * 2 >= length:
        return True
    before = paragraph.getprevious()
    while before is not None and not before.text_content().strip():
        before = before.getprevious()
    if before is not None:
        headline = _headline_text(before, headlines)
        if headline and headline >= len(before.text_content().strip()) - 20:
            return True
    card = paragraph.getparent()
    for _ in range(2):
        if card is None:
            return False
        headline = near.get(card, 0)
        if headline and len(card.text_content().strip()) - length <= headline + _SUMMARY_CHARS:
            return True
        card = card.getparent()
    return False


def _headline_text(element: HtmlElement, headlines: dict[HtmlElement, int]) -> int:
    """The text length of the headline link that is or is inside `element` (0 when there is none)."""
    if element in headlines:
        return headlines[element]
    return max((headlines.get(link, 0) for link in element.iter("a")), default=0)


def _teaser(link: HtmlElement, outside: dict[HtmlElement, int]) -> tuple[HtmlElement, ...]:
    """The teaser a headline link heads, as the elements holding it: the nearest block around it (at most
    three levels up) that also holds a picture or a summary outside links, and not much more; or the
    heading it stands in with the summary paragraph after it. Nothing for a link of a menu, of a list of
    bare headlines, or inside a text. `outside` caches `_text_outside_links` (cards share blocks)."""
    for depth, ancestor in enumerate(link.iterancestors()):
        if ancestor.tag in _SKIPPED or depth >= _CARD_DEPTH:
            return ()
        if ancestor.tag in _HEADING_TAGS and text_outside_links(ancestor, outside) < _SUMMARY_CHARS:
            summary = ancestor.getnext()
            while summary is not None and not summary.text_content().strip():
                summary = summary.getnext()
            if summary is not None and summary.tag in ("p", "div") and \
                    _SUMMARY_CHARS <= text_outside_links(summary, outside) <= _TEASER_MAX_CHARS:
                return ancestor, summary
        if ancestor.tag in _CARD_TAGS:
            text = text_outside_links(ancestor, outside)
            if text > _TEASER_MAX_CHARS:
                return ()
            if text >= _SUMMARY_CHARS or next(ancestor.iter("img", "picture"), None) is not None:
                return (ancestor,)
    return ()


def text_outside_links(element: HtmlElement, cache: dict[HtmlElement, int] | None = None) -> int:
    """The length of an element's text outside its links (`cache`, when given, keeps it per element)."""
    if cache is None:
        cache = {}
    if element not in cache:
        link_text = sum(len(link.text_content().strip()) for link in element.iter("a"))
        cache[element] = len(element.text_content().strip()) - link_text
    return cache[element]


def _path(url: str | None) -> str | None:
    """The URL's path, with its query when it has one ("/?p=3289" is no home address)."""
    if not url:
        return None
    try:
        parts = urlparse(url)
    except ValueError:
        return None
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _step(value: float, steps: tuple[tuple[float, float], ...]) -> float:
    """The weight of the first step whose bound `value` reaches (steps are (bound, weight), bounds falling)."""
    for bound, weight in steps:
        if value >= bound:
            return weight
    return 0.0


def judge(measures: PageMeasures) -> PageType:
    """The page-type verdict from the measures, with each signal's evidence."""
    weights = rules.PAGE_TYPE
    signals: dict[str, tuple[str, float]] = {}
    types = measures.jsonld_types
    if types & weights["article_types"]:
        signals["JSON-LD"] = ("/".join(sorted(types & weights["article_types"])), weights["jsonld_article"])
    elif types & weights["listing_types"]:
        signals["JSON-LD"] = ("/".join(sorted(types & weights["listing_types"])), weights["jsonld_listing"])
    if measures.og_type:
        signals["og:type"] = (measures.og_type, weights["og_type"].get(measures.og_type, weights["og_other"]))
    if measures.text_chars < weights["little_text_chars"]:
        signals["text"] = (f"{measures.text_chars} characters in all", weights["little_text"])
    if measures.text_chars:
        signals["link text"] = (f"{measures.link_density:.2f} of the text",
                                _step(measures.link_density, weights["link_density"]))
    signals["prose"] = (f"{measures.prose_chars} characters in one container",
                        _step(measures.prose_chars, weights["prose_chars"]))
    if measures.text_chars:
        signals["teasers"] = (f"{measures.teaser_share:.2f} of the text in teasers ({measures.teasers} alike)",
                              _step(measures.teaser_share, weights["teaser_share"]))
    if measures.dated:
        signals["time"] = ("a declared publication time", weights["dated"])
    if measures.headline:
        signals["headline"] = ("the title stands as a headline of its own", weights["headline"])
    if measures.lead:
        signals["lead"] = ("the description stands as a lead", weights["lead"])
    if measures.title and rules.ERROR_TITLE.search(measures.title):
        signals["title"] = (f"{measures.title!r} names an error page", weights["error_title"])
    if measures.url_path is not None:
        signals["URL"] = _url_signal(measures.url_path, weights)
    evidence = weights["prior"] + sum(weight for _, weight in signals.values())
    score = 1 / (1 + math.exp(-evidence))
    kind = "article" if score >= 0.5 else "listing"
    sure = abs(evidence) >= weights["sure_log_odds"]
    return PageType(kind, round(score, 3), sure, signals)


def _url_signal(path: str, weights: dict) -> tuple[str, float]:
    """Weak evidence: a home address against an article, an article id for one."""
    stripped = path.strip("/")
    if not stripped or re.fullmatch(r"(index|default|home|trang-chu)(\.\w+)?", stripped, re.I):
        return "a home address", weights["url_home"]
    if rules.ARTICLE_URL_ID.search(path):
        return "an article id", weights["url_article_id"]
    return "", 0.0
