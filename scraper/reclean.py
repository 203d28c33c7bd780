"""Rebuilding the dataset from WARC archives with the current cleaner, without the network.

Each archived article response goes through what the crawl does with it: the body decoded as
Scrapy's compression middleware would, the same page-type check, `dataset.page_record` (in worker
processes for `--jobs N`), deduplication by canonical URL and content hash within the rebuild, the
near-duplicate check, and the atomic dataset writer. A record's `fetched_at` is its response's WARC-Date;
pages are taken in the order of their WARC-Dates across files, as the crawl met them (pages of several
outlets fetched within the same second may come in another order, which can change which copy of a
near-duplicate is the first seen).

Every response is checked against its record's Content-Length and digests: a cut or altered one is
counted by reason (`truncated_record`, `bad_digest`, `malformed_record`) and a file that cannot be read
is reported, and both count as lost; a body its Content-Encoding does not decode is `undecodable_body`.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from . import settings as project_settings
from .content_encoding import TooLarge, Undecodable, decoded_body
from .dataset import NoRecord, page_record
from .neardup import MemorySignatures, mark_near_duplicate
from .outlets import Outlet, all_outlets
from .spiders.news import is_page_type
from .spiders.runs import new_run_id
from .storage.dataset_files import DatasetWriter
from .storage.warc import ArchivedPage, archived_pages, warc_files

WINDOW = 64  # archived pages handed to the workers at a time, so memory stays bounded
Work = tuple[ArchivedPage, tuple[str, ...], str | None, int]  # page, outlet files, since, maximum body size
Outcome = tuple[ArchivedPage, dict[str, Any] | None, str]  # page, record or None, why it makes none


@dataclass
class Rebuild:
    """What a re-cleaning did: per outlet, records stored, duplicates and pages that make none by reason;
    and what the archive lost (files it could not read, damaged records), each a message naming the file."""

    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    problems: list[str] = field(default_factory=list)


def article_body(page: ArchivedPage, max_size: int) -> tuple[bytes | None, str]:
    """The body of an archived article response as the spider gets it, or None and why the crawl does not
    clean it (`http_<status>`, `not_html`, `too_large`, `undecodable_body`)."""
    if not 200 <= page.status < 300:
        return None, f"http_{page.status}"
    if not is_page_type(next((v.encode("latin-1") for k, v in page.headers if k.lower() == "content-type"), None)):
        return None, "not_html"
    try:
        return decoded_body(page.headers, page.body, max_size), ""
    except TooLarge:
        return None, "too_large"
    except Undecodable:
        return None, "undecodable_body"


@cache
def _outlets(files: tuple[str, ...]) -> dict[str, Outlet]:
    return all_outlets(list(files))


def _record(work: Work) -> Outcome:
    """One archived page -> (page, record, "") or (page, None, why it makes none)."""
    page, outlet_files, since, max_size = work
    if page.damage:
        return page, None, page.damage
    outlet = _outlets(outlet_files).get(page.outlet)
    if outlet is None:
        return page, None, "unknown_outlet"
    body, reason = article_body(page, max_size)
    if body is None:
        return page, None, reason
    try:
        record = page_record(body, url=page.url, outlet=outlet, fetched_at=page.date, since=since)
    except NoRecord as refusal:
        return page, None, refusal.reason
    return page, record, ""


def _windows(paths: list[Path], problems: list[str]) -> Iterator[list[ArchivedPage]]:
    pages = heapq.merge(*(archived_pages(path, problems) for path in paths), key=lambda page: page.date)
    while window := list(islice(pages, WINDOW)):
        yield window


def reclean(paths: list[Path], out: Path, *, jobs: int = 1, since: str | None = None,
            outlet_files: tuple[str, ...] = (), file_format: str = "jsonl") -> Rebuild:
    """Rebuild records from the WARC files into `out/dataset/`."""
    writer = DatasetWriter(out / "dataset", new_run_id(), file_format, project_settings.SCRAPER_DATASET_BATCH)
    rebuild = Rebuild()
    counts = rebuild.counts
    seen_urls: set[str] = set()
    seen_hashes: set[str] = set()
    signatures = MemorySignatures()
    max_size = project_settings.DOWNLOAD_MAXSIZE
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    try:
        for window in _windows(warc_files(paths), rebuild.problems):
            work = [(page, outlet_files, since, max_size) for page in window]
            results = pool.map(_record, work) if pool else map(_record, work)
            for page, record, reason in results:
                figures = counts[page.outlet]
                if record is None:
                    figures[reason] += 1
                    continue
                keys = {record["canonical_url"], page.listed_canonical_url}
                if keys & seen_urls or record["content_hash"] in seen_hashes:
                    figures["duplicates"] += 1
                    continue
                seen_urls.update(keys)
                seen_hashes.add(record["content_hash"])
                if mark_near_duplicate(record, signatures, project_settings.SCRAPER_NEAR_DUPLICATE_THRESHOLD):
                    figures["near_duplicates"] += 1
                writer.add(record)
                if writer.full:
                    _flush(writer, counts)
        _flush(writer, counts)
    finally:
        if pool:
            pool.shutdown()
    return rebuild


def _flush(writer: DatasetWriter, counts: dict[str, Counter[str]]) -> None:
    written, failed = writer.flush()
    for part, records in written.items():
        counts[_outlet_of(part)]["stored"] += records
    if failed:
        raise OSError(f"could not write {', '.join(failed)}: {next(iter(failed.values()))}")


def _outlet_of(part: str) -> str:
    return part.split("/", 1)[0].removeprefix("outlet=")


def format_counts(counts: dict[str, Any]) -> str:
    """The re-cleaning's figures, one line per outlet."""
    lines = []
    for outlet, figures in sorted(counts.items()):
        others = ", ".join(f"{k} {v}" for k, v in sorted(figures.items()) if k != "stored") or "-"
        lines.append(f"{outlet:<13} stored {figures.get('stored', 0):>6}  {others}")
    return "\n".join(lines)
