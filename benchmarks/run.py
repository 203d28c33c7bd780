"""The benchmark: our cleaner and crawler beside trafilatura and peers, every figure measured in this
run on this machine, speeds as ratios to a baseline measured in the same run.

    .venv/bin/pip install --upgrade pip && .venv/bin/pip install -e ".[bench]"
    .venv/bin/python benchmarks/run.py [--quick] [--public DIR]

Prints three tables (and a fourth, per public set, with --public) and writes benchmarks/results.json:
1. cleaning quality (token F1, boilerplate removed) and speed (pages per second, one core) on the
   Vietnamese pages with expected output: ours, trafilatura (default, which keeps comments; comments off;
   favor_precision), readability-lxml, jusText with its Vietnamese stoplist, resiliparse, and lxml parsing
   alone as the floor;
2. `scraper clean --jobs N` over many pages, N = 1 .. cores, as a ratio to N = 1;
3. crawl + clean: Scrapy crawling a local site on 127.0.0.1 whose pages each have a text of their own,
   pages per second as a ratio to cleaning the same pages alone, with the default number of cleaning
   processes and with one, and the crawl's peak memory at 1,000 and 10,000 pages;
4. with `--public DIR` (the public extraction benchmarks, see `scraper.public_sets`): F1 and pages per
   second, one core, of ours and trafilatura (default; comments off) on each set's article pages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
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
from scraper import settings as crawl_settings  # noqa: E402
from scraper.cleaning.decode import decode_page  # noqa: E402
from scraper.evaluation import boilerplate_lines, removed_share, set_f1, token_scores  # noqa: E402
from scraper.fixtures import Fixture, real_page_fixtures, seed_fixtures  # noqa: E402
from scraper.public_sets import public_pages  # noqa: E402
from scraper.sites import SEED_OUTLETS, SITES_DIR  # noqa: E402

RESULTS = REPO / "benchmarks" / "results.json"
BASELINE = "trafilatura default"
PUBLIC_EXTRACTORS = ("scraper", "trafilatura default", "trafilatura comments off")


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
    "trafilatura default": lambda page, url: trafilatura.extract(page, url=url) or "",
    "trafilatura comments off": lambda page, url: trafilatura.extract(page, url=url, include_comments=False) or "",
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
    pages = [(f.name, f.read_input(), f.url, f.expected["text"], f) for f in real_page_fixtures()
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


def public_sets(root: Path, rounds: int) -> dict[str, Any]:
    """F1 and pages per second (one core, best of `rounds`) of ours and trafilatura on the article pages of
    each public set under `root`; a page ours refuses counts as an empty text."""
    results: dict[str, Any] = {}
    for name, pages in public_pages(root, ("zyte", "trafilatura", "fundus")).items():
        articles = [(page, page.read()) for page in pages if page.label == "article"]
        if not articles:
            continue
        timings = dict.fromkeys(PUBLIC_EXTRACTORS, float("inf"))
        outputs: dict[str, list[str]] = {}
        for _ in range(rounds):
            for extractor in PUBLIC_EXTRACTORS:
                function = EXTRACTORS[extractor]
                start = time.process_time()
                outputs[extractor] = [function(data, page.url) for page, data in articles]
                timings[extractor] = min(timings[extractor], time.process_time() - start)
        figures = {extractor: {"pages_per_second": len(articles) / seconds,
                               "f1": set_f1([(page, text) for (page, _), text in
                                             zip(articles, outputs[extractor], strict=True)])}
                   for extractor, seconds in timings.items()}
        for figure in figures.values():
            figure["speed_vs_trafilatura"] = figure["pages_per_second"] / figures[BASELINE]["pages_per_second"]
        results[name] = {"pages": len(articles), "rounds": rounds, "extractors": figures}
    return results


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


class DistinctPages:
    """Article pages made from the scored pages, each with a text of its own, so that a crawl stores every
    one (none is a duplicate, nor a near-duplicate, of another) as it would on a real site. In each paragraph
    of `MIN_WORDS` words or more, every lower-case word is replaced by the word `copy + 1` places further on
    in a vocabulary of those words (copy 0, 1, … of each page); names, dates, short lines, markup and
    boilerplate stay as they are, so cleaning a copy costs about what cleaning its source page does."""

    MIN_WORDS = 15
    _PARAGRAPH = re.compile(r"(<p\b[^>]*>)(.*?)(</p>)", re.S | re.I)
    _MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")  # tags and character references are left alone
    _WORD = re.compile(r"[^\W\d_]+")

    def __init__(self, sources: list[bytes]) -> None:
        self.vocabulary: dict[str, int] = {}
        self.templates = [self._template(decode_page(page)) for page in sources]
        self.words = list(self.vocabulary)

    def _template(self, html: str) -> list[str | int]:
        """The page as pieces: text to keep, and the vocabulary number of each word to replace."""
        pieces: list[str | int] = []
        kept_until = 0
        for paragraph in self._PARAGRAPH.finditer(html):
            inner = paragraph.group(2)
            if len(self._WORD.findall(self._MARKUP.sub(" ", inner))) < self.MIN_WORDS:
                continue
            pieces.append(html[kept_until:paragraph.start(2)])
            for part in self._MARKUP.split(inner):
                if part.startswith(("<", "&")):
                    pieces.append(part)
                    continue
                kept = 0
                for word in self._WORD.finditer(part):
                    if word.group().islower():
                        number = self.vocabulary.setdefault(word.group(), len(self.vocabulary))
                        pieces += [part[kept:word.start()], number]
                        kept = word.end()
                pieces.append(part[kept:])
            kept_until = paragraph.end(2)
        pieces.append(html[kept_until:])
        return pieces

    def page(self, number: int) -> bytes:
        """Page `number` (0, 1, …): copy `number // sources` of source `number mod sources`."""
        template = self.templates[number % len(self.templates)]
        shift = number // len(self.templates) + 1
        words = self.words
        return "".join(piece if isinstance(piece, str) else words[(piece + shift) % len(words)]
                       for piece in template).encode("utf-8")


ARTICLE_PATH = re.compile(r"/tin/bai-(\d+)\.html")


def serve_pages(pages: DistinctPages, sizes: tuple[int, ...]) -> LocalSite:
    """A local site of max(sizes) article pages, made when asked for (10,000 held in memory would cost the
    benchmark a gigabyte), with a sitemap `/sitemap-N.xml` of the first N for each size."""
    count = max(sizes)

    def article(path: str) -> Reply | None:
        number = ARTICLE_PATH.fullmatch(path)
        return Reply(pages.page(int(number[1]))) if number and int(number[1]) < count else None

    site = LocalSite(generate=article, keep_alive=True)
    for size in sizes:
        entries = "".join(f"<url><loc>{site.url(f'/tin/bai-{n}.html')}</loc></url>" for n in range(size))
        site.add(f"/sitemap-{size}.xml", Reply(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/'
                                               f'schemas/sitemap/0.9">{entries}</urlset>'.encode(),
                                               content_type="application/xml"))
    return site.start()


def crawl(site: LocalSite, count: int, cleaning_processes: int) -> dict[str, float]:
    """Crawl the local site's first `count` pages (one sitemap lists them) with the default settings but for
    politeness (no delay, no robots.txt, 16 requests at a time) and the number of cleaning processes: pages
    per second of the whole command, start-up included; the peak memory of its largest process and of all
    its processes together; and the CPU the local site took."""
    with tempfile.TemporaryDirectory() as tmp:
        outlets = Path(tmp) / "outlets.toml"
        outlets.write_text(f'[[outlets]]\nname = "localnews"\ndomains = ["127.0.0.1"]\narticle_url = "."\n'
                           f'sitemaps = ["{site.url(f"/sitemap-{count}.xml")}"]\n', encoding="utf-8")
        settings = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "16",
                    "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "ROBOTSTXT_OBEY": "False",
                    "SCRAPER_OUTLET_FILES": str(outlets), "SCRAPER_CLEAN_PROCESSES": str(cleaning_processes)}
        # resumable, as scheduled runs are: the request queue is in the run's JOBDIR on disk, not in memory
        command = [sys.executable, "-m", "scraper", "crawl", "localnews", "--out", f"{tmp}/out"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        requests_before = len(site.requests)
        site_cpu = time.process_time()
        largest = together = 0
        with (Path(tmp) / "stderr").open("w+b") as errors:
            start = time.perf_counter()
            process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=errors)
            while process.poll() is None:
                resident = [_resident_bytes(pid) for pid in _process_tree(process.pid)]
                largest, together = max(largest, *resident, 0), max(together, sum(resident))
                time.sleep(0.25)
            seconds = time.perf_counter() - start
            if process.returncode != 0:
                errors.seek(0)
                raise RuntimeError(f"the crawl failed ({process.returncode}): {errors.read()[-2000:].decode()}")
        site_cpu = time.process_time() - site_cpu
        stored = sum(len(part.read_bytes().splitlines()) for part in (Path(tmp) / "out" / "dataset").rglob("*.jsonl"))
    fetched = sum(1 for path, _ in site.requests[requests_before:] if ARTICLE_PATH.fullmatch(path))
    return {"pages": fetched, "stored": stored, "cleaning_processes": cleaning_processes, "seconds": seconds,
            "pages_per_second": fetched / seconds, "peak_rss_mb": largest / 2**20,
            "peak_rss_all_processes_mb": together / 2**20, "site_cpu_ms_per_page": 1000 * site_cpu / fetched}


def _process_tree(pid: int) -> list[int]:
    """The process and its descendants (Linux's /proc; the process alone where the kernel lists no children)."""
    tree, index = [pid], 0
    while index < len(tree):
        for children in Path(f"/proc/{tree[index]}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                tree += [int(child) for child in children.read_text().split()]
        index += 1
    return tree


def _resident_bytes(pid: int) -> int:
    """A process's resident memory (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError):
        return 0


def clean_only(pages: DistinctPages, count: int) -> float:
    """Pages per second of the cleaner alone, in this process, on the crawl's first `count` pages."""
    bodies = [pages.page(n) for n in range(count)]
    start = time.perf_counter()
    for body in bodies:
        with contextlib.suppress(CleanerError):
            clean_html(body)
    return count / (time.perf_counter() - start)


def crawl_and_clean(sizes: tuple[int, ...], rounds: int) -> dict[str, Any]:
    """Crawl + clean beside clean only, on the same pages. At the first size, in interleaved rounds (the best
    of each counts): clean only, the crawl with one cleaning process, and with the default number; the other
    sizes are crawled once with the default. The crawl's start-up is counted against it."""
    default = crawl_settings.SCRAPER_CLEAN_PROCESSES
    pages = DistinctPages([page for _, page, _, _, _ in scored_pages()])
    site = serve_pages(pages, sizes)
    try:
        best_clean = 0.0
        best: dict[int, dict[str, float]] = {}
        for _ in range(rounds):
            best_clean = max(best_clean, clean_only(pages, sizes[0]))
            for processes in sorted({1, default}):
                run = crawl(site, sizes[0], processes)
                if processes not in best or run["pages_per_second"] > best[processes]["pages_per_second"]:
                    best[processes] = run
        runs = {str(sizes[0]): best[default], **{str(size): crawl(site, size, default) for size in sizes[1:]}}
    finally:
        site.stop()
    return {"clean_only_pages_per_second": best_clean, "rounds": rounds, "cleaning_processes": default,
            "crawls": runs, "one_cleaning_process": best[1],
            # like for like: one process cleans in both
            "one_cleaning_process_vs_clean_only": best[1]["pages_per_second"] / best_clean,
            # the crawl as it runs by default, cleaning in `cleaning_processes` processes
            "default_vs_clean_only": runs[str(sizes[0])]["pages_per_second"] / best_clean}


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
    one = crawling["one_cleaning_process"]
    print(f"\n3. Crawl + clean vs clean only ({crawling['clean_only_pages_per_second']:.1f} pages/s, one process)")
    rows = [(f"{size} pages", f) for size, f in crawling["crawls"].items()]
    for label, f in [*rows, (f"{one['pages']} pages", one)]:
        print(f"{label:>12s}, {f['cleaning_processes']} cleaning: {f['pages_per_second']:6.1f} pages/s, "
              f"{f['stored']} stored, peak RSS {f['peak_rss_mb']:.0f} MB ({f['peak_rss_all_processes_mb']:.0f} MB "
              f"all processes), local site {f['site_cpu_ms_per_page']:.2f} ms CPU a page")
    print(f"crawl + clean / clean only, one cleaning process: {crawling['one_cleaning_process_vs_clean_only']:.2f}x")
    print(f"crawl + clean / clean only, {crawling['cleaning_processes']} cleaning (default): "
          f"{crawling['default_vs_clean_only']:.2f}x")
    for name, public in results.get("public", {}).items():
        print(f"\n4. Public set {name}: {public['pages']} article pages (best of {public['rounds']}, one core)")
        for extractor, f in public["extractors"].items():
            print(f"{extractor:30s} F1 {f['f1']:.3f} {f['pages_per_second']:8.1f} pages/s "
                  f"{f['speed_vs_trafilatura']:6.2f}x trafilatura default")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and pages (a smoke run)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the figures go (benchmarks/results.json)")
    parser.add_argument("--public", type=Path, metavar="DIR",
                        help="also measure on the public extraction benchmarks checked out in DIR")
    args = parser.parse_args()
    if args.public and not args.public.is_dir():
        parser.error(f"--public: no folder {args.public}")
    results = {
        "machine": machine(),
        "cleaning": quality_and_speed(rounds=1 if args.quick else 5),
        "batch": batch_jobs(pages=60 if args.quick else 600),
        "crawl": crawl_and_clean(sizes=(60, 120) if args.quick else (1000, 10000), rounds=1 if args.quick else 3),
    }
    if args.public:
        results["public"] = public_sets(args.public, rounds=1 if args.quick else 2)
    print_tables(results)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nfigures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
