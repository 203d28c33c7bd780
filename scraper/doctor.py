"""`scraper doctor`: checks each outlet the way its crawl would use it, and says what is broken.

Per outlet, in order: robots.txt (fetched, and whether it lets our User-Agent read the discovery
sources); each discovery source (reachable, and how many article URLs it lists); and a few of the
articles listed (fetched and cleaned to a text with a title and a publication time). The checks run
in one Scrapy crawl with the project's settings, so they go through the same proxy, User-Agent,
retries and, with `--replay`, the same cassettes as a crawl.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
from twisted.python.failure import Failure

from .cleaning.errors import CleanerError
from .dataset import clean_page, missing_field
from .discovery import DiscoveryError, page_links, parse_feed, parse_sitemap, robots_sitemaps
from .outlets import Outlet
from .spiders.news import ERROR_STATUSES, failure_reason, follows, is_page_type, newest_sitemaps, set_user_agent
from .urls import canonicalize_url, strip_tracking

OK, WARN, FAIL = "ok", "warn", "fail"
ARTICLES_TO_TRY = 3
CHILD_SITEMAPS_TO_TRY = 3  # of a sitemap index, the newest
MAX_INDEX_DEPTH = 3  # sitemap indexes listing indexes


@dataclass
class Check:
    """One check of one outlet."""

    outlet: str
    name: str  # "robots.txt", "feed https://…", "articles"
    status: str  # ok, warn or fail
    detail: str


def _host_root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class DoctorSpider(Spider):
    """The checks of one outlet; `DoctorSpider.for_outlet(outlet)` makes its class (named after the outlet,
    so that a replay reads the outlet's cassette)."""

    outlet: ClassVar[Outlet]

    @classmethod
    def for_outlet(cls, outlet: Outlet) -> type[DoctorSpider]:
        """The doctor's spider class for the outlet."""
        return type(f"{outlet.name.title()}Doctor", (cls,), {"name": outlet.name, "outlet": outlet,
                                                             "__module__": __name__})

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        set_user_agent(settings)

    def __init__(self, checks: list[Check], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checks = checks
        self.robots: dict[str, RobotParser] = {}
        self.sitemaps_read: set[str] = set()
        self.robots_sitemaps: list[str] = []  # the sitemaps robots.txt names, a fallback source
        self.listed: list[str] = []
        self.listed_by = {"named": 0, "fallback": 0}  # article URLs the named and the fallback sources list
        self.stage = "robots"
        self.articles: list[tuple[str, str | None]] = []  # (url, problem or None)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DoctorSpider:
        spider: DoctorSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def report(self, name: str, status: str, detail: str) -> None:
        """Add one check's result."""
        self.checks.append(Check(self.outlet.name, name, status, detail))

    def _request(self, url: str, callback: Any, **meta: Any) -> Request:
        """A request whose error answers reach the callback (redirects are still followed)."""
        return Request(url, callback=callback, errback=self._failed, dont_filter=True,
                       meta={"handle_httpstatus_list": ERROR_STATUSES, **meta})

    @property
    def agent(self) -> str:
        """The User-Agent robots.txt rules are matched against, as Scrapy's robots.txt middleware does."""
        return self.settings.get("ROBOTSTXT_USER_AGENT") or self.settings.get("USER_AGENT")

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets our User-Agent fetch the URL (no robots.txt: yes)."""
        robots = self.robots.get(_host_root(url))
        return robots is None or robots.allowed(url, self.agent)

    # Stages: robots.txt, then the sources, then a few articles; each starts when the last is done.

    async def start(self) -> AsyncIterator[Request]:
        for root in dict.fromkeys(_host_root(url) for _, url in [*self.outlet.sources, *self.outlet.fallback_sources]):
            yield self._request(f"{root}/robots.txt", self.parse_robots, check="robots.txt", root=root)

    def _idle(self) -> None:
        if self.stage == "robots":
            self.stage = "sources"
            self._schedule(self._source_requests())
        elif self.stage == "sources":
            self.stage = "articles"
            self._schedule(self._article_requests())

    def _schedule(self, requests: Iterator[Request]) -> None:
        scheduled = False
        for request in requests:
            self.crawler.engine.crawl(request)
            scheduled = True
        if scheduled:
            raise DontCloseSpider

    def _source_requests(self) -> Iterator[Request]:
        disallowed = [url for _, url in self.outlet.sources if not self.allowed(url)]
        if disallowed:
            self.report("robots.txt", FAIL, f"forbids {self.agent!r} to read {', '.join(disallowed)}")
        callbacks = {"feed": self.parse_feed, "sitemap": self.parse_sitemap, "category": self.parse_category}
        for kind, url in self.outlet.sources:
            if url not in disallowed:
                yield self._request(url, callbacks[kind], check=f"{kind} {url}")
        # the fallbacks a crawl reads too: a failing one is a warning
        for url in self.robots_sitemaps:
            if url not in self.outlet.sitemaps and self.outlet.owns(url) and self.allowed(url):
                yield self._request(url, self.parse_sitemap, check=f"sitemap {url} (named in robots.txt)",
                                    failing=WARN, fallback=True)
        home = self.outlet.home_page
        if home not in self.outlet.categories and self.allowed(home):
            yield self._request(home, self.parse_category, check=f"home {home}", failing=WARN, fallback=True,
                                page=self.outlet.max_pages)

    def _article_requests(self) -> Iterator[Request]:
        if not self.listed_by["named"] and self.listed_by["fallback"]:
            self.report("definition", WARN, f"the sources the definition names list no article URL, while robots.txt's "
                                            f"sitemaps and the home page list {self.listed_by['fallback']}: the outlet "
                                            "definition needs mending")
        by_canonical: dict[str, str] = {}
        for url in self.listed:
            by_canonical.setdefault(canonicalize_url(url), url)
        listed = list(by_canonical.values())
        allowed = [url for url in listed if self.allowed(url)]
        if listed and not allowed:
            self.report("articles", FAIL, f"robots.txt forbids all {len(listed)} article URLs listed")
            return
        if not listed:
            self.report("articles", FAIL, "no source lists an article URL: nothing to try")
            return
        if len(allowed) < len(listed):
            self.report("articles", WARN, f"robots.txt forbids {len(listed) - len(allowed)} of the {len(listed)} "
                                          "article URLs listed; the crawl skips them")
        for url in allowed[:ARTICLES_TO_TRY]:
            yield self._request(url, self.parse_article, check="articles")

    # Callbacks -------------------------------------------------------------------------------------

    def _status_problem(self, response: Response) -> str | None:
        if response.status == 200:
            return None
        gone = " (gone or moved?)" if response.status in (404, 410) else ""
        return f"HTTP {response.status}{gone}{self._moved(response)}"

    def _moved(self, response: Response) -> str:
        redirects = response.meta.get("redirect_urls")
        return f"; moved to {response.url}: update the outlet definition" if redirects else ""

    def parse_robots(self, response: Response) -> None:
        root = response.meta["root"]
        if response.status == 200:  # parsed by the parser Scrapy's robots.txt middleware uses
            parser = load_object(self.settings.get("ROBOTSTXT_PARSER"))
            self.robots[root] = parser.from_crawler(self.crawler, response.body)
            self.robots_sitemaps += robots_sitemaps(response.body, response.url)
            blocked = [url for _, url in self.outlet.sources if _host_root(url) == root and not self.allowed(url)]
            if not blocked:
                self.report("robots.txt", OK, f"{root}/robots.txt lets us read every source")
        elif response.status >= 500:
            self.report("robots.txt", WARN, f"{root}/robots.txt answered HTTP {response.status}; "
                                            "a crawl reads that as allowing everything")
        else:
            self.report("robots.txt", OK, f"{root} has no robots.txt (HTTP {response.status}): everything allowed")

    def _listing(self, response: Response, links: list[str]) -> None:
        """Report what a source lists: the links the crawl would follow, those that look like article URLs of
        the outlet."""
        check = response.meta["check"]
        kept = [url for url in links if self.outlet.is_article_url(url)]
        articles = [strip_tracking(url) for url in kept if follows(self.outlet, url)]
        self.listed += articles
        self.listed_by["fallback" if response.meta.get("fallback") else "named"] += len(articles)
        if not articles:
            self.report(check, response.meta.get("failing", FAIL),
                        f"lists no article URL ({len(links)} links){self._moved(response)}")
        else:
            self.report(check, WARN if self._moved(response) else OK,
                        f"{len(articles)} article URLs{self._moved(response)}")

    def parse_feed(self, response: Response) -> None:
        if problem := self._status_problem(response):
            self.report(response.meta["check"], FAIL, problem)
            return
        try:
            self._listing(response, [link.url for link in parse_feed(response.body)])
        except DiscoveryError as error:
            self.report(response.meta["check"], FAIL, f"not a feed: {error}")

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        failing = response.meta.get("failing", FAIL)  # a child sitemap that fails: a warning
        if problem := self._status_problem(response):
            self.report(response.meta["check"], failing, problem)
            return
        try:
            links, children = parse_sitemap(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
        except DiscoveryError as error:
            self.report(response.meta["check"], failing, f"not a sitemap: {error}")
            return
        self.sitemaps_read.add(response.url)
        if not children:
            self._listing(response, [link.url for link in links])
            return
        # An index: its newest children say whether the outlet still lists articles. An index that
        # lists itself or another index already read is not read again.
        ours = newest_sitemaps(self.outlet, children)
        unread = [child for child in ours if child.url not in self.sitemaps_read][:CHILD_SITEMAPS_TO_TRY]
        depth = response.meta.get("depth", 0)
        if not unread or depth >= MAX_INDEX_DEPTH:
            why = "none on the outlet's domains" if not ours else "every one already read (an index loop)" \
                if not unread else f"nested more than {MAX_INDEX_DEPTH} indexes deep"
            self.report(response.meta["check"], failing, f"a sitemap index of {len(children)} sitemaps, {why}")
            return
        self.report(response.meta["check"], OK, f"a sitemap index of {len(children)} sitemaps; reading the "
                                                f"newest {len(unread)}")
        for child in unread:
            self.sitemaps_read.add(child.url)
            yield self._request(child.url, self.parse_sitemap, check=f"sitemap {child.url}", failing=WARN,
                                depth=depth + 1, fallback=response.meta.get("fallback", False))

    def parse_category(self, response: Response) -> Iterator[Request]:
        if problem := self._status_problem(response):
            self.report(response.meta["check"], response.meta.get("failing", FAIL), problem)
            return
        try:
            links, next_page = page_links(response.body, response.url)
        except DiscoveryError as error:
            self.report(response.meta["check"], FAIL, f"not an HTML page: {error}")
            return
        page = response.meta.get("page", 1)
        listed = any(self.outlet.is_article_url(url) for url in links)
        if not listed and next_page and self.outlet.owns(next_page) and page < self.outlet.max_pages:
            yield self._request(next_page, self.parse_category, check=response.meta["check"], page=page + 1,
                                failing=response.meta.get("failing", FAIL), fallback=response.meta.get("fallback"))
            return
        self._listing(response, links)

    def parse_article(self, response: Response) -> None:
        url = response.meta.get("redirect_urls", [response.url])[0]
        problem = self._status_problem(response)
        if problem is None and not is_page_type(response.headers.get("Content-Type")):
            problem = f"not_html: the article is served as {response.headers.get('Content-Type', b'').decode()!r}"
        if problem is None:
            try:
                problem = missing_field(clean_page(response.body, response.url, self.outlet))
            except CleanerError as error:
                problem = f"{error.reason}: {error.message}"
                if error.reason == "not_article":
                    problem += " (has the outlet's template changed?)"
        self.articles.append((url, problem))

    def _failed(self, failure: Failure) -> None:
        meta = failure.request.meta
        reason = f"{failure_reason(failure)} ({failure.value})"
        if meta["check"] == "articles":
            self.articles.append((failure.request.url, reason))
        elif meta["check"] == "robots.txt":
            self.report("robots.txt", WARN, f"{meta['root']}/robots.txt unreachable ({reason}); a crawl reads "
                                            "that as allowing everything")
        else:
            self.report(meta["check"], meta.get("failing", FAIL), reason)

    def _closed(self) -> None:
        if not self.articles:
            return
        good = [url for url, problem in self.articles if problem is None]
        bad = [f"{url}: {problem}" for url, problem in self.articles if problem]
        status = OK if not bad else (WARN if good else FAIL)
        detail = f"{len(good)} of {len(self.articles)} cleaned to text with title and time"
        self.report("articles", status, "; ".join([detail, *bad]))


def run_doctor(outlets: list[Outlet], settings: Settings) -> list[Check]:
    """Run every check of the outlets in one process; returns the checks in outlet order."""
    settings.set("ROBOTSTXT_OBEY", False, priority="cmdline")  # the doctor reads robots.txt itself
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    checks: list[Check] = []
    process = CrawlerProcess(settings)
    for outlet in outlets:
        process.crawl(DoctorSpider.for_outlet(outlet), checks=checks)
    process.start()
    order = {outlet.name: i for i, outlet in enumerate(outlets)}
    stage = {"robots.txt": 0, "definition": 2, "articles": 3}
    return sorted(checks, key=lambda c: (order[c.outlet], stage.get(c.name, 1)))


def failing_outlets(checks: list[Check]) -> list[str]:
    """The outlets with a failed check, in order."""
    return list(dict.fromkeys(check.outlet for check in checks if check.status == FAIL))


def format_checks(checks: list[Check]) -> str:
    """The checks as a table: outlet, check, status, detail."""
    width = max([len(c.name) for c in checks] + [5])
    width = min(width, 60)
    lines = [f"{'outlet':<13}{'check':<{width + 2}}{'status':<8}detail"]
    for check in checks:
        name = check.name if len(check.name) <= width else check.name[: width - 1] + "…"
        lines.append(f"{check.outlet:<13}{name:<{width + 2}}{check.status:<8}{check.detail}")
    return "\n".join(lines)
