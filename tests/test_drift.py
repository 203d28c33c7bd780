"""The layout-drift alarm, on the stored real Dân Trí pages: three runs as published, then a run in which
the outlet's new layout leaves the article body empty (as a page whose body a script fills in)."""

from __future__ import annotations

from pathlib import Path

import pytest
from localsite import LocalSite, Reply, rss
from lxml import html
from test_crawl import FAST, manifest_of, scraper

from scraper.drift import DRIFT_EXIT_STATUS, layout_drift
from scraper.fixtures import shared_pages_dir

BODY = '//div[contains(concat(" ", @class, " "), " singular-content ")]'


def emptied_body(page: bytes) -> bytes:
    """The page as a layout that renders the body by script would serve it."""
    tree = html.fromstring(page)
    for body in tree.xpath(BODY):
        for child in list(body):
            body.remove(child)
        body.text = "Nội dung đang được tải..."
    return html.tostring(tree, encoding="utf-8")


@pytest.mark.slow
def test_a_jump_in_empty_or_short_texts_raises_the_alarm(tmp_path: Path, shared_pages: None) -> None:
    pages = [path.read_bytes() for path in sorted((shared_pages_dir() / "dantri").glob("*_trimmed.html"))]
    assert len(pages) >= 20
    site = LocalSite().start()
    feeds = []
    for run in range(4):
        urls = [f"/lan-{run}/bai-20221224{n:05d}.html" for n in range(len(pages))]
        for url, page in zip(urls, pages, strict=True):
            site.add(url, Reply(emptied_body(page) if run == 3 else page))
        feeds.append(Reply(rss([(site.url(url), "") for url in urls])))
    site.add("/rss.xml", *feeds)
    outlets = tmp_path / "outlets.toml"  # the trimmed pages show no date: it is in the URL, as on Dân Trí
    outlets.write_text(f'[[outlets]]\nname = "localnews"\ndomains = ["127.0.0.1"]\nfeeds = ["{site.url("/rss.xml")}"]\n'
                       "published_in_url = '-(?P<y>\\d{4})(?P<m>\\d{2})(?P<d>\\d{2})\\d+\\.html$'\n",
                       encoding="utf-8")
    command = ("crawl", "localnews", "--out", str(tmp_path / "out"), "-s", f"SCRAPER_OUTLET_FILES={outlets}", *FAST)
    try:
        usual = [manifest_of(scraper(*command))["outlets"]["localnews"]["layout_drift"] for _ in range(3)]
        drifted = scraper(*command)
    finally:
        site.stop()
    assert all(not run["alarm"] and run["article_pages"] == len(pages) for run in usual), usual
    assert [run["baseline_runs"] for run in usual] == [0, 1, 2]
    assert 0 < usual[0]["short_or_empty_share"] < 0.2  # a few pages are short as published
    figures = manifest_of(drifted, status=DRIFT_EXIT_STATUS)["outlets"]["localnews"]["layout_drift"]
    assert figures["alarm"] and figures["baseline_runs"] == 3
    assert figures["baseline_share"] == usual[0]["short_or_empty_share"]
    assert figures["short_or_empty_share"] > 0.7
    warning = f"warning: layout drift at localnews: {figures['short_or_empty']} of {len(pages)} article pages came"
    assert warning in drifted.stdout
    assert manifest_of(drifted, status=DRIFT_EXIT_STATUS)["layout_drift_alarms"] == ["localnews"]


def test_the_alarm_needs_enough_pages_and_runs() -> None:
    def runs(*shares: float) -> list[dict]:
        return [{"outlets": {"x": {"layout_drift": {"article_pages": 20, "short_or_empty_share": s}}}} for s in shares]

    limits = {"history": 10, "min_runs": 3, "min_pages": 10, "jump": 0.25}
    assert layout_drift(20, 18, runs(0.1, 0.1, 0.0), "x", **limits)["alarm"]
    assert not layout_drift(20, 18, runs(0.1, 0.1), "x", **limits)["alarm"]  # too few runs to compare
    assert not layout_drift(9, 9, runs(0.1, 0.1, 0.0), "x", **limits)["alarm"]  # too few pages
    assert not layout_drift(20, 6, runs(0.1, 0.1, 0.0), "x", **limits)["alarm"]  # 0.30 against 0.10: no jump
    assert layout_drift(20, 18, runs(0.9, *[0.1] * 10), "x", **limits)["baseline_share"] == 0.1  # the latest 10
    assert layout_drift(0, 0, [], "x", **limits) == {
        "article_pages": 0, "short_or_empty": 0, "short_or_empty_share": 0.0, "baseline_share": None,
        "baseline_runs": 0, "alarm": False}


def test_earlier_runs_whose_figures_are_not_numbers_are_left_out() -> None:
    limits = {"history": 10, "min_runs": 2, "min_pages": 10, "jump": 0.25}
    good = {"article_pages": 20, "short_or_empty_share": 0.1}
    sections = [good, good, {"article_pages": "20", "short_or_empty_share": 0.1},
                {"article_pages": 20, "short_or_empty_share": "abc"}, {"article_pages": 20}, "drift", None]
    runs = [{"outlets": {"x": {"layout_drift": section}}} for section in sections]
    figures = layout_drift(20, 18, runs, "x", **limits)
    assert figures["baseline_runs"] == 2 and figures["baseline_share"] == 0.1 and figures["alarm"]


@pytest.mark.slow
def test_a_crawl_beside_malformed_manifests_writes_its_own(tmp_path: Path) -> None:
    """Files in runs/ that are no manifests are skipped with a warning: the crawl still writes its manifest."""
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    bad = {"a.json": "{not json", "b.json": "[]", "c.json": "{}",
           "d.json": '{"run_id": "d", "outlets": {"vov": {"layout_drift": {"article_pages": "x"}}}}'}
    for name, text in bad.items():
        (out / "runs" / name).write_text(text, encoding="utf-8")
    result = scraper("crawl", "--replay", "vov", "--out", str(out))
    manifest = manifest_of(result)
    assert manifest["outlets"]["vov"]["stored"] == 1 and "layout_drift" in manifest["outlets"]["vov"]
    for name in ("a.json", "b.json", "c.json"):
        assert f"skipping run manifest {out / 'runs' / name}: " in result.stderr
