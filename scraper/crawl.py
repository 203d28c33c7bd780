"""Running crawls: one Scrapy process for the named outlets, with the project's settings."""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from . import settings as project_settings
from .cassettes import CASSETTE_SUFFIX, MODES
from .distributed import check_redis, is_distributed, seed
from .drift import FIELD as DRIFT_FIELD
from .outlets import all_outlets, select_outlets
from .sites import CASSETTES_DIR, build_page_cassettes
from .spiders.news import NewsSpider
from .spiders.runs import new_run_id, since_date
from .storage.dataset_files import FORMATS, RUN_ID
from .storage.files import Busy, hold_lock
from .storage.manifest import manifest_path


@dataclass
class CrawlOptions:
    """What `scraper crawl` was asked for; each option is a project setting, so `scrapy crawl` takes
    the same through `-s`."""

    outlets: list[str]
    out: Path = Path("output")
    replay: bool = False
    record: bool = False
    warc: bool = False
    cassettes: list[Path] = field(default_factory=list)
    since: str | None = None
    file_format: str = "jsonl"
    max_articles: int = 0
    resume: bool = True
    verbose: bool = False
    outlet_files: list[Path] = field(default_factory=list)
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
        "SCRAPER_RESUME": options.resume,
        "LOG_LEVEL": "INFO" if options.verbose else "WARNING",
    }
    if options.outlet_files:
        values["SCRAPER_OUTLET_FILES"] = [str(path) for path in options.outlet_files]
    if options.warc:
        values["SCRAPER_WARC_DIR"] = str(options.out / "warc")
    if options.replay or options.record:
        values.update({
            "HTTPCACHE_ENABLED": True,
            "SCRAPER_CASSETTE_MODE": "record" if options.record else "replay",
            "SCRAPER_CASSETTE_DIRS": [str(d) for d in options.cassettes],
        })
    if options.replay:  # nothing goes on the network: nobody to be polite to, nothing to retry
        values.update({"HTTPCACHE_IGNORE_MISSING": True, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
                       "RETRY_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8})
    settings.setdict(values, priority="cmdline")
    settings.setdict(options.overrides, priority="cmdline")
    return settings


def check_settings(settings: Settings, outlets: list[str]) -> None:
    """Refuse, with a clear message, what would otherwise fail inside the crawl."""
    select_outlets(outlets, all_outlets(settings.getlist("SCRAPER_OUTLET_FILES")))
    out = Path(settings["SCRAPER_OUTPUT_DIR"])
    run_id = settings["SCRAPER_RUN_ID"]
    if not RUN_ID.fullmatch(run_id):
        raise ValueError(f"SCRAPER_RUN_ID {run_id!r}: letters, digits, '_', '.', '-' only")
    if manifest_path(out, run_id).exists():
        raise ValueError(f"run {run_id!r} already has a manifest in {out}/runs: a run id is used once")
    file_format = settings["SCRAPER_DATASET_FORMAT"]
    if file_format not in FORMATS:
        raise ValueError(f"SCRAPER_DATASET_FORMAT {file_format!r}: one of {', '.join(FORMATS)}")
    if file_format == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise ValueError("Parquet output needs pyarrow: pip install -e '.[parquet]'")
    if settings.get("SCRAPER_CASSETTE_MODE") not in MODES:
        raise ValueError(f"SCRAPER_CASSETTE_MODE {settings.get('SCRAPER_CASSETTE_MODE')!r}: one of {', '.join(MODES)}")
    for name in ("SCRAPER_MAX_ARTICLES", "SCRAPER_DATASET_BATCH"):
        try:
            settings.getint(name)
        except ValueError:
            raise ValueError(f"{name} takes a whole number, not {settings.get(name)!r}") from None
    for name in [] if is_distributed(settings) else outlets:  # distributed workers share an outlet
        try:
            os.close(hold_lock(out / "locks" / f"{name}.lock"))
        except Busy:
            raise ValueError(f"another run of {name} is writing to {out}; one run of an outlet at a time") from None
        except OSError:
            break  # the folder check below says what is wrong
    if is_distributed(settings):
        check_redis(settings)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{run_id}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ValueError(f"cannot write to the output folder {out}: {error.strerror}") from None


def replay_sources(out: Path) -> tuple[list[Path], list[str]]:
    """Cassette folders and outlets for a replay of everything recorded: the committed cassettes, and
    cassettes built from the stored real pages when they are present."""
    folders = [CASSETTES_DIR]
    built = build_page_cassettes(out / "cassettes" / "pages")
    if built:
        folders.append(built[0].parent)
    return folders, recorded_outlets(folders)


def recorded_outlets(folders: list[Path]) -> list[str]:
    """The outlets that have a cassette in these folders."""
    return sorted({path.stem for folder in folders for path in folder.glob(f"*{CASSETTE_SUFFIX}")})


def run_crawl(options: CrawlOptions) -> dict[str, Any]:
    """Crawl the outlets in one process; returns the run manifest."""
    settings = crawl_settings(options, new_run_id())
    run_id = settings["SCRAPER_RUN_ID"]
    check_settings(settings, options.outlets)
    process = CrawlerProcess(settings)
    for name in dict.fromkeys(options.outlets):
        process.crawl(name)
    process.start()
    path = manifest_path(options.out, run_id)
    if not path.exists():
        raise RuntimeError(f"the crawl wrote no manifest at {path}; run with --verbose to see why")
    return json.loads(path.read_text(encoding="utf-8"))


def seed_outlets(outlets: list[str], overrides: dict[str, str]) -> dict[str, int]:
    """Start a distributed round of each outlet (`scraper seed`); returns the requests queued per outlet."""
    settings = crawl_settings(CrawlOptions(outlets=outlets, overrides=overrides), new_run_id())
    if not is_distributed(settings):
        raise ValueError("seeding is for distributed mode: set REDIS_URL (in the environment or with -s)")
    check_redis(settings)
    chosen = select_outlets(outlets, all_outlets(settings.getlist("SCRAPER_OUTLET_FILES")))
    return {outlet.name: seed(settings, NewsSpider.for_outlet(outlet)()) for outlet in chosen}


def format_summary(manifest: dict[str, Any], out: Path) -> str:
    """The manifest as a short table for the terminal."""
    lines = [f"{'outlet':<13}{'found':>7}{'fetched':>9}{'stored':>8}{'dupes':>7}{'errors':>8}  skipped"]
    for name, figures in sorted(manifest["outlets"].items()):
        skipped = ", ".join(f"{reason} {count}" for reason, count in figures["skipped"].items()) or "-"
        lines.append(f"{name:<13}{figures['found']:>7}{figures['fetched']:>9}{figures['stored']:>8}"
                     f"{figures['duplicates']:>7}{figures['errors']:>8}  {skipped}")
    totals = manifest["totals"]
    if totals["stored"]:
        lines.append(f"{totals['stored']} new records in {out / 'dataset'}/")
    elif totals["errors"]:
        lines.append(f"no new records, and {totals['errors']} errors: the manifest lists each failed URL")
    else:
        lines.append("no new records: every article listed is already stored")
    for name in manifest["layout_drift_alarms"]:
        figures = manifest["outlets"][name][DRIFT_FIELD]
        lines.append(f"warning: layout drift at {name}: {figures['short_or_empty']} of {figures['article_pages']} "
                     f"article pages came out empty or short ({figures['short_or_empty_share']:.0%}, against "
                     f"{figures['baseline_share']:.0%} in its last {figures['baseline_runs']} runs)")
    if totals.get("near_duplicates"):
        lines.append(f"{totals['near_duplicates']} of them near-duplicates of earlier articles "
                     "(near_duplicate_clusters in the manifest)")
    lines.append(f"manifest: {manifest_path(out, manifest['run_id'])}")
    return "\n".join(lines)
