"""Item pipelines: an article page is cleaned, checked against the dataset schema, deduplicated
against the seen-state, and written to the dataset. A page that does not make a record is dropped
with its reason counted."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from .dataset import NoRecord, page_record
from .drift import EMPTY_REASONS
from .neardup import mark_near_duplicate
from .spiders.news import NewsSpider
from .storage.dataset_files import DatasetWriter


class _SpiderPipeline:
    """A pipeline that works with the crawl's news spider (its outlet, counts and state)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _SpiderPipeline:
        return cls(crawler)

    @property
    def spider(self) -> NewsSpider:
        spider = self.crawler.spider
        assert isinstance(spider, NewsSpider), "the project's pipelines run with its news spider"
        return spider

    def drop(self, reason: str, url: str) -> DropItem:
        self.spider.counts.skip(reason, url)
        return DropItem(f"{reason}: {url}")


def start_cleaning_worker(crawl: int) -> None:
    """Set up a cleaning worker process: Ctrl-C is left to the crawl, which closes the pool, and the
    worker ends on its own when the crawl's process (`crawl`, its process id) is gone: a killed crawl
    cannot close its pool. The id comes from the crawl, as a worker killed while still importing would
    otherwise take its new parent for the crawl."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def end_with_the_crawl() -> None:
        while os.getppid() == crawl:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=end_with_the_crawl, daemon=True).start()


def warm_up() -> None:
    """A task that does nothing: submitting it starts a worker, whose start-up (the cleaner's imports) then
    overlaps the crawl's reading of feeds instead of holding up the first article."""


@contextlib.contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Processes started inside ignore Ctrl-C from their first instruction (a worker's own handler comes only
    after its imports): the crawl handles it and closes the pool."""
    if threading.current_thread() is not threading.main_thread():  # signal handlers are the main thread's
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _CleaningProcesses:
    """The worker processes that clean pages beside the crawl, one pool shared by every outlet's crawl
    in the process and shut down when the last one closes."""

    pool: ProcessPoolExecutor | None = None
    users = 0

    @classmethod
    def open(cls, workers: int) -> ProcessPoolExecutor:
        # spawned, not forked: the crawl process runs threads and an event loop
        if cls.pool is None:
            cls.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=start_cleaning_worker, initargs=(os.getpid(),))
            # the pool starts a worker per task while none is idle: a task each starts them all now
            with _ctrl_c_ignored():
                for _ in range(workers):
                    cls.pool.submit(warm_up)
        cls.users += 1
        return cls.pool

    @classmethod
    def close(cls) -> None:
        cls.users -= 1
        if cls.users == 0 and cls.pool is not None:
            cls.pool.shutdown(wait=True, cancel_futures=True)
            cls.pool = None


class CleanPipeline(_SpiderPipeline):
    """Article page -> dataset record, or dropped (not an article, no title, no date, before --since).

    With `SCRAPER_CLEAN_PROCESSES` > 0 the cleaning runs in that many worker processes, so that the
    crawl's own process only fetches and writes while pages are cleaned on another core."""

    def open_spider(self) -> None:
        workers = self.crawler.settings.getint("SCRAPER_CLEAN_PROCESSES")
        self.pool = _CleaningProcesses.open(workers) if workers > 0 else None

    def close_spider(self) -> None:
        if self.pool is not None:
            _CleaningProcesses.close()

    async def _record(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.spider
        clean = partial(page_record, item["body"], url=item["url"], outlet=spider.outlet,
                        fetched_at=item["fetched_at"], since=spider.since)
        if self.pool is None:
            return clean()
        return await asyncio.wrap_future(self.pool.submit(clean))

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.spider
        url = item["url"]
        spider.counts.inc("article_pages")
        try:
            record = await self._record(item)
        except NoRecord as refusal:
            if refusal.reason in EMPTY_REASONS:
                spider.counts.inc("short_or_empty")
            if refusal.reason == "invalid_record":
                spider.counts.fail(url, refusal.reason, refusal.detail)
                raise DropItem(f"invalid_record: {url}: {refusal.detail}") from refusal
            if refusal.reason == "not_article":
                spider.seen.add_refused(item["listed_canonical_url"], refusal.reason, item["fetched_at"])
            raise self.drop(refusal.reason, url) from refusal
        if record["page_type"] != "article":  # kept, though judged (with low confidence) not to be an article
            spider.counts.kept_doubtful(url, record["page_type"], record["page_type_score"])
            spider.counts.inc("short_or_empty")  # no article text found, for the layout-drift alarm
        elif record["word_count"] < self.crawler.settings.getint("SCRAPER_SHORT_TEXT_WORDS"):
            spider.counts.inc("short_or_empty")
        spider.counts.inc("cleaned")
        return {"record": record, "keys": sorted({record["canonical_url"], item["listed_canonical_url"]})}


class DeduplicatePipeline(_SpiderPipeline):
    """Drops an article already stored under its canonical URL or with the same text."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        seen = self.spider.seen
        record = item["record"]
        if any(seen.has_url(key) for key in item["keys"]) or seen.has_hash(record["content_hash"]):
            self.spider.counts.inc("duplicates")
            for key in item["keys"]:  # later runs do not fetch the copy again
                if not seen.has_url(key):
                    seen.add_refused(key, "duplicate", record["fetched_at"])
            raise DropItem(f"duplicate: {record['url']}")
        return item


class NearDuplicatePipeline(_SpiderPipeline):
    """Marks an article whose text nearly repeats one stored before (`near_duplicate_of`); both are kept."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.spider
        record = item["record"]
        threshold = self.crawler.settings.getfloat("SCRAPER_NEAR_DUPLICATE_THRESHOLD")
        score = mark_near_duplicate(record, spider.seen, threshold)
        if score is not None:
            spider.counts.near_duplicate(record["canonical_url"], record["near_duplicate_of"], score)
        return item


class DatasetPipeline(_SpiderPipeline):
    """Writes records to the partitioned dataset; the seen-state follows each file that appears."""

    def open_spider(self) -> None:
        spider = self.spider
        settings = self.crawler.settings
        self.writer = DatasetWriter(spider.output_dir / "dataset", spider.run_id,
                                    settings["SCRAPER_DATASET_FORMAT"], settings.getint("SCRAPER_DATASET_BATCH"))

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.spider
        record = item["record"]
        part = self.writer.add(record)
        for key in item["keys"]:
            spider.seen.add_pending(key, record["content_hash"], record["published"], record["fetched_at"],
                                    f"dataset/{part}")
        if self.writer.full:
            self._flush()
        return record

    def _flush(self) -> None:
        """Write the batch; only records whose file appeared count as stored."""
        written, failed = self.writer.flush()
        self.spider.seen.commit(f"dataset/{part}" for part in written)
        self.spider.counts.inc("stored", sum(written.values()))
        for part, why in failed.items():
            self.spider.counts.fail(part, "write_failed", why)

    def close_spider(self) -> None:
        self._flush()
        self.spider.dataset_files = list(self.writer.files)
