"""The measurements behind the page-type weights (`scraper.cleaning.rules.PAGE_TYPE`).

    .venv/bin/python benchmarks/page_types.py [--public DIR] [--jobs N]

For every labelled page, article or listing: the stored real pages and the pages written for the fixtures
(always), and with `--public DIR` the public sets (see scraper/public_sets.py: the Zyte, trafilatura and
fundus test pages are articles; the labelled set `fixtures/page_types.tsv` holds both kinds), it measures
each signal as the cleaner does and takes the verdict. It prints, per set and kind, the spread of each
measure (5th, 25th, 50th, 75th, 95th percentiles), the share of pages each signal speaks for and against,
and the pages the verdict gets wrong; and writes benchmarks/page_types.json. The weights were chosen on
these figures: no single signal outweighs the others on the article sets, and every listing page
is refused.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scraper.cleaning.errors import CleanerError  # noqa: E402
from scraper.cleaning.html import page_type_of  # noqa: E402
from scraper.fixtures import page_fixtures, shared_pages_dir  # noqa: E402
from scraper.public_sets import PublicPage, public_pages  # noqa: E402

RESULTS = REPO / "benchmarks" / "page_types.json"
MEASURES = ("link_density", "teaser_share", "prose_chars", "text_chars", "teasers")


def stored_pages() -> list[PublicPage]:
    """The stored real pages (their manifest says which is no article) and the fixtures' written pages."""
    pages = []
    manifest = shared_pages_dir() / "manifest.tsv"
    if manifest.exists():
        with manifest.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                label = "listing" if "NOT AN ARTICLE" in row["notes"] else "article"
                pages.append(PublicPage("stored", row["file"], shared_pages_dir() / row["file"], url=row["url"],
                                        label=label))
    for fixture in page_fixtures():
        if fixture.expected_path.parent.name == "written":
            pages.append(PublicPage("written", fixture.name, fixture.input_path, url=fixture.url,
                                    label="listing" if fixture.refused else "article"))
    return pages


def measure(page: PublicPage) -> dict[str, Any]:
    """One page's measures, verdict and each signal's weight."""
    try:
        measures, verdict = page_type_of(page.read(), url=page.url)
    except CleanerError as error:
        return {"set": page.set_name, "name": page.name, "label": page.label, "error": error.reason}
    return {
        "set": page.set_name, "name": page.name, "label": page.label, "kind": verdict.kind,
        "score": verdict.score, "sure": verdict.sure,
        "measures": {"link_density": round(measures.link_density, 3), "teaser_share": round(measures.teaser_share, 3),
                     "prose_chars": measures.prose_chars, "text_chars": measures.text_chars,
                     "teasers": measures.teasers},
        "signals": {name: weight for name, (_, weight) in verdict.signals.items()},
    }


def percentiles(values: list[float]) -> list[float]:
    ordered = sorted(values)
    return [ordered[int(share * (len(ordered) - 1))] for share in (0.05, 0.25, 0.5, 0.75, 0.95)]


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per set and kind: pages, wrong verdicts, each measure's percentiles, each signal's for and against."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        if "error" not in result:
            groups.setdefault(f"{result['set']}/{result['label']}", []).append(result)
    summary = {}
    for group, members in sorted(groups.items()):
        signals = sorted({name for member in members for name in member["signals"]})
        summary[group] = {
            "pages": len(members),
            "wrong": sorted(m["name"] for m in members if m["kind"] != m["label"]),
            "wrong_and_sure": sorted(m["name"] for m in members if m["kind"] != m["label"] and m["sure"]),
            "percentiles_5_25_50_75_95": {name: percentiles([m["measures"][name] for m in members])
                                          for name in MEASURES},
            "signals_for_article": {name: round(sum(m["signals"].get(name, 0) > 0 for m in members) / len(members), 3)
                                    for name in signals},
            "signals_against": {name: round(sum(m["signals"].get(name, 0) < 0 for m in members) / len(members), 3)
                                for name in signals},
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--public", type=Path, help="a folder of the public sets (see scraper/public_sets.py)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    pages = stored_pages()
    if args.public:
        pages += [page for found in public_pages(args.public).values() for page in found]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(measure, pages, chunksize=8))
    summary = summarize(results)
    for group, figures in summary.items():
        print(f"{group}: {figures['pages']} pages, {len(figures['wrong'])} judged wrong "
              f"({len(figures['wrong_and_sure'])} of them sure)")
        for name, values in figures["percentiles_5_25_50_75_95"].items():
            print(f"    {name:13s} " + " ".join(f"{value:>8}" for value in values))
        for name in figures["signals_for_article"]:
            print(f"    {name:13s} for {figures['signals_for_article'][name]:5.1%}  "
                  f"against {figures['signals_against'][name]:5.1%}")
        for name in figures["wrong"]:
            print(f"    wrong: {name}")
    RESULTS.write_text(json.dumps({"summary": summary}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written: {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
