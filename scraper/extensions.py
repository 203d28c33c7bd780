"""Scrapy extensions of the project."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.logformatter import LogFormatter

from .spiders.news import NewsSpider
from .storage.manifest import record_outlet


class RunManifest:
    """Writes the outlet's figures into `output/runs/<run>.json` when its spider closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.started = datetime.now(UTC).replace(microsecond=0).isoformat()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunManifest:
        return cls(crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if not isinstance(spider, NewsSpider):
            return
        section = spider.counts.summary()
        section.update({
            "started": self.started,
            "finished": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "finish_reason": reason,
            "files": getattr(spider, "dataset_files", []),
            "replay": self.crawler.settings.getbool("HTTPCACHE_ENABLED")
            and self.crawler.settings["SCRAPER_CASSETTE_MODE"] == "replay",
        })
        spider.manifest_path = record_outlet(spider.output_dir, spider.run_id, spider.name, section,
                                             {"since": spider.since})


class QuietLogFormatter(LogFormatter):
    """Scrapy's log formatter, but a dropped item is one debug line with its reason, not the item
    (which holds the whole page); the manifest counts drops by reason."""

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Spider | None = None) -> dict:
        return {"level": logging.DEBUG, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}
