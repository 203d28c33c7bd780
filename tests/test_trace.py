"""The cleaner's trace: every block of a page with what the cleaner did to it, told by the cleaner itself."""

from __future__ import annotations

from collections import Counter

import pytest

from scraper import clean_html, parse_text
from scraper.cleaning.explain import explain_html, explain_text
from scraper.cleaning.trace import EXTRACTION_RULE, LEAD_REPEAT_RULE
from scraper.fixtures import page_fixtures, seed_fixtures

SEEDS = list(seed_fixtures())
ARTICLE_PAGES = [f for f in page_fixtures() if not f.refused]
# rules the trace names beyond those the cleaner lists in `Article.removed`
TRACE_ONLY_RULES = {EXTRACTION_RULE, LEAD_REPEAT_RULE}


def _removals(blocks) -> Counter:
    return Counter((b.text, b.rule) for b in blocks if not b.kept and b.rule not in TRACE_ONLY_RULES)


@pytest.mark.parametrize("fixture", ARTICLE_PAGES, ids=lambda f: f.name)
def test_page_trace_accounts_for_the_cleaners_output(fixture, shared_pages) -> None:
    data = fixture.read_input()
    explanation = explain_html(data, url=fixture.url)
    plain = clean_html(data, url=fixture.url)
    assert explanation.article == plain  # tracing changes nothing in the result
    kept = [b.text for b in explanation.blocks if b.kept]
    assert Counter(kept) == Counter(plain.text.splitlines())  # kept blocks are the text, line for line
    assert _removals(explanation.blocks) == Counter((r.text, r.rule) for r in plain.removed)
    assert all(b.rule for b in explanation.blocks if not b.kept)


@pytest.mark.parametrize("fixture", SEEDS, ids=lambda f: f.name)
def test_seed_trace_is_every_line_in_order(fixture) -> None:
    data = fixture.read_input()
    explanation = explain_text(data)
    plain = parse_text(data)
    assert explanation.article == plain
    assert [b.text for b in explanation.blocks if b.kept] == plain.text.splitlines()
    assert _removals(explanation.blocks) == Counter((r.text, r.rule) for r in plain.removed)
    assert {b.stage for b in explanation.blocks} == {"postfilter"}


def test_trace_reads_the_page_in_order_and_names_each_step() -> None:
    page = """<html><head><title>Tiêu đề bài báo thử nghiệm</title>
    <meta property="og:type" content="article"></head><body>
    <div class="menu"><a href="/a">Thời sự</a> <a href="/b">Thế giới</a></div>
    <h1>Tiêu đề bài báo thử nghiệm</h1>
    <div class="content">
    <p>Đoạn thứ nhất của bài báo nói về một chuyện có thật, kể khá dài để đọc như văn xuôi của bài.</p>
    <p>Đoạn thứ hai của bài báo cũng dài như thế, có nhiều chữ để người đọc thấy đây là nội dung chính.</p>
    <p>Ảnh: TTXVN</p>
    <p>Đoạn thứ ba của bài báo kết thúc câu chuyện bằng một câu dài nữa, cho đủ chữ của một đoạn văn.</p>
    </div>
    <div class="related-news"><a href="/c">Một bài khác rất đáng đọc hôm nay</a></div>
    </body></html>"""
    explanation = explain_html(page, url="https://example.vn/tin-thu-nghiem-123456.html")
    assert explanation.article is not None
    texts = [b.text for b in explanation.blocks]
    assert texts.index("Thời sự Thế giới") < texts.index("Một bài khác rất đáng đọc hôm nay")
    fate = {b.text: (b.rule, b.stage) for b in explanation.blocks}
    assert fate["Thời sự Thế giới"] == ("boilerplate_container", "markup")
    assert fate["Một bài khác rất đáng đọc hôm nay"] == ("boilerplate_container", "markup")
    assert fate["Ảnh: TTXVN"] == ("caption", "postfilter")
    kept = [b.text for b in explanation.blocks if b.kept]
    assert kept == explanation.article.text.splitlines()


def test_a_refused_page_is_explained_by_its_error() -> None:
    explanation = explain_html("<html><head><meta property='og:type' content='website'></head><body></body></html>")
    assert explanation.article is None and explanation.error is not None
    assert explanation.error.reason == "not_article"
