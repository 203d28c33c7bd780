"""The benchmark: our cleaner and crawler beside trafilatura and peers, every figure measured in this
run on this machine, speeds as ratios to a baseline measured in the same run.

    .venv/bin/pip install --upgrade pip && .venv/bin/pip install -e ".[bench]"
    .venv/bin/python benchmarks/run.py [--quick]

Prints three tables and writes benchmarks/results.json:
1. cleaning quality (token F1, boilerplate removed) and speed (pages per second, one core) on the
   pages with expected output: ours, trafilatura (default; favor_precision), readability-lxml,
   jusText with its Vietnamese stoplist, resiliparse, and lxml parsing alone as the floor;
2. `scraper clean --jobs N` over many pages, N = 1 .. cores, as a ratio to N = 1;
3. crawl + clean: Scrapy crawling a local site on 127.0.0.1, pages per second as a ratio to cleaning
   the same pages alone, and the crawl's peak memory at 1,000 and 10,000 pages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trafilatura
from lxml.html import document_fromstring, fromstring

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from localsite import LocalSite, Reply  # noqa: E402

from scraper import CleanerError, clean_html  # noqa: E402
from scraper.cleaning.decode import decode_page  # noqa: E402
from scraper.evaluation import boilerplate_lines, removed_share, token_scores  # noqa: E402
from scraper.fixtures import Fixture, page_fixtures, seed_fixtures  # noqa: E402
from scraper.sites import SEED_OUTLETS, SITES_DIR  # noqa: E402

RESULTS = REPO / "benchmarks" / "results.json"
BASELINE = "trafilatura"


def _scraper(page: bytes, url: str | None) -> str:
    try:
        return clean_html(page, url=url).text
    except CleanerError:
        return ""


def _readability(page: bytes, url: str | None) -> str:
    from readability import Document

    tree = fromstring(Document(decode_page(page)).summary(html_partial=True))
    return "\n".join(t for t in (e.text_content().strip() for e in tree.iter("p", "li", "h2", "h3", "td")) if t)


def _justext(page: bytes, url: str | None) -> str:
    import justext

    paragraphs = justext.justext(decode_page(page).encode("utf-8"), justext.get_stoplist("Vietnamese"),
                                 encoding="utf-8")
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def _resiliparse(page: bytes, url: str | None) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(decode_page(page), main_content=True)


EXTRACTORS: dict[str, Callable[[bytes, str | None], str]] = {
    "scraper": _scraper,
    "trafilatura": lambda page, url: trafilatura.extract(page, url=url, include_comments=False) or "",
    "trafilatura favor_precision": lambda page, url: trafilatura.extract(
        page, url=url, include_comments=False, favor_precision=True) or "",
    "readability-lxml": _readability,
    "jusText (Vietnamese)": _justext,
    "resiliparse": _resiliparse,
    "lxml parse only": lambda page, url: (document_fromstring(page), "")[1],
}
MODULES = {"readability-lxml": "readability", "jusText (Vietnamese)": "justext", "resiliparse": "resiliparse"}


def scored_pages() -> list[tuple[str, bytes, str | None, str, Fixture]]:
    """(name, page, url, expected text, fixture) for every HTML page with an expected text: the stored
    real pages, and the fixture sites' article pages (expected: their seed's clean text)."""
    pages = [(f.name, f.read_input(), f.url, f.expected["text"], f) for f in page_fixtures()
             if not f.refused and f.input_path.exists()]
    seeds = {f.name.split("/")[1][:3]: f for f in seed_fixtures()}
    for outlet, seed in SEED_OUTLETS.items():
        path = max((p for p in (SITES_DIR / outlet).rglob("*") if p.suffix in (".htm", ".vnp", ".vov")),
                   key=lambda p: p.stat().st_size)  # the article page, not a category page
        url = "https://" + str(path.relative_to(SITES_DIR / outlet))
        fixture = Fixture(f"sites/{outlet}", "page", path, path, url, {"text": seeds[seed].expected["text"]})
        pages.append((fixture.name, path.read_bytes(), url, fixture.expected["text"], fixture))
    return pages


def available(name: str) -> bool:
    try:
        __import__(MODULES.get(name, "trafilatura"))
    except ImportError:
        return False
    return True


def quality_and_speed(rounds: int) -> dict[str, Any]:
    pages = scored_pages()
    boilerplate = [boilerplate_lines(fixture, expected) for _, _, _, expected, fixture in pages]
    timings: dict[str, float] = {name: float("inf") for name in EXTRACTORS if available(name)}
    outputs: dict[str, list[str]] = {}
    for _ in range(rounds):  # rounds interleave the extractors, so that noise hits them alike
        for name in timings:
            function = EXTRACTORS[name]
            start = time.process_time()
            outputs[name] = [function(page, url) for _, page, url, _, _ in pages]
            timings[name] = min(timings[name], time.process_time() - start)
    results: dict[str, Any] = {}
    for name, seconds in timings.items():
        scores = [token_scores(out, page[3]) for out, page in zip(outputs[name], pages, strict=True)]
        removed = [removed_share(out, lines) for out, lines in zip(outputs[name], boilerplate, strict=True)]
        floor = name == "lxml parse only"
        results[name] = {
            "pages_per_second": len(pages) / seconds,
            "f1": None if floor else sum(s[2] for s in scores) / len(scores),
            "boilerplate_removed": None if floor else sum(removed) / len(removed),
        }
    baseline = results[BASELINE]["pages_per_second"]
    for figures in results.values():
        figures["speed_vs_trafilatura"] = figures["pages_per_second"] / baseline
    return {"pages": len(pages), "rounds": rounds, "extractors": results,
            "not_installed": [name for name in EXTRACTORS if name not in timings]}


def batch_jobs(pages: int) -> dict[str, Any]:
    cores = os.cpu_count() or 1
    sources = [page for _, page, _, _, _ in scored_pages()]
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for n in range(pages):
            (folder / f"page-{n:05d}.html").write_bytes(sources[n % len(sources)])
        for jobs in range(1, cores + 1):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "scraper", "clean", str(folder), "--out", f"{tmp}/out{jobs}",
                            "--jobs", str(jobs)], cwd=REPO, capture_output=True, check=False)
            rates[jobs] = pages / (time.perf_counter() - start)
    return {"pages": pages, "cores": cores,
            "jobs": {str(n): {"pages_per_second": r, "vs_one_job": r / rates[1]} for n, r in rates.items()}}


def crawl(count: int) -> dict[str, float]:
    """Crawl `count` pages of a local site (one sitemap lists them): pages per second and the crawl
    process's peak memory."""
    sources = [page for _, page, _, _, _ in scored_pages()]
    site = LocalSite().start()
    urls = []
    for n in range(count):
        site.add(f"/tin/bai-{n}.html", Reply(sources[n % len(sources)]))
        urls.append(site.url(f"/tin/bai-{n}.html"))
    entries = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    site.add("/sitemap.xml", Reply(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                                   f'sitemap/0.9">{entries}</urlset>'.encode(), content_type="application/xml"))
    with tempfile.TemporaryDirectory() as tmp:
        outlets = Path(tmp) / "outlets.toml"
        outlets.write_text(f'[[outlets]]\nname = "localnews"\ndomains = ["127.0.0.1"]\narticle_url = "."\n'
                           f'sitemaps = ["{site.url("/sitemap.xml")}"]\n', encoding="utf-8")
        settings = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "16",
                    "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "ROBOTSTXT_OBEY": "False",
                    "SCRAPER_OUTLET_FILES": str(outlets)}
        command = [sys.executable, "-m", "scraper", "crawl", "localnews", "--out", f"{tmp}/out", "--no-resume"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        measure = ("import resource, subprocess, sys, time; start = time.perf_counter(); "
                   "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                   "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        result = subprocess.run([sys.executable, "-c", measure, *command], cwd=REPO, capture_output=True,
                                text=True, check=True)
    site.stop()
    seconds, max_rss_kb = result.stdout.split()
    fetched = sum(1 for path, _ in site.requests if path.startswith("/tin/"))
    return {"pages": fetched, "seconds": float(seconds), "pages_per_second": fetched / float(seconds),
            "peak_rss_mb": int(max_rss_kb) / 1024}


def crawl_and_clean(sizes: tuple[int, ...]) -> dict[str, Any]:
    """Crawl + clean beside clean only, on the same pages; the crawl's start-up is counted against it."""
    sources = [page for _, page, _, _, _ in scored_pages()]
    start = time.perf_counter()
    for n in range(sizes[0]):
        with contextlib.suppress(CleanerError):
            clean_html(sources[n % len(sources)])
    clean_only = sizes[0] / (time.perf_counter() - start)
    runs = {str(size): crawl(size) for size in sizes}
    return {"clean_only_pages_per_second": clean_only, "crawls": runs,
            "crawl_vs_clean_only": runs[str(sizes[0])]["pages_per_second"] / clean_only}


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
                 platform.processor())
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.system()}


def print_tables(results: dict[str, Any]) -> None:
    quality = results["cleaning"]
    print(f"1. Cleaning {quality['pages']} pages with expected text (best of {quality['rounds']} rounds, one core)")
    print(f"{'extractor':30s} {'F1':>6s} {'boiler.':>8s} {'pages/s':>8s} {'vs trafilatura':>15s}")
    for name, f in quality["extractors"].items():
        f1 = "-" if f["f1"] is None else f"{f['f1']:.3f}"
        br = "-" if f["boilerplate_removed"] is None else f"{f['boilerplate_removed']:.3f}"
        print(f"{name:30s} {f1:>6s} {br:>8s} {f['pages_per_second']:8.1f} {f['speed_vs_trafilatura']:14.2f}x")
    if quality["not_installed"]:
        print(f"(not installed: {', '.join(quality['not_installed'])})")
    batch = results["batch"]
    print(f"\n2. scraper clean --jobs N over {batch['pages']} pages ({batch['cores']} cores)")
    for jobs, f in batch["jobs"].items():
        print(f"--jobs {jobs}: {f['pages_per_second']:7.1f} pages/s  {f['vs_one_job']:.2f}x --jobs 1")
    crawling = results["crawl"]
    print(f"\n3. Crawl + clean vs clean only ({crawling['clean_only_pages_per_second']:.1f} pages/s, one process)")
    for size, f in crawling["crawls"].items():
        print(f"{size:>6s} pages: {f['pages_per_second']:7.1f} pages/s, peak RSS {f['peak_rss_mb']:.0f} MB")
    print(f"crawl + clean / clean only: {crawling['crawl_vs_clean_only']:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and pages (a smoke run)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the figures go (benchmarks/results.json)")
    args = parser.parse_args()
    results = {
        "machine": machine(),
        "cleaning": quality_and_speed(rounds=1 if args.quick else 5),
        "batch": batch_jobs(pages=60 if args.quick else 600),
        "crawl": crawl_and_clean(sizes=(60, 120) if args.quick else (1000, 10000)),
    }
    print_tables(results)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nfigures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
