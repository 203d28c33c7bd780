"""What a run counts, and the run's id and time window."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

PREFIX = "scraper/"
MAX_LISTED_FAILURES = 1000  # per list: failed URLs, skipped pages


def new_run_id() -> str:
    """A run id that sorts by start time: `20261201T210409Z-1234`."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"


def since_date(value: str | None) -> str | None:
    """`--since` as an ISO date (YYYY-MM-DD); a clear error for anything else."""
    if not value:
        return None
    value = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"--since takes a date as YYYY-MM-DD, not {value!r}")
    datetime.strptime(value, "%Y-%m-%d")
    return value


class RunCounts:
    """The run's figures, kept in Scrapy's stats under `scraper/…`, and its failed URLs with reasons."""

    def __init__(self, crawler: Crawler) -> None:
        self._crawler = crawler
        self.failures: list[dict[str, str]] = []
        self.skipped_pages: list[dict[str, str]] = []
        self.doubtful_pages: list[dict[str, Any]] = []
        self.fallback_failures: list[dict[str, str]] = []
        self.sources: dict[str, set[str]] = {}  # each source ("<kind> <url>") and the article URLs it listed
        self.near_duplicates: list[dict[str, Any]] = []

    @property
    def stats(self) -> StatsCollector:
        return self._crawler.stats  # set once the crawl starts

    def inc(self, key: str, count: int = 1) -> None:
        self.stats.inc_value(PREFIX + key, count)

    def get(self, key: str) -> int:
        return self.stats.get_value(PREFIX + key, 0)

    def skip(self, reason: str, url: str | None = None) -> None:
        """An article (or page) deliberately not stored, by reason; a fetched page is listed with its URL."""
        self.inc(f"skipped/{reason}")
        if url is not None and len(self.skipped_pages) < MAX_LISTED_FAILURES:
            self.skipped_pages.append({"url": url, "reason": reason})

    def fail(self, url: str, reason: str, detail: str = "") -> None:
        """A request or page that failed; listed in the manifest with its reason."""
        self.inc(f"errors/{reason}")
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append({"url": url, "reason": reason, "detail": detail[:300]})

    def near_duplicate(self, canonical_url: str, original: str, similarity: float) -> None:
        """An article stored as a near-duplicate of an earlier one."""
        self.inc("near_duplicates")
        if len(self.near_duplicates) < MAX_LISTED_FAILURES:
            self.near_duplicates.append({"canonical_url": canonical_url, "near_duplicate_of": original,
                                         "similarity": round(similarity, 3)})

    def source(self, source: str) -> None:
        """A source read ("feed https://…", "home https://…"): counted, even if it lists nothing."""
        self.sources.setdefault(source, set())

    def listed(self, source: str, canonical_url: str) -> None:
        """An article URL a source listed, for its count."""
        self.sources.setdefault(source, set()).add(canonical_url)

    def fallback_failed(self, url: str, reason: str) -> None:
        """A fallback source (robots.txt, its sitemaps, the home page) that could not be read."""
        if len(self.fallback_failures) < MAX_LISTED_FAILURES:
            self.fallback_failures.append({"url": url, "reason": reason})

    def kept_doubtful(self, url: str, page_type: str, score: float | None) -> None:
        """A page stored although the cleaner judged it, with low confidence, not to be an article."""
        self.inc("kept_doubtful")
        if len(self.doubtful_pages) < MAX_LISTED_FAILURES:
            self.doubtful_pages.append({"url": url, "page_type": page_type, "page_type_score": score})

    def summary(self) -> dict[str, Any]:
        """The figures as the manifest records them."""
        values = {k[len(PREFIX):]: v for k, v in self.stats.get_stats().items() if k.startswith(PREFIX)}
        skipped = {k.split("/", 1)[1]: v for k, v in sorted(values.items()) if k.startswith("skipped/")}
        errors = {k.split("/", 1)[1]: v for k, v in sorted(values.items()) if k.startswith("errors/")}
        return {
            "found": values.get("found", 0),
            "requested": values.get("requested", 0),
            "fetched": values.get("fetched", 0),
            "cleaned": values.get("cleaned", 0),
            "stored": values.get("stored", 0),
            "duplicates": values.get("duplicates", 0),
            "near_duplicates": values.get("near_duplicates", 0),
            "near_duplicate_pages": self.near_duplicates,
            "sources": {source: len(urls) for source, urls in sorted(self.sources.items())},
            "fallback_failures": self.fallback_failures,
            "kept_doubtful": values.get("kept_doubtful", 0),
            "doubtful_pages": self.doubtful_pages,
            "skipped": skipped,
            "errors": sum(errors.values()),
            "errors_by_reason": errors,
            "failures": self.failures,
            "skipped_pages": self.skipped_pages,
        }
