"""Cleaning speed on the stored pages: our cleaner beside plain trafilatura and lxml parsing alone.

Prints pages per second and each one's speed as a ratio to trafilatura's default extraction,
all measured in this run on this machine. Run: `.venv/bin/python benchmarks/clean_speed.py`.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable

import trafilatura
from lxml.html import document_fromstring

from scraper import CleanerError, clean_html
from scraper.fixtures import shared_pages_dir

ROUNDS = 3


def ours(page: bytes) -> None:
    with contextlib.suppress(CleanerError):
        clean_html(page)


CANDIDATES: dict[str, Callable[[bytes], object]] = {
    "lxml parse only": document_fromstring,
    "trafilatura (default, comments off)": lambda page: trafilatura.extract(page, include_comments=False),
    "trafilatura (with metadata)": lambda page: trafilatura.extract(page, include_comments=False,
                                                                    with_metadata=True),
    "scraper clean_html (text + metadata)": ours,
}


def main() -> int:
    pages = [path.read_bytes() for path in sorted(shared_pages_dir().glob("*/*.html"))]
    if not pages:
        print(f"no pages found in {shared_pages_dir()}", file=sys.stderr)
        return 1
    rates: dict[str, float] = {}
    for name, function in CANDIDATES.items():
        best = float("inf")
        for _ in range(ROUNDS):
            start = time.perf_counter()
            for page in pages:
                function(page)
            best = min(best, time.perf_counter() - start)
        rates[name] = len(pages) / best
    baseline = rates["trafilatura (default, comments off)"]
    print(f"{len(pages)} pages, best of {ROUNDS} rounds, one process")
    print(f"{'extractor':40s} {'pages/s':>9s} {'vs trafilatura':>15s}")
    for name, rate in rates.items():
        print(f"{name:40s} {rate:9.1f} {rate / baseline:14.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
