"""A coverage-guided fuzzer (atheris) for the cleaner: `python tests/fuzz_cleaner.py [libFuzzer flags] [CORPUS]`.

Any exception other than our documented `CleanerError`, or text in the output that was not in the
input, is a crash that libFuzzer reports with the input that caused it.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from scraper import CleanerError, clean_html

REASONS = {"empty", "binary", "encoding", "too_large", "not_article"}


def one_input(data: bytes) -> None:
    try:
        article = clean_html(data, url="https://vnexpress.net/bai-viet-4954454.html")
    except CleanerError as error:
        if error.reason not in REASONS:
            raise
        return
    # unprintable characters (unassigned code points) are deleted by extraction, joining their neighbours
    text = "".join(c for c in data.decode("utf-8", "ignore") if c.isprintable() or c.isspace())
    for word in article.text.split()[:50]:
        if word.isascii() and word.isalnum() and word not in text:
            raise AssertionError(f"{word!r} is in the output but not in the input")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
