"""Near-duplicate articles: the same agency story republished by several outlets, lightly edited.

A text's signature is a MinHash (192 hash functions, numpy) of its shingles: every run of
`SHINGLE_WORDS` words (Vietnamese words are syllables) of the lower-cased NFC text, punctuation left
out. Signatures are banded for locality-sensitive hashing (64 bands of 3 rows: a pair with Jaccard
similarity 0.4 shares a band with probability 0.985, a pair at 0.05 with 0.008); a candidate counts
when the signatures' estimated similarity reaches `SCRAPER_NEAR_DUPLICATE_THRESHOLD`. The later article
is marked with the canonical URL of the first one seen; it is still stored.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any, Protocol

import numpy as np

SHINGLE_WORDS = 4
MIN_SHINGLES = 20  # about 23 words: shorter texts share too few shingles to compare
BANDS, ROWS = 64, 3
PERMUTATIONS = BANDS * ROWS
_WORD = re.compile(r"\w+")
_PRIME = (1 << 61) - 1  # the hash functions are (a * h + b) mod _PRIME, kept to 32 bits
_PRIME_64 = np.uint64(_PRIME)
_LOW_32 = np.uint64((1 << 32) - 1)
_RANDOM = np.random.default_rng(1)  # fixed: signatures stored by one run are compared in the next
_A = _RANDOM.integers(1, 1 << 32, size=PERMUTATIONS, dtype=np.uint64)
_B = _RANDOM.integers(0, 1 << 32, size=PERMUTATIONS, dtype=np.uint64)
_CHUNK = 4096  # shingles hashed at a time, so a long text needs little memory


class SignatureIndex(Protocol):
    """Where signatures of stored articles are kept (the seen-state, or memory for a rebuild)."""

    def similar_signatures(self, keys: list[int]) -> list[tuple[str, str, bytes]]:
        """(canonical URL, canonical URL of its first-seen original, signature) of the articles sharing a key."""
        ...

    def add_signature(self, canonical_url: str, first_seen: str, keys: list[int], signature: bytes) -> None:
        """Remember an article's signature under its band keys."""
        ...


def shingles(text: str) -> set[str]:
    """The text's runs of `SHINGLE_WORDS` words, lower-cased, punctuation left out."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    return {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}


def signature(text: str) -> np.ndarray:
    """The MinHash signature of the text's shingles (see `minhash`)."""
    return minhash(shingles(text))


def minhash(shingle_set: set[str]) -> np.ndarray:
    """The MinHash signature of a set of shingles: for each hash function, the least value it gives a
    shingle (32 bits each)."""
    hashed = np.fromiter((int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=4).digest(), "little")
                          for shingle in shingle_set), dtype=np.uint64)
    least = np.full(PERMUTATIONS, _LOW_32, dtype=np.uint64)
    for start in range(0, len(hashed), _CHUNK):
        values = np.outer(hashed[start:start + _CHUNK], _A)  # then changed in place, not copied
        values += _B
        values %= _PRIME_64
        values &= _LOW_32
        np.minimum(least, values.min(axis=0), out=least)
    return least.astype(np.uint32)


def signature_from_bytes(data: bytes) -> np.ndarray:
    """A signature stored as bytes (`signature(...).tobytes()`)."""
    return np.frombuffer(data, dtype=np.uint32)


def band_keys(values: np.ndarray) -> list[int]:
    """One key per band: a 63-bit hash of the band's number and rows."""
    keys = []
    for band in range(BANDS):
        rows = values[band * ROWS:(band + 1) * ROWS].astype("<u8").tobytes()
        digest = hashlib.blake2b(band.to_bytes(2, "little") + rows, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little") >> 1)
    return keys


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """The Jaccard similarity of two texts as their signatures estimate it."""
    return float(np.count_nonzero(first == second)) / len(first)


def mark_near_duplicate(record: dict[str, Any], index: SignatureIndex, threshold: float) -> float | None:
    """Set `near_duplicate_of` when an earlier article's text is this one's near-duplicate (the most similar
    one's original), remember the record's signature; returns the similarity found, or None. A text of
    fewer than `MIN_SHINGLES` shingles is never marked nor remembered."""
    shingle_set = shingles(record["text"])
    if len(shingle_set) < MIN_SHINGLES:  # too short to tell a copy from a coincidence
        record["near_duplicate_of"] = None
        return None
    values = minhash(shingle_set)
    keys = band_keys(values)
    best: tuple[float, str] | None = None
    for url, first_seen, stored in index.similar_signatures(keys):
        if url == record["canonical_url"]:
            continue
        score = similarity(values, signature_from_bytes(stored))
        if score >= threshold and (best is None or score > best[0]):
            best = (score, first_seen)
    record["near_duplicate_of"] = best[1] if best else None
    index.add_signature(record["canonical_url"], best[1] if best else record["canonical_url"], keys, values.tobytes())
    return best[0] if best else None


class MemorySignatures:
    """A signature index in memory, for one rebuild of the dataset."""

    def __init__(self) -> None:
        self._signatures: dict[str, tuple[str, bytes]] = {}
        self._bands: dict[int, list[str]] = {}

    def similar_signatures(self, keys: list[int]) -> list[tuple[str, str, bytes]]:
        urls = dict.fromkeys(url for key in keys for url in self._bands.get(key, []))
        return [(url, *self._signatures[url]) for url in urls]

    def add_signature(self, canonical_url: str, first_seen: str, keys: list[int], signature: bytes) -> None:
        self._signatures[canonical_url] = (first_seen, signature)
        for key in keys:
            self._bands.setdefault(key, []).append(canonical_url)
