"""Crawls end to end, in a subprocess each (Scrapy's reactor runs once per process): replays of the
recorded fixture crawls, and live crawls of a local site on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from localsite import LocalSite, Reply, article_page, numbered_paragraphs, rss

from scraper import settings as project_settings
from scraper.dataset import RECORD_FIELDS, schema_errors
from scraper.fixtures import FIXTURES_DIR, page_fixtures, seed_fixtures
from scraper.outlets import builtin_outlets, outlet_for_url
from scraper.regression import PAGE_FIELDS, approved_output
from scraper.sites import SEED_OUTLETS, build_page_cassettes, read_records
from scraper.urls import canonicalize_url

pytestmark = pytest.mark.slow  # every test here runs crawls, servers or a browser: see the README

REPO = Path(__file__).resolve().parent.parent
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "SCRAPER_RETRY_BACKOFF_BASE=0.05"]


def scraper(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scraper", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def manifest_of(result: subprocess.CompletedProcess[str], status: int = 0) -> dict[str, Any]:
    assert result.returncode == status, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("manifest: "))
    return json.loads(Path(line.removeprefix("manifest: ")).read_text(encoding="utf-8"))


records = read_records


def seed_lines(prefix: str) -> list[str]:
    fixture = next(f for f in seed_fixtures() if f.name.startswith(f"seeds/{prefix}"))
    return fixture.expected["text"].splitlines()


# Replays of the committed fixture crawls ---------------------------------------------------------

@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """The committed cassettes replayed twice into one output folder."""
    out = tmp_path_factory.mktemp("replay")
    first = manifest_of(scraper("crawl", "--replay", *SEED_OUTLETS, "--out", str(out)))
    second = scraper("crawl", "--replay", *SEED_OUTLETS, "--out", str(out))
    return out, first, {"result": second, "manifest": manifest_of(second)}


def test_replay_makes_the_expected_records(replayed: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    out, _, _ = replayed
    got = {r["outlet"]: r for r in records(out)}
    expected_path = FIXTURES_DIR / "cassettes" / "expected.jsonl"
    expected = {r["outlet"]: r for r in map(json.loads, expected_path.read_text(encoding="utf-8").splitlines())}
    assert set(got) == set(SEED_OUTLETS) == set(expected)
    for outlet, record in got.items():
        assert {k: v for k, v in record.items() if k != "fetched_at"} == expected[outlet]
        assert record["text"].splitlines() == seed_lines(SEED_OUTLETS[outlet]), outlet


def test_replay_records_are_valid_and_complete(replayed: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    out, manifest, _ = replayed
    for record in records(out):
        assert schema_errors(record) is None
        assert tuple(record) == RECORD_FIELDS
        assert record["title"] and record["text"] and record["published"] and record["url"]
        assert record["published"].endswith("+07:00")
    for outlet in SEED_OUTLETS:
        figures = manifest["outlets"][outlet]
        assert figures["stored"] == figures["found"] == 1 and figures["errors"] == 0, figures
        assert figures["layout_drift"]["short_or_empty"] == 0
        assert figures["replay"] is True and figures["finish_reason"] == "finished"
        assert len(figures["files"]) == 1


def test_second_replay_adds_nothing_and_says_so(replayed: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    out, _, second = replayed
    assert len(records(out)) == len(SEED_OUTLETS)
    assert second["manifest"]["totals"]["stored"] == 0
    assert second["manifest"]["totals"]["fetched"] == 0
    assert "no new records" in second["result"].stdout
    for figures in second["manifest"]["outlets"].values():
        assert figures["skipped"] == {"already_stored": 1}


def test_dataset_is_partitioned_by_outlet_and_date(replayed: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    out, _, _ = replayed
    for path in (out / "dataset").rglob("*.jsonl"):
        record = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
        assert path.parent.name == f"date={record['published'][:10]}"
        assert path.parent.parent.name == f"outlet={record['outlet']}"
    assert not list(out.rglob("*.tmp")), "no temporary file is left behind"


def test_replay_of_the_stored_real_pages(tmp_path: Path, shared_pages: None) -> None:
    """Cassettes built from ../shared/pages and the pages written for an outlet: every article page makes
    its expected record; the category page the sources list too is no article URL of the outlet and is
    never requested."""
    cassettes = tmp_path / "cassettes"
    outlets = [path.stem for path in build_page_cassettes(cassettes)]
    out = tmp_path / "out"
    manifest = manifest_of(scraper("crawl", "--replay", *outlets, "--cassettes", str(cassettes), "--out", str(out)))
    by_url = {r["url"]: r for r in records(out)}
    articles = [f for f in page_fixtures() if not f.refused and not f.in_cassette
                and outlet_for_url(f.url or "")]
    assert len(by_url) == len(articles)
    for fixture in articles:  # the crawl makes what `scraper fixture check` holds each page to
        record = by_url[fixture.url]
        assert schema_errors(record) is None
        assert {k: record[k] for k in PAGE_FIELDS} == approved_output(fixture), fixture.name
    assert manifest["outlets"]["vnexpress"]["skipped"] == {}
    assert manifest["outlets"]["vnexpress"]["requested"] == len([f for f in articles
                                                                 if f.expected_path.parent.name == "vnexpress"])
    assert manifest["totals"]["errors"] == 0
    short = {f.expected_path.parent.name for f in articles
             if len(approved_output(f)["text"].split()) < project_settings.SCRAPER_SHORT_TEXT_WORDS}
    assert short and {name for name, figures in manifest["outlets"].items()
                      if figures["layout_drift"]["short_or_empty"]} == short


def test_replay_reports_what_the_cassette_lacks(tmp_path: Path) -> None:
    """A request the cassette does not hold is listed in the manifest, and never sent anywhere."""
    from scraper.cassettes import read_cassette, write_cassette

    source = FIXTURES_DIR / "cassettes" / "vov.yaml"
    kept = [i for i in read_cassette(source) if not i.url.endswith(".vov")]
    write_cassette(tmp_path / "cassettes" / "vov.yaml", kept)
    result = scraper("crawl", "--replay", "vov", "--cassettes", str(tmp_path / "cassettes"), "--out",
                     str(tmp_path / "out"))
    manifest = manifest_of(result, status=1)  # nothing stored and errors: a scheduled job sees it
    assert "1 errors" in result.stdout
    figures = manifest["outlets"]["vov"]
    assert figures["stored"] == 0 and figures["errors_by_reason"] == {"not_in_cassette": 1}
    assert figures["failures"][0]["url"].endswith("-post1043210.vov")


def test_scrapy_crawl_is_the_same_crawl(tmp_path: Path) -> None:
    """`scrapy crawl vov` (through scrapy.cfg) with the settings `--replay` stands for makes the same record."""
    ours = tmp_path / "ours"
    manifest_of(scraper("crawl", "--replay", "vov", "--out", str(ours)))
    theirs = tmp_path / "theirs"
    settings = {"HTTPCACHE_ENABLED": "True", "HTTPCACHE_IGNORE_MISSING": "True", "SCRAPER_CASSETTE_MODE": "replay",
                "SCRAPER_CASSETTE_DIRS": str(FIXTURES_DIR / "cassettes"), "SCRAPER_OUTPUT_DIR": str(theirs)}
    command = [sys.executable, "-m", "scrapy", "crawl", "vov", "-L", "WARNING"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    strip = lambda rs: [{k: v for k, v in r.items() if k != "fetched_at"} for r in rs]  # noqa: E731
    assert strip(records(theirs)) == strip(records(ours)) and records(ours)
    assert len(list((theirs / "runs").glob("*.json"))) == 1


# Live crawls of a local site ------------------------------------------------------------------------

@pytest.fixture
def site() -> Iterator[LocalSite]:
    served = LocalSite().start()
    yield served
    served.stop()


def outlet_file(tmp_path: Path, site: LocalSite, **sources: list[str]) -> Path:
    lines = ["[[outlets]]", 'name = "localnews"', 'title = "Tin Địa Phương"', 'domains = ["127.0.0.1"]',
             r"article_url = '-\d+\.html$'", 'pagination = "{base}/trang-{page}.html"']
    lines += [f"{kind} = {json.dumps([site.url(p) for p in paths])}" for kind, paths in sources.items()]
    path = tmp_path / "outlets.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crawl_local(tmp_path: Path, outlets: Path, *args: str, status: int = 0) -> dict[str, Any]:
    return manifest_of(scraper("crawl", "localnews", "--out", str(tmp_path / "out"), "-s",
                               f"SCRAPER_OUTLET_FILES={outlets}", *FAST, *args), status)


def add_article(site: LocalSite, path: str, seed: str, published: str = "2023-09-14T08:05:00+07:00",
                canonical: str | None = None) -> None:
    lines = seed_lines(seed)
    site.add(path, Reply(article_page(f"Bài {seed}", lines, published, canonical)))


def test_robots_txt_disallow_is_honoured(tmp_path: Path, site: LocalSite) -> None:
    site.add("/robots.txt", Reply(b"User-agent: *\nDisallow: /rieng/\n", content_type="text/plain"))
    site.add("/rss.xml", Reply(rss([(site.url("/tin/a-1.html"), ""), (site.url("/rieng/b-2.html"), "")])))
    add_article(site, "/tin/a-1.html", "000")
    add_article(site, "/rieng/b-2.html", "001")
    manifest = crawl_local(tmp_path, outlet_file(tmp_path, site, feeds=["/rss.xml"]))
    assert [r["url"] for r in records(tmp_path / "out")] == [site.url("/tin/a-1.html")]
    assert site.requested("/rieng/b-2.html") == 0
    assert manifest["outlets"]["localnews"]["skipped"] == {"robots_disallowed": 1}


def test_503_then_200_is_retried_after_retry_after(tmp_path: Path, site: LocalSite) -> None:
    site.add("/rss.xml", Reply(rss([(site.url("/tin/a-1.html"), "")])))
    lines = seed_lines("002")
    site.add("/tin/a-1.html", Reply(b"busy", 503, headers={"Retry-After": "1"}),
             Reply(article_page("Bài 002", lines, "2023-09-13T16:45:00+07:00")))
    manifest = crawl_local(tmp_path, outlet_file(tmp_path, site, feeds=["/rss.xml"]))
    assert len(records(tmp_path / "out")) == 1
    times = [t for p, t in site.requests if p == "/tin/a-1.html"]
    assert len(times) == 2 and times[1] - times[0] >= 0.9, "the retry waited as Retry-After asked"
    assert manifest["outlets"]["localnews"]["errors"] == 0


def test_429_gives_up_after_the_retries_and_lists_the_url(tmp_path: Path, site: LocalSite) -> None:
    site.add("/rss.xml", Reply(rss([(site.url("/tin/a-1.html"), "")])))
    site.add("/tin/a-1.html", Reply(b"slow down", 429, headers={"Retry-After": "0"}))
    manifest = crawl_local(tmp_path, outlet_file(tmp_path, site, feeds=["/rss.xml"]), "-s", "RETRY_TIMES=2",
                           status=1)
    assert site.requested("/tin/a-1.html") == 3
    figures = manifest["outlets"]["localnews"]
    assert figures["errors_by_reason"] == {"http_429": 1}
    assert figures["failures"] == [{"url": site.url("/tin/a-1.html"), "reason": "http_429",
                                    "detail": figures["failures"][0]["detail"]}]


def test_canonical_urls_deduplicate(tmp_path: Path, site: LocalSite) -> None:
    """Tracking parameters, fragments and AMP variants are one article; a copy under another URL whose
    canonical link names the article is a duplicate."""
    article = site.url("/tin/a-1.html")
    listed = [article + "?utm_source=rss&utm_medium=feed", article + "#binh-luan", site.url("/amp/tin/a-1.html"),
              site.url("/tin/ban-sao-9.html")]
    site.add("/rss.xml", Reply(rss([(u, "") for u in listed])))
    add_article(site, "/tin/a-1.html", "003")
    add_article(site, "/tin/ban-sao-9.html", "003", canonical=article)
    manifest = crawl_local(tmp_path, outlet_file(tmp_path, site, feeds=["/rss.xml"]))
    stored = records(tmp_path / "out")
    assert [r["canonical_url"] for r in stored] == [canonicalize_url(article)]  # whichever copy came first
    assert site.requested("/tin/a-1.html") == 1 and site.requested("/amp/tin/a-1.html") == 0
    figures = manifest["outlets"]["localnews"]
    assert figures["found"] == 2 and figures["duplicates"] == 1 and figures["stored"] == 1


def test_second_run_fetches_only_what_is_new(tmp_path: Path, site: LocalSite) -> None:
    site.add("/rss.xml", Reply(rss([(site.url("/tin/a-1.html"), "")])),
             Reply(rss([(site.url("/tin/b-2.html"), ""), (site.url("/tin/a-1.html"), "")])))
    add_article(site, "/tin/a-1.html", "000")
    add_article(site, "/tin/b-2.html", "004")
    outlets = outlet_file(tmp_path, site, feeds=["/rss.xml"])
    crawl_local(tmp_path, outlets)
    manifest = crawl_local(tmp_path, outlets)
    assert site.requested("/tin/a-1.html") == 1 and site.requested("/tin/b-2.html") == 1
    assert len(records(tmp_path / "out")) == 2
    assert manifest["outlets"]["localnews"]["skipped"] == {"already_stored": 1}
    assert manifest["outlets"]["localnews"]["stored"] == 1


def test_since_skips_older_articles_before_fetching(tmp_path: Path, site: LocalSite) -> None:
    site.add("/rss.xml", Reply(rss([(site.url("/tin/cu-1.html"), "Mon, 11 Sep 2023 09:00:00 +0700"),
                                    (site.url("/tin/moi-2.html"), "Fri, 15 Sep 2023 09:00:00 +0700")])))
    add_article(site, "/tin/cu-1.html", "000", "2023-09-11T09:00:00+07:00")
    add_article(site, "/tin/moi-2.html", "001", "2023-09-15T09:00:00+07:00")
    manifest = crawl_local(tmp_path, outlet_file(tmp_path, site, feeds=["/rss.xml"]), "--since", "2023-09-14")
    assert site.requested("/tin/cu-1.html") == 0
    assert [r["url"] for r in records(tmp_path / "out")] == [site.url("/tin/moi-2.html")]
    assert manifest["since"] == "2023-09-14" and manifest["outlets"]["localnews"]["skipped"] == {"before_since": 1}


def test_category_pages_sitemap_index_and_non_articles(tmp_path: Path, site: LocalSite) -> None:
    """Category pages are followed to page 2 by the outlet's pagination; a sitemap index leads to its
    gzip-compressed child; a non-article page is fetched once, refused, and not fetched again."""
    import gzip

    category = (f'<html><body><a href="/">Trang chủ</a><a href="{site.url("/tin/a-1.html")}">A</a>'
                '<a href="/thoi-su">Thời sự</a></body></html>').encode()
    site.add("/thoi-su.html", Reply(category))
    site.add("/thoi-su/trang-2.html", Reply(b'<html><body><a href="/tin/b-2.html">B</a></body></html>'))
    site.add("/thoi-su/trang-3.html", Reply(b"<html><body>het</body></html>"))
    index = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f'<sitemap><loc>{site.url("/sitemap-1.xml.gz")}</loc></sitemap></sitemapindex>').encode()
    child = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f'<url><loc>{site.url("/tin/c-3.html")}</loc></url><url><loc>{site.url("/chuyen-muc-4.html")}</loc>'
             f"</url></urlset>").encode()
    site.add("/sitemap.xml", Reply(index, content_type="application/xml"))
    site.add("/sitemap-1.xml.gz", Reply(gzip.compress(child), content_type="application/x-gzip"))
    add_article(site, "/tin/a-1.html", "000")
    add_article(site, "/tin/b-2.html", "001")
    add_article(site, "/tin/c-3.html", "002")
    site.add("/chuyen-muc-4.html", Reply(category))
    outlets = outlet_file(tmp_path, site, categories=["/thoi-su.html"], sitemaps=["/sitemap.xml"])
    manifest = crawl_local(tmp_path, outlets)
    assert sorted(r["url"].rsplit("/", 1)[1] for r in records(tmp_path / "out")) == ["a-1.html", "b-2.html",
                                                                                   "c-3.html"]
    assert manifest["outlets"]["localnews"]["skipped"] == {"not_article": 1}
    again = crawl_local(tmp_path, outlets)
    assert site.requested("/chuyen-muc-4.html") == 1
    assert again["outlets"]["localnews"]["skipped"] == {"already_stored": 3, "refused_before": 1}


def test_a_gone_category_page_loses_nothing_robots_sitemaps_and_the_home_page_list_the_articles(
        tmp_path: Path, site: LocalSite) -> None:
    """The outlet names one category page, which answers 404; robots.txt names a sitemap listing two
    articles and the home page links a third: every article is found, and the manifest says which source
    listed how many; links that are no article URL of the outlet are not followed."""
    site.add("/robots.txt", Reply(f"User-agent: *\nDisallow: /tim-kiem\nSitemap: {site.url('/sitemap-news.xml')}\n"
                                  .encode(), content_type="text/plain"))
    site.add("/sitemap-news.xml", Reply(
        (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         f'<url><loc>{site.url("/tin/a-1.html")}</loc></url><url><loc>{site.url("/tin/b-2.html")}</loc></url>'
         f'<url><loc>{site.url("/gioi-thieu")}</loc></url></urlset>').encode(), content_type="application/xml"))
    site.add("/", Reply(f'<html><body><a href="/thoi-su">Thời sự</a><a href="{site.url("/tin/c-3.html")}">C</a>'
                        f'<a href="/tin/a-1.html">A</a></body></html>'.encode()))
    site.add("/thoi-su.html", Reply(b"gone", 404))
    for path, seed in (("/tin/a-1.html", "000"), ("/tin/b-2.html", "001"), ("/tin/c-3.html", "002")):
        add_article(site, path, seed)
    manifest = crawl_local(tmp_path, outlet_file(tmp_path, site, categories=["/thoi-su.html"]), status=0)
    figures = manifest["outlets"]["localnews"]
    assert sorted(r["url"].rsplit("/", 1)[1] for r in records(tmp_path / "out")) == ["a-1.html", "b-2.html",
                                                                                   "c-3.html"]
    assert figures["sources"] == {f"category {site.url('/thoi-su.html')}": 0,
                                  f"home {site.url('/')}": 2,
                                  f"robots_sitemap {site.url('/sitemap-news.xml')}": 2}
    assert figures["errors_by_reason"] == {"category_http_404": 1}
    assert site.requested("/gioi-thieu") == 0 and site.requested("/thoi-su") == 0


def test_listing_dates_are_honoured_by_the_fallbacks_too(tmp_path: Path, site: LocalSite) -> None:
    """A sitemap that robots.txt names dates an article before --since: it is not requested."""
    site.add("/robots.txt", Reply(f"Sitemap: {site.url('/sitemap.xml')}\n".encode(), content_type="text/plain"))
    site.add("/sitemap.xml", Reply(
        (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         f'<url><loc>{site.url("/tin/cu-1.html")}</loc><lastmod>2023-09-10</lastmod></url>'
         f'<url><loc>{site.url("/tin/moi-2.html")}</loc><lastmod>2023-09-15</lastmod></url></urlset>').encode(),
        content_type="application/xml"))
    site.add("/rss.xml", Reply(rss([])))
    add_article(site, "/tin/cu-1.html", "000", "2023-09-10T09:00:00+07:00")
    add_article(site, "/tin/moi-2.html", "001", "2023-09-15T09:00:00+07:00")
    manifest = crawl_local(tmp_path, outlet_file(tmp_path, site, feeds=["/rss.xml"]), "--since", "2023-09-14")
    assert site.requested("/tin/cu-1.html") == 0
    assert [r["url"] for r in records(tmp_path / "out")] == [site.url("/tin/moi-2.html")]
    assert manifest["outlets"]["localnews"]["skipped"] == {"before_since": 1}


def test_a_doubtful_verdict_loses_no_article_and_a_sure_one_is_remembered(tmp_path: Path, site: LocalSite) -> None:
    """At an article address, a page judged not an article with low confidence is stored with its page type
    and listed for review, or, when it would make no record (no date), skipped and fetched again next run;
    one judged not an article with confidence is refused and not fetched again."""
    written = FIXTURES_DIR / "pages" / "written"
    listing = (written / "category_siblings.html").read_bytes()  # a doubtful verdict
    dated = (written / "category_cards.html").read_bytes().replace(  # a doubtful one, for the time it declares
        b"</head>", b'<meta property="article:published_time" content="2024-11-20T08:30:00+07:00"></head>')
    paths = ("/tin/a-1.html", "/tin/nhom-2.html", "/tin/nhom-3.html", "/tin/video-4.html")
    site.add("/rss.xml", Reply(rss([(site.url(path), "") for path in paths])))
    add_article(site, "/tin/a-1.html", "000")
    site.add("/tin/nhom-2.html", Reply(dated))
    site.add("/tin/nhom-3.html", Reply(listing))
    site.add("/tin/video-4.html", Reply((written / "video_hub.html").read_bytes()))  # a sure verdict
    outlets = outlet_file(tmp_path, site, feeds=["/rss.xml"])
    manifest = crawl_local(tmp_path, outlets)
    figures = manifest["outlets"]["localnews"]
    by_url = {r["url"]: r for r in records(tmp_path / "out")}
    assert by_url[site.url("/tin/a-1.html")]["page_type"] == "article"
    kept = by_url[site.url("/tin/nhom-2.html")]
    assert kept["page_type"] == "listing" and kept["page_type_score"] < 0.5
    assert figures["kept_doubtful"] == 1 and manifest["totals"]["kept_doubtful"] == 1
    assert figures["doubtful_pages"] == [{"url": site.url("/tin/nhom-2.html"), "page_type": "listing",
                                          "page_type_score": kept["page_type_score"]}]
    assert figures["skipped"] == {"doubtful_not_article": 1, "not_article": 1}
    again = crawl_local(tmp_path, outlets)
    assert site.requested("/tin/video-4.html") == 1 and site.requested("/tin/nhom-3.html") == 2
    assert again["outlets"]["localnews"]["skipped"] == {"already_stored": 2, "doubtful_not_article": 1,
                                                        "refused_before": 1}


def test_record_then_replay_offline(tmp_path: Path, site: LocalSite) -> None:
    """`--record` stores what the live crawl fetched; `--replay` then makes the same records with the
    site gone."""
    site.add("/rss.xml", Reply(rss([(site.url("/tin/a-1.html"), "")])))
    add_article(site, "/tin/a-1.html", "004")
    outlets = outlet_file(tmp_path, site, feeds=["/rss.xml"])
    cassettes = tmp_path / "cassettes"
    crawl_local(tmp_path / "live", outlets, "--record", "--cassettes", str(cassettes))
    site.stop()
    manifest = crawl_local(tmp_path / "offline", outlets, "--replay", "--cassettes", str(cassettes))
    live, offline = records(tmp_path / "live" / "out"), records(tmp_path / "offline" / "out")
    assert len(offline) == 1 and manifest["outlets"]["localnews"]["errors"] == 0
    assert [{**r, "fetched_at": None} for r in live] == [{**r, "fetched_at": None} for r in offline]


def test_unknown_outlet_and_bad_since_are_clear_errors(tmp_path: Path) -> None:
    result = scraper("crawl", "nosuchoutlet", "--out", str(tmp_path))
    assert result.returncode == 2 and "unknown outlet" in result.stderr and "Traceback" not in result.stderr
    result = scraper("crawl", "vov", "--replay", "--since", "14/09/2023", "--out", str(tmp_path))
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr and "Traceback" not in result.stderr


def test_outlets_command_lists_every_outlet_with_its_sources() -> None:
    result = scraper("outlets")
    assert result.returncode == 0
    for name in ("vnexpress", "tuoitre", "thanhnien", "dantri", "vietnamnet", "znews", "baotintuc", "vietbao",
                 "baochinhphu", "vov", "nld", "vietnamplus"):
        assert f"\n{name} " in "\n" + result.stdout
    assert "https://vnexpress.net/rss/tin-moi-nhat.rss" in result.stdout


def test_an_interrupted_run_resumes(tmp_path: Path, site: LocalSite) -> None:
    """SIGTERM while an article is still downloading; the next run (same output folder, so the same
    JOBDIR and seen-state) stores what is missing, and nothing twice."""
    import signal
    import time

    site.add("/rss.xml", Reply(rss([(site.url(f"/tin/a-{n}.html"), "") for n in range(1, 4)])))
    add_article(site, "/tin/a-1.html", "000")
    lines = seed_lines("001")
    site.add("/tin/a-2.html", Reply(article_page("Bài 001", lines, "2023-09-13T22:04:00+07:00"), delay=3),
             Reply(article_page("Bài 001", lines, "2023-09-13T22:04:00+07:00")))
    add_article(site, "/tin/a-3.html", "002")
    outlets = outlet_file(tmp_path, site, feeds=["/rss.xml"])
    out = tmp_path / "out"
    command = [sys.executable, "-m", "scraper", "crawl", "localnews", "--out", str(out), "-s",
               f"SCRAPER_OUTLET_FILES={outlets}", *FAST, "-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_TIMEOUT=60"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while site.requested("/tin/a-2.html") == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)  # a graceful stop lets the download in flight finish
    assert len(records(out)) < 3, "the first run was cut short"
    assert (out / "jobs" / "localnews").is_dir(), "an interrupted run keeps its JOBDIR"
    manifest = crawl_local(tmp_path, outlets)
    urls = sorted(r["url"] for r in records(out))
    assert urls == [site.url(f"/tin/a-{n}.html") for n in range(1, 4)]
    assert manifest["outlets"]["localnews"]["finish_reason"] == "finished"
    assert not (out / "jobs" / "localnews").exists(), "a finished run leaves no JOBDIR behind"


def test_parquet_dataset(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    manifest_of(scraper("crawl", "--replay", "vov", "baotintuc", "--format", "parquet", "--out", str(tmp_path)))
    files = sorted((tmp_path / "dataset").rglob("*.parquet"))
    assert len(files) == 2 and not list((tmp_path / "dataset").rglob("*.jsonl"))
    rows = [row for path in files for row in pq.read_table(path).to_pylist()]
    expected = {r["outlet"]: r for r in map(json.loads, (FIXTURES_DIR / "cassettes" / "expected.jsonl").open())}
    for row in rows:
        assert {k: v for k, v in row.items() if k != "fetched_at"} == expected[row["outlet"]]


def test_scrapy_lists_every_outlet_as_a_spider() -> None:
    result = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == sorted(builtin_outlets())


def test_only_http_links_are_followed(tmp_path: Path, site: LocalSite) -> None:
    """A feed linking file:// (or any other scheme) on the outlet's host gets nothing read."""
    secret = tmp_path / "bi-mat-1.html"
    secret.write_bytes(article_page("Bí mật", seed_lines("000"), "2023-09-14T08:05:00+07:00"))
    site.add("/rss.xml", Reply(rss([(f"file://127.0.0.1{secret}", ""), (site.url("/tin/a-1.html"), "")])))
    add_article(site, "/tin/a-1.html", "001")
    crawl_local(tmp_path, outlet_file(tmp_path, site, feeds=["/rss.xml"]))
    assert [r["url"] for r in records(tmp_path / "out")] == [site.url("/tin/a-1.html")]


def test_replay_lets_nothing_out_whatever_the_cache_settings(tmp_path: Path, site: LocalSite) -> None:
    """`scrapy crawl` with the HTTP cache on and an empty cassette: no request reaches the site."""
    site.add("/rss.xml", Reply(rss([(site.url("/tin/a-1.html"), "")])))
    add_article(site, "/tin/a-1.html", "001")
    outlets = outlet_file(tmp_path, site, feeds=["/rss.xml"])
    command = [sys.executable, "-m", "scrapy", "crawl", "localnews", "-L", "WARNING", "-s", "HTTPCACHE_ENABLED=True",
               "-s", f"SCRAPER_CASSETTE_DIRS={tmp_path / 'empty'}", "-s", f"SCRAPER_OUTLET_FILES={outlets}",
               "-s", f"SCRAPER_OUTPUT_DIR={tmp_path / 'out'}"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert site.requests == [] and not (tmp_path / "out" / "dataset").exists()


def test_copies_are_not_fetched_again(tmp_path: Path, site: LocalSite) -> None:
    article = site.url("/tin/a-1.html")
    site.add("/rss.xml", Reply(rss([(article, ""), (site.url("/tin/ban-sao-9.html"), "")])))
    add_article(site, "/tin/a-1.html", "003")
    add_article(site, "/tin/ban-sao-9.html", "003", canonical=article)
    outlets = outlet_file(tmp_path, site, feeds=["/rss.xml"])
    crawl_local(tmp_path, outlets)
    again = crawl_local(tmp_path, outlets)
    assert site.requested("/tin/a-1.html") + site.requested("/tin/ban-sao-9.html") == 2
    assert again["outlets"]["localnews"]["fetched"] == 0 and again["outlets"]["localnews"]["duplicates"] == 0


@pytest.mark.parametrize(("setting", "message"), [
    ("SCRAPER_DATASET_FORMAT=csv", "SCRAPER_DATASET_FORMAT"),
    ("SCRAPER_CASSETTE_MODE=bogus", "SCRAPER_CASSETTE_MODE"),
    ("SCRAPER_MAX_ARTICLES=abc", "whole number"),
    ("SCRAPER_RUN_ID=../x", "SCRAPER_RUN_ID"),
])
def test_bad_settings_are_refused_before_the_crawl(tmp_path: Path, setting: str, message: str) -> None:
    result = scraper("crawl", "vov", "--replay", "--out", str(tmp_path), "-s", setting)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_run_id_is_used_once_and_output_must_be_writable(tmp_path: Path) -> None:
    manifest_of(scraper("crawl", "vov", "--replay", "--out", str(tmp_path), "-s", "SCRAPER_RUN_ID=nightly"))
    again = scraper("crawl", "vov", "--replay", "--out", str(tmp_path), "-s", "SCRAPER_RUN_ID=nightly")
    assert again.returncode == 2 and "already has a manifest" in again.stderr
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = scraper("crawl", "vov", "--replay", "--out", str(locked / "out"))
    if os.geteuid() != 0:  # root writes anywhere
        assert result.returncode == 2 and "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_a_second_run_of_an_outlet_is_refused_while_one_is_going(tmp_path: Path) -> None:
    from scraper.storage.files import hold_lock

    descriptor = hold_lock(tmp_path / "locks" / "vov.lock")
    try:
        result = scraper("crawl", "vov", "--replay", "--out", str(tmp_path))
    finally:
        os.close(descriptor)
    assert result.returncode == 2 and "another run of vov" in result.stderr
    manifest_of(scraper("crawl", "vov", "--replay", "--out", str(tmp_path)))


def test_retry_after_holds_the_whole_host(tmp_path: Path, site: LocalSite) -> None:
    """After a 429 with Retry-After: 2, no request goes to that host for 2 seconds."""
    others = [f"/tin/b-{n}.html" for n in range(2, 7)]
    site.add("/rss.xml", Reply(rss([(site.url(p), "") for p in [*others, "/tin/a-1.html"]])))  # asked first
    site.add("/tin/a-1.html", Reply(b"slow down", 429, headers={"Retry-After": "2"}),
             Reply(article_page("Bài 0", numbered_paragraphs(0), "2023-09-14T08:05:00+07:00")))
    for n, path in enumerate(others, start=1):
        site.add(path, Reply(article_page(f"Bài {n}", numbered_paragraphs(n), "2023-09-14T08:05:00+07:00"),
                             delay=0.3))
    # a small delay: with none, Scrapy 2.19 starts every queued request to a host at once
    crawl_local(tmp_path, outlet_file(tmp_path, site, feeds=["/rss.xml"]), "-s", "DOWNLOAD_DELAY=0.05")
    assert len(records(tmp_path / "out")) == 6
    refused = next(t for p, t in site.requests if p == "/tin/a-1.html") + 0.05  # the 429 is out by then
    later = [round(t - refused, 2) for p, t in site.requests if p.startswith("/tin/") and t > refused]
    assert later and min(later) >= 1.8, later


def test_sitemap_index_children_newest_first_and_not_before_since(tmp_path: Path, site: LocalSite) -> None:
    def child(day: str, n: int) -> tuple[str, str]:
        path = f"/sitemap-{day}.xml"
        site.add(path, Reply(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                             f'<url><loc>{site.url(f"/tin/bai-{n}.html")}</loc></url></urlset>'.encode(),
                             content_type="application/xml"))
        add_article(site, f"/tin/bai-{n}.html", f"00{n}", f"{day}T08:00:00+07:00")
        return path, day

    children = [child("2023-09-10", 1), child("2023-09-14", 2), child("2023-09-15", 3)]
    entries = "".join(f"<sitemap><loc>{site.url(p)}</loc><lastmod>{day}</lastmod></sitemap>" for p, day in children)
    site.add("/sitemap.xml", Reply(f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                                   f'sitemap/0.9">{entries}</sitemapindex>'.encode(), content_type="application/xml"))
    crawl_local(tmp_path, outlet_file(tmp_path, site, sitemaps=["/sitemap.xml"]), "--since", "2023-09-12",
                "-s", "SCRAPER_MAX_CHILD_SITEMAPS=1")
    assert site.requested("/sitemap-2023-09-10.xml") == 0, "older than --since"
    assert site.requested("/sitemap-2023-09-14.xml") == 0, "beyond the limit: the newest come first"
    assert [r["url"] for r in records(tmp_path / "out")] == [site.url("/tin/bai-3.html")]
