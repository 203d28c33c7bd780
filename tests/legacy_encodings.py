"""Encoders for the legacy Vietnamese code pages (Python has codecs for none but cp1258), for tests."""

from __future__ import annotations

import unicodedata

_TONES = set("\u0300\u0301\u0303\u0309\u0323")


def to_cp1258(text: str, errors: str = "strict") -> bytes:
    """Windows-1258 as Vietnamese pages use it: base letters (â, ơ, ư, ă, đ …) precomposed where
    the code page has them, tone marks as combining characters after them."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", decomposed[0] + "".join(m for m in decomposed[1:] if m not in _TONES))
        out += (base + "".join(m for m in decomposed[1:] if m in _TONES)).encode("cp1258", errors)
    return bytes(out)


_TCVN3 = dict(zip(
    "ăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ",
    bytes([0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBB, 0xBC, 0xBD, 0xBE, 0xC6,
           0xC7, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCE, 0xCF, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8,
           0xDC, 0xDD, 0xDE, 0xDF, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED,
           0xEE, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE]),
    strict=True,
))


def to_tcvn3(text: str) -> bytes:
    """TCVN3 (ABC): one byte per Vietnamese lower-case letter (upper-case letters came from a
    separate font; lower-case bytes are used for them here, which is enough for a test)."""
    return bytes(ord(ch) if ch.isascii() else _TCVN3.get(ch.lower(), ord("?"))
                 for ch in unicodedata.normalize("NFC", text))


_VNI_TONE = {"": "", "\u0300": "ø", "\u0301": "ù", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_HAT = {"": "â", "\u0300": "à", "\u0301": "á", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE = {"": "ê", "\u0300": "è", "\u0301": "é", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_I = {"\u0300": "ì", "\u0301": "í", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def to_vni(text: str) -> bytes:
    """VNI-Windows: an ASCII base letter followed by a Windows-1252 byte for its marks ("Haø Noäi")."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            out.append(ch)
            continue
        if ch in "đĐ":
            out.append("ñ" if ch == "đ" else "Ñ")
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        tone = next((m for m in marks if m in _TONES), "")
        if "\u031b" in marks:  # ơ ư are single bytes, followed by the tone
            piece = ("ô" if base.lower() == "o" else "ö") + _VNI_TONE[tone]
        elif "\u0302" in marks:
            piece = base + _VNI_HAT[tone]
        elif "\u0306" in marks:
            piece = base + _VNI_BREVE[tone]
        elif base.lower() == "i" and tone:
            piece = _VNI_I[tone]
        else:
            piece = base + _VNI_TONE[tone]
        out.append(piece.upper() if base.isupper() else piece)
    return "".join(out).encode("cp1252")
