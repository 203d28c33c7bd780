"""Every fixture, compared with the output a person decided is right (fixtures/README.md)."""

from __future__ import annotations

import pytest

from scraper import CleanerError, clean_html, clean_text
from scraper.evaluation import evaluate, overall, token_scores
from scraper.fixtures import page_fixtures, seed_fixtures
from scraper.outlets import builtin_outlets
from scraper.regression import approved_output, cleaned_output, describe_changes

SEEDS = list(seed_fixtures())
PAGES = list(page_fixtures())
ARTICLE_PAGES = [f for f in PAGES if not f.refused]
# Recorded floors: the overall token F1 on the page fixtures may not fall below this, and no page below its own.
PAGES_F1_FLOOR = 0.97
PAGE_F1_FLOOR = 0.60
OUTLETS = builtin_outlets()


def test_there_is_a_fixture_for_every_outlet_with_pages() -> None:
    outlets = {f.expected_path.parent.name for f in PAGES}
    assert {"vnexpress", "znews", "bongdaplus", "dantri", "genk", "ngoisao", "soha", "thanhnien", "xinhxinh",
            "zingnews"} <= outlets
    assert len(SEEDS) == 5


@pytest.mark.parametrize("fixture", SEEDS, ids=lambda f: f.name)
def test_seed_is_cleaned_exactly(fixture) -> None:
    got = clean_text(fixture.read_input().decode("utf-8")).splitlines()
    expected = fixture.expected["text"].splitlines()
    lost = [line for line in expected if line not in got]
    left = [line for line in got if line not in expected]
    assert not lost, f"body lines lost: {lost}"
    assert not left, f"boilerplate lines left: {left}"
    assert got == expected


@pytest.mark.parametrize("fixture", SEEDS, ids=lambda f: f.name)
def test_clean_text_is_idempotent(fixture) -> None:
    once = clean_text(fixture.read_input().decode("utf-8"))
    assert clean_text(once) == once


@pytest.mark.parametrize("fixture", PAGES, ids=lambda f: f.name)
def test_page_gives_its_approved_output(fixture, shared_pages) -> None:
    """What `scraper fixture check` holds each page to: the expected record, with the accepted output
    laid over it where the cleaner knowingly falls short."""
    changes = describe_changes(approved_output(fixture), cleaned_output(fixture, OUTLETS))
    assert not changes, "\n".join(changes)


@pytest.mark.parametrize("fixture", [f for f in ARTICLE_PAGES if f.accepted], ids=lambda f: f.name)
def test_accepted_shortfalls_stay_small(fixture, shared_pages) -> None:
    """An accepted output is a known shortfall, not a new truth: its text stays close to the expected
    text, and the title, lead and date are never traded away."""
    assert set(fixture.accepted) <= {"text", "author", "source", "published"}, fixture.accepted
    if "text" in fixture.accepted:
        assert token_scores(fixture.accepted["text"], fixture.expected["text"])[2] >= PAGE_F1_FLOOR
    if "published" in fixture.accepted and fixture.expected["published"]:
        assert fixture.accepted["published"][:10] == fixture.expected["published"][:10]


@pytest.mark.parametrize("fixture", [f for f in PAGES if f.refused], ids=lambda f: f.name)
def test_non_article_page_is_refused(fixture, shared_pages) -> None:
    with pytest.raises(CleanerError) as error:
        clean_html(fixture.read_input(), url=fixture.url)
    assert error.value.reason == fixture.refused


def test_quality_floor_and_baseline(shared_pages) -> None:
    reports = evaluate(ARTICLE_PAGES + SEEDS)
    ours, baseline = overall(reports, "scraper", "pages"), overall(reports, "trafilatura", "pages")
    assert ours.f1 >= PAGES_F1_FLOOR, f"page F1 {ours.f1:.3f} fell below the floor {PAGES_F1_FLOOR}"
    assert ours.f1 > baseline.f1
    seeds = overall(reports, "scraper", "seeds")
    assert seeds.f1 == 1.0 and seeds.boilerplate_removed == 1.0
