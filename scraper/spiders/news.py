"""The news spider: finds an outlet's articles in its feeds, sitemaps and category pages, and hands
each article page to the item pipelines (clean, deduplicate, write).

It fetches only what the run needs: an article already in the seen-state or published before
`since` is counted as skipped and never requested; links off the outlet's domains are ignored.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest, ResponseDataLossError
from scrapy.http import Response
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from twisted.internet import defer
from twisted.python.failure import Failure

from ..dataset import utc_now
from ..discovery import DiscoveryError, Link, page_links, parse_feed, parse_sitemap, robots_sitemaps
from ..distributed import configure, is_distributed
from ..outlets import Outlet, outlet_for_url
from ..storage.files import Busy, hold_lock
from ..urls import canonicalize_url, strip_tracking
from .runs import RunCounts, new_run_id, since_date

logger = logging.getLogger(__name__)
RUN_MARKER = "scraper.running"  # in a JOBDIR while its run is going; left behind only by a killed run
_IGNORED_REASONS = (  # what Scrapy's IgnoreRequest says -> our reason
    ("robots.txt", "robots_disallowed"),
    ("not in cache", "not_in_cassette"),
    ("max redirections", "redirect_loop"),
    ("larger than download max size", "too_large"),
    ("decompressed size", "too_large"),
    ("its body", "too_large"),
)
FALLBACK_KINDS = ("robots", "robots_sitemap", "home")  # sources every outlet has besides its named ones
ERROR_STATUSES = list(range(400, 600))  # `handle_httpstatus_list` to see error answers (redirects still followed)
_HTML_TYPES = (b"text/html", b"application/xhtml", b"text/plain")  # or no Content-Type at all


def failure_reason(failure: Failure) -> str:
    """A short name for why a request failed (`http_404`, `timeout`, `robots_disallowed`…)."""
    error = failure.value
    message = str(error).lower()
    if isinstance(error, HttpError):
        return f"http_{error.response.status}"
    if isinstance(error, IgnoreRequest):
        for marker, reason in _IGNORED_REASONS:
            if marker in message:
                return reason
        return "ignored"
    if isinstance(error, DownloadTimeoutError | TimeoutError | defer.TimeoutError):
        return "timeout"
    if isinstance(error, DownloadCancelledError) and "max size" in message:
        return "too_large"
    if isinstance(error, ResponseDataLossError):
        return "truncated"
    if "connectionlost" in message or "connection was closed" in message or "connectiondone" in message:
        return "connection_lost"
    name = type(error).__name__.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() or "error"


def set_user_agent(settings: Any) -> None:
    """USER_AGENT built from SCRAPER_USER_AGENT and SCRAPER_CONTACT, unless USER_AGENT itself was set."""
    if settings.getpriority("USER_AGENT") <= SETTINGS_PRIORITIES["project"]:
        agent = settings.get("SCRAPER_USER_AGENT").format(contact=settings.get("SCRAPER_CONTACT"))
        settings.set("USER_AGENT", agent, priority="spider")


def is_page_type(content_type: bytes | None) -> bool:
    """Whether a Content-Type header is one of a page the cleaner reads (HTML, text, or none given)."""
    media_type = (content_type or b"").split(b";")[0].strip().lower()
    return not media_type or media_type.startswith(_HTML_TYPES)


def follows(outlet: Outlet, url: str) -> bool:
    """Whether the outlet's crawl follows a listed link: on its domains, and not on a more specific
    domain of another built-in outlet (ngoisao.vnexpress.net is not vnexpress's)."""
    owner = outlet_for_url(url)
    return outlet.owns(url) and (owner is None or owner.name == outlet.name)


def newest_sitemaps(outlet: Outlet, children: list[Link], since: str | None = None, limit: int = 0) -> list[Link]:
    """The child sitemaps of an index worth reading, newest first by their lastmod: on the outlet, not
    older than `since`, at most `limit` of them (0: all; an archive index lists years of sitemaps)."""
    kept = [c for c in children if outlet.owns(c.url) and not (since and c.published and c.published[:10] < since)]
    kept.sort(key=lambda child: child.published or "", reverse=True)
    return kept[:limit] if limit else kept


def category_page_url(outlet: Outlet, first_page: str, page: int) -> str | None:
    """Page `page` of a category by the outlet's pagination template."""
    if outlet.pagination is None:
        return None
    parts = urlsplit(first_page)
    base = urlunsplit(parts._replace(path=re.sub(r"\.[a-z]+$", "", parts.path).rstrip("/"), query=""))
    return outlet.pagination.format(url=first_page.rstrip("/"), base=base, page=page)


class NewsSpider(Spider):
    """One outlet's crawl; `NewsSpider.for_outlet(outlet)` makes the spider class of that outlet."""

    name = "news"
    outlet: ClassVar[Outlet]
    _locks: ClassVar[dict[str, int]] = {}  # the run lock of each outlet crawled by this process

    @classmethod
    def for_outlet(cls, outlet: Outlet) -> type[NewsSpider]:
        """The spider class named after the outlet, crawling it."""
        return type(f"{outlet.name.title()}Spider", (cls,), {"name": outlet.name, "outlet": outlet,
                                                             "__module__": __name__})

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """Each outlet keeps its own JOBDIR under `SCRAPER_JOBS_DIR`, so an interrupted run resumes.

        A run that was stopped (SIGTERM, Ctrl-C) leaves a JOBDIR Scrapy can resume. A run that was
        killed outright may leave its request queue half-written, which Scrapy cannot read back: such a
        JOBDIR (its run marker still there) is discarded, and the run starts from the outlet's sources,
        the seen-state saying what is already stored.
        """
        super().update_settings(settings)
        configure(settings)
        set_user_agent(settings)
        jobs = settings.get("SCRAPER_JOBS_DIR") or str(Path(settings.get("SCRAPER_OUTPUT_DIR")) / "jobs")
        if settings.getbool("SCRAPER_RESUME") and not settings.get("JOBDIR") and not is_distributed(settings):
            settings.set("JOBDIR", str(Path(jobs) / cls.name), priority="spider")
        if is_distributed(settings):
            return  # workers share the outlet's frontier; each writes files of its own run
        lock = Path(settings.get("SCRAPER_OUTPUT_DIR")) / "locks" / f"{cls.name}.lock"
        try:
            cls._locks[cls.name] = hold_lock(lock)
        except Busy:
            raise Busy(f"another run of {cls.name} is writing to {settings.get('SCRAPER_OUTPUT_DIR')}; "
                       "one run of an outlet at a time") from None
        jobdir = settings.get("JOBDIR")
        if jobdir and (Path(jobdir) / RUN_MARKER).exists():
            logger.warning("%s: the last run was killed; its JOBDIR %s cannot be trusted and is discarded",
                           cls.name, jobdir)
            shutil.rmtree(jobdir, ignore_errors=True)

    def __init__(self, *args: Any, since: str | None = None, max_articles: str | int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._since_argument = since
        self._max_articles_argument = max_articles
        self._scheduled: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.output_dir = Path(settings["SCRAPER_OUTPUT_DIR"])
        spider.run_id = settings["SCRAPER_RUN_ID"] or new_run_id()
        spider.since = since_date(spider._since_argument or settings["SCRAPER_SINCE"])
        spider.max_articles = int(spider._max_articles_argument or settings.getint("SCRAPER_MAX_ARTICLES"))
        spider.counts = RunCounts(crawler)
        spider.distributed = is_distributed(settings)
        spider.seen = load_object(settings["SCRAPER_SEEN_STORE"]).open(settings, cls.outlet.name, spider.output_dir)
        crawler.signals.connect(spider._spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(spider._engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        jobdir = settings.get("JOBDIR")
        if jobdir:
            Path(jobdir).mkdir(parents=True, exist_ok=True)
            (Path(jobdir) / RUN_MARKER).write_text(spider.run_id, encoding="utf-8")
        return spider

    def _spider_closed(self, reason: str) -> None:
        self.seen.close()
        self.finish_reason = reason
        jobdir = self.settings.get("JOBDIR")
        if jobdir:  # closed in order: the queue Scrapy saved can be resumed
            (Path(jobdir) / RUN_MARKER).unlink(missing_ok=True)

    def _request_dropped(self, request: Request) -> None:
        """An article request the shared duplicate filter refused: requested already in this round."""
        if "listed_canonical_url" in request.meta:
            self.counts.inc("requested", -1)
            self.counts.skip("already_requested")

    def _engine_stopped(self) -> None:
        jobdir = self.settings.get("JOBDIR")
        if jobdir and getattr(self, "finish_reason", None) == "finished":  # nothing is left to resume
            shutil.rmtree(jobdir, ignore_errors=True)

    def source_requests(self) -> Iterator[Request]:
        """The requests where a crawl starts: the outlet's feeds, sitemaps and category pages, then the
        fallbacks every outlet has, its robots.txt (for the sitemaps it names) and its home page."""
        callbacks = {"feed": self.parse_feed, "sitemap": self.parse_sitemap, "category": self.parse_category,
                     "robots": self.parse_robots, "home": self.parse_category}
        for kind, url in [*self.outlet.sources, *self.outlet.fallback_sources]:
            meta = {"source": kind, "listed_by": f"{kind} {url}", "page": 1, "first_page": url}
            if kind == "robots":
                meta["handle_httpstatus_list"] = ERROR_STATUSES  # no robots.txt: no sitemap named there
            yield Request(url, callback=callbacks[kind], errback=self.source_failed, dont_filter=True, meta=meta)

    async def start(self) -> AsyncIterator[Request]:
        if self.distributed:  # the sources are in the shared queue, put there by `scraper seed`
            return
        for request in self.source_requests():
            yield request

    # Discovery -----------------------------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Request]:
        self.counts.source(response.meta["listed_by"])
        try:
            links = parse_feed(response.body)
        except DiscoveryError as error:
            self.counts.fail(response.url, "bad_feed", str(error))
            return
        yield from self.follow(links, response.meta["listed_by"])

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        self.counts.source(response.meta["listed_by"])
        try:
            links, children = parse_sitemap(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
        except DiscoveryError as error:
            self.counts.fail(response.url, "bad_sitemap", str(error))
            return
        limit = self.settings.getint("SCRAPER_MAX_CHILD_SITEMAPS")
        for child in newest_sitemaps(self.outlet, children, self.since, limit):  # listed by the index's source
            yield Request(child.url, callback=self.parse_sitemap, errback=self.source_failed,
                          meta={"source": response.meta["source"], "listed_by": response.meta["listed_by"]})
        yield from self.follow(links, response.meta["listed_by"])

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """The sitemaps robots.txt names that the outlet's definition does not, each a source of its own."""
        if response.status != 200:
            return
        named = set(self.outlet.sitemaps)
        for url in robots_sitemaps(response.body, response.url):
            if url not in named and self.outlet.owns(url):
                yield Request(url, callback=self.parse_sitemap, errback=self.source_failed, dont_filter=True,
                              meta={"source": "robots_sitemap", "listed_by": f"robots_sitemap {url}"})

    def parse_category(self, response: Response) -> Iterator[Request]:
        self.counts.source(response.meta["listed_by"])
        try:
            urls, next_page = page_links(response.body, response.url)
        except DiscoveryError as error:
            self.counts.fail(response.url, f"bad_{response.meta['source']}_page", str(error))
            return
        links = [Link(url) for url in urls]
        yield from self.follow(links, response.meta["listed_by"])
        page = response.meta.get("page", 1)
        if page >= self.outlet.max_pages or response.meta["source"] == "home":  # a home page has one page
            return
        if next_page is None and any(self.outlet.is_article_url(url) for url in urls):
            # no rel="next": the outlet's own pagination, while pages list articles
            next_page = category_page_url(self.outlet, response.meta["first_page"], page + 1)
        if next_page and self.outlet.owns(next_page):
            meta = {key: response.meta[key] for key in ("source", "listed_by", "first_page")}
            yield Request(next_page, callback=self.parse_category, errback=self.source_failed,
                          meta={**meta, "page": page + 1})

    def follow(self, links: Iterable[Link], listed_by: str) -> Iterator[Request]:
        """Requests for the listed articles this run still needs; those already stored, refused before or
        published before `since` are counted as skipped (links off the outlet's domains, and those that
        are no article URL of it, are ignored). `listed_by` names the source, which is counted."""
        for link in links:
            if not follows(self.outlet, link.url) or not self.outlet.is_article_url(link.url):
                continue
            canonical = canonicalize_url(link.url)
            self.counts.listed(listed_by, canonical)
            if canonical in self._scheduled:
                continue
            self._scheduled.add(canonical)
            self.counts.inc("found")
            if self.seen.has_url(canonical):
                self.counts.skip("already_stored")
            elif self.seen.refused_reason(canonical):
                self.counts.skip("refused_before")
            elif self.since and link.published and link.published[:10] < self.since:
                self.counts.skip("before_since")
            elif self.max_articles and self.counts.get("requested") >= self.max_articles:
                self.counts.skip("over_max_articles")
            else:
                self.counts.inc("requested")
                # dont_filter: the seen-state decides; a request cut off by an interrupted run (and so in
                # JOBDIR's seen-set) is listed and fetched again when the run resumes. Distributed, the
                # shared duplicate filter decides which worker's listing of the article is requested.
                yield Request(strip_tracking(link.url), callback=self.parse_article, errback=self.article_failed,
                              dont_filter=not self.distributed, meta={"listed_canonical_url": canonical})

    # Articles ------------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        self.counts.inc("fetched")
        if not is_page_type(response.headers.get("Content-Type")):
            self.counts.skip("not_html", response.url)
            return
        yield {
            "url": response.url,
            "listed_canonical_url": response.meta["listed_canonical_url"],
            "body": response.body,
            "fetched_at": utc_now(),
        }

    def article_failed(self, failure: Failure) -> None:
        reason = failure_reason(failure)
        url = failure.request.meta.get("redirect_urls", [failure.request.url])[0]  # the URL as listed
        if reason == "robots_disallowed":
            self.counts.skip(reason, url)
        else:
            self.counts.fail(url, reason, str(failure.value))

    def source_failed(self, failure: Failure) -> None:
        reason = failure_reason(failure)
        kind = failure.request.meta.get("source", "source")
        if "listed_by" in failure.request.meta:
            self.counts.source(failure.request.meta["listed_by"])  # it listed nothing
        if kind in FALLBACK_KINDS:  # a fallback that fails is no error of the run: the named sources are read
            self.counts.fallback_failed(failure.request.url, f"{kind}_{reason}")
        else:
            self.counts.fail(failure.request.url, f"{kind}_{reason}", str(failure.value))
