"""The cleaner on the public extraction benchmarks, against plain trafilatura in the same run: few real
articles refused, F1 no lower, no holes. The sets are not in the repository: set SCRAPER_PUBLIC_DIR to a
folder of their checkouts (see scraper/public_sets.py) to run these tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scraper.evaluation import SetReport, evaluate_public

PUBLIC = os.environ.get("SCRAPER_PUBLIC_DIR")
pytestmark = pytest.mark.skipif(not PUBLIC, reason="set SCRAPER_PUBLIC_DIR to a folder of the public sets "
                                                   "(see scraper/public_sets.py) to run these tests")
MOST_REFUSED = {"zyte": 1, "trafilatura": 5, "fundus": 0}  # real articles refused, at most


@pytest.fixture(scope="module")
def reports() -> dict[str, SetReport]:
    return {report.name: report for report in evaluate_public(Path(PUBLIC or "."), jobs=2)}


@pytest.mark.parametrize("name", sorted(MOST_REFUSED))
def test_few_articles_are_refused_and_f1_is_not_below_trafilatura(reports: dict[str, SetReport], name: str) -> None:
    report = reports[name]
    assert len(report.refused) <= MOST_REFUSED[name], report.refused
    assert report.f1["scraper"] >= report.f1["trafilatura"], report.f1


@pytest.mark.parametrize("name", sorted(MOST_REFUSED))
def test_no_line_has_a_hole(reports: dict[str, SetReport], name: str) -> None:
    assert reports[name].holes == 0


def test_labelled_listing_pages_are_refused_and_their_articles_are_not(reports: dict[str, SetReport]) -> None:
    if "vn-pages" not in reports:
        pytest.skip("no labelled pages (vn-pages/) in SCRAPER_PUBLIC_DIR")
    report = reports["vn-pages"]
    assert report.listings_refused == report.listings and report.refused == []
