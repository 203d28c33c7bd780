"""Bad, hostile and oddly encoded input to the cleaner.

Every input is built here, from one small synthetic Vietnamese article page: the same page in
many encodings must clean to the same text, broken or hostile input must fail with a
`CleanerError` (never an lxml, trafilatura or Unicode exception), and nothing may take long.
"""

from __future__ import annotations

import codecs
import os
import random
import time
import unicodedata
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from legacy_encodings import to_cp1258, to_tcvn3, to_vni

from scraper import Article, CleanerError, NotAnArticle, clean_html, clean_text
from scraper.cleaning.errors import BinaryInput, EmptyInput, InputTooLarge, UnsupportedEncoding

REASONS = {"empty", "binary", "encoding", "too_large", "not_article"}

# --------------------------------------------------------------------------------------------
# The synthetic article page
# --------------------------------------------------------------------------------------------

TITLE = "Hà Nội khởi công tuyến đường sắt đô thị mới nối trung tâm với sân bay Nội Bài"
LEAD = (
    "Sáng nay, thành phố Hà Nội chính thức khởi công tuyến đường sắt đô thị số 9 dài gần ba mươi "
    "cây số, nối khu vực trung tâm với sân bay quốc tế Nội Bài, dự kiến hoàn thành vào năm 2030."
)
BODY = [
    "Theo Ban quản lý đường sắt đô thị Hà Nội, tuyến đường có tổng mức đầu tư hơn bốn mươi nghìn tỷ đồng, "
    "gồm mười hai nhà ga trên cao và ba nhà ga ngầm, đi qua các quận Ba Đình, Tây Hồ và huyện Đông Anh.",
    "Phát biểu tại lễ khởi công, Phó chủ tịch thành phố cho biết dự án sẽ giúp giảm ùn tắc giao thông "
    "trên các trục đường hướng tâm, đồng thời rút ngắn thời gian di chuyển từ trung tâm ra sân bay xuống "
    "còn khoảng hai mươi lăm phút thay vì hơn một giờ như hiện nay.",
    "Nhiều người dân sống dọc tuyến đường bày tỏ sự phấn khởi khi nghe tin dự án được triển khai, nhưng "
    "cũng lo lắng về việc giải phóng mặt bằng, bởi hàng trăm hộ gia đình sẽ phải di dời đến khu tái định "
    "cư mới ở phía bắc sông Hồng trong năm tới.",
    "Các chuyên gia giao thông nhận định việc phát triển mạng lưới đường sắt đô thị là hướng đi tất yếu "
    "của thủ đô, song thành phố cần rút kinh nghiệm từ những dự án trước đây vốn bị chậm tiến độ nhiều "
    "năm và đội vốn đáng kể so với dự toán ban đầu.",
    "Đại diện nhà thầu khẳng định sẽ huy động hơn hai nghìn kỹ sư và công nhân, làm việc ba ca liên tục, "
    "áp dụng công nghệ đào hầm hiện đại để bảo đảm chất lượng công trình và hạn chế tối đa ảnh hưởng đến "
    "đời sống của người dân xung quanh khu vực thi công.",
]
RELATED = [
    "Giá vé tàu điện Cát Linh Hà Đông sẽ thay đổi từ tháng sau",
    "Tuyến metro Nhổn ga Hà Nội chạy thử đoạn trên cao",
    "Hà Nội đề xuất thêm hai tuyến đường sắt mới",
]
FOOTER = "© 2024 Báo Tin Mới. Giấy phép số 123/GP-BTTTT. Tổng biên tập: Nguyễn Văn An."
EXPECTED_TEXT = "\n".join([LEAD, *BODY])


def page(head: str = "", *, doctype: str = "<!DOCTYPE html>", body: list[str] | None = None,
         before_footer: str = "", wrap: tuple[str, str] = ("", "")) -> str:
    """The article page; `head` goes first in <head> (where charset declarations live)."""
    related = "".join(f'<li><a href="/tin-lien-quan-{i}.html">{t}</a></li>' for i, t in enumerate(RELATED))
    paragraphs = "\n".join(f"<p>{p}</p>" for p in (BODY if body is None else body))
    return f"""{doctype}
<html lang="vi"><head>{head}
<title>{TITLE} - Báo Tin Mới</title>
</head><body>
<div class="header"><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a> <a href="/kinh-te">Kinh tế</a></div>
{wrap[0]}<div class="article">
<h1>{TITLE}</h1>
<p class="sapo">{LEAD}</p>
{paragraphs}
<div class="box-tinlienquan"><h3>Tin liên quan</h3><ul>{related}</ul></div>
</div>{wrap[1]}
{before_footer}
<footer><p>{FOOTER}</p></footer>
</body></html>"""


def high_bytes(seed: int, count: int) -> bytes:
    """`count` random bytes in 0x80..0xFF: neither UTF-8 nor Vietnamese in any code page."""
    rng = random.Random(seed)
    return bytes(rng.randrange(0x80, 0x100) for _ in range(count))


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def outcome(data: str | bytes, url: str | None = None) -> Article | CleanerError:
    """clean_html's result or its CleanerError; anything else propagates and fails the test."""
    try:
        result = clean_html(data, url=url)
    except CleanerError as error:
        assert error.reason in REASONS, f"unknown reason {error.reason!r} on {type(error).__name__}: {error}"
        return error
    assert isinstance(result, Article), f"clean_html returned {type(result).__name__}, not an Article"
    assert isinstance(result.text, str)
    return result


def describe(result: Article | CleanerError) -> str:
    if isinstance(result, CleanerError):
        return f"{type(result).__name__}(reason={result.reason!r}): {result}"
    return f"an Article with text {result.text[:300]!r}"


def timed(data: str | bytes, url: str | None = None) -> tuple[Article | CleanerError, float]:
    start = time.monotonic()
    result = outcome(data, url)
    return result, time.monotonic() - start


@pytest.fixture(scope="module")
def reference() -> Article:
    """The page as plain UTF-8 bytes with no charset declared: what every variant must equal."""
    return clean_html(page().encode("utf-8"))


def assert_same_as_reference(result: Article | CleanerError, reference: Article, what: str) -> None:
    assert isinstance(result, Article), f"{what}: expected an Article, got {describe(result)}"
    assert unicodedata.is_normalized("NFC", result.text), f"{what}: text is not NFC: {result.text[:200]!r}"
    assert result.text == reference.text, (
        f"{what}: text differs from the plain UTF-8 page.\n--- got:\n{result.text[:600]}\n--- expected:\n"
        f"{reference.text[:600]}"
    )
    assert result.title == reference.title, f"{what}: title {result.title!r} != {reference.title!r}"


# --------------------------------------------------------------------------------------------
# 0. The reference page itself cleans as expected (otherwise every equality below is vacuous)
# --------------------------------------------------------------------------------------------


def test_reference_page_is_lead_then_body_without_boilerplate(reference):
    assert reference.text == EXPECTED_TEXT, f"reference page cleaned to:\n{reference.text}"
    assert reference.title == TITLE
    assert unicodedata.is_normalized("NFC", reference.text)
    for junk in ["Tin liên quan", *RELATED, "Giấy phép", "Trang chủ", TITLE]:
        assert junk not in reference.text.splitlines(), f"boilerplate {junk!r} left in the text"


def test_cp1258_helper_really_uses_combining_tone_marks():
    # "ấ" is "â" (0xE2) + combining acute (0xEC); "ộ" is "ô" (0xF4) + combining dot below (0xF2)
    assert to_cp1258("ấ") == b"\xe2\xec"
    assert to_cp1258("ộ") == b"\xf4\xf2"
    decoded = to_cp1258(LEAD).decode("cp1258")
    assert decoded != LEAD and unicodedata.normalize("NFC", decoded) == LEAD


# --------------------------------------------------------------------------------------------
# 1. The same page in many encodings cleans to the same NFC text
# --------------------------------------------------------------------------------------------


def _sprinkle_nuls(text: str, every: int = 37) -> str:
    return "".join(ch + ("\x00" if i % every == 0 else "") for i, ch in enumerate(text))


ENCODED_VARIANTS = {
    "str input": lambda: page(),
    "decomposed (NFD) str input": lambda: unicodedata.normalize("NFD", page()),
    "windows-1258, <meta charset>": lambda: to_cp1258(page('<meta charset="windows-1258">')),
    "windows-1258, http-equiv": lambda: to_cp1258(
        page('<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')),
    "windows-1258, no charset": lambda: to_cp1258(page()),
    "utf-16-le with BOM": lambda: codecs.BOM_UTF16_LE + page().encode("utf-16-le"),
    "utf-16-be with BOM": lambda: codecs.BOM_UTF16_BE + page().encode("utf-16-be"),
    "utf-8 declaring iso-8859-1 (meta charset)": lambda: page('<meta charset="iso-8859-1">').encode("utf-8"),
    "utf-8 declaring iso-8859-1 (http-equiv)": lambda: page(
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">').encode("utf-8"),
    "utf-8 with BOM": lambda: codecs.BOM_UTF8 + page().encode("utf-8"),
    "utf-8 with BOM declaring iso-8859-1": lambda: codecs.BOM_UTF8 + page('<meta charset="iso-8859-1">').encode(),
    "utf-8 with stray NUL bytes": lambda: _sprinkle_nuls(page()).encode("utf-8"),
    "str with stray NULs": lambda: _sprinkle_nuls(page()),
}


@pytest.mark.parametrize("variant", list(ENCODED_VARIANTS))
def test_encoding_variant_cleans_like_plain_utf8(variant, reference):
    data = ENCODED_VARIANTS[variant]()
    assert_same_as_reference(outcome(data), reference, variant)


# Latin-1 symbols a real Vietnamese page does use (°, ±, «», €, ©): no reason to call it mojibake.
SYMBOL_BODY = [
    "Trung tâm Dự báo khí tượng thủy văn quốc gia cho biết hôm nay nhiệt độ cao nhất ở Hà Nội lên tới 39°C, "
    "có nơi trên 40°C, độ ẩm thấp nhất chỉ khoảng 45%, sai số dự báo ± 1°C so với số liệu quan trắc thực tế.",
    "Cơ quan khí tượng khuyến cáo người dân hạn chế ra đường vào buổi trưa, uống đủ nước và theo dõi bản tin "
    "«nắng nóng gay gắt» được phát hằng giờ; giá điện bậc cao nhất hiện là 3.000 đồng/kWh, tương đương 0,12 €.",
    *BODY[2:],
]


@pytest.mark.parametrize("head", ['<meta charset="windows-1258">', ""], ids=["declared", "undeclared"])
def test_cp1258_page_with_latin1_symbols_cleans_like_utf8(head):
    expected = clean_html(page(body=SYMBOL_BODY).encode("utf-8"))
    assert "39°C" in expected.text and "«nắng nóng gay gắt»" in expected.text
    assert_same_as_reference(outcome(to_cp1258(page(head, body=SYMBOL_BODY))), expected,
                             f"windows-1258 page with °, ±, «», € ({head or 'no charset'})")


# --------------------------------------------------------------------------------------------
# 2. Legacy Vietnamese font encodings (TCVN3, VNI, VISCII) and undecodable bytes
# --------------------------------------------------------------------------------------------


def _assert_refused_or_correct(result: Article | CleanerError, what: str) -> None:
    """Legacy bytes must be refused (UnsupportedEncoding or BinaryInput), never cleaned to mojibake.
    (Text equal to the real article is allowed, should the cleaner ever learn to decode them.)"""
    if isinstance(result, Article):
        assert result.text == EXPECTED_TEXT, f"{what}: returned mojibake instead of refusing: {result.text[:200]!r}"
        return
    assert isinstance(result, (UnsupportedEncoding, BinaryInput)), (
        f"{what}: expected UnsupportedEncoding or BinaryInput, got {describe(result)}"
    )


@pytest.mark.parametrize("head, encode", [
    ('<meta charset="TCVN3">', to_tcvn3),
    ('<meta http-equiv="Content-Type" content="text/html; charset=TCVN3">', to_tcvn3),
    ('<meta charset="TCVN3">', to_cp1258),
    ('<meta charset="TCVN3">', lambda s: s.replace(BODY[0], "").encode("ascii", "replace")
     + high_bytes(3, 2000)),
    ('<meta charset="VNI-Windows">', to_vni),
    ('<meta charset="VISCII">', lambda s: s.encode("cp1258", "replace")),
], ids=["tcvn3-bytes", "tcvn3-http-equiv", "cp1258-bytes", "high-bytes", "vni", "viscii"])
def test_declared_legacy_charset_raises_unsupported_encoding(head, encode):
    result = outcome(encode(page(head)))
    assert isinstance(result, UnsupportedEncoding), (
        f"declared {head}: expected UnsupportedEncoding, got {describe(result)}"
    )
    assert result.reason == "encoding"


def test_valid_utf8_wins_over_a_declared_legacy_code_page():
    """Bytes that are valid UTF-8 are decoded as UTF-8 whatever the page declares (a wrong declaration)."""
    result = outcome(page('<meta charset="TCVN3">').encode("utf-8"))
    assert isinstance(result, Article), f"expected the article, got {describe(result)}"
    assert result.text == outcome(page("").encode("utf-8")).text


@pytest.mark.parametrize("head, encode", [
    ("", to_tcvn3),
    ('<meta charset="iso-8859-1">', to_tcvn3),
    ("", to_vni),
    ('<meta charset="windows-1252">', to_vni),
], ids=["tcvn3-undeclared", "tcvn3-as-latin1", "vni-undeclared", "vni-as-cp1252"])
def test_undeclared_or_misdeclared_legacy_page_is_not_cleaned_to_mojibake(head, encode):
    data = encode(page(head))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    _assert_refused_or_correct(outcome(data), f"{encode.__name__} page with head {head!r}")


def test_random_high_bytes_are_refused():
    data = high_bytes(1, 3000)
    _assert_refused_or_correct(outcome(data), "3000 random high-bit bytes")


def test_random_high_bytes_inside_an_html_page_are_refused():
    junk = high_bytes(2, 3000)
    data = b"<html><head><title>Tin moi</title></head><body><h1>Tin moi</h1><p>" + junk + b"</p></body></html>"
    _assert_refused_or_correct(outcome(data), "ASCII page with a paragraph of random high-bit bytes")


# --------------------------------------------------------------------------------------------
# 3. Empty, binary, truncated and malformed input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    b"", "", b" ", "   ", b" \n\t\r\n ", "\r\n\r\n", "\u00a0\u3000\n",
    codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_LE + " \n ".encode("utf-16-le"), b"\x00\x00\x00",
], ids=repr)
def test_empty_or_whitespace_raises_empty_input(data):
    result = outcome(data)
    assert isinstance(result, EmptyInput), f"{data!r}: expected EmptyInput, got {describe(result)}"
    assert result.reason == "empty"


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 8,
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 8,
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(range(256)) * 4,
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4,
    os.urandom(5000),
    random.Random(7).randbytes(5000),
], ids=["png", "pdf", "zip", "gif", "jpeg", "urandom", "seeded-random"])
def test_binary_input_raises_binary_or_encoding(data):
    result = outcome(data)
    assert isinstance(result, CleanerError), f"{data[:12]!r}: expected a CleanerError, got {describe(result)}"
    assert result.reason in ("binary", "encoding"), f"{data[:12]!r}: expected binary/encoding, got {describe(result)}"


def _cut_inside(paragraph: str, chars_in: int) -> str:
    text = page()
    return text[: text.index(paragraph) + chars_in]


def _assert_paragraphs_before_cut_kept(result: Article | CleanerError, what: str) -> None:
    assert isinstance(result, Article), f"{what}: expected an Article, got {describe(result)}"
    lines = result.text.splitlines()
    assert lines[:3] == [LEAD, BODY[0], BODY[1]], f"{what}: paragraphs before the cut not kept:\n{result.text[:800]}"
    assert all(p not in result.text for p in BODY[3:]), f"{what}: text after the cut appeared"
    assert unicodedata.is_normalized("NFC", result.text)


def test_truncated_page_keeps_paragraphs_before_the_cut():
    _assert_paragraphs_before_cut_kept(outcome(_cut_inside(BODY[2], 60).encode("utf-8")), "page cut in paragraph 3")


def test_truncated_page_as_str_keeps_paragraphs_before_the_cut():
    _assert_paragraphs_before_cut_kept(outcome(_cut_inside(BODY[2], 60)), "str page cut in paragraph 3")


def test_truncated_in_the_middle_of_a_utf8_character_keeps_paragraphs_before_the_cut():
    # cut the bytes between the first and second byte of "ấ" in "phấn"
    head = _cut_inside(BODY[2], BODY[2].index("phấn") + 2).encode("utf-8")
    data = head + "ấ".encode()[:1]
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    _assert_paragraphs_before_cut_kept(outcome(data), "UTF-8 page cut inside a multi-byte character")


def test_truncated_utf16_page_at_an_odd_byte_keeps_paragraphs_before_the_cut():
    data = codecs.BOM_UTF16_LE + _cut_inside(BODY[2], 60).encode("utf-16-le") + b"\x41"
    _assert_paragraphs_before_cut_kept(outcome(data), "UTF-16 page cut at an odd byte")


def test_utf8_page_with_one_stray_invalid_byte_is_not_mojibake(reference):
    # a Windows-1252 "©" (0xA9) left in an otherwise UTF-8 template's footer
    data = page().encode("utf-8").replace("©".encode(), b"\xa9")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert_same_as_reference(outcome(data), reference, "UTF-8 page with one stray 0xA9 byte in its footer")


MALFORMED = {
    "unclosed <p>s": lambda: page().replace("</p>", ""),
    "stray closing tags": lambda: page().replace('<div class="article">', '</div></div></span><div class="article">')
    .replace("</footer>", "</footer></div></div></p></td>"),
    "unclosed inline tags at the end": lambda: page().replace("</body></html>", "<div><b><i><span>"),
    "no </body></html>": lambda: page().replace("</body></html>", ""),
    "unquoted and broken attributes": lambda: page().replace('<div class="article">', '<div class=article id=">')
    .replace("<h1>", "<h1 data-x='\" =>"),
    "no <html>/<head>/<body> at all": lambda: page().replace('<html lang="vi"><head>', "")
    .replace("</head><body>", "").replace("</body></html>", ""),
}


@pytest.mark.parametrize("variant", list(MALFORMED))
def test_malformed_html_still_cleans(variant):
    result = outcome(MALFORMED[variant]().encode("utf-8"))
    assert isinstance(result, Article), f"{variant}: expected an Article, got {describe(result)}"
    lines = result.text.splitlines()
    assert lines[0] == LEAD, f"{variant}: lead is not first:\n{result.text[:400]}"
    positions = [result.text.find(p) for p in BODY]
    assert -1 not in positions and positions == sorted(positions), f"{variant}: body paragraphs missing:\n{result.text}"
    assert not any(t in result.text for t in RELATED), f"{variant}: related links kept"


@pytest.mark.parametrize("url", ["http://[::1", "http://[bad/tin-123456.html", "://", "", "không phải url"])
def test_bad_url_argument_does_not_leak_an_exception(url):
    result = outcome(page().encode("utf-8"), url=url)
    assert isinstance(result, (Article, CleanerError))


def test_lone_surrogate_in_str_input_does_not_leak_an_exception():
    outcome(page().replace("Ba Đình", "Ba \ud800Đình"))


# --------------------------------------------------------------------------------------------
# 4. Bounded time and size
# --------------------------------------------------------------------------------------------

DEPTH_BOUND_SECONDS = 20.0


def test_200k_nested_divs_after_the_article_are_bounded(reference):
    data = page(before_footer="<div>" * 200_000 + "sâu" + "</div>" * 200_000).encode("utf-8")
    result, seconds = timed(data)
    assert seconds < DEPTH_BOUND_SECONDS, f"took {seconds:.1f}s"
    if not isinstance(result, InputTooLarge):
        assert_same_as_reference(result, reference, "page with 200,000 nested <div>s after the article")


def test_200k_unclosed_divs_are_bounded():
    result, seconds = timed(page(before_footer="<div>" * 200_000).encode("utf-8"))
    assert seconds < DEPTH_BOUND_SECONDS, f"took {seconds:.1f}s"
    assert isinstance(result, (Article, InputTooLarge)), f"expected an Article or InputTooLarge, got {describe(result)}"


@pytest.mark.parametrize("depth", [300, 200_000])
def test_article_inside_deeply_nested_divs_is_cleaned_or_refused_as_too_large(depth):
    """Either the page is refused as too deep, or its article is found; not silently lost."""
    data = page(wrap=("<div>" * depth, "</div>" * depth)).encode("utf-8")
    result, seconds = timed(data)
    assert seconds < DEPTH_BOUND_SECONDS, f"depth {depth}: took {seconds:.1f}s"
    if isinstance(result, InputTooLarge):
        return
    assert isinstance(result, Article), (
        f"article nested {depth} <div>s deep: expected InputTooLarge or the article, got {describe(result)}"
    )
    assert result.text == EXPECTED_TEXT, f"depth {depth}: article text lost or changed:\n{result.text[:400]}"


def test_a_refused_deep_page_does_not_affect_the_next_page(reference):
    """Parser state (error logs, limits) must not leak from one page into the next."""
    timed(page(wrap=("<div>" * 1000, "</div>" * 1000)).encode("utf-8"))
    assert_same_as_reference(outcome(page().encode("utf-8")), reference, "the plain page after a too-deep one")


def test_input_over_20_mb_as_bytes_raises_input_too_large():
    data = page().replace("<footer>", "<!--" + " " * 20_500_000 + "--><footer>").encode("utf-8")
    result, seconds = timed(data)
    assert isinstance(result, InputTooLarge), f"{len(data):,} bytes: expected InputTooLarge, got {describe(result)}"
    assert result.reason == "too_large"
    assert seconds < 10, f"took {seconds:.1f}s"


def test_input_over_20_mb_as_str_raises_input_too_large():
    data = page().replace("<footer>", "<!--" + " " * 20_500_000 + "--><footer>")
    result, seconds = timed(data)
    assert isinstance(result, InputTooLarge), f"{len(data):,} chars: expected InputTooLarge, got {describe(result)}"
    assert seconds < 10, f"took {seconds:.1f}s"


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """gzip of 100 MB of zero bytes (about 100 KB), built without holding 100 MB in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\x00" * 1_000_000
    return b"".join(compressor.compress(chunk) for _ in range(100)) + compressor.flush()


def test_gzip_bomb_is_refused_quickly(gzip_bomb):
    assert len(gzip_bomb) < 1_000_000
    result, seconds = timed(gzip_bomb)
    assert isinstance(result, (InputTooLarge, BinaryInput)), (
        f"expected InputTooLarge or BinaryInput, got {describe(result)}"
    )
    assert seconds < 10, f"gzip bomb took {seconds:.1f}s"


def test_gzipped_page_cleans_like_the_plain_page(reference):
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    data = compressor.compress(page().encode("utf-8")) + compressor.flush()
    assert_same_as_reference(outcome(data), reference, "gzip-compressed page")


# --------------------------------------------------------------------------------------------
# 5. XML entities are never expanded
# --------------------------------------------------------------------------------------------


def _with_entity_reference(doctype: str, reference_text: str) -> str:
    return page(doctype=doctype, body=[BODY[0], BODY[1][:-1] + f" {reference_text} đây.", *BODY[2:]])


@pytest.fixture()
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("SECRET-MARKER-7f3a root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("prefix", ["", '<?xml version="1.0" encoding="utf-8"?>\n'], ids=["html", "xml-decl"])
@pytest.mark.parametrize("target", ["passwd", "tmpfile"])
def test_external_entity_is_not_expanded(prefix, target, secret_file):
    uri = "file:///etc/passwd" if target == "passwd" else secret_file.as_uri()
    doctype = prefix + f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "{uri}">]>'
    result, seconds = timed(_with_entity_reference(doctype, "&xxe;").encode("utf-8"))
    assert seconds < 5, f"took {seconds:.1f}s"
    if isinstance(result, Article):
        everything = "\n".join([result.text, result.title or "", *result.captions, str(result.to_dict())])
        assert "root:" not in everything, "the external entity was expanded: /etc/passwd content in the output"
        assert "SECRET-MARKER" not in everything, "the external entity was expanded: file content in the output"
        assert BODY[0] in result.text and BODY[2] in result.text, f"article text lost:\n{result.text[:400]}"


def test_parameter_entity_is_not_expanded(secret_file):
    doctype = f'<!DOCTYPE html [<!ENTITY % ext SYSTEM "{secret_file.as_uri()}"> %ext;]>'
    result, seconds = timed(_with_entity_reference(doctype, "").encode("utf-8"))
    assert seconds < 5
    if isinstance(result, Article):
        assert "SECRET-MARKER" not in str(result.to_dict())


def test_external_dtd_is_not_fetched():
    doctype = '<!DOCTYPE html SYSTEM "http://10.255.255.1/evil.dtd">'
    result, seconds = timed(page(doctype=doctype).encode("utf-8"))
    assert seconds < 5, f"took {seconds:.1f}s: the external DTD was probably fetched"
    assert isinstance(result, Article), f"expected the article, got {describe(result)}"


BILLION_LAUGHS = (
    '<!DOCTYPE html [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "' + ("&lol;" if i == 1 else f"&lol{i - 1};") * 10 + '">' for i in range(1, 10))
    + "]>"
)


@pytest.mark.parametrize("prefix", ["", '<?xml version="1.0"?>\n'], ids=["html", "xml-decl"])
def test_billion_laughs_does_not_blow_up(prefix):
    data = _with_entity_reference(prefix + BILLION_LAUGHS, "&lol9;").encode("utf-8")
    result, seconds = timed(data)
    assert seconds < 5, f"billion laughs took {seconds:.1f}s"
    if isinstance(result, Article):
        assert result.text.count("lollollol") < 3, f"entities expanded: {result.text.count('lol'):,} 'lol's"
        assert len(result.text) < 10 * len(EXPECTED_TEXT), f"text blew up to {len(result.text):,} characters"


# --------------------------------------------------------------------------------------------
# 6. Pages that are not articles
# --------------------------------------------------------------------------------------------

HEADLINES = "".join(
    f'<li><a href="/thoi-su/tin-{i}-{100000 + i}.html">'
    f"Tin nóng số {i}: Hà Nội triển khai kế hoạch mới về giao thông</a></li>"
    for i in range(20)
)


def test_website_og_type_with_headline_list_is_not_an_article():
    data = (f'<html><head><title>Báo Tin Mới - Tin tức mới nhất</title><meta property="og:type" content="website">'
            f'</head><body><h1>Tin tức</h1><ul>{HEADLINES}</ul><footer>{FOOTER}</footer></body></html>').encode()
    result = outcome(data)
    assert isinstance(result, NotAnArticle), f"expected NotAnArticle, got {describe(result)}"
    assert result.reason == "not_article"


def test_short_genuine_article_is_still_an_article():
    """The counterpart of the refusals here: a real article with only a lead and two paragraphs."""
    result = outcome(page(body=BODY[:2]).encode("utf-8"))
    assert isinstance(result, Article), f"expected an Article, got {describe(result)}"
    assert result.text.splitlines() == [LEAD, *BODY[:2]], f"cleaned to:\n{result.text}"


def test_headline_list_without_og_type_is_not_an_article():
    data = (f"<html><head><title>Báo Tin Mới - Tin tức mới nhất</title></head><body><h1>Tin tức</h1>"
            f"<ul>{HEADLINES}</ul></body></html>").encode()
    result = outcome(data)
    assert isinstance(result, CleanerError), f"a list of 20 headlines was cleaned into {describe(result)}"


@pytest.mark.parametrize("data", [
    b"<html><head><title>Tin moi</title></head><body></body></html>",
    b"<html><head><title>Tin moi</title></head><body>  <div> </div><p></p></body></html>",
    b"<html><head><title>Tin moi</title></head></html>",
    b"<html><body><script>var x = 'Ha Noi khoi cong tuyen duong sat do thi moi';</script></body></html>",
    "<html><head><title>Tin</title></head><body><nav><a href='/'>Trang chủ</a></nav>"
    f"<footer>{FOOTER}</footer></body></html>".encode(),
    b"<!DOCTYPE html>",
    b"<!-- only a comment -->",
], ids=["empty-body", "empty-elements", "no-body", "script-only", "chrome-only", "doctype-only", "comment-only"])
def test_page_without_article_text_raises_cleaner_error(data):
    result = outcome(data)
    assert isinstance(result, CleanerError), f"{data[:60]!r}: expected a CleanerError, got {describe(result)}"


# --------------------------------------------------------------------------------------------
# 7. clean_text on pre-extracted text
# --------------------------------------------------------------------------------------------

EXTRACTED = "\n".join([TITLE, "Thứ hai, 12/02/2024 08:30", LEAD, *BODY, "Tin liên quan", *RELATED, "Theo TTXVN"])


@pytest.mark.parametrize("text", [
    EXTRACTED,
    EXPECTED_TEXT,
    LEAD,
    "Một dòng ngắn.",
    "\n\n  " + BODY[0] + "  \n\n\n" + BODY[1] + "\n",
    BODY[0].replace(" ", "\u00a0", 6) + "\n\u200b" + BODY[1].replace("đường", "đư\u200bờng"),
    unicodedata.normalize("NFD", EXTRACTED),
], ids=["extracted", "clean", "lead", "short", "blank-lines", "zero-width", "nfd"])
def test_clean_text_is_idempotent(text):
    once = clean_text(text)
    assert isinstance(once, str)
    assert clean_text(once) == once, f"clean_text is not idempotent on {text[:60]!r}:\n{once!r}\n{clean_text(once)!r}"


def test_clean_text_drops_header_related_box_and_source():
    assert clean_text(EXTRACTED) == EXPECTED_TEXT


def test_clean_text_removes_zero_width_characters_and_normalises_nbsp():
    text = "\n".join([
        LEAD.replace("thành phố", "thành\u200b phố").replace("Nội", "N\ufeffội"),
        BODY[0].replace(" ", "\u00a0", 8),
        "\ufeff" + BODY[1].replace("giao thông", "giao\u00a0\u200bthông").replace("dự án", "dự\u200d án"),
    ])
    cleaned = clean_text(text)
    for ch, name in (("\u200b", "U+200B"), ("\ufeff", "U+FEFF"), ("\u200d", "U+200D"), ("\u00a0", "NBSP")):
        assert ch not in cleaned, f"{name} left in the text: {cleaned[:200]!r}"
    assert cleaned.splitlines() == [LEAD, BODY[0], BODY[1]], f"cleaned to:\n{cleaned}"


def test_clean_text_makes_decomposed_input_nfc():
    nfd = unicodedata.normalize("NFD", EXTRACTED)
    assert not unicodedata.is_normalized("NFC", nfd)
    cleaned = clean_text(nfd)
    assert unicodedata.is_normalized("NFC", cleaned), "clean_text output is not NFC"
    assert cleaned == clean_text(EXTRACTED)


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_clean_text_on_empty_text_raises_empty_input_or_returns_empty(text):
    try:
        assert clean_text(text) == ""
    except CleanerError as error:
        assert isinstance(error, EmptyInput), f"{text!r}: expected EmptyInput, got {type(error).__name__}"


# --------------------------------------------------------------------------------------------
# 8. Property: anything in, an Article or a CleanerError out
# --------------------------------------------------------------------------------------------


def _check_anything(data: str | bytes) -> None:
    result = outcome(data)
    if isinstance(result, Article):
        assert unicodedata.is_normalized("NFC", result.text), f"text not NFC: {result.text[:100]!r}"
        assert "\x00" not in result.text


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_an_article_or_a_cleaner_error(data):
    _check_anything(data)


@PROPERTY_SETTINGS
@given(st.text(max_size=2000))
def test_arbitrary_text_gives_an_article_or_a_cleaner_error(text):
    _check_anything(text)


_FRAGMENTS = st.sampled_from([
    "<p>", "</p>", "<div>", "</div>", "<br>", "<h1>", "</h1>", "<title>", "</title>", "<a href='/tin-123456.html'>",
    "</a>", "<table><tr><td>", "</td></tr></table>", "<figure><figcaption>Ảnh: TTXVN</figcaption></figure>",
    '<meta charset="TCVN3">', '<meta charset="windows-1258">', '<meta charset="utf-16">', '<meta charset="x-bogus">',
    '<meta property="og:type" content="article">',
    '<meta property="article:published_time" content="2024-13-45T99:99">',
    '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "31/02/2024 25:61"}</script>',
    '<script type="application/ld+json">[[[{"@graph": 5}]]]</script>', '<link rel="canonical" href="http://[::1/x">',
    "<!--", "-->", "<![CDATA[", "]]>", "&", "&#0;", "&#xD800;", "&#99999999;", "&xxe;", "\x00", "\ufeff", "\u200b",
    "Tin liên quan", "Theo TTXVN", "13/09/2023 22:04", LEAD, BODY[0], RELATED[0],
])


@PROPERTY_SETTINGS
@given(st.lists(_FRAGMENTS | st.text(max_size=15), max_size=40).map("".join),
       st.sampled_from(["str", "utf-8", "utf-16", "cp1258"]))
def test_arbitrary_html_soup_gives_an_article_or_a_cleaner_error(soup, encoding):
    data = soup if encoding == "str" else to_cp1258(soup, "replace") if encoding == "cp1258" else soup.encode(encoding)
    _check_anything(data)


PHOTOS = ["<img src='a.jpg'>", "<figure><img src='a.jpg'><figcaption>Ảnh: TTXVN.</figcaption></figure>",
          "<picture><img src='a.jpg'></picture>", "<table><tr><td><img src='a.jpg'></td></tr></table>",
          "<div class='photo'><img src='a.jpg'></div>"]


@pytest.mark.parametrize("between", PHOTOS)
def test_words_on_either_side_of_a_photo_stay_apart(between: str) -> None:
    """A photo dropped inside a paragraph (or one in a box that closes it, as a figure, table or div does, and
    leaves the rest of the paragraph loose in the container) keeps the words on its two sides, as two words,
    not one ("ba”.Tổng")."""
    body = "".join(f"<p>Đoạn {n}: nội dung bài báo đủ dài để là văn xuôi của bài viết, kể lại sự việc đã diễn ra "
                   f"trong ngày hôm qua tại thành phố.</p>" for n in range(3))
    page = (f"<html><head><title>Tin</title><meta property='og:type' content='article'></head><body><h1>Tiêu đề</h1>"
            f"<div>{body}<p>Đoạn cuối đủ dài để làm văn xuôi của bài viết này, như lời ông nói là bên thứ ba”.{between}"
            "Tổng thống nói thêm nhiều điều quan trọng về quan hệ hai nước trong thời gian tới.</p></div>"
            "</body></html>")
    words = clean_html(page).text.split()
    assert "ba”." in words and "Tổng" in words


def test_loose_text_of_a_broken_page_beside_stray_head_elements_stays_out() -> None:
    """Loose text is made a paragraph only when it runs through inline elements of text: a server directive
    and the <title> a broken page shows inside its body are no paragraph of the article."""
    body = "".join(f"<p>Đoạn {n}: nội dung bài báo đủ dài để là văn xuôi của bài viết, kể lại sự việc đã diễn ra "
                   f"trong ngày hôm qua tại thành phố.</p>" for n in range(3))
    page = ("<html><head><meta property='og:type' content='article'></head><body><div>"
            "&lt;%@ page language=\"java\" contentType=\"text/html; charset=UTF-8\"%&gt;<meta charset='utf-8'>"
            f"<title>Tiêu đề của bài báo hôm nay</title><div>{body}</div></div></body></html>")
    text = clean_html(page).text
    assert "Đoạn 2:" in text and "page language" not in text and "Tiêu đề" not in text
