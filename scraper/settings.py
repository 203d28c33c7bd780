"""Every Scrapy default of the project, in one place. Override any of them with `-s NAME=VALUE`.

`scrapy crawl <outlet>` (through `scrapy.cfg`) and `scraper crawl <outlet>` read this same module.
"""

from __future__ import annotations

import os

BOT_NAME = "scraper"
SPIDER_LOADER_CLASS = "scraper.spiders.loader.OutletSpiderLoader"
SPIDER_MODULES: list[str] = []
SCRAPER_OUTLET_FILES: list[str] = []  # TOML files adding or overriding outlets ([[outlets]] tables)

# Who we are: sites see the project and a way to reach whoever runs the crawl.
# USER_AGENT is built from SCRAPER_CONTACT when a crawl starts, unless USER_AGENT itself is set with -s.
SCRAPER_CONTACT = "https://github.com/scraper/scraper"
SCRAPER_USER_AGENT = "scraper/0.1 (+{contact}; Vietnamese news research crawler)"

# Polite by default.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
COOKIES_ENABLED = False
DOWNLOAD_HANDLERS = {"file": None, "s3": None, "ftp": None, "data": None}  # news sites are http(s) only
REDIRECT_MAX_TIMES = 5

# Retries with backoff on 429 and 5xx, honouring Retry-After (scraper.middlewares.BackoffRetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
SCRAPER_RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry, doubled for each next one
SCRAPER_RETRY_BACKOFF_MAX = 120.0  # never wait longer than this, whatever Retry-After says
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scraper.middlewares.BackoffRetryMiddleware": 550,
    "scraper.middlewares.WarcArchiveMiddleware": 920,  # between the cache (900) and the network: raw responses
    "scraper.middlewares.ReplayOnlyMiddleware": 950,  # after the cache (900): in replay, nothing gets past
}

ITEM_PIPELINES = {
    "scraper.pipelines.CleanPipeline": 100,
    "scraper.pipelines.DeduplicatePipeline": 200,
    "scraper.pipelines.NearDuplicatePipeline": 250,
    "scraper.pipelines.DatasetPipeline": 300,
}
EXTENSIONS = {
    "scraper.extensions.RunManifest": 500,
    "scraper.distributed.IdleGrace": 510,  # distributed mode only
    "scrapy.extensions.telnet.TelnetConsole": None,  # no console ports on crawl machines
    "scrapy.extensions.remote_control.RemoteControl": None,
}

# Distributed mode (scraper.distributed): with REDIS_URL set (here, in the environment or with -s), workers share
# each outlet's request queue, duplicate filter and the seen-state in Redis; `scraper seed` starts a round.
REDIS_URL = os.environ.get("REDIS_URL", "")
SCRAPER_IDLE_CLOSE = 30.0  # seconds a worker whose queue ran dry waits for more before it closes
SCRAPER_SEEN_STORE = "scraper.storage.state.SeenStore"  # distributed: scraper.distributed.RedisSeenStore

# Cleaning: in this many worker processes beside the crawl's own (0: in the crawl's process). Two where the crawl
# may use two cores or more: the crawl's own process, at about 7 ms a page, keeps two cleaners busy and no more.
# (lower case: Scrapy takes every upper-case name of this module for a setting)
_usable_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
SCRAPER_CLEAN_PROCESSES = min(2, _usable_cores)

# Where a run writes (all under one folder, `output/` by default).
SCRAPER_OUTPUT_DIR = "output"
SCRAPER_STATE_PATH = ""  # default: <SCRAPER_OUTPUT_DIR>/state.sqlite
SCRAPER_DATASET_FORMAT = "jsonl"  # or "parquet" (needs pyarrow)
SCRAPER_DATASET_BATCH = 200  # records per dataset file at most; each file appears atomically
SCRAPER_RUN_ID = ""  # default: the start time; runs of several outlets share one manifest
SCRAPER_SINCE = ""  # ISO date: skip articles published before it
SCRAPER_MAX_ARTICLES = 0  # per outlet and run; 0 = no limit
SCRAPER_MAX_CHILD_SITEMAPS = 20  # of a sitemap index, the newest by lastmod; 0 = all
SCRAPER_RESUME = True  # each outlet keeps a JOBDIR until its run finishes, so an interrupted run resumes
SCRAPER_JOBS_DIR = ""  # where those JOBDIRs go; default: <SCRAPER_OUTPUT_DIR>/jobs

# Near-duplicates (scraper.neardup): an article whose estimated Jaccard similarity of word 4-grams with one stored
# before reaches the threshold gets `near_duplicate_of`; signatures of the latest SCRAPER_NEAR_DUPLICATE_KEEP
# articles are kept in the seen-state.
SCRAPER_NEAR_DUPLICATE_THRESHOLD = 0.4  # unrelated real pages: at most 0.04; edited copies: 0.56 and up
SCRAPER_NEAR_DUPLICATE_KEEP = 100_000

# The layout-drift alarm (scraper.drift): the share of an outlet's article pages whose text came out empty or
# shorter than SCRAPER_SHORT_TEXT_WORDS, against the median of its last SCRAPER_DRIFT_HISTORY runs. A run of at
# least SCRAPER_DRIFT_MIN_PAGES pages whose share is more than SCRAPER_DRIFT_JUMP above that median, with at least
# SCRAPER_DRIFT_MIN_RUNS earlier runs to compare, raises the alarm: `scraper crawl` warns and exits with status 3.
SCRAPER_SHORT_TEXT_WORDS = 50
SCRAPER_DRIFT_HISTORY = 10
SCRAPER_DRIFT_MIN_RUNS = 3
SCRAPER_DRIFT_MIN_PAGES = 10
SCRAPER_DRIFT_JUMP = 0.25

# The raw archive (`scraper crawl --warc`): every response in WARC files, re-cleaned by `scraper clean --warc`.
SCRAPER_WARC_DIR = ""  # off when empty; `--warc` sets <SCRAPER_OUTPUT_DIR>/warc
SCRAPER_WARC_MAX_SIZE = 1024 * 1024 * 1024  # bytes (compressed) per WARC file before the next one starts

# Offline replay and recording of HTTP traffic as vcrpy cassettes (scraper.cassettes).
SCRAPER_CASSETTE_DIRS: list[str] = ["fixtures/cassettes"]
SCRAPER_CASSETTE_MODE = "replay"  # or "record"
HTTPCACHE_ENABLED = False  # `scraper crawl --replay/--record` switches it on with the two lines below
HTTPCACHE_STORAGE = "scraper.cassettes.CassetteCacheStorage"
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.DummyPolicy"
HTTPCACHE_IGNORE_HTTP_CODES: list[int] = []

LOG_FORMATTER = "scraper.extensions.QuietLogFormatter"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
