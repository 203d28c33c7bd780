"""Downloader middlewares of the project."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.response import response_status_message

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
