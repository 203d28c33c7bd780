"""Text normalisation: NFC, whitespace, invisible characters, and the opt-in tone-mark modernisation."""

from __future__ import annotations

import unicodedata

from scraper.cleaning.normalize import modernize_tone_marks, normalize_line, normalize_text


def test_normalize_line_makes_nfc_and_single_spaces() -> None:
    decomposed = unicodedata.normalize("NFD", "Hà  Nội\u00a0mùa\u200b thu\n")
    assert normalize_line(decomposed) == "Hà Nội mùa thu"
    assert normalize_line("Tin &amp; ảnh\ufeff") == "Tin & ảnh"


def test_normalize_text_keeps_one_paragraph_per_line() -> None:
    assert normalize_text("  Đoạn một. \n\n\n Đoạn  hai.  ") == "Đoạn một.\nĐoạn hai."


def test_tone_marks_stay_as_published_unless_asked() -> None:
    assert normalize_line("hoà thuỷ") == "hoà thuỷ"
    assert modernize_tone_marks("Hoà bình, thuỷ điện, khoẻ, HOÀ") == "Hòa bình, thủy điện, khỏe, HÒA"
    assert modernize_tone_marks("hoàn thành, thuyền, quý") == "hoàn thành, thuyền, quý"
