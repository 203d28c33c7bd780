"""Scrapy extensions of the project."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.logformatter import LogFormatter

from .drift import FIELD, MANIFESTS_READ, layout_drift
from .spiders.news import NewsSpider
from .storage.manifest import read_manifests, record_outlet


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
        settings = self.crawler.settings
        earlier = [run for run in read_manifests(spider.output_dir, latest=MANIFESTS_READ)
                   if run.get("run_id") != spider.run_id]
        section[FIELD] = layout_drift(
            spider.counts.get("article_pages"), spider.counts.get("short_or_empty"), earlier, spider.name,
            history=settings.getint("SCRAPER_DRIFT_HISTORY"), min_runs=settings.getint("SCRAPER_DRIFT_MIN_RUNS"),
            min_pages=settings.getint("SCRAPER_DRIFT_MIN_PAGES"), jump=settings.getfloat("SCRAPER_DRIFT_JUMP"))
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
