"""Text normalisation: Unicode NFC, whitespace, zero-width characters, entities.

Vietnamese tone marks are kept as the outlet published them: old-style ("hoà", "thuỷ") and
new-style ("hòa", "thủy") placement are both valid NFC and stay different strings, because
rewriting an outlet's spelling would change its text. `modernize_tone_marks` is the opt-in
that moves old-style marks to the new-style vowel.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# Zero-width characters, soft hyphens, control characters and the replacement character (what a
# broken byte or a reference such as "&#0;" decodes to): removed, as none of them is text.
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NEWLINES = re.compile(r"\s*\n\s*")

# Old-style tone placement on "oa", "oe", "uy" (tone on the first vowel) -> new style (second).
_OLD_STYLE_TONES = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
# "qu" is a consonant: "quý" keeps its mark where it is.
# (The lookahead first: every pair starts with o or u, and the scan skips other letters at once.)
_OLD_STYLE_RE = re.compile(
    "(?=[oOuU])(?<![qQ])(" + "|".join(sorted({k for k in _OLD_STYLE_TONES} | {k.upper() for k in _OLD_STYLE_TONES}
                           | {k[0].upper() + k[1:] for k in _OLD_STYLE_TONES})) + r")(?![a-zA-Zà-ỹÀ-Ỹ])"
)


_SHORT_LINE = 300  # lines up to this length are remembered: labels, links and headings recur on a page


def normalize_line(text: str) -> str:
    """One line of text: entities decoded, NFC, no zero-width, control or replacement characters,
    line breaks and whitespace runs as single spaces."""
    return _normalize_short_line(text) if len(text) <= _SHORT_LINE else _normalize_line(text)


@lru_cache(maxsize=16384)
def _normalize_short_line(text: str) -> str:
    return _normalize_line(text)


def _normalize_line(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.split())  # str.split's whitespace is Unicode's: no-break and wide spaces too


def normalize_text(text: str) -> str:
    """Multi-line text: each line normalised, blank lines dropped."""
    lines = (normalize_line(line) for line in _NEWLINES.split(text))
    return "\n".join(line for line in lines if line)


def modernize_tone_marks(text: str) -> str:
    """Move old-style tone marks ("hoà", "thuỷ") to the new-style position ("hòa", "thủy")."""

    def swap(match: re.Match[str]) -> str:
        old = match.group(1)
        new = _OLD_STYLE_TONES[old.lower()]
        return "".join(n.upper() if o.isupper() else n for o, n in zip(old, new, strict=True))

    return _OLD_STYLE_RE.sub(swap, unicodedata.normalize("NFC", text))
