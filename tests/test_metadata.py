"""Date lines as Vietnamese outlets print them, and where the cleaner finds them."""

from __future__ import annotations

import pytest

from scraper import clean_html
from scraper.cleaning.metadata import parse_date_line

BODY = "".join(f"<p>Đoạn {n}: nội dung bài báo đủ dài để là văn xuôi của bài viết, kể lại sự việc đã diễn ra "
               f"trong ngày hôm qua tại thành phố.</p>" for n in range(3))


@pytest.mark.parametrize("line, expected", [
    ("Thứ năm, 20/12/2012, 10:18 GMT+7", "2012-12-20T10:18:00+07:00"),
    ("Thứ Ba, 25/12/2012 - 10:03", "2012-12-25T10:03:00+07:00"),
    ("13/09/2023 22:04", "2023-09-13T22:04:00+07:00"),
    ("15:20 PM  | 21/12/2012", "2012-12-21T15:20:00+07:00"),  # a 24-hour time with a stray PM
    ("11:05 tối 24/12/12", "2012-12-24T23:05:00+07:00"),
    ("3/24/2024 7:12:35 AM", "2024-03-24T07:12:35+07:00"),
    ("21/12/2012", "2012-12-21"),
    ("không có ngày", None),
])
def test_date_lines(line: str, expected: str | None) -> None:
    assert parse_date_line(line) == expected


def test_the_element_holding_date_published_microdata_gives_the_time() -> None:
    page = ('<html><head><title>Tin</title><meta property="og:type" content="article"></head><body>'
            '<h1>Tiêu đề bài</h1><span class="fr fon7"><meta itemprop="datePublished" content="2012-12-25"/>'
            f"Thứ Ba, 25/12/2012 - 10:03</span><div>{BODY}</div></body></html>")
    assert clean_html(page).published == "2012-12-25T10:03:00+07:00"


def test_a_closing_source_line_wins_over_the_name_after_it() -> None:
    page = ('<html><head><title>Tin</title><meta property="og:type" content="article"></head><body>'
            f'<h1>Tiêu đề bài</h1><div>{BODY}<DIV style="TEXT-ALIGN: right"><I>Theo Minh Nguyễn/Vcamp.vn</I></DIV>'
            '<DIV style="TEXT-ALIGN: right"><I>Forbes</I></DIV></div></body></html>')
    article = clean_html(page)
    assert (article.author, article.source) == ("Minh Nguyễn", "Vcamp.vn")
    assert "Vcamp" not in article.text


def test_microdata_author_that_names_a_source_is_the_source() -> None:
    page = ('<html><head><title>Tin</title><meta property="og:type" content="article"></head><body>'
            '<h1>Tiêu đề bài</h1><span><span itemprop="author">Theo Ngoisao</span> | 25/12/2012 10:25</span>'
            f"<div>{BODY}</div></body></html>")
    article = clean_html(page)
    assert (article.author, article.source) == (None, "Ngoisao")
