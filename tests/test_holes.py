"""No holes: every line the cleaner gives is one contiguous piece of its input's text (one input line of
pre-extracted text; the text of the page, whitespace aside), so no kept paragraph has words missing from
its middle and no two paragraphs are run together."""

from __future__ import annotations

import pytest

from scraper import CleanerError, clean_html, clean_text
from scraper.cleaning.seams import PageText, split_at_seams
from scraper.evaluation import text_holes
from scraper.fixtures import page_fixtures, seed_fixtures, shared_pages_dir

SEEDS = list(seed_fixtures())
PAGES = [f for f in page_fixtures() if not f.in_cassette]


@pytest.mark.parametrize("fixture", SEEDS, ids=lambda f: f.name)
def test_seed_lines_are_pieces_of_input_lines(fixture) -> None:
    data = fixture.read_input()
    assert text_holes(data, clean_text(data.decode("utf-8")), kind="seed") == []


@pytest.mark.parametrize("fixture", PAGES, ids=lambda f: f.name)
def test_page_fixture_lines_are_pieces_of_the_page(fixture, shared_pages) -> None:
    data = fixture.read_input()
    try:
        text = clean_html(data, url=fixture.url, keep_all=True).text
    except CleanerError:
        return
    assert text_holes(data, text) == []


def test_every_stored_page_is_cleaned_without_holes(shared_pages) -> None:
    pages = sorted(shared_pages_dir().rglob("*.html"))
    assert pages
    for page in pages:
        data = page.read_bytes()
        try:
            text = clean_html(data, keep_all=True).text
        except CleanerError:
            continue
        assert text_holes(data, text) == [], page.name


def test_a_link_inside_a_sentence_keeps_its_words_whatever_its_class() -> None:
    page = ("<html><body><h1>Cổ phiếu giảm sâu</h1><div class='content'><p>Trong ba tuần qua, giá "
            "<a class='cms-relate' href='/co-phieu-pnj-123456.htm'>cổ phiếu PNJ</a> liên tục lao dốc, mất gần một "
            "phần năm giá trị so với đỉnh đầu tháng trước.</p><p>Giới phân tích cho rằng sức mua yếu trong mùa thấp "
            "điểm khiến biên lợi nhuận của doanh nghiệp bị thu hẹp đáng kể.</p></div></body></html>")
    text = clean_html(page, url="https://baomau.vn/co-phieu-giam-sau-20241002151000.htm").text
    assert "giá cổ phiếu PNJ liên tục lao dốc" in text


def test_a_paragraph_run_together_from_two_places_is_split_at_the_seam() -> None:
    page = PageText("Đoạnmộtcủabàiviết.\n" "Hộpquảngcáo\n" "Đoạnhaicủabàiviết.")
    assert split_at_seams("Đoạn một của bài viết. Đoạn hai của bài viết.", page) == [
        "Đoạn một của bài viết.", "Đoạn hai của bài viết."]
    assert split_at_seams("Đoạn một của bài viết.", page) == ["Đoạn một của bài viết."]
