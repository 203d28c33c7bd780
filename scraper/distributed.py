"""Distributed mode: with `REDIS_URL` set, any number of worker processes, on any machines, share one
crawl frontier in Redis (scrapy-redis): the request queue and the duplicate filter of each outlet, and
the seen-article state (`RedisSeenStore`). Without it, nothing changes.

It is settings only (`configure`): scrapy-redis's scheduler and duplicate filter and the Redis
seen-state, no JOBDIR (the queue is in Redis) and no per-outlet lock; and the `IdleGrace` extension,
which keeps a worker whose queue ran dry waiting a while for the others' requests. The
spider, the pipelines and the outlet definitions are the same. A round starts when `seed` puts an
outlet's feeds, sitemaps and category pages into its queue and clears its duplicate filter; within a
round each URL is requested once, by whichever worker takes it from the queue. Each worker writes its
own dataset files and manifest (its run id is in their names), in its own output folder or a shared one.
"""

from __future__ import annotations

import importlib
import os
import socket
import time
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured, ScrapyDeprecationWarning
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from .neardup import band_keys, signature_from_bytes

QUEUE_KEY = "scraper:%(spider)s:requests"
DUPEFILTER_KEY = "scraper:%(spider)s:dupefilter"
_STATE = "scraper:state:"  # prefix of the seen-state's keys


def is_distributed(settings: BaseSettings) -> bool:
    """Whether the crawl shares its frontier through Redis."""
    return bool(settings.get("REDIS_URL"))


def configure(settings: BaseSettings) -> None:
    """Switch the settings to distributed mode when `REDIS_URL` is set (anything given with `-s` wins)."""
    if not is_distributed(settings):
        return
    # scrapy-redis 0.9.1 calls Scrapy APIs that Scrapy 2.13+ deprecates; it works, so its warnings are noise
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")
    settings.setdict({
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # a worker that finishes leaves the queue to the others
        "SCHEDULER_QUEUE_KEY": QUEUE_KEY,
        "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER_KEY,
        "SCRAPER_SEEN_STORE": "scraper.distributed.RedisSeenStore",
    }, priority="spider")


def redis_client(settings: BaseSettings) -> Any:
    """A Redis client for `REDIS_URL`."""
    from scrapy_redis.connection import get_redis_from_settings

    return get_redis_from_settings(settings)


def check_redis(settings: BaseSettings) -> None:
    """A `ValueError` saying so when the Redis of `REDIS_URL` cannot be reached."""
    from redis.exceptions import RedisError

    try:
        redis_client(settings).ping()
    except RedisError as error:
        raise ValueError(f"cannot reach Redis at REDIS_URL {settings.get('REDIS_URL')}: {error}") from None


def seed(settings: BaseSettings, spider: Spider) -> int:
    """Start a round of the spider's outlet: clear its duplicate filter and queue its discovery sources
    (in the scheduler's queue class and serializer). Returns how many requests were queued."""
    from scrapy_redis import defaults, picklecompat

    server = redis_client(settings)
    name = spider.name
    server.delete(DUPEFILTER_KEY % {"spider": name})
    queue_class = load_object(settings.get("SCHEDULER_QUEUE_CLASS") or defaults.SCHEDULER_QUEUE_CLASS)
    serializer = settings.get("SCHEDULER_SERIALIZER")
    queue = queue_class(server, spider, QUEUE_KEY % {"spider": name},
                        serializer=importlib.import_module(serializer) if serializer else picklecompat)
    requests = list(spider.source_requests())
    for request in requests:
        queue.push(request)
    return len(requests)


class IdleGrace:
    """Keeps an idle worker open for `SCRAPER_IDLE_CLOSE` seconds: another worker may still be parsing a
    listing whose article requests it will share."""

    def __init__(self, crawler: Crawler) -> None:
        if not is_distributed(crawler.settings):
            raise NotConfigured
        self.grace = crawler.settings.getfloat("SCRAPER_IDLE_CLOSE")
        self.idle_since: float | None = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.busy, signal=signals.request_scheduled)
        crawler.signals.connect(self.busy, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IdleGrace:
        return cls(crawler)

    def busy(self, **_: Any) -> None:
        self.idle_since = None

    def spider_idle(self, spider: Spider) -> None:
        now = time.monotonic()
        self.idle_since = self.idle_since or now
        if now - self.idle_since < self.grace:
            raise DontCloseSpider


def _is_running(pid: int) -> bool:
    """Whether a process of this id runs on this host."""
    if pid == os.getpid():
        return False  # this worker, opening: nothing of its own is pending yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RedisSeenStore:
    """The seen-state of `SeenStore`, with the same methods, in Redis, shared by every worker.

    Pending rows are kept per worker process (host, output folder, outlet, process id), as the dataset
    files they name are on that worker's disk. A worker settles its own rows when it closes, and on
    opening it settles those that workers no longer running on the same host and folder left (a killed
    worker's): kept if their file exists, dropped if not, so the article is fetched again."""

    def __init__(self, server: Any, outlet: str, root: Path, keep_signatures: int = 100_000) -> None:
        self.server = server
        self.outlet = outlet
        self.root = root
        self.keep_signatures = keep_signatures
        self._pending_prefix = f"{_STATE}pending:{socket.gethostname()}:{root.resolve()}:{outlet}:"
        self._pending_key = f"{self._pending_prefix}{os.getpid()}"
        self._pending_parts: dict[str, list[str]] = {}
        for key in self.server.scan_iter(match=f"{self._pending_prefix}*"):
            if not _is_running(int(key.decode().rsplit(":", 1)[1])):
                self._settle_pending(key)

    @classmethod
    def open(cls, settings: BaseSettings, outlet: str, root: Path) -> RedisSeenStore:
        """The store of the crawl's settings."""
        return cls(redis_client(settings), outlet, root, settings.getint("SCRAPER_NEAR_DUPLICATE_KEEP"))

    def _settle_pending(self, key: bytes | str) -> None:
        for url, value in self.server.hgetall(key).items():
            part, content_hash = value.decode().split("\t")
            if not (self.root / part).exists():
                self.server.hdel(f"{_STATE}articles", url)
                self.server.srem(f"{_STATE}hashes", content_hash)
                self.server.srem(f"{_STATE}outlet:{self.outlet}", content_hash)
                self._forget_signature(url.decode())
            self.server.hdel(key, url)

    def has_url(self, canonical_url: str) -> bool:
        """Whether an article with this canonical URL is stored or about to be."""
        return bool(self.server.hexists(f"{_STATE}articles", canonical_url))

    def has_hash(self, content_hash: str) -> bool:
        """Whether an article with this exact text is stored or about to be."""
        return bool(self.server.sismember(f"{_STATE}hashes", content_hash))

    def add_pending(self, canonical_url: str, content_hash: str, published: str | None, stored_at: str,
                    part: str) -> None:
        """Reserve an article for the dataset file `part` (relative to the root), not yet written."""
        pipe = self.server.pipeline()
        pipe.hset(self._pending_key, canonical_url, f"{part}\t{content_hash}")
        pipe.hset(f"{_STATE}articles", canonical_url, f"{self.outlet}\t{content_hash}\t{published or ''}\t{stored_at}")
        pipe.sadd(f"{_STATE}hashes", content_hash)
        pipe.sadd(f"{_STATE}outlet:{self.outlet}", content_hash)
        pipe.execute()
        self._pending_parts.setdefault(part, []).append(canonical_url)

    def add_refused(self, canonical_url: str, reason: str, at: str) -> None:
        """Remember a page that is not an article, so later runs do not fetch it again."""
        self.server.hset(f"{_STATE}refused", canonical_url, f"{reason}\t{at}")

    def refused_reason(self, canonical_url: str) -> str | None:
        """Why the page was refused before, if it was."""
        value = self.server.hget(f"{_STATE}refused", canonical_url)
        return value.decode().split("\t")[0] if value else None

    def commit(self, parts: Iterable[str]) -> None:
        """Mark the articles of dataset files that now exist on disk as stored."""
        urls = [url for part in parts for url in self._pending_parts.pop(part, [])]
        if urls:
            self.server.hdel(self._pending_key, *urls)

    def count(self) -> int:
        """How many distinct articles of the outlet are stored (or about to be)."""
        return int(self.server.scard(f"{_STATE}outlet:{self.outlet}"))

    def similar_signatures(self, keys: list[int]) -> list[tuple[str, str, bytes]]:
        """(canonical URL, its first-seen original, signature) of the articles sharing a band key."""
        urls = self.server.sunion([f"{_STATE}band:{key}" for key in keys])
        found = []
        for url in sorted(urls):
            value = self.server.hget(f"{_STATE}signatures", url)
            if value:
                first_seen, signature = value.split(b"\t", 1)
                found.append((url.decode(), first_seen.decode(), signature))
        return found

    def add_signature(self, canonical_url: str, first_seen: str, keys: list[int], signature: bytes) -> None:
        """Remember an article's signature under its band keys."""
        pipe = self.server.pipeline()
        pipe.hset(f"{_STATE}signatures", canonical_url, first_seen.encode() + b"\t" + signature)
        for key in keys:
            pipe.sadd(f"{_STATE}band:{key}", canonical_url)
        pipe.rpush(f"{_STATE}signature_order", canonical_url)
        pipe.execute()

    def _forget_signature(self, canonical_url: str) -> None:
        value = self.server.hget(f"{_STATE}signatures", canonical_url)
        if value is None:
            return
        pipe = self.server.pipeline()
        for key in band_keys(signature_from_bytes(value.split(b"\t", 1)[1])):
            pipe.srem(f"{_STATE}band:{key}", canonical_url)
        pipe.hdel(f"{_STATE}signatures", canonical_url)
        pipe.execute()

    def close(self) -> None:
        """Settle what is left and drop the signatures past the latest `keep_signatures`."""
        self._settle_pending(self._pending_key)
        excess = self.server.llen(f"{_STATE}signature_order") - self.keep_signatures
        if excess > 0:
            for url in self.server.lpop(f"{_STATE}signature_order", excess):
                self._forget_signature(url.decode())
