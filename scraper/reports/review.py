"""The review page: for each input page, its blocks in reading order, kept or removed and by which rule.

Inputs are fixtures (a folder with `seeds/` or `pages/`: the expected text gives each a token F1),
folders or files of raw pages (`.html`, or pre-extracted `.txt`; an `X.expected.txt` beside `X`
gives it an F1), cassettes of a crawl (`.yaml`: their article pages, cleaned with the outlet's
hints as the crawl cleans them; an `expected.jsonl` beside them gives F1s), and WARC files of
`scraper crawl --warc` (`.warc.gz`, and the `.warc.gz.open` a killed crawl leaves: the archived
article responses re-cleaning reads, with the hints of the outlet of their URL). An input that cannot
be read is noted with the reason, and the others are reviewed.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from warcio.exceptions import ArchiveLoadFailed

from .. import settings as project_settings
from ..cassettes import CASSETTE_SUFFIX, decoded_body, read_cassette
from ..cleaning.decode import decode_page, looks_like_html
from ..cleaning.errors import CleanerError
from ..cleaning.explain import Explanation, explain_html, explain_text
from ..cleaning.hints import CleanerHints
from ..cleaning.trace import EXTRACTION, LEAD, MARKUP, POSTFILTER, TracedBlock
from ..evaluation import token_scores
from ..fixtures import EXPECTED_SUFFIX, Fixture, page_fixtures, seed_fixtures
from ..outlets import builtin_outlets, outlet_for_url
from ..reclean import article_body
from ..spiders.news import is_page_type
from ..storage.warc import OPEN_SUFFIX, WARC_SUFFIX, archived_pages
from .template import document, escape, table

PAGE_SUFFIXES = (".html", ".htm")
TEXT_SUFFIX = ".txt"
STAGE_LABELS = {MARKUP: "before extraction", EXTRACTION: "not in trafilatura's output", POSTFILTER: "post-filter"}

SCRIPT = """
(function () {
  var pages = document.querySelectorAll("section.page");
  var removed = document.querySelectorAll("section.page .block.removed");
  document.getElementById("summary").textContent =
    pages.length + " pages, " + removed.length + " removed blocks";
  document.getElementById("hide-kept").addEventListener("change", function (event) {
    document.body.classList.toggle("hide-kept", event.target.checked);
  });
})();
"""


@dataclass
class ReviewInput:
    """One page to review: its bytes, and what is known about it."""

    name: str
    data: bytes
    origin: str  # "fixture", "page", "cassette" or "warc"
    is_html: bool = True
    url: str | None = None
    hints: CleanerHints | None = None
    expected_text: str | None = None
    expected_refusal: str | None = None


@dataclass
class ReviewedPage:
    """An input and the cleaner's account of it."""

    source: ReviewInput
    explanation: Explanation

    @property
    def kept(self) -> list[TracedBlock]:
        return [b for b in self.explanation.blocks if b.kept]

    @property
    def removed(self) -> list[TracedBlock]:
        return [b for b in self.explanation.blocks if not b.kept]

    @property
    def score(self) -> float | None:
        """Token F1 against the expected text (1 or 0 for a page that should be refused); None without one."""
        source, article, error = self.source, self.explanation.article, self.explanation.error
        if source.expected_refusal is not None:
            return float(error is not None and error.reason == source.expected_refusal)
        if source.expected_text is None:
            return None
        return token_scores(article.text if article else "", source.expected_text)[2]


def _looks_like_html(data: bytes) -> bool:
    try:
        return looks_like_html(decode_page(data))
    except CleanerError:
        return True  # the cleaner says why it cannot read it


def _fixture_input(fixture: Fixture) -> ReviewInput:
    return ReviewInput(name=fixture.name, data=fixture.read_input(), origin="fixture", is_html=fixture.kind == "page",
                       url=fixture.url, expected_text=fixture.expected.get("text"),
                       expected_refusal=fixture.refused)


def _file_input(path: Path, name: str) -> ReviewInput:
    data = path.read_bytes()
    expected = path.with_name(path.stem + EXPECTED_SUFFIX)
    try:
        expected_text = expected.read_text(encoding="utf-8").strip() if expected.exists() else None
    except UnicodeDecodeError as error:
        raise ValueError(f"{expected.name} is not UTF-8 ({error})") from None
    return ReviewInput(name=name, data=data, origin="page", is_html=_looks_like_html(data),
                       expected_text=expected_text)


def _expected_texts(path: Path, notes: list[str]) -> dict[str, str]:
    """The expected text of each URL in an `expected.jsonl` (none without the file); a line without
    both, or a file that is not UTF-8, is noted and left out."""
    if not path.exists():
        return {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        notes.append(f"{path}: not UTF-8, so its pages have no F1 ({error})")
        return {}
    expected: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
            expected[record["url"]] = record["text"]
        except (ValueError, KeyError, TypeError) as error:
            notes.append(f"{path} line {number}: no expected text, so its page has no F1"
                         f" ({type(error).__name__}: {error})")
    return expected


def _cassette_inputs(path: Path, expected: dict[str, str]) -> Iterator[ReviewInput]:
    """The article pages a cassette holds: HTML answers of 200 at the outlet's article addresses."""
    outlet = builtin_outlets().get(path.stem)
    for item in read_cassette(path):
        content_type = next((v[0] for k, v in item.headers.items() if k.lower() == "content-type" and v), "")
        if item.status != 200 or not is_page_type(content_type.encode("latin-1")):
            continue
        if outlet is not None and not outlet.is_article_url(item.url):
            continue
        yield ReviewInput(name=f"{path.stem}: {_page_name(item.url)}", data=decoded_body(item), origin="cassette",
                          url=item.url, hints=outlet.cleaner if outlet else None,
                          expected_text=expected.get(item.url))


def _page_name(url: str) -> str:
    return urlsplit(url).path.rstrip("/").rpartition("/")[2] or url


def _is_warc(path: Path) -> bool:
    return path.name.endswith((WARC_SUFFIX, WARC_SUFFIX + OPEN_SUFFIX))


def _warc_inputs(path: Path, notes: list[str]) -> Iterator[ReviewInput]:
    """The archived article responses re-cleaning would clean, with the hints of the outlet of their URL;
    damaged records and unreadable files are added to `notes`."""
    for page in archived_pages(path, notes):
        body, _ = article_body(page, project_settings.DOWNLOAD_MAXSIZE)
        if page.damage or body is None:
            continue
        outlet = outlet_for_url(page.url)
        yield ReviewInput(name=f"{outlet.name if outlet else page.outlet}: {_page_name(page.url)}", data=body,
                          origin="warc", url=page.url, hints=outlet.cleaner if outlet else None)


def _is_fixtures_root(path: Path) -> bool:
    return (path / "seeds").is_dir() or any((path / "pages").glob("*/*.json"))


# What reading an input can raise (CassetteError and UnicodeDecodeError are ValueErrors); warcio raises
# AttributeError on a record cut short in its headers.
UNREADABLE = (ValueError, OSError, EOFError, zlib.error, ArchiveLoadFailed, AttributeError)


def collect_inputs(paths: list[Path]) -> tuple[list[ReviewInput], list[str]]:
    """The pages to review from fixture folders, page folders and files, cassettes and WARC files; and
    notes on what could not be read (fixture pages absent from the stored pages folder, files that
    cannot be read, `expected.jsonl` lines without a text), each with the reason."""
    inputs: list[ReviewInput] = []
    notes: list[str] = []
    expected: dict[Path, dict[str, str]] = {}  # the expected.jsonl of each folder of cassettes
    for path in paths:
        if path.is_dir() and _is_fixtures_root(path):
            for fixture in [*seed_fixtures(path), *page_fixtures(path)]:
                if fixture.input_path.exists():
                    inputs.append(_fixture_input(fixture))
                else:
                    notes.append(f"{fixture.name}: its page is not at {fixture.input_path}")
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            name = str(file.relative_to(path)) if path.is_dir() else file.name
            found = 0
            try:
                if file.suffix == CASSETTE_SUFFIX:
                    if file.parent not in expected:
                        expected[file.parent] = _expected_texts(file.parent / "expected.jsonl", notes)
                    sources: Iterable[ReviewInput] = _cassette_inputs(file, expected[file.parent])
                elif _is_warc(file):
                    sources = _warc_inputs(file, notes)
                elif file.suffix.lower() in PAGE_SUFFIXES or file.suffix == TEXT_SUFFIX \
                        and not file.name.endswith(EXPECTED_SUFFIX):
                    sources = [_file_input(file, name)]
                else:
                    continue
                for source in sources:  # the pages read before a broken record are kept
                    inputs.append(source)
                    found += 1
            except UNREADABLE as error:
                before = f" (the {found} pages before it are reviewed)" if found else ""
                reason = " ".join(str(error).split())[:200]
                notes.append(f"{file}: {type(error).__name__}: {reason}{before}")
    return inputs, notes


def review_page(source: ReviewInput) -> ReviewedPage:
    """Clean one input with a trace."""
    if source.is_html:
        return ReviewedPage(source, explain_html(source.data, url=source.url, hints=source.hints))
    return ReviewedPage(source, explain_text(source.data))


def _sort_key(page: ReviewedPage) -> tuple[bool, float, str]:
    score = page.score
    return score is None, score if score is not None else 0.0, page.source.name


def _characters(blocks: list[TracedBlock]) -> int:
    return sum(len(block.text) for block in blocks)


def _status(page: ReviewedPage) -> str:
    error = page.explanation.error
    if error is None:
        return "cleaned"
    expected = page.source.expected_refusal
    verdict = "" if expected is None else ", as expected" if error.reason == expected else ", NOT as expected"
    return f"refused ({error.reason}){verdict}"


def _score_html(score: float | None) -> str:
    if score is None:
        return '<span class="muted">–</span>'
    return f'<span class="{"bad" if score < 0.9 else "good"}">{score:.3f}</span>'


def _block_html(block: TracedBlock) -> str:
    if block.kept:
        tag = '<span class="stage">lead</span>' if block.stage == LEAD else ""
        return f'<div class="block kept">{tag}{escape(block.text)}</div>'
    return (f'<div class="block removed" data-rule="{escape(block.rule)}"><span class="rule">{escape(block.rule)}'
            f'</span><span class="stage">{escape(STAGE_LABELS.get(block.stage, block.stage))}</span>'
            f"{escape(block.text)}</div>")


def _page_html(number: int, page: ReviewedPage) -> str:
    source, explanation = page.source, page.explanation
    kept, removed, score = page.kept, page.removed, page.score
    kind = f"{source.origin} ({'HTML' if source.is_html else 'text'})"
    where = " · ".join(escape(part) for part in (source.url, kind) if part)
    figures = [f"<span>F1 {_score_html(score)}</span>" if source.expected_text is not None else "",
               f"<span>kept {_characters(kept):,} characters in {len(kept)} blocks</span>",
               f"<span>removed {_characters(removed):,} characters in {len(removed)} blocks</span>"]
    by_rule = Counter(b.rule for b in removed)
    rules = " · ".join(f"{escape(rule)} {count}" for rule, count in by_rule.most_common())
    error = explanation.error
    refusal = f'<p class="bad">{escape(_status(page))}: {escape(error.message)}</p>' if error else ""
    blocks = "".join(_block_html(block) for block in explanation.blocks)
    return (f'<section class="page" id="page-{number}" data-name="{escape(source.name)}" '
            f'data-kept-blocks="{len(kept)}" data-removed-blocks="{len(removed)}" '
            f'data-score="{"" if score is None else f"{score:.3f}"}">'
            f"<h2>{number}. {escape(source.name)}</h2><p class=\"muted\">{where}</p>{refusal}"
            f'<p class="figures">{"".join(figures)}</p>'
            f'<p class="muted">removed by rule: {rules or "nothing"}</p><div class="blocks">{blocks}</div></section>')


def render_review(pages: list[ReviewedPage], notes: Sequence[str] = ()) -> str:
    """The review page: an index, worst score first, then every page's blocks."""
    ordered = sorted(pages, key=_sort_key)
    rows = [[f'<a href="#page-{number}">{escape(page.source.name)}</a>', _score_html(page.score),
             f"{_characters(page.kept):,}", f"{_characters(page.removed):,}", str(len(page.removed)),
             escape(_status(page))]
            for number, page in enumerate(ordered, 1)]
    index = table(["page", "F1", "kept chars", "removed chars", "removed blocks", "status"], rows,
                  numeric=(1, 2, 3, 4), css_class="index")
    scored = [page.score for page in ordered if page.score is not None]
    mean = f" Mean F1 of the pages with an expected output ({len(scored)}): {sum(scored) / len(scored):.3f}." \
        if scored else ""
    skipped = "".join(f"<li>{escape(note)}</li>" for note in notes)
    body = (
        '<h1>Cleaner review</h1><p class="lede"><span id="summary"></span>.'
        " Pages are listed worst score first: token F1 against the expected text (a page that should be"
        f" refused scores 1 when it is).{mean}</p>"
        '<p class="legend"><span><span class="swatch" style="background:var(--kept);border-color:var(--kept-edge)">'
        '</span>kept</span><span><span class="swatch" style="background:var(--removed);'
        'border-color:var(--removed-edge)"></span>removed, with the rule that removed it</span>'
        '<label><input type="checkbox" id="hide-kept"> show removed blocks only</label></p>'
        f"{index}{f'<p>Not reviewed:</p><ul>{skipped}</ul>' if skipped else ''}"
        + "".join(_page_html(number, page) for number, page in enumerate(ordered, 1))
    )
    return document("Cleaner review", body, SCRIPT)


def write_review(paths: list[Path], out: Path) -> tuple[list[ReviewedPage], list[str]]:
    """Review every input found under `paths` and write the page to `out` (nothing when there is none);
    returns the pages and the notes on what was not reviewed."""
    inputs, notes = collect_inputs(paths)
    pages = [review_page(source) for source in inputs]
    if pages:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_review(pages, notes), encoding="utf-8")
    return pages, notes

