"""The review and health pages as files: what they hold, escaping, no external resource, the commands."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml.html import document_fromstring

from scraper.fixtures import FIXTURES_DIR, page_fixtures, real_page_fixtures
from scraper.reports.health import OutletRun, render_health, write_health
from scraper.reports.review import ReviewInput, collect_inputs, review_page, write_review
from scraper.storage.manifest import read_manifests
from scraper.storage.warc import OPEN_SUFFIX, WARC_SUFFIX

REPO = Path(__file__).resolve().parent.parent
EXTERNAL = re.compile(r"""(?:src|href|action|data)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(""", re.I)
HOSTILE_PAGE = """<html><head><title>Bài "thử" &lt;script&gt;</title><meta property="og:type" content="article">
</head><body><h1>Bài thử nghiệm về trang độc hại</h1><article>
<p>Đoạn văn đầu tiên có chữ &lt;script&gt;alert("x")&lt;/script&gt; ở giữa, đủ dài để đọc như một câu văn của bài.</p>
<p>Đoạn thứ hai có &lt;img src=x onerror=alert(1)&gt; và "dấu ngoặc" cùng &amp;amp; cho đủ một câu dài của bài báo.</p>
<p>Đoạn thứ ba nhắc https://example.com/track.js nhưng chỉ là chữ, không phải là một tài nguyên của trang này.</p>
</article><div class="related-news"><a href="https://example.com/x">Tin &lt;b onmouseover=alert(2)&gt; khác</a></div>
</body></html>"""


def document_of(path: Path):
    return document_fromstring(path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_review_of_the_fixtures_lists_every_page_worst_first(tmp_path: Path, shared_pages: None) -> None:
    out = tmp_path / "review.html"
    pages, _ = write_review([FIXTURES_DIR], out)
    assert len(pages) == 5 + len(list(page_fixtures()))
    tree = document_of(out)
    sections = tree.cssselect("section.page")
    assert len(sections) == len(pages)
    scores = [float(s.get("data-score")) for s in sections]
    assert scores == sorted(scores) and scores[0] < 1.0
    assert len(tree.cssselect("table tbody tr")) == len(pages)
    for section in sections:
        removed = section.cssselect(".block.removed")
        assert len(removed) == int(section.get("data-removed-blocks"))
        assert len(section.cssselect(".block.kept")) == int(section.get("data-kept-blocks"))
        assert all(block.get("data-rule") for block in removed)
    refused = [s for s in sections if s.get("data-name") == "pages/vnexpress/vnexpress_list"]
    assert refused and "refused (not_article), as expected" in refused[0].text_content()


def test_review_of_seed_texts_names_the_postfilter_rules(tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    pages, _ = write_review([FIXTURES_DIR / "seeds"], out)
    assert len(pages) == 5 and all(page.score == 1.0 for page in pages)  # X.expected.txt beside X.txt
    rules = {block.get("data-rule") for block in document_of(out).cssselect(".block.removed")}
    assert {"tail_heading", "related_box", "caption", "title_line"} <= rules


def test_review_of_cassettes_cleans_their_article_pages_as_the_crawl_does(tmp_path: Path) -> None:
    inputs, notes = collect_inputs([FIXTURES_DIR / "cassettes"])
    assert len(inputs) == 5 and not notes  # one article per recorded outlet; feeds, sitemaps, robots.txt left out
    assert all(source.hints is not None and source.expected_text for source in inputs)
    assert all(review_page(source).score == 1.0 for source in inputs)  # the text the replayed crawl stores


@pytest.mark.slow
def test_review_of_a_crawls_own_cassettes(tmp_path: Path, shared_pages: None) -> None:
    """The cassettes `scraper crawl --replay` builds from the stored pages: their article pages, one section each."""
    from scraper.sites import build_page_cassettes

    cassettes = build_page_cassettes(tmp_path / "cassettes")
    out = tmp_path / "review.html"
    pages, _ = write_review([cassettes[0].parent], out)
    assert len(pages) >= len([f for f in real_page_fixtures() if not f.refused])
    assert len(document_of(out).cssselect("section.page")) == len(pages)


@pytest.fixture(scope="module")
def warc_crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A replay of every recorded outlet with `--warc`: the cassettes built of the stored pages, and the WARC files."""
    out = tmp_path_factory.mktemp("warc-crawl")
    result = run_cli("crawl", "--replay", "--warc", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def account(source: ReviewInput) -> tuple[str, list[tuple[str, bool, str]], str | None]:
    """What the review shows of an input: its name, its blocks kept or removed and by which rule, its refusal."""
    explanation = review_page(source).explanation
    blocks = [(block.text, block.kept, block.rule) for block in explanation.blocks]
    return source.name, blocks, explanation.error.reason if explanation.error else None


@pytest.mark.slow
def test_review_of_a_crawls_warc_files_shows_the_pages_of_its_cassettes(shared_pages: None, warc_crawl: Path,
                                                                        tmp_path: Path) -> None:
    archived, notes = collect_inputs([warc_crawl / "warc"])
    assert not notes and all(source.origin == "warc" and source.hints is not None for source in archived)
    recorded, _ = collect_inputs([warc_crawl / "cassettes", FIXTURES_DIR / "cassettes"])
    from_warc = {source.url: account(source) for source in archived}
    from_cassettes = {source.url: account(source) for source in recorded}
    assert len(from_warc) == len(archived) and len(from_cassettes) == len(recorded) >= 20
    assert {url: from_warc.get(url) for url in from_cassettes} == from_cassettes  # same names, same blocks
    # the archive holds no page the cassettes lack: the category page is no article URL, never requested as one
    assert from_warc.keys() <= from_cassettes.keys()
    out = tmp_path / "review.html"
    result = run_cli("review", str(warc_crawl / "warc"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"reviewed {len(archived)} pages" in result.stderr and "not reviewed" not in result.stderr
    sections = document_of(out).cssselect("section.page")
    assert len(sections) == len(archived) and sum(int(s.get("data-removed-blocks")) for s in sections) > 0
    assert all("warc (HTML)" in section.text_content() for section in sections)


@pytest.mark.slow
def test_review_reads_a_killed_crawls_open_file_and_notes_a_broken_one(shared_pages: None, warc_crawl: Path,
                                                                      tmp_path: Path) -> None:
    finished = max((warc_crawl / "warc").glob(f"*{WARC_SUFFIX}"), key=lambda path: path.stat().st_size)
    data = finished.read_bytes()
    pages = [source.name for source in collect_inputs([finished])[0]]
    assert len(pages) >= 3
    (tmp_path / f"left{WARC_SUFFIX}{OPEN_SUFFIX}").write_bytes(data)
    (tmp_path / f"cut{WARC_SUFFIX}{OPEN_SUFFIX}").write_bytes(data[:len(data) // 2])  # killed inside a record
    (tmp_path / f"junk{WARC_SUFFIX}").write_bytes(data + b"<html>not a record</html>\n")
    inputs, notes = collect_inputs([tmp_path])
    names = [source.name for source in inputs]
    cut = names[:len(names) - 2 * len(pages)]  # the files in name order: cut, junk, left
    assert cut == pages[:len(cut)] and names[len(cut):] == pages + pages
    junk = f"{tmp_path / f'junk{WARC_SUFFIX}'}: damaged after "  # the pages before it are reviewed
    junk_notes = [note for note in notes if note.startswith(junk)]
    assert len(junk_notes) == 1 and junk_notes[0].endswith(
        " records: ArchiveLoadFailed: Invalid WARC record, first line: <html>not a record</html>"), notes
    assert all(note.startswith(str(tmp_path / "cut")) for note in notes if not note.startswith(junk)), notes


@pytest.mark.slow
def test_one_bad_input_is_noted_and_the_others_reviewed(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "vov.yaml").write_bytes((FIXTURES_DIR / "cassettes" / "vov.yaml").read_bytes())
    expected = (FIXTURES_DIR / "cassettes" / "expected.jsonl").read_text(encoding="utf-8")
    (folder / "expected.jsonl").write_text(expected + '{"url": "https://vov.vn/no-text"}\n', encoding="utf-8")
    (folder / "broken.yaml").write_text("interactions: [\n  {{{ not yaml", encoding="utf-8")
    (folder / "page.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    (folder / "page.expected.txt").write_bytes("Bài báo".encode("latin-1"))
    (folder / "other.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    (folder / f"broken{WARC_SUFFIX}").write_bytes(b"<html>not a WARC file</html>")
    out = tmp_path / "review.html"
    result = run_cli("review", str(folder), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "reviewed 2 pages" in result.stderr
    tree = document_of(out)
    sections = {section.get("data-name").partition(":")[0]: section for section in tree.cssselect("section.page")}
    assert sorted(sections) == ["other.html", "vov"]
    assert sections["vov"].get("data-score") == "1.000"  # its line of expected.jsonl is read
    noted = [item.text_content() for item in tree.xpath("//p[.='Not reviewed:']/following-sibling::ul[1]/li")]
    reasons = {"expected.jsonl line 6": "no expected text", "broken.yaml": "CassetteError",
               "page.html": "page.expected.txt is not UTF-8", f"broken{WARC_SUFFIX}": "ArchiveLoadFailed"}
    assert len(noted) == len(reasons)
    for where, reason in reasons.items():
        assert any(f"{where}:" in note and reason in note for note in noted), (where, noted)
        assert any(f"not reviewed: {folder / where}" in line and reason in line
                   for line in result.stderr.splitlines()), where
    for path in folder.iterdir():
        if path.name != f"broken{WARC_SUFFIX}":
            path.unlink()
    result = run_cli("review", str(folder), "--out", str(tmp_path / "none.html"))
    assert result.returncode == 2 and "no pages found" in result.stderr and "ArchiveLoadFailed" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "none.html").exists()


def test_review_escapes_everything_from_the_page(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / 'x"><script>alert(3)<.html').write_text(HOSTILE_PAGE, encoding="utf-8")
    out = tmp_path / "review.html"
    write_review([folder], out)
    html = out.read_text(encoding="utf-8")
    assert html.count("<script>") == 1  # the page's own script, and nothing from the input
    assert "<img" not in html and "<b onmouseover" not in html and "alert(3)<" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    tree = document_fromstring(html)
    assert len(tree.cssselect("section.page")) == 1
    assert tree.cssselect(".block.removed")


@pytest.mark.slow
def test_pages_load_nothing_from_outside(tmp_path: Path, replayed_output: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "hostile.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    review, health = tmp_path / "review.html", tmp_path / "health.html"
    write_review([folder, FIXTURES_DIR / "cassettes"], review)
    write_health(replayed_output, health)
    for page in (review, health):
        html = page.read_text(encoding="utf-8")
        assert not EXTERNAL.search(html), EXTERNAL.search(html)
        tree = document_fromstring(html)
        assert not tree.xpath("//link | //iframe | //img | //script[@src] | //object | //embed")
        assert all(a.get("href", "").startswith("#") for a in tree.iter("a"))


@pytest.mark.slow
def test_health_page_of_two_replays(tmp_path: Path, replayed_output: Path) -> None:
    out = tmp_path / "health.html"
    assert write_health(replayed_output, out) == 2
    tree = document_of(out)
    manifests = read_manifests(replayed_output)
    outlets = set(manifests[0]["outlets"])
    sections = tree.cssselect("section.outlet")
    assert {s.get("data-outlet") for s in sections} == outlets
    for section in sections:
        chart = section.cssselect("svg.chart")[0]
        assert chart.get("data-series") == "empty_or_short_share"
        assert chart.get("data-runs") == "2"
        points = chart.cssselect("circle.point")  # the first run cleaned articles; the second found them stored
        assert [p.get("data-value") for p in points] == ["0.000"]
        assert len(section.cssselect("tbody tr")) == 2
    text = tree.text_content()
    assert "already_stored 1" in text and "2 runs of 5 outlets" in text


def test_empty_or_short_share_and_manifests_without_it() -> None:
    def drift(pages: int, short: int) -> dict[str, dict[str, int]]:
        return {"layout_drift": {"article_pages": pages, "short_or_empty": short}}

    run = OutletRun.from_manifest("r", {"cleaned": 8, **drift(10, 3)})
    assert run.empty_or_short == pytest.approx(0.3)
    assert OutletRun.from_manifest("r", {"cleaned": 8, "skipped": {}}).empty_or_short is None  # older manifest
    assert OutletRun.from_manifest("r", {"cleaned": 0, **drift(0, 0)}).empty_or_short is None
    first = {"started": "2026-12-01T01:00:00+00:00", "cleaned": 4, **drift(4, 1), "errors": 2,
             "errors_by_reason": {"timeout": 2}, "finish_reason": "finished"}
    second = {"started": "2026-12-01T02:00:00+00:00", "cleaned": 4, **drift(4, 3), "finish_reason": "shutdown"}
    manifests = [{"run_id": "a", "outlets": {"vov": first}}, {"run_id": "b", "outlets": {"vov": second}}]
    tree = document_fromstring(render_health(manifests))
    values = [p.get("data-value") for p in tree.cssselect("#outlet-vov circle.point")]
    assert values == ["0.250", "0.750"]
    heights = [float(p.get("cy")) for p in tree.cssselect("#outlet-vov circle.point")]
    assert heights[0] > heights[1]  # a larger share is drawn higher
    assert [b.text_content() for b in tree.cssselect("#outlet-vov .bad")] == ["shutdown", "2"]  # newest first


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scraper", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.slow
def test_review_and_report_commands(tmp_path: Path, replayed_output: Path) -> None:
    result = run_cli("review", "fixtures/seeds", "fixtures/cassettes", "--out", str(tmp_path / "r.html"))
    assert result.returncode == 0, result.stderr
    assert "reviewed 10 pages" in result.stderr
    result = run_cli("report", str(replayed_output), "--out", str(tmp_path / "h.html"), "--runs", "1")
    assert result.returncode == 0, result.stderr
    assert "reported 1 runs" in result.stderr
    assert "1 runs of 5 outlets" in (tmp_path / "h.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_commands_say_what_is_missing(tmp_path: Path) -> None:
    result = run_cli("review", str(tmp_path / "absent"), "--out", str(tmp_path / "r.html"))
    assert result.returncode == 2 and "no such file" in result.stderr
    result = run_cli("review", str(tmp_path), "--out", str(tmp_path / "r.html"))
    assert result.returncode == 2 and "no pages found" in result.stderr
    assert not (tmp_path / "r.html").exists()
    result = run_cli("report", str(tmp_path), "--out", str(tmp_path / "h.html"))
    assert result.returncode == 2 and "no run manifests" in result.stderr
    assert not (tmp_path / "h.html").exists()



MALFORMED = {"a-not-json.json": "{not json", "b-list.json": "[]", "c-empty.json": "{}",
             "d-outlets-list.json": '{"run_id": "d", "outlets": []}'}


def with_malformed_manifests(output: Path, tmp_path: Path) -> Path:
    """A copy of `output/runs/` with a malformed file of each kind beside the real manifests."""
    copy = tmp_path / "output"
    shutil.copytree(output / "runs", copy / "runs")
    for name, text in MALFORMED.items():
        (copy / "runs" / name).write_text(text, encoding="utf-8")
    return copy


@pytest.mark.slow
def test_malformed_manifests_are_skipped_with_a_warning(tmp_path: Path, replayed_output: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    output = with_malformed_manifests(replayed_output, tmp_path)
    with caplog.at_level(logging.WARNING, logger="scraper.storage.manifest"):
        manifests = read_manifests(output)
    assert [m["run_id"] for m in manifests] == [m["run_id"] for m in read_manifests(replayed_output)]
    for name in MALFORMED:
        assert any(f"skipping run manifest {output / 'runs' / name}: " in m for m in caplog.messages), name
    result = run_cli("report", str(output), "--out", str(tmp_path / "h.html"))
    assert result.returncode == 0, result.stderr
    assert "reported 2 runs" in result.stderr and "Traceback" not in result.stderr
    for name in MALFORMED:
        assert f"scraper report: warning: skipping run manifest {output / 'runs' / name}: " in result.stderr


def test_figures_that_are_not_numbers_count_as_zero(caplog: pytest.LogCaptureFixture) -> None:
    figures = {"started": 5, "found": "many", "stored": 3, "errors": None, "skipped": {"not_article": "two", "x": 1},
               "errors_by_reason": [], "layout_drift": {"article_pages": "?", "short_or_empty": 2}}
    with caplog.at_level(logging.WARNING, logger="scraper.reports.health"):
        run = OutletRun.from_manifest("r1", figures)
    assert (run.started, run.found, run.stored, run.errors) == ("", 0, 3, 0)
    assert run.skipped == {"x": 1} and run.errors_by_reason == {}
    assert run.article_pages is None and run.empty_or_short is None
    assert "run r1: found is 'many', not a number: taken as 0" in caplog.messages
    assert "run r1: not_article is 'two', not a number: left out" in caplog.messages
    tree = document_fromstring(render_health([{"run_id": "r1", "outlets": {"vov": figures}}]))
    assert tree.cssselect("#outlet-vov tbody tr")
