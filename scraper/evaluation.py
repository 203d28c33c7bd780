"""Scoring cleaned text against the fixtures: token precision, recall, F1 and boilerplate removed,
for our cleaner and, in the same run, for plain trafilatura as the baseline."""

from __future__ import annotations

import contextlib
import html
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura
from lxml.html import document_fromstring

from .cleaning.decode import decode_page
from .cleaning.errors import CleanerError, NotAnArticle
from .cleaning.html import clean_html, page_as_read, parse_html
from .cleaning.normalize import normalize_line
from .cleaning.seams import holes, page_text, text_lines
from .cleaning.text import clean_text
from .fixtures import Fixture
from .public_sets import PublicPage, public_pages

_TOKEN_EDGES = "\"'“”‘’«»()[]{}.,;:!?…–—-"
_BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "dd", "dt", "figcaption", "blockquote", "div")
FIELDS = ("title", "lead", "author", "published", "category", "tags", "source")


def tokens(text: str) -> list[str]:
    """Whitespace tokens, lower-cased, without surrounding punctuation (Vietnamese syllables are tokens)."""
    found = (token.strip(_TOKEN_EDGES) for token in normalize_line(text.replace("\n", " ")).lower().split())
    return [token for token in found if token]


def token_scores(got: str, expected: str) -> tuple[float, float, float]:
    """Token precision, recall and F1 of `got` against `expected` (bags of tokens)."""
    got_bag, expected_bag = Counter(tokens(got)), Counter(tokens(expected))
    overlap = sum((got_bag & expected_bag).values())
    if not got_bag and not expected_bag:
        return 1.0, 1.0, 1.0
    precision = overlap / sum(got_bag.values()) if got_bag else 0.0
    recall = overlap / sum(expected_bag.values()) if expected_bag else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def boilerplate_lines(fixture: Fixture, expected_text: str) -> list[str]:
    """The input's lines that are not article text: what a cleaner should remove."""
    expected_lines = {normalize_line(line) for line in expected_text.splitlines()}
    if fixture.kind == "seed":
        candidates = [normalize_line(line) for line in decode_page(fixture.read_input()).splitlines()]
    else:
        tree = document_fromstring(decode_page(fixture.read_input()).encode("utf-8"))
        body = tree.find("body")
        candidates = [] if body is None else [
            normalize_line(element.text_content()) for element in body.iter(*_BLOCK_TAGS)
            if not any(isinstance(child.tag, str) and child.tag in _BLOCK_TAGS for child in element)
        ]
    joined = "\n".join(expected_lines)
    return [line for line in dict.fromkeys(candidates)
            if len(line.split()) >= 2 and line not in expected_lines and line not in joined]


def removed_share(output: str, boilerplate: list[str]) -> float:
    """Share of the boilerplate lines that the output does not contain."""
    if not boilerplate:
        return 1.0
    return sum(line not in output for line in boilerplate) / len(boilerplate)


def ours(fixture: Fixture) -> str:
    """Our cleaner's text for a fixture ("" when it refuses the page)."""
    data = fixture.read_input()
    if fixture.kind == "seed":
        return clean_text(data.decode("utf-8"))
    try:
        return clean_html(data, url=fixture.url).text
    except CleanerError:
        return ""


def plain_trafilatura(fixture: Fixture) -> str:
    """The baseline: trafilatura's default extraction with comments off."""
    data = fixture.read_input()
    if fixture.kind == "seed":
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in data.decode("utf-8").splitlines())
        data = f"<html><body><article>{paragraphs}</article></body></html>".encode()
    return trafilatura.extract(data, url=fixture.url, include_comments=False) or ""


EXTRACTORS: dict[str, Callable[[Fixture], str]] = {"scraper": ours, "trafilatura": plain_trafilatura}


@dataclass
class Score:
    precision: float
    recall: float
    f1: float
    boilerplate_removed: float
    seconds: float


@dataclass
class FixtureReport:
    name: str
    scores: dict[str, Score] = field(default_factory=dict)
    refused_correctly: bool | None = None


def evaluate(fixtures: list[Fixture]) -> list[FixtureReport]:
    """Score every extractor on every fixture (refusal fixtures: did our cleaner refuse the page?)."""
    reports = []
    for fixture in fixtures:
        report = FixtureReport(fixture.name)
        if fixture.refused:
            try:
                clean_html(fixture.read_input(), url=fixture.url)
                report.refused_correctly = False
            except CleanerError as error:
                report.refused_correctly = error.reason == fixture.refused
            reports.append(report)
            continue
        expected = fixture.expected["text"]
        boilerplate = boilerplate_lines(fixture, expected)
        for name, extractor in EXTRACTORS.items():
            start = time.perf_counter()
            output = extractor(fixture)
            seconds = time.perf_counter() - start
            report.scores[name] = Score(*token_scores(output, expected), removed_share(output, boilerplate), seconds)
        reports.append(report)
    return reports


def overall(reports: list[FixtureReport], extractor: str, kind: str | None = None) -> Score:
    """Mean scores of one extractor over the scored fixtures (of one kind: "seeds" or "pages")."""
    scores = [r.scores[extractor] for r in reports if extractor in r.scores
              and (kind is None or r.name.startswith(kind))]
    if not scores:
        return Score(0.0, 0.0, 0.0, 0.0, 0.0)
    count = len(scores)
    return Score(*(sum(getattr(s, f) for s in scores) / count
                   for f in ("precision", "recall", "f1", "boilerplate_removed")), sum(s.seconds for s in scores))


def format_report(reports: list[FixtureReport]) -> str:
    """The report as a plain-text table."""
    names = list(EXTRACTORS)
    header = f"{'fixture':42s}" + "".join(f" | {n:^27s}" for n in names)
    sub = f"{'':42s}" + "".join(" |   P     R     F1    BR  " for _ in names)
    lines = [header, sub, "-" * len(sub)]
    for report in reports:
        if report.refused_correctly is not None:
            verdict = "refused (correct)" if report.refused_correctly else "NOT REFUSED (wrong)"
            lines.append(f"{report.name:42s} | {verdict}")
            continue
        cells = "".join(" | " + " ".join(f"{v:5.3f}" for v in (s.precision, s.recall, s.f1, s.boilerplate_removed))
                        for s in (report.scores[n] for n in names))
        lines.append(f"{report.name:42s}{cells}")
    lines.append("-" * len(sub))
    for kind in ("seeds", "pages", None):
        label = f"overall {kind or 'all'}"
        cells = ""
        for name in names:
            s = overall(reports, name, kind)
            cells += " | " + " ".join(f"{v:5.3f}" for v in (s.precision, s.recall, s.f1, s.boilerplate_removed))
        lines.append(f"{label:42s}{cells}")
    refusals = [r for r in reports if r.refused_correctly is not None]
    if refusals:
        lines.append(f"non-articles refused: {sum(r.refused_correctly for r in refusals)}/{len(refusals)}")
    lines.append("P/R/F1: token precision, recall, F1 against the expected text; "
                 "BR: share of the input's boilerplate lines removed.")
    return "\n".join(lines)




def text_holes(data: bytes, text: str, kind: str = "page") -> list[str]:
    """The lines of a cleaned text that are not one contiguous piece of its input's text (a line of
    pre-extracted text, or the text of a page): see `scraper.cleaning.seams`."""
    if kind == "seed":
        return holes(text_lines(decode_page(data)), text)
    page, tree = page_as_read(data)
    return holes(page_text(tree, lambda: parse_html(page)), text)


@dataclass
class PublicResult:
    """One public page cleaned by ours and by trafilatura: texts, our refusal if any, the holes."""

    set_name: str
    name: str
    label: str
    ours: str
    trafilatura: str
    refusal: str | None = None  # "reason: message" of our CleanerError
    sure: bool = True
    holes: int = 0
    seconds_ours: float = 0.0
    seconds_trafilatura: float = 0.0


def clean_public_page(page: PublicPage) -> PublicResult:
    """Clean one public page with our cleaner and with plain trafilatura (comments off), timing each."""
    data = page.read()
    start = time.process_time()
    refusal, sure, text = None, True, ""
    try:
        text = clean_html(data, url=page.url).text
    except NotAnArticle as error:
        refusal, sure = f"{error.reason}: {error.message}", error.sure
    except CleanerError as error:
        refusal = f"{error.reason}: {error.message}"
    middle = time.process_time()
    baseline = trafilatura.extract(data, url=page.url, include_comments=False) or ""
    end = time.process_time()
    return PublicResult(page.set_name, page.name, page.label, text, baseline, refusal, sure,
                        len(text_holes(data, text)) if text else 0, middle - start, end - middle)


def snippet_counts(text: str, page: PublicPage) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of a text against a page's snippets: those it
    must hold, found or missed, and those it must not hold, found (whitespace aside)."""
    squeezed = " ".join(text.split())
    found = sum(" ".join(snippet.split()) in squeezed for snippet in page.with_snippets) if squeezed else 0
    unwanted = sum(" ".join(snippet.split()) in squeezed for snippet in page.without_snippets) if squeezed else 0
    return found, unwanted, len(page.with_snippets) - found


@dataclass
class SetReport:
    """Figures of one public set: F1 of ours and trafilatura, refusals, holes, CPU time."""

    name: str
    pages: int
    f1: dict[str, float]
    refused: list[str]  # "page: reason" of each article page we refused
    refused_doubtful: int
    listings: int  # pages labelled as listings
    listings_refused: int
    holes: int  # pages with a line that is not one piece of the page's text
    seconds: dict[str, float]


def set_f1(texts: list[tuple[PublicPage, str]]) -> float:
    """The F1 of texts of a set's article pages: mean token F1 against whole expected texts; pooled over
    the snippets where pages have snippets (the trafilatura set)."""
    if all(page.expected is not None for page, _ in texts):
        return sum(token_scores(text, page.expected or "")[2] for page, text in texts) / len(texts)
    found, unwanted, missed = (sum(column) for column in zip(*(snippet_counts(text, page) for page, text in texts),
                                                            strict=True))
    return 2 * found / (2 * found + unwanted + missed) if found else 0.0


def score_set(name: str, pages: list[PublicPage], results: list[PublicResult]) -> SetReport:
    """A set's figures: mean token F1 against whole expected texts; pooled F1 over the snippets of the
    trafilatura set; for labelled listings, whether we refused them."""
    f1: dict[str, float] = {}
    articles = [(page, result) for page, result in zip(pages, results, strict=True) if page.label == "article"]
    scored = [(page, result) for page, result in articles if page.expected is not None or page.with_snippets]
    for extractor in ("scraper", "trafilatura"):
        texts = [(page, result.ours if extractor == "scraper" else result.trafilatura) for page, result in scored]
        if texts:
            f1[extractor] = set_f1(texts)
    refused = [f"{result.name}: {result.refusal}" for _, result in articles if result.refusal]
    listings = [result for result in results if result.label == "listing"]
    return SetReport(
        name, len(articles), f1, refused, sum(not result.sure for _, result in articles if result.refusal),
        len(listings), sum(bool(result.refusal) for result in listings), sum(bool(result.holes) for result in results),
        {"scraper": sum(r.seconds_ours for r in results), "trafilatura": sum(r.seconds_trafilatura for r in results)})


def evaluate_public(root: Path, jobs: int = 1) -> list[SetReport]:
    """Score ours and trafilatura on each public set found under `root` (see `scraper.public_sets`)."""
    reports = []
    with ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else contextlib.nullcontext() as pool:
        for name, pages in public_pages(root).items():
            results = list(pool.map(clean_public_page, pages, chunksize=4) if pool else map(clean_public_page, pages))
            reports.append(score_set(name, pages, results))
    return reports


def format_public(reports: list[SetReport]) -> str:
    """The public sets' figures as a plain-text table, then every article page we refused (a set with no
    page is left out)."""
    reports = [report for report in reports if report.pages or report.listings]
    lines = [f"{'set':12s} {'pages':>5s} {'F1 ours':>8s} {'F1 traf':>8s} {'refused':>8s} {'(doubtful)':>10s} "
             f"{'listings refused':>17s} {'holes':>5s} {'CPU ours/traf':>13s}"]
    for report in reports:
        speed = report.seconds["trafilatura"] / report.seconds["scraper"] if report.seconds["scraper"] else 0.0
        listings = f"{report.listings_refused}/{report.listings}" if report.listings else "-"
        ours, theirs = (f"{report.f1[name]:.3f}" if name in report.f1 else "-" for name in ("scraper", "trafilatura"))
        lines.append(f"{report.name:12s} {report.pages:5d} {ours:>8s} {theirs:>8s} {len(report.refused):8d} "
                     f"{report.refused_doubtful:10d} "
                     f"{listings:>17s} {report.holes:5d} {speed:12.2f}x")
    for report in reports:
        lines.extend(f"refused in {report.name}: {line}" for line in report.refused)
    lines.append("F1: mean token F1 against the expected text (pooled over the snippets of the trafilatura set); "
                 "refused: article pages our cleaner refused; holes: pages with a line that is not one piece of "
                 "the page's text; CPU: trafilatura's CPU time over ours (higher is faster).")
    return "\n".join(lines)
