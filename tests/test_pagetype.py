"""The page-type verdict: evidence from several signals, a score, and the signals that decided."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper import CleanerError, NotAnArticle, clean_html
from scraper.cleaning.pagetype import PageMeasures, judge
from scraper.fixtures import page_fixtures, shared_pages_dir

WRITTEN = Path(__file__).resolve().parent.parent / "fixtures" / "pages" / "written"
LISTINGS = {"category_cards": "https://baomau.vn/kinh-doanh", "category_siblings": "https://baomau.vn/tin-tuc",
            "tag_page": "https://baomau.vn/tag/gia-vang", "video_hub": "https://baomau.vn/video",
            "home": "https://baomau.vn/"}


def _article(**changes: object) -> PageMeasures:
    measures = PageMeasures(text_chars=6000, link_chars=1500, prose_chars=3200, teasers=6, teaser_chars=900,
                            jsonld_types=frozenset({"NewsArticle"}), og_type="article",
                            url_path="/the-gioi/tin-20240101.htm", dated=True, lead=True)
    for name, value in changes.items():
        setattr(measures, name, value)
    return measures


def test_an_article_with_every_sign_is_a_sure_article() -> None:
    verdict = judge(_article())
    assert verdict.kind == "article" and verdict.sure and verdict.score > 0.99


def test_a_listing_with_every_sign_is_a_sure_listing() -> None:
    verdict = judge(_article(prose_chars=0, link_chars=5600, teaser_chars=5500, teasers=30,
                             jsonld_types=frozenset({"CollectionPage"}), og_type="website", url_path="/kinh-doanh",
                             dated=False, lead=False))
    assert verdict.kind == "listing" and verdict.sure and verdict.score < 0.01
    assert "teasers" in verdict.explain() and "JSON-LD CollectionPage" in verdict.explain()


def test_no_single_sign_refuses_an_article() -> None:
    """og:type website, a home-like address or many teasers alone do not outweigh the article's prose."""
    for changes in ({"og_type": "website"}, {"url_path": "/"}, {"teasers": 40, "teaser_chars": 2400},
                    {"link_chars": 4500}, {"jsonld_types": frozenset()}):
        assert judge(_article(**changes)).kind == "article", changes


def test_signals_without_metadata_decide_on_structure() -> None:
    bare = {"jsonld_types": frozenset(), "og_type": None, "dated": False, "lead": False, "url_path": None}
    assert judge(_article(**bare)).kind == "article"
    listing = judge(_article(**bare, prose_chars=150, teaser_chars=5400, teasers=12))
    assert listing.kind == "listing" and not listing.sure


@pytest.mark.parametrize("name", sorted(LISTINGS))
def test_written_listing_pages_are_refused_with_the_signals_that_decided(name: str) -> None:
    with pytest.raises(NotAnArticle) as refusal:
        clean_html((WRITTEN / f"{name}.html").read_bytes(), url=LISTINGS[name])
    assert refusal.value.page_type is not None and refusal.value.page_type.kind == "listing"
    assert "teasers" in refusal.value.message and "score" in refusal.value.message


def test_keep_all_cleans_a_listing_and_says_what_it_is() -> None:
    article = clean_html((WRITTEN / "category_cards.html").read_bytes(), url=LISTINGS["category_cards"],
                         keep_all=True)
    assert article.page_type == "listing" and article.page_type_score is not None
    assert article.page_type_score < 0.5 and article.text


def test_an_article_carries_its_page_type() -> None:
    article = clean_html((WRITTEN / "photo_story.html").read_bytes(),
                         url="https://baomau.vn/anh/hoa-da-quy-nhuom-vang-cao-nguyen-20241115070000.htm")
    assert article.page_type == "article" and article.page_type_score > 0.9


def test_the_real_category_page_is_a_sure_refusal(shared_pages: None) -> None:
    page = shared_pages_dir() / "vnexpress" / "vnexpress_list.html"
    with pytest.raises(NotAnArticle) as refusal:
        clean_html(page.read_bytes(), url="https://vnexpress.net/kinh-doanh")
    assert refusal.value.sure


def test_an_error_page_is_refused() -> None:
    page = ("<html><head><title>404 - Không tìm thấy trang</title></head><body><h1>Không tìm thấy trang</h1>"
            "<p>Trang bạn tìm không tồn tại hoặc đã bị xóa. Mời bạn quay lại trang chủ để đọc tin mới nhất.</p>"
            "</body></html>")
    with pytest.raises(CleanerError) as refusal:
        clean_html(page, url="https://baomau.vn/tin-tuc/bai-cu-123456.htm")
    assert refusal.value.reason == "not_article"


def test_teasers_with_summaries_too_long_for_a_card_still_make_a_listing() -> None:
    """A section page whose teasers each carry a whole paragraph of their article: no container holds prose
    of its own, and the summaries after the headline links count as teasers (the section's name is no
    headline of an article, however many separators its title has)."""
    sentence = ("Chiều nay, lãnh đạo thành phố đã họp với các sở ngành để bàn về kế hoạch chống ngập trong mùa mưa "
                "năm nay, khi nhiều tuyến đường ở trung tâm vẫn ngập sâu sau mỗi trận mưa lớn. ")
    cards = "".join(
        f'<li><figure><a href="/thoi-su/bai-{n}-2025120{n}.htm"><img src="/anh/{n}.jpg"></a></figure>'
        f'<div class="news"><strong><a href="/thoi-su/bai-{n}-2025120{n}.htm">Thành phố họp bàn kế hoạch chống '
        f'ngập số {n} trong mùa mưa</a></strong><p class="summary">{sentence * 5}</p></div></li>'
        for n in range(1, 9))
    page = (f"<html><head><title>Thời sự | Báo Mẫu</title></head><body>"
            f"<h1>Thời sự | Báo Mẫu</h1><ul>{cards}</ul></body></html>")
    with pytest.raises(NotAnArticle) as refusal:
        clean_html(page, url="https://baomau.vn/thoi-su/trong-nuoc")
    assert "teasers" in refusal.value.message and "headline" not in refusal.value.message


def test_short_subheadings_before_paragraphs_are_no_teaser_headlines() -> None:
    """An article whose sections each open with a short subheading (no link) and a long paragraph: the
    paragraphs are prose, not summaries of teasers (only a heading holding a headline link heads one)."""
    sentence = ("theo báo cáo của sở, lượng khách du lịch đến thành phố trong năm nay tăng mạnh so với cùng kỳ, "
                "nhờ nhiều chương trình kích cầu và các đường bay mới được mở trong mùa hè. ")
    sections = "".join(f"<h2>Phần {n}</h2><p>Ở khu vực thứ {n}, {sentence * 4}</p>" for n in range(1, 7))
    page = ("<html><head><title>Du lịch thành phố tăng trưởng mạnh trong năm nay</title></head><body>"
            "<h1>Du lịch thành phố tăng trưởng mạnh trong năm nay</h1>"
            f"<div class=\"article-body\">{sections}</div></body></html>")
    article = clean_html(page, url="https://baomau.vn/du-lich/du-lich-tang-truong-2025120812345.htm")
    assert article.page_type == "article" and article.text.count("Ở khu vực thứ") == 6


@pytest.mark.parametrize("name", ["pages/cafef/cafef_written", "pages/vtv/vtv_written",
                                  "pages/tuoitre/tuoitre_written"])
def test_a_box_of_teasers_with_long_summaries_is_taken_out_of_the_article(name: str) -> None:
    """A related-news box at the end of the page whose class names nothing: each item a thumbnail, a headline
    link and a summary too long for a teaser card. The box goes as other articles' teasers; the article's
    text is what it is without the box."""
    fixture = next(fixture for fixture in page_fixtures() if fixture.name == name)
    page = fixture.input_path.read_text(encoding="utf-8")
    topics = ["giá vàng", "lãi suất", "chứng khoán", "xuất khẩu gạo", "giá xăng", "bất động sản", "tỷ giá", "giá điện"]
    items = "".join(
        f'<li><a href="/kinh-te/bai-{n}-2025120{n}.htm"><img src="/anh/{n}.jpg"></a>'
        f'<h3><a href="/kinh-te/bai-{n}-2025120{n}.htm">Thị trường {topic} tuần này có gì đáng chú ý với nhà đầu tư</a>'
        f'</h3><p>Tóm tắt {n}: ' + " ".join(f"Theo chuyên gia, {topic} biến động vì nhu cầu {other} thay đổi, và doanh "
                                           f"nghiệp chờ thêm tín hiệu trước khi quyết định." for other in topics[:3])
        + "</p></li>" for n, topic in enumerate(topics, 1))
    with_box = page.replace("</body>", f'<div class="wrapper"><ul>{items}</ul></div></body>', 1)
    article = clean_html(with_box, url=fixture.url)
    assert "Tóm tắt" not in article.text
    assert article.text == clean_html(page, url=fixture.url).text
