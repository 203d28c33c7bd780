"""Redraw the README's screenshots with headless Chromium: `python docs/make_screenshots.py`.

The review page is `scraper review` of the recorded fixture crawls (fixtures/cassettes/) and of the
fixtures (their real pages in ../shared/pages); the health page is `scraper report` of four replayed
crawls into a fresh folder (one article per outlet, two more, the rest, then nothing new).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from scraper.fixtures import FIXTURES_DIR
from scraper.reports.browser import find_chromium, screenshot

DOCS = Path(__file__).resolve().parent
REPLAYS = (["--max-articles", "1"], ["--max-articles", "2"], [], [])


def scraper(*args: str, cwd: Path | None = None) -> None:
    subprocess.run([sys.executable, "-m", "scraper", *args], check=True, capture_output=True, cwd=cwd)


def main() -> int:
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found: install Debian's `chromium`, or set CHROMIUM", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        scraper("review", str(FIXTURES_DIR / "cassettes"), "--out", str(work / "review.html"))
        screenshot(work / "review.html", DOCS / "review.png", chromium, 1200, 900)
        scraper("review", str(FIXTURES_DIR), "--out", str(work / "review-fixtures.html"))
        screenshot(work / "review-fixtures.html", DOCS / "review-fixtures.png", chromium, 1200, 800)
        for options in REPLAYS:
            scraper("crawl", "--replay", "--out", "output", *options, cwd=work)
        scraper("report", "output", "--out", "health.html", cwd=work)
        screenshot(work / "health.html", DOCS / "health.png", chromium, 1200, 900)
    for name in ("review.png", "review-fixtures.png", "health.png"):
        print(f"{DOCS / name}: {(DOCS / name).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
