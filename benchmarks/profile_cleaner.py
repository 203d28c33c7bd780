"""Where the cleaner's time goes: cProfile over one set of pages, the functions that dominate.

    .venv/bin/python benchmarks/profile_cleaner.py [--public DIR --set NAME] [--top N] [--out FILE]

Without `--public`, the Vietnamese pages of the fixtures (the stored real pages, where ../shared/pages
is there, and the pages written for the fixtures); with it, the article pages of one public set under DIR (zyte,
trafilatura or fundus, see `scraper.public_sets`). Prints the top functions by own time and by cumulative
time, and the share of the time spent in trafilatura's extraction and in our parse of the page; `--out` keeps the raw
profile for `python -m pstats` or snakeviz.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scraper import CleanerError, clean_html  # noqa: E402
from scraper.fixtures import page_fixtures  # noqa: E402
from scraper.public_sets import public_pages  # noqa: E402


def load_pages(public: Path | None, set_name: str) -> list[tuple[bytes, str | None]]:
    """The pages to profile, as bytes and URL."""
    if public is None:
        return [(fixture.input_path.read_bytes(), fixture.url) for fixture in page_fixtures()
                if fixture.input_path.exists()]
    sets = public_pages(public, (set_name,))
    if set_name not in sets:
        raise SystemExit(f"no set {set_name!r} under {public}")
    return [(page.read(), page.url) for page in sets[set_name] if page.label == "article"]


def clean_all(pages: list[tuple[bytes, str | None]]) -> None:
    """Clean every page (a page refused as no article costs what its verdict cost)."""
    for data, url in pages:
        with contextlib.suppress(CleanerError):
            clean_html(data, url=url)


def cumulative_share(stats: pstats.Stats, function: str, file_part: str) -> float:
    """The share of the total time spent in calls of `function` (defined in a file whose path holds
    `file_part`) and everything they call."""
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in entries.values())
    inside = sum(entry[3] for (filename, _, name), entry in entries.items()
                 if name == function and file_part in filename)
    return inside / total if total else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--public", type=Path, metavar="DIR", help="profile a public set checked out in DIR")
    parser.add_argument("--set", default="fundus", choices=("zyte", "trafilatura", "fundus"),
                        help="which public set (with --public; fundus by default)")
    parser.add_argument("--top", type=int, default=25, help="how many functions to list (25)")
    parser.add_argument("--out", type=Path, help="write the raw profile here")
    args = parser.parse_args()
    if args.public and not args.public.is_dir():
        parser.error(f"--public: no folder {args.public}")
    pages = load_pages(args.public, args.set)
    clean_all(pages[:3])  # one-time costs (trafilatura's stoplists, compiled patterns) are not profiled
    profiler = cProfile.Profile()
    start = time.process_time()
    profiler.runcall(clean_all, pages)
    seconds = time.process_time() - start
    print(f"{len(pages)} pages, {seconds:.2f} s CPU under the profiler ({len(pages) / seconds:.1f} pages/s)")
    stats = pstats.Stats(profiler)
    print(f"trafilatura's extraction: {cumulative_share(stats, 'bare_extraction', '/trafilatura/'):.0%} of "
          f"the time, the parse: {cumulative_share(stats, 'parse_html', '/scraper/cleaning/'):.0%}")
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)
    if args.out:
        stats.dump_stats(str(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
