"""Running crawls: one Scrapy process for the named outlets, with the project's settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from . import settings as project_settings
from .outlets import all_outlets
from .sites import CASSETTES_DIR, build_page_cassettes
from .spiders.runs import new_run_id, since_date
from .storage.manifest import manifest_path


@dataclass
class CrawlOptions:
    """What `scraper crawl` was asked for; each option is a project setting, so `scrapy crawl` takes
    the same through `-s`."""

    outlets: list[str]
    out: Path = Path("output")
    replay: bool = False
    record: bool = False
    cassettes: list[Path] = field(default_factory=list)
    since: str | None = None
    file_format: str = "jsonl"
    max_articles: int = 0
    resume: bool = True
    verbose: bool = False
    overrides: dict[str, str] = field(default_factory=dict)


def crawl_settings(options: CrawlOptions, run_id: str) -> Settings:
    """The project settings with the options applied on top."""
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    values: dict[str, Any] = {
        "SCRAPER_OUTPUT_DIR": str(options.out),
        "SCRAPER_RUN_ID": run_id,
        "SCRAPER_SINCE": since_date(options.since) or "",
        "SCRAPER_DATASET_FORMAT": options.file_format,
        "SCRAPER_MAX_ARTICLES": options.max_articles,
        "SCRAPER_JOBS_DIR": str(options.out / "jobs") if options.resume else "",
        "LOG_LEVEL": "INFO" if options.verbose else "WARNING",
    }
    if options.replay or options.record:
        values.update({
            "HTTPCACHE_ENABLED": True,
            "SCRAPER_CASSETTE_MODE": "record" if options.record else "replay",
            "SCRAPER_CASSETTE_DIRS": [str(d) for d in options.cassettes],
        })
    if options.replay:  # nothing goes on the network, so there is nobody to be polite to
        values.update({"HTTPCACHE_IGNORE_MISSING": True, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
                       "SCRAPER_RETRY_BACKOFF_BASE": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8})
    settings.setdict(values, priority="cmdline")
    settings.setdict(options.overrides, priority="cmdline")
    return settings


def replay_sources(out: Path) -> tuple[list[Path], list[str]]:
    """Cassette folders and outlets for a replay of everything recorded: the committed cassettes, and
    cassettes built from the stored real pages when they are present."""
    folders = [CASSETTES_DIR]
    built = build_page_cassettes(out / "cassettes" / "pages")
    if built:
        folders.append(built[0].parent)
    names = sorted({p.stem for folder in folders for p in folder.glob("*.yaml")})
    return folders, names


def run_crawl(options: CrawlOptions) -> dict[str, Any]:
    """Crawl the outlets in one process; returns the run manifest."""
    run_id = new_run_id()
    settings = crawl_settings(options, run_id)
    known = all_outlets(settings.getlist("SCRAPER_OUTLET_FILES"))
    unknown = [name for name in options.outlets if name not in known]
    if unknown:
        raise ValueError(f"unknown outlet(s): {', '.join(unknown)}; `scraper outlets` lists them")
    process = CrawlerProcess(settings)
    for name in options.outlets:
        process.crawl(name)
    process.start()
    path = manifest_path(options.out, run_id)
    if not path.exists():
        raise RuntimeError(f"the crawl wrote no manifest at {path}; run with --verbose to see why")
    return json.loads(path.read_text(encoding="utf-8"))


def format_summary(manifest: dict[str, Any], out: Path) -> str:
    """The manifest as a short table for the terminal."""
    lines = [f"{'outlet':<13}{'found':>7}{'fetched':>9}{'stored':>8}{'dupes':>7}{'errors':>8}  skipped"]
    for name, figures in sorted(manifest["outlets"].items()):
        skipped = ", ".join(f"{reason} {count}" for reason, count in figures["skipped"].items()) or "-"
        lines.append(f"{name:<13}{figures['found']:>7}{figures['fetched']:>9}{figures['stored']:>8}"
                     f"{figures['duplicates']:>7}{figures['errors']:>8}  {skipped}")
    stored = manifest["totals"]["stored"]
    if stored:
        lines.append(f"{stored} new records in {out / 'dataset'}/")
    else:
        lines.append("no new records: every article listed is already stored")
    lines.append(f"manifest: {manifest_path(out, manifest['run_id'])}")
    return "\n".join(lines)
