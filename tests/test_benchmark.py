"""The benchmark ran and produced every figure (its presence, not its speed: these machines are
shared and noisy), and the script still runs."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scraper import clean_html
from scraper.neardup import signature, similarity
from scraper.settings import SCRAPER_NEAR_DUPLICATE_THRESHOLD

REPO = Path(__file__).resolve().parent.parent

REQUIRED_EXTRACTORS = ("scraper", "trafilatura default", "trafilatura comments off", "trafilatura favor_precision",
                       "readability-lxml",
                       "jusText (Vietnamese)", "lxml parse only")


def check_figures(results: dict, sizes: tuple[str, ...], extractors: tuple[str, ...]) -> None:
    assert results["machine"]["cores"] >= 1 and results["machine"]["cpu"]
    cleaning = results["cleaning"]["extractors"]
    for name in extractors:
        figures = cleaning[name]
        assert figures["pages_per_second"] > 0 and figures["speed_vs_trafilatura"] > 0
        if name != "lxml parse only":
            assert 0 <= figures["f1"] <= 1 and 0 <= figures["boilerplate_removed"] <= 1
    assert cleaning["trafilatura default"]["speed_vs_trafilatura"] == 1.0
    jobs = results["batch"]["jobs"]
    assert sorted(jobs, key=int) == [str(n) for n in range(1, results["batch"]["cores"] + 1)]
    assert all(f["pages_per_second"] > 0 for f in jobs.values())
    crawling = results["crawl"]
    runs = [crawling["crawls"][size] for size in sizes] + [crawling["one_cleaning_process"]]
    for run, size in zip(runs, [*sizes, sizes[0]], strict=True):
        assert run["pages"] == int(size)
        assert 0 < run["stored"] <= run["pages"]  # every page is an article of its own text, most have a date
        assert run["pages_per_second"] > 0 and run["site_cpu_ms_per_page"] > 0
        assert 0 < run["peak_rss_mb"] < run["peak_rss_all_processes_mb"]  # the crawl's and its cleaners
    assert crawling["one_cleaning_process"]["cleaning_processes"] == 1
    assert all(crawling["crawls"][size]["cleaning_processes"] == crawling["cleaning_processes"] for size in sizes)
    assert crawling["clean_only_pages_per_second"] > 0
    assert crawling["default_vs_clean_only"] > 0 and crawling["one_cleaning_process_vs_clean_only"] > 0


def test_the_recorded_results_hold_every_figure() -> None:
    results = json.loads((REPO / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    check_figures(results, ("1000", "10000"), (*REQUIRED_EXTRACTORS, "resiliparse"))


@pytest.mark.slow
def test_the_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = subprocess.run([sys.executable, "benchmarks/run.py", "--quick", "--out", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    installed = tuple(n for n in REQUIRED_EXTRACTORS if n not in results["cleaning"]["not_installed"])
    check_figures(results, ("60", "120"), installed)
    assert "vs trafilatura" in result.stdout


@pytest.mark.slow
def test_the_crawled_pages_each_have_a_text_of_their_own() -> None:
    """The crawl benchmark's site: copies of one page clean to different texts, none a near-duplicate of
    another, about as long as the page's own text (so each costs what the page costs to clean)."""
    spec = importlib.util.spec_from_file_location("benchmark_run", REPO / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    sources = [page for _, page, _, _, _ in benchmark.scored_pages()]
    pages = benchmark.DistinctPages(sources)
    unvaried = 0
    for source in range(len(sources)):
        original = clean_html(sources[source]).text
        copies = [clean_html(pages.page(source + copy * len(sources))).text for copy in range(3)]
        if len(set(copies)) == 1:  # no paragraph long enough to vary in its text (vnexpress_4, ngoisao_1)
            unvaried += 1
            continue
        assert len(set(copies)) == 3
        for first, second in [(original, copies[0]), (copies[0], copies[1]), (copies[1], copies[2])]:
            assert similarity(signature(first), signature(second)) < SCRAPER_NEAR_DUPLICATE_THRESHOLD
        assert all(0.75 < len(copy) / len(original) < 1.33 for copy in copies)
    assert unvaried <= 2
