"""Downloader middlewares of the project."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.utils.response import response_status_message

from .dataset import utc_now
from .storage.warc import LISTED_URL_FIELD, OUTLET_FIELD, Exchange, WarcArchive

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if re.fullmatch(r"[0-9]+", text):
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, but it waits before each retry: as long as Retry-After asks, else
    `SCRAPER_RETRY_BACKOFF_BASE` seconds doubled per attempt, never more than `SCRAPER_RETRY_BACKOFF_MAX`.
    A Retry-After holds every request to that host, not only the one retried."""

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings)
        self.backoff_base = settings.getfloat("SCRAPER_RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("SCRAPER_RETRY_BACKOFF_MAX")
        self.held_until: dict[str, float] = {}  # host -> monotonic time before which it is not asked

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        delay = retry_after if retry_after is not None else self.backoff_base * 2 ** (attempt - 1)
        return min(delay, self.backoff_max)

    async def process_request(self, request: Request) -> None:
        wait = self.held_until.get(urlsplit(request.url).netloc, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        delay = self.backoff(retry.meta.get("retry_times", 1), retry_after)
        if retry_after is not None:  # the host asked for a pause: every request to it waits
            host = urlsplit(request.url).netloc
            until = time.monotonic() + delay
            self.held_until[host] = max(self.held_until.get(host, 0.0), until)  # requests not yet queued
            slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot", ""))
            if slot is not None:  # requests already queued in the host's download slot, as AutoThrottle does
                slot.lastseen = max(slot.lastseen, until)
        elif delay > 0:
            logger.debug("waiting %.1f s before retrying %s (%s)", delay, request.url, response.status)
            await asyncio.sleep(delay)
        return retry


class ReplayOnlyMiddleware:
    """In replay (HTTP cache on, `SCRAPER_CASSETTE_MODE = "replay"`), no request reaches the network:
    whatever the cassette did not answer stops here, whatever the cache settings say."""

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        if not (settings.getbool("HTTPCACHE_ENABLED") and settings.get("SCRAPER_CASSETTE_MODE") == "replay"):
            raise NotConfigured

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls(crawler.settings)

    def process_request(self, request: Request) -> None:
        raise IgnoreRequest(f"Ignored request not in cache: {request.url} (replay lets nothing out)")


def _header_pairs(headers: Headers) -> list[tuple[str, str]]:
    return [(key.decode("latin-1"), value.decode("latin-1")) for key, values in headers.items() for value in values]


class WarcArchiveMiddleware:
    """Writes every response, with its request, to the run's WARC files (`SCRAPER_WARC_DIR`).

    It sits between the HTTP cache (900) and the network, so it sees what the server sent (or the
    cassette holds): the body before decompression, and redirects and retried answers too."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.get("SCRAPER_WARC_DIR"):
            raise NotConfigured
        self.crawler = crawler
        self.folder = Path(settings["SCRAPER_WARC_DIR"])
        self.max_size = settings.getint("SCRAPER_WARC_MAX_SIZE")
        self.archive: WarcArchive | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiveMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        run_id = getattr(spider, "run_id", "") or self.crawler.settings["SCRAPER_RUN_ID"]
        prefix = f"{run_id}-{spider.name}" if run_id else spider.name
        self.archive = WarcArchive(self.folder, prefix, self.max_size, self.crawler.settings["USER_AGENT"])

    def spider_closed(self, spider: Spider) -> None:
        if self.archive is not None:
            self.archive.close()
            spider.warc_files = list(self.archive.files)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.archive is None:
            return response
        fields = {OUTLET_FIELD: self.crawler.spider.name} if self.crawler.spider else {}
        if "listed_canonical_url" in request.meta:
            fields[LISTED_URL_FIELD] = request.meta["listed_canonical_url"]
        request_headers = [("Host", urlsplit(request.url).netloc), *_header_pairs(request.headers)]
        self.archive.write(Exchange(
            url=response.url, method=request.method, request_headers=request_headers, status=response.status,
            protocol=response.protocol or "HTTP/1.1", response_headers=_header_pairs(response.headers),
            body=response.body, date=utc_now(), fields=fields))
        return response
