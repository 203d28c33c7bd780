"""The cleaner under fuzzing: real pages mutated at random never raise anything but our documented
error, never take long, and never put text in the output that was not in the input."""

from __future__ import annotations

import html
import re
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scraper import Article, CleanerError, clean_html, clean_text
from scraper.cleaning.decode import decode_page
from scraper.cleaning.normalize import normalize_text
from scraper.fixtures import FIXTURES_DIR, seed_fixtures, shared_pages_dir

SITE_PAGES = sorted(p for p in (FIXTURES_DIR / "sites").rglob("*") if p.suffix in (".htm", ".vnp", ".vov"))
SHARED_PAGES = sorted(shared_pages_dir().rglob("*.html"))[:12] if shared_pages_dir().is_dir() else []
PAGES = [p.read_bytes() for p in [*SITE_PAGES, *SHARED_PAGES]]
SECONDS_PER_PAGE = 5.0


@st.composite
def mutated(draw: st.DrawFn, pages: list[bytes]) -> bytes:
    """A stored page with a few random cuts, copies, insertions and byte flips."""
    data = bytearray(draw(st.sampled_from(pages)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["cut", "copy", "insert", "flip", "truncate"]))
        start = draw(st.integers(0, len(data)))
        end = min(len(data), start + draw(st.integers(0, 5000)))
        if kind == "cut":
            del data[start:end]
        elif kind == "copy":
            data[start:start] = data[start:end]
        elif kind == "insert":
            data[start:start] = draw(st.binary(min_size=1, max_size=64) | st.sampled_from(
                [b"<div>", b"</p>", b"<script>", b"<!--", b"&#0;", b"\xc3", b"\xff\xfe", b"<p class='sapo'>"]))
        elif kind == "flip" and data:
            index = min(start, len(data) - 1)
            data[index] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[start:]
    return bytes(data)


def _squeezed(text: str) -> str:
    """Text without whitespace and without the unprintable characters (unassigned code points, format
    characters) that extraction deletes: deleting one joins its neighbours, which adds no text."""
    return "".join(c for c in unicodedata.normalize("NFC", text) if c.isprintable() and not c.isspace())


def haystacks(data: bytes) -> tuple[str, str]:
    """The input as the cleaner decodes it, with entities decoded and whitespace removed: raw (attribute
    values included), and with tags taken out (text split by inline tags joined up)."""
    decoded = normalize_text(html.unescape(decode_page(data)))
    return _squeezed(decoded), _squeezed(re.sub(r"<[^>]*>", "", decoded))


def assert_output_comes_from_input(article: Article, data: bytes) -> None:
    raw, text_only = haystacks(data)
    author = (article.author or "").replace(",", " ")  # several bylines are joined with ", "
    for field in [article.text, article.title or "", article.lead or "", author]:
        for word in field.split():
            word = _squeezed(word)
            assert word in raw or word in text_only, f"{word!r} is not in the input"


@pytest.mark.slow
@pytest.mark.skipif(not PAGES, reason="no stored pages")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated(PAGES))
def test_mutated_pages_give_an_article_from_the_input_or_our_error(data: bytes) -> None:
    started = time.monotonic()
    try:
        article = clean_html(data, url="https://baotintuc.vn/the-gioi/bai-viet-20230914080512345.htm")
    except CleanerError as error:
        assert error.reason in {"empty", "binary", "encoding", "too_large", "not_article"}
        return
    finally:
        assert time.monotonic() - started < SECONDS_PER_PAGE
    assert_output_comes_from_input(article, data)


SEEDS = [f.read_input() for f in seed_fixtures()]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(SEEDS))
@example(b"&#0u")  # decodes to a replacement character, which must not survive into the text
def test_mutated_seed_texts_clean_to_text_from_the_input(data: bytes) -> None:
    try:
        text = decode_page(data)
    except CleanerError:
        return
    started = time.monotonic()
    try:
        cleaned = clean_text(text)
    except CleanerError as error:
        assert error.reason in {"empty", "binary", "encoding", "too_large", "not_article"}
        return
    assert time.monotonic() - started < SECONDS_PER_PAGE
    haystack = _squeezed(normalize_text(html.unescape(text)))
    for word in cleaned.split():
        assert _squeezed(word) in haystack, f"{word!r} is not in the input"
    if cleaned:
        assert clean_text(cleaned) == cleaned, "clean_text is idempotent"


@pytest.mark.slow
def test_stored_pages_themselves_pass_the_same_checks() -> None:
    for path, data in zip([*SITE_PAGES, *SHARED_PAGES], PAGES, strict=True):
        try:
            article = clean_html(data, url="https://vnexpress.net/bai-viet-4954454.html")
        except CleanerError:
            continue
        assert_output_comes_from_input(article, data), path


def test_output_paths_cannot_leave_their_folder(tmp_path: Path) -> None:
    """Names that come from outlets, pages or URLs never lead out of the output folder."""
    from scrapy.settings import Settings

    from scraper.cassettes import CassetteCacheStorage
    from scraper.storage.dataset_files import DatasetWriter, partition
    from scraper.storage.files import inside

    for hostile in ("../x", "/etc/passwd", "a/../../x", "..", "x/../../../y"):
        with pytest.raises(ValueError):
            inside(tmp_path, hostile)
        with pytest.raises(ValueError):
            partition({"outlet": hostile, "published": "2023-09-14"})
        with pytest.raises(ValueError):
            DatasetWriter(tmp_path, hostile)
        storage = CassetteCacheStorage(Settings({"SCRAPER_CASSETTE_DIRS": [str(tmp_path)]}))
        with pytest.raises(ValueError):
            storage.cassette_path(hostile + "/..")
    assert partition({"outlet": "vov", "published": "../../../etc"}) == "outlet=vov/date=unknown"
    (tmp_path / "link").symlink_to("/")
    with pytest.raises(ValueError):
        inside(tmp_path, "link/etc")
    assert inside(tmp_path, "dataset/outlet=vov/x.jsonl") == tmp_path / "dataset/outlet=vov/x.jsonl"


@pytest.mark.slow
def test_atheris_finds_no_crash(tmp_path: Path) -> None:
    """A short coverage-guided run of tests/fuzz_cleaner.py from the fixture sites' pages, with a fixed random
    seed (longer runs on demand take a new one)."""
    pytest.importorskip("atheris")
    import shutil
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in SITE_PAGES:
        shutil.copy(path, corpus / path.name)
    harness = Path(__file__).with_name("fuzz_cleaner.py")
    result = subprocess.run([sys.executable, str(harness), "-runs=800", "-seed=1", "-max_len=65536", "-timeout=10",
                             f"-artifact_prefix={tmp_path}/", str(corpus)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done 800 runs" in result.stderr


def test_control_characters_beside_a_pruned_box_are_not_an_error() -> None:
    """Found by atheris: lxml parses control characters into a tail it then cannot move when the box
    before it is dropped."""
    lines = [f"Đoạn văn thứ {n} của bài viết kể lại diễn biến cuộc họp báo sáng nay tại thủ đô Hà Nội." for n in
             range(4)]
    page = ("<html><body><div class='article'>" + "".join(f"<p>{line}</p>" for line in lines)
            + "<div class='box-tinlienquan'><a href='/a-1.html'>Tin liên quan</a></div>\x0b\x1f còn lại"
            + "</div></body></html>")
    article = clean_html(page.encode(), url="https://vnexpress.net/bai-viet-4954454.html")
    assert article.text.splitlines()[:4] == lines
