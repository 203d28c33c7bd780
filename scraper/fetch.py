"""Fetching single pages outside a crawl (for `scraper fixture add`), with the crawl's own settings:
robots.txt, User-Agent, proxy, retries and size limits, the traffic recorded as a cassette."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from twisted.python.failure import Failure

from .crawl import CrawlOptions, crawl_settings
from .spiders.news import ERROR_STATUSES, failure_reason, set_user_agent


class PageSpider(Spider):
    """Fetches one URL; the cassette storage of the HTTP cache records what was sent and received."""

    name = "page"

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        set_user_agent(settings)

    def __init__(self, url: str, result: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.result = result

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.url, callback=self.fetched, errback=self.failed, dont_filter=True,
                      meta={"handle_httpstatus_list": ERROR_STATUSES})

    def fetched(self, response: Response) -> None:
        self.result.update(status=response.status, url=response.url)

    def failed(self, failure: Failure) -> None:
        self.result["problem"] = f"{failure_reason(failure)} ({failure.value})"


def fetch_page(url: str, cassette: Path, overrides: dict[str, Any]) -> tuple[int, str, str | None]:
    """Fetch `url` live, recording the traffic in `cassette`: (status, final URL, problem or None)."""
    options = CrawlOptions(outlets=[], record=True, cassettes=[cassette.parent], resume=False, overrides=overrides)
    settings = crawl_settings(options, run_id="fixture")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    spider = type("FixturePageSpider", (PageSpider,), {"name": cassette.stem, "__module__": __name__})
    result: dict[str, Any] = {}
    process = CrawlerProcess(settings)
    process.crawl(spider, url=url, result=result)
    process.start()
    return result.get("status", 0), result.get("url", url), result.get("problem")
