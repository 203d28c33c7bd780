"""The review and health pages as a real browser renders them: headless Chromium opens each from a
local file, runs its script, and the test reads the DOM it rendered (and a screenshot it drew).

Under CI (`CI` set) or with SCRAPER_REQUIRE_BROWSER=1 a missing Chromium fails these tests; elsewhere
they skip and say why."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from lxml.html import document_fromstring

from scraper.fixtures import FIXTURES_DIR
from scraper.reports.browser import find_chromium, rendered_dom, screenshot
from scraper.reports.health import outlet_history, write_health
from scraper.reports.review import write_review
from scraper.storage.manifest import read_manifests

pytestmark = pytest.mark.slow  # every test here runs crawls, servers or a browser: see the README


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium binary; its absence fails the test under CI, and skips it elsewhere."""
    binary = find_chromium()
    if binary:
        return binary
    message = "no Chromium found (install Debian's `chromium`, or set CHROMIUM to the binary)"
    if os.environ.get("CI") or os.environ.get("SCRAPER_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def test_review_page_as_rendered(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "review.html"
    reviewed, _ = write_review([FIXTURES_DIR / "seeds", FIXTURES_DIR / "cassettes"], page)
    removed = sum(len(r.removed) for r in reviewed)
    tree = document_fromstring(rendered_dom(page, chromium))
    assert len(tree.cssselect("section.page")) == len(reviewed) == 10
    assert len(tree.cssselect("section.page .block.removed")) == removed
    assert len(tree.cssselect("section.page .block.kept")) == sum(len(r.kept) for r in reviewed)
    # the page's script ran in the browser and counted what it drew
    assert tree.get_element_by_id("summary").text_content() == f"10 pages, {removed} removed blocks"
    names = [a.text_content() for a in tree.cssselect("table a")]
    assert names == [s.get("data-name") for s in tree.cssselect("section.page")]


def test_health_page_as_rendered(chromium: str, tmp_path: Path, replayed_output: Path) -> None:
    page = tmp_path / "health.html"
    write_health(replayed_output, page)
    history = outlet_history(read_manifests(replayed_output))
    tree = document_fromstring(rendered_dom(page, chromium))
    sections = tree.cssselect("section.outlet")
    assert [s.get("data-outlet") for s in sections] == list(history)
    for section in sections:
        runs = history[section.get("data-outlet")]
        expected = [f"{run.empty_or_short:.3f}" for run in runs if run.empty_or_short is not None]
        chart = section.cssselect("svg.chart")[0]
        assert chart.get("data-series") == "empty_or_short_share"
        assert [c.get("data-value") for c in chart.cssselect("circle.point")] == expected
        assert len(chart.cssselect("polyline.series")[0].get("points").split()) == len(expected)
    totals = tree.cssselect("svg.chart")[0]  # every outlet together, one point per run that cleaned pages
    assert len(totals.cssselect("circle.point")) == 1


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshots_are_drawn(chromium: str, tmp_path: Path, replayed_output: Path) -> None:
    """The same browser draws the README's screenshots (docs/make_screenshots.py)."""
    page = tmp_path / "health.html"
    write_health(replayed_output, page)
    png = screenshot(page, tmp_path / "health.png", chromium, width=800, height=600)
    assert _png_size(png) == (800, 600)
    assert png.stat().st_size > 10_000  # a drawn page, not a blank one
