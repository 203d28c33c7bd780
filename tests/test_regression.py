"""Regression fixtures as commands (`scraper fixture add/check`) and outlets from a user's file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from localsite import LocalSite, Reply, article_page, numbered_paragraphs
from test_crawl import FAST, scraper

from scraper.fixtures import FIXTURES_DIR

pytestmark = pytest.mark.slow  # every test here runs crawls, servers or a browser: see the README

PAGE = article_page("Khánh thành cầu mới qua sông Hồng", numbered_paragraphs(7), "2026-11-29T09:30:00+07:00")


def user_outlets(tmp_path: Path, domain: str = "127.0.0.1") -> Path:
    path = tmp_path / "my-outlets.toml"
    path.write_text(f'[[outlets]]\nname = "tinnha"\ntitle = "Tin Nhà"\ndomains = ["{domain}"]\n'
                    f'article_url = \'-\\d+\\.html$\'\nfeeds = ["http://{domain}/rss.xml"]\n', encoding="utf-8")
    return path


def copy_of_fixtures(tmp_path: Path) -> Path:
    root = tmp_path / "fixtures"
    for part in ("seeds", "pages", "cassettes", "sites"):
        shutil.copytree(FIXTURES_DIR / part, root / part)
    return root


def test_the_projects_fixtures_pass() -> None:
    result = scraper("fixture", "check", str(FIXTURES_DIR))
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 changed" in result.stdout.splitlines()[-1]


def test_a_changed_expected_file_fails_with_a_diff_that_names_the_change(tmp_path: Path, shared_pages: None) -> None:
    root = copy_of_fixtures(tmp_path)
    seed = next((root / "seeds").glob("000_*.expected.txt"))
    lines = seed.read_text(encoding="utf-8").splitlines()
    seed.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # the last paragraph taken out
    page = root / "pages" / "vnexpress" / "vnexpress_1.json"
    record = json.loads(page.read_text(encoding="utf-8"))
    title = record["expected"]["title"]
    record["expected"]["title"] = "Một tiêu đề khác"
    page.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    result = scraper("fixture", "check", str(root))
    assert result.returncode == 1
    out = result.stdout
    assert f"changed  seeds/{seed.name.removesuffix('.expected.txt')}" in out
    assert f"      +{lines[-1]}" in out  # the cleaner gives a line the expected text no longer has
    assert "changed  pages/vnexpress/vnexpress_1" in out
    assert f'title: "Một tiêu đề khác" -> "{title}"' in out
    assert ", 2 changed" in out.splitlines()[-1]

    assert scraper("fixture", "check", str(root), "--update").returncode == 0
    assert scraper("fixture", "check", str(root)).returncode == 0
    assert json.loads(page.read_text(encoding="utf-8"))["expected"]["title"] == "Một tiêu đề khác", \
        "what a person wrote in `expected` is never overwritten"
    assert json.loads(page.read_text(encoding="utf-8"))["accepted"]["title"] == title


def test_a_changed_recorded_crawl_record_fails(tmp_path: Path) -> None:
    root = tmp_path / "fixtures"
    shutil.copytree(FIXTURES_DIR / "cassettes", root / "cassettes")
    expected = root / "cassettes" / "expected.jsonl"
    records = [json.loads(line) for line in expected.read_text(encoding="utf-8").splitlines()]
    records[0]["category"] = "Không phải"
    expected.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    result = scraper("fixture", "check", str(root))
    assert result.returncode == 1
    assert f"changed  cassettes/{records[0]['outlet']}: {records[0]['url']}" in result.stdout
    assert 'category: "Không phải" -> ' in result.stdout


def test_add_a_page_file_then_check_it(tmp_path: Path) -> None:
    page = tmp_path / "cau-moi-123.html"
    page.write_bytes(PAGE)
    root = tmp_path / "mine"
    added = scraper("fixture", "add", str(page), "--outlet", "vnexpress", "--dir", str(root),
                    "--url", "https://vnexpress.net/cau-moi-4954455.html")
    assert added.returncode == 0, added.stderr
    record = json.loads((root / "pages" / "vnexpress" / "cau-moi-123.json").read_text(encoding="utf-8"))
    assert record["page"] == "vnexpress/cau-moi-123.html" and record["outlet"] == "vnexpress"
    assert record["expected"]["title"] == "Khánh thành cầu mới qua sông Hồng"
    assert record["expected"]["text"].splitlines() == numbered_paragraphs(7)
    assert scraper("fixture", "check", str(root)).returncode == 0

    stored = root / "pages" / "vnexpress" / "cau-moi-123.html"  # the outlet changes its template
    stored.write_bytes(PAGE.replace(b'<p class="sapo">', b'<p class="sapo">C\xe1\xba\xadp nh\xe1\xba\xadt: '))
    result = scraper("fixture", "check", str(root))
    assert result.returncode == 1
    assert "changed  pages/vnexpress/cau-moi-123" in result.stdout
    assert f"      -{numbered_paragraphs(7)[0]}" in result.stdout
    assert f"      +Cập nhật: {numbered_paragraphs(7)[0]}" in result.stdout

    again = scraper("fixture", "add", str(page), "--outlet", "vnexpress", "--dir", str(root))
    assert again.returncode == 2 and "exists already" in again.stderr


def test_add_a_url_records_a_cassette_that_is_checked_offline(tmp_path: Path) -> None:
    site = LocalSite().start()
    site.add("/robots.txt", Reply(b"User-agent: *\nAllow: /\n", content_type="text/plain"))
    site.add("/cau-moi-12.html", Reply(PAGE))
    site.add("/bai-cu-13.html", Reply(b"", 301, headers={"Location": site.url("/cau-moi-12.html")}))
    site.add("/mat-14.html", Reply(b"", 404))
    outlets = user_outlets(tmp_path)
    root = tmp_path / "mine"
    try:
        added = scraper("fixture", "add", site.url("/bai-cu-13.html"), "--outlet", "tinnha", "--dir", str(root),
                        "--outlets", str(outlets), *FAST)
        missing = scraper("fixture", "add", site.url("/mat-14.html"), "--outlet", "tinnha", "--dir", str(root),
                          "--outlets", str(outlets), *FAST, "-s", "RETRY_TIMES=0")
    finally:
        site.stop()
    assert added.returncode == 0, added.stderr
    record = json.loads((root / "pages" / "tinnha" / "bai-cu-13.json").read_text(encoding="utf-8"))
    assert record["cassette"] == "tinnha/bai-cu-13.yaml"
    assert record["url"] == site.url("/cau-moi-12.html"), "the page's own URL, after the redirect"
    assert record["expected"]["text"].splitlines() == numbered_paragraphs(7)
    assert missing.returncode == 2 and "HTTP 404" in missing.stderr
    assert not (root / "pages" / "tinnha" / "mat-14.json").exists()

    result = scraper("fixture", "check", str(root), "--outlets", str(outlets))  # the site is gone: offline
    assert result.returncode == 0, result.stdout + result.stderr


def test_fixture_add_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    page.write_bytes(PAGE)
    unknown = scraper("fixture", "add", str(page), "--outlet", "no_such", "--dir", str(tmp_path))
    assert unknown.returncode == 2 and "unknown outlet 'no_such'" in unknown.stderr
    missing = scraper("fixture", "add", str(tmp_path / "none.html"), "--outlet", "vov", "--dir", str(tmp_path))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    elsewhere = scraper("fixture", "add", "https://example.com/a-1.html", "--outlet", "vov", "--dir", str(tmp_path))
    assert elsewhere.returncode == 2 and "not on vov's domains" in elsewhere.stderr
    for result in (unknown, missing, elsewhere):
        assert "Traceback" not in result.stderr


def test_outlets_from_a_file_are_listed_and_crawled(tmp_path: Path) -> None:
    outlets = user_outlets(tmp_path, "tinnha.example")
    listed = scraper("outlets", "--outlets", str(outlets))
    assert listed.returncode == 0
    assert "tinnha       Tin Nhà  (tinnha.example)  [from your file]" in listed.stdout
    assert "vnexpress" in listed.stdout  # the built-in outlets are still there

    override = tmp_path / "vov.toml"
    override.write_text('[[outlets]]\nname = "vov"\ndomains = ["vov.vn"]\nfeeds = ["https://vov.vn/rss/moi.rss"]\n',
                        encoding="utf-8")
    listed = scraper("outlets", "--outlets", str(override))
    assert "[overridden by your file]" in listed.stdout and "https://vov.vn/rss/moi.rss" in listed.stdout

    crawled = scraper("crawl", "tinnha", "--outlets", str(outlets), "--replay", "--cassettes", str(tmp_path),
                      "--out", str(tmp_path / "out"))
    assert crawled.returncode == 1, crawled.stderr  # known outlet; nothing recorded for it
    assert "tinnha" in crawled.stdout


@pytest.mark.parametrize("text, message", [
    ('[[outlets]]\nname = "x"\ndomains = ["a.vn"]\nfeeds = ["ftp://a.vn/rss"]\n',
     "outlet 'x': field 'feeds': not an http(s) URL: 'ftp://a.vn/rss'"),
    ('[[outlets]]\nname = "x"\ndomains = ["a.vn"]\nfeeds = ["https://a.vn/rss"]\narticle_url = "("\n',
     "outlet 'x': field 'article_url' is not a regular expression"),
    ('[[outlets]]\nname = "Bad Name"\n', "field 'name' must be lowercase"),
    ('[[outlets]]\nname = "x"\ndomains = ["a.vn"]\nfeeds = ["https://a.vn/rss"]\ncolour = "red"\n',
     "outlet 'x': unknown field(s): colour"),
    ('name = "x"\n', "expected one [[outlets]] table per outlet"),
    ("[[outlets]\n", "not valid TOML"),
])
def test_a_bad_outlets_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    commands = [["outlets"]]
    if "ftp" in text:  # every command that reads outlets says the same
        commands += [["crawl", "x"], ["doctor", "x"], ["fixture", "check", str(tmp_path)]]
    for command in commands:
        result = scraper(*command, "--outlets", str(path))
        assert result.returncode == 2, (command, result.stderr)
        assert str(path) in result.stderr and message in result.stderr, (command, result.stderr)
        assert "Traceback" not in result.stderr


def page_fixture(root: Path, record: object, name: str = "bai") -> Path:
    folder = root / "pages" / "vnexpress"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.html").write_bytes(PAGE)
    path = folder / f"{name}.json"
    path.write_text(record if isinstance(record, str) else json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("record, message", [
    ("{not json", "cannot be read as JSON"),
    ([1], "expected a JSON object"),
    ({"url": "https://vnexpress.net/a-4954455.html", "expected": {}}, "names no stored page"),
    ({"page": "vnexpress/bai.html"}, "has no 'expected' record"),
    ({"cassette": "vnexpress/bai.yaml", "expected": {}}, "a 'cassette' needs the 'url'"),
    ({"page": "vnexpress/bai.html", "expected": "text"}, "field 'expected' must be a JSON object"),
])
def test_a_broken_fixture_file_is_a_clear_error(tmp_path: Path, record: object, message: str) -> None:
    path = page_fixture(tmp_path, record)
    result = scraper("fixture", "check", str(tmp_path))
    assert result.returncode == 2, result.stdout
    assert f"{path}: {message}" in result.stderr and "Traceback" not in result.stderr


def test_unreadable_inputs_and_unknown_outlets_are_reported(tmp_path: Path) -> None:
    page_fixture(tmp_path, {"page": "vnexpress/bai.html", "outlet": "khong_co", "expected": {}})
    folder = tmp_path / "pages" / "vnexpress"
    (folder / "hong.yaml").write_text("interactions: [{{", encoding="utf-8")
    (folder / "hong.json").write_text(json.dumps({"cassette": "vnexpress/hong.yaml", "url": "https://vnexpress.net/"
                                                  "a-4954455.html", "expected": {}}), encoding="utf-8")
    result = scraper("fixture", "check", str(tmp_path))
    assert result.returncode == 1
    assert "unknown outlet 'khong_co'" in result.stdout
    assert "hong.yaml is not a readable cassette" in result.stdout and "Traceback" not in result.stderr


def test_a_missing_or_empty_folder_is_an_error(tmp_path: Path) -> None:
    for folder in (tmp_path / "khong-co", tmp_path):
        result = scraper("fixture", "check", str(folder))
        assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no fixtures in" in result.stderr


def test_update_settles_when_a_page_turns_refused_and_back(tmp_path: Path) -> None:
    path = page_fixture(tmp_path, {"page": "vnexpress/bai.html", "url": "https://vnexpress.net/a-4954455.html",
                                   "expected": {"refused": "not_article"}})
    assert scraper("fixture", "check", str(tmp_path)).returncode == 1
    assert scraper("fixture", "check", str(tmp_path), "--update").returncode == 0
    assert scraper("fixture", "check", str(tmp_path)).returncode == 0
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["expected"] == {"refused": "not_article"} and record["accepted"]["title"]

    (path.parent / "bai.html").write_bytes(b"<html><head><meta property='og:type' content='website'></head></html>")
    assert scraper("fixture", "check", str(tmp_path)).returncode == 1
    assert scraper("fixture", "check", str(tmp_path), "--update").returncode == 0
    assert scraper("fixture", "check", str(tmp_path)).returncode == 0
    assert "accepted" not in json.loads(path.read_text(encoding="utf-8")), "the page gives its expected output again"
