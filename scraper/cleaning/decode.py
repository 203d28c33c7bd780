"""Turning page bytes into text: BOMs, declared and undeclared charsets, legacy Vietnamese code pages."""

from __future__ import annotations

import codecs
import gzip
import re
import unicodedata
import zlib

from .errors import BinaryInput, EmptyInput, InputTooLarge, UnsupportedEncoding

MAX_INPUT_BYTES = 20_000_000
_HTML_SIGNS = ("<html", "<!doctype", "<head", "<body", "<div", "<p>", "<p ", "<meta", "<article", "<?xml")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF", b"RIFF", b"OggS")
_DECLARED = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I
)
# Legacy Vietnamese font encodings that Python has no codec for.
_LEGACY_NAMES = ("tcvn", "abc", "vni", "viscii", "vps", "x-viet")
# Latin-1 letters and symbols Vietnamese never uses: common in TCVN3/VNI text read as Windows-125x.
_NOT_VIETNAMESE = set("äåæçëïîñöøûüÿðþßÄÅÆÇËÏÎÑÖØÛÜ¡¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿×÷")
MOJIBAKE_WORD_SHARE = 0.2
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)


def looks_like_html(text: str) -> bool:
    """Whether decoded input is an HTML page rather than pre-extracted text."""
    head = text[:4096].lstrip().lower()
    return any(sign in head for sign in _HTML_SIGNS)


def decode_page(data: bytes | str) -> str:
    """Decode a page to text, or raise a `CleanerError` saying why it cannot be read."""
    if isinstance(data, str):
        if len(data) > MAX_INPUT_BYTES:
            raise InputTooLarge(f"input is {len(data):,} characters; the limit is {MAX_INPUT_BYTES:,}")
        text = data
    else:
        if len(data) > MAX_INPUT_BYTES:
            raise InputTooLarge(f"input is {len(data):,} bytes; the limit is {MAX_INPUT_BYTES:,}")
        data = _gunzip(data)
        text = _decode_bytes(data)
    text = text.replace("\x00", "")
    if not text.strip():
        raise EmptyInput("input is empty")
    if _looks_binary(text):
        raise BinaryInput("input is binary data, not a page or text")
    return text


def _gunzip(data: bytes) -> bytes:
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        reader = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = reader.decompress(data, MAX_INPUT_BYTES + 1)
    except (zlib.error, gzip.BadGzipFile) as error:
        raise BinaryInput(f"input is a broken gzip stream ({error})") from None
    if len(out) > MAX_INPUT_BYTES or reader.unconsumed_tail:
        raise InputTooLarge(f"gzip input expands beyond {MAX_INPUT_BYTES:,} bytes")
    return out


def _decode_bytes(data: bytes) -> str:
    if any(data.startswith(magic) for magic in _BINARY_MAGIC):
        raise BinaryInput("input is binary data (a file signature of an image, archive or document)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    if _looks_utf16(data):
        return data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace")
    declared = _declared_charset(data)
    if declared and any(name in declared for name in _LEGACY_NAMES):
        raise UnsupportedEncoding(
            f"the page is in the legacy Vietnamese code page {declared!r}, which cannot be decoded"
        )
    if declared and declared not in ("utf-8", "utf8"):
        try:
            text = data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            text = None
        if text is not None and not _looks_mojibake(text):
            return unicodedata.normalize("NFC", text)
    text = data.decode("cp1258", errors="replace")
    if _has_high_bytes(data) and _looks_mojibake(text):
        raise UnsupportedEncoding(
            "the page is neither UTF-8 nor Windows-1258; it looks like a legacy Vietnamese font encoding "
            "(TCVN3, VNI or VISCII), which cannot be decoded"
        )
    return unicodedata.normalize("NFC", text)


def _declared_charset(data: bytes) -> str | None:
    match = _DECLARED.search(data[:4096])
    if not match:
        return None
    name = (match.group(1) or match.group(2)).decode("ascii", "replace").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _looks_utf16(data: bytes) -> bool:
    sample = data[:2000]
    return len(sample) >= 8 and (sample[1::2].count(0) > len(sample) * 0.4 or sample[0::2].count(0) > len(sample) * 0.4)


def _has_high_bytes(data: bytes) -> bool:
    return sum(byte >= 0x80 for byte in data[:200_000]) > 20


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few broken bytes (a page cut or patched badly), not another encoding."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    return bad <= 3 and bad < len(text) * 0.001 or bad < sum(ord(ch) > 0x7f for ch in text) * 0.01


def _looks_mojibake(text: str) -> bool:
    """Text that a legacy font encoding (TCVN3, VNI) turned into Latin-1 letters and symbols: most
    Vietnamese syllables carry a mark, so a large share of its words hold a Latin-1 letter or symbol that
    Vietnamese never uses (0.42-0.51 of the words of a seed text in VNI or TCVN3), where German or French
    text has them in a few words (at most 0.085 of the words on the trafilatura evaluation set's pages)."""
    visible = _MARKUP.sub(" ", unicodedata.normalize("NFC", text[:200_000]))
    words = [word for word in visible.split() if any(ch.isalpha() for ch in word)]
    foreign = sum(any(ch in _NOT_VIETNAMESE for ch in word) for word in words)
    return bool(words) and foreign / len(words) > MOJIBAKE_WORD_SHARE


_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    controls = len(_CONTROLS.findall(sample))
    replaced = sample.count("\ufffd")
    return (controls + replaced) > len(sample) * 0.1
