"""Distributed mode: two worker processes share one crawl frontier through a real redis-server on
127.0.0.1 and crawl a local site of 300 articles together; each article is fetched and stored once."""

from __future__ import annotations

import html
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from localsite import LocalSite, Reply, article_page, numbered_paragraphs, rss
from test_crawl import FAST, REPO

from scraper.sites import read_records

pytestmark = pytest.mark.slow  # every test here runs crawls, servers or a browser: see the README

ARTICLES = 300


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of its own on a free port of 127.0.0.1, stopped after the test."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI") or os.environ.get("SCRAPER_REQUIRE_REDIS"):
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                               "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


def sitemap(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{html.escape(url)}</loc></url>" for url in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode()


def manifest(out: Path) -> dict[str, Any]:
    [path] = (out / "runs").glob("*.json")
    return json.loads(path.read_text(encoding="utf-8"))["outlets"]["localnews"]


def test_two_workers_share_one_frontier(tmp_path: Path, redis_url: str) -> None:
    site = LocalSite().start()
    paths = [f"/tin/bai-{n}.html" for n in range(ARTICLES)]
    for n, path in enumerate(paths):
        site.add(path, Reply(article_page(f"Tin số {n}", numbered_paragraphs(n), "2023-09-14T08:05:00+07:00"),
                             delay=0.01))
    urls = [site.url(path) for path in paths]
    site.add("/rss.xml", Reply(rss([(url, "") for url in urls])))
    site.add("/sitemap.xml", Reply(sitemap(urls), content_type="application/xml"))  # lists them all again
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(f'[[outlets]]\nname = "localnews"\ndomains = ["127.0.0.1"]\nfeeds = ["{site.url("/rss.xml")}"]\n'
                       f'sitemaps = ["{site.url("/sitemap.xml")}"]\n', encoding="utf-8")
    environment = {**os.environ, "REDIS_URL": redis_url}
    settings = ["-s", f"SCRAPER_OUTLET_FILES={outlets}", *FAST, "-s", "SCRAPER_IDLE_CLOSE=3"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "scraper", *args], cwd=REPO, env=environment,
                              capture_output=True, text=True, timeout=180)

    def workers(*outs: Path) -> list[subprocess.CompletedProcess[str]]:
        seeded = run("seed", "localnews", *settings[:2])
        # the feed and the sitemap it names, and the fallbacks: robots.txt's Sitemap lines and the home page
        assert seeded.returncode == 0 and "4 discovery requests queued" in seeded.stdout, seeded.stderr
        started = [subprocess.Popen([sys.executable, "-m", "scraper", "crawl", "localnews", "--out", str(out),
                                     *settings], cwd=REPO, env=environment, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for out in outs]
        results = []
        for process in started:
            stdout, stderr = process.communicate(timeout=180)
            results.append(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
        return results

    outs = [tmp_path / "worker-1", tmp_path / "worker-2"]  # two machines: nothing shared on disk
    try:
        finished = workers(*outs)
        again = workers(tmp_path / "next-round")  # the next scheduled round: a new seed, one worker
    finally:
        site.stop()
    for result in [*finished, *again]:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Warning" not in result.stderr, result.stderr[-3000:]
    assert [site.requested(path) for path in paths] == [1] * ARTICLES, "every article fetched exactly once"
    assert site.requested("/rss.xml") == site.requested("/sitemap.xml") == 2  # once a round
    stored = [r["url"] for out in outs for r in read_records(out)]
    assert len(stored) == len(set(stored)) == ARTICLES and set(stored) == set(urls)
    figures = [manifest(out) for out in outs]
    assert all(f["fetched"] > 0 for f in figures), "both workers took requests from the shared queue"
    for key in ("requested", "fetched", "cleaned", "stored"):
        assert sum(f[key] for f in figures) == ARTICLES, key
    for f in figures:
        assert f["found"] == f["requested"] + sum(f["skipped"].values()), f
        assert f["errors"] == 0 and f["duplicates"] == 0
    state = redis.Redis.from_url(redis_url)
    assert state.hlen("scraper:state:articles") == ARTICLES
    assert not state.keys("scraper:state:pending:*"), "every pending row was settled"
    next_round = manifest(tmp_path / "next-round")
    assert next_round["found"] == ARTICLES and next_round["skipped"] == {"already_stored": ARTICLES}
    assert next_round["fetched"] == 0


def test_the_redis_seen_state_settles_what_a_killed_worker_left(tmp_path: Path, redis_url: str) -> None:
    """A worker killed before its dataset file appeared: the next worker on the same host and output
    folder drops its reservation, so the article is fetched again; a written file's rows are kept. The
    rows of a worker still running are left alone."""
    from scraper.distributed import RedisSeenStore

    server = redis.Redis.from_url(redis_url)
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset" / "written.jsonl").write_text("{}\n", encoding="utf-8")
    killed = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    prefix = f"scraper:state:pending:{socket.gethostname()}:{tmp_path.resolve()}:localnews:"
    store = RedisSeenStore(server, "localnews", tmp_path)
    for n, part in [(1, "written.jsonl"), (2, "never.jsonl")]:
        store.add_pending(f"https://a.vn/{n}", f"sha256:{n}", None, "2026-12-02T01:00:00Z", f"dataset/{part}")
    store.add_signature("https://a.vn/2", "https://a.vn/2", [7, 8], bytes(8))
    store.add_refused("https://a.vn/chuyen-muc", "not_article", "2026-12-02T01:00:00Z")
    server.rename(f"{prefix}{os.getpid()}", f"{prefix}{killed.stdout.strip()}")  # its rows, as a killed worker's
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    server.hset(f"{prefix}{running.pid}", "https://a.vn/3", "dataset/soon.jsonl\tsha256:3")
    server.hset("scraper:state:articles", "https://a.vn/3", "localnews")
    try:
        reopened = RedisSeenStore(server, "localnews", tmp_path)
    finally:
        running.kill()
    assert reopened.has_url("https://a.vn/1") and reopened.has_hash("sha256:1")
    assert not reopened.has_url("https://a.vn/2") and not reopened.has_hash("sha256:2")
    assert reopened.similar_signatures([7, 8]) == []
    assert reopened.has_url("https://a.vn/3"), "a running worker's reservation stays"
    assert reopened.refused_reason("https://a.vn/chuyen-muc") == "not_article"
    assert reopened.count() == 1
    assert not server.exists(f"{prefix}{killed.stdout.strip()}")


def test_an_unreachable_redis_is_a_clear_error(tmp_path: Path) -> None:
    environment = {**os.environ, "REDIS_URL": "redis://127.0.0.1:9/0"}  # nothing listens there
    for command in (["seed", "vov"], ["crawl", "vov", "--replay", "--out", str(tmp_path)]):
        result = subprocess.run([sys.executable, "-m", "scraper", *command], cwd=REPO, env=environment,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and "cannot reach Redis at REDIS_URL redis://127.0.0.1:9/0" in result.stderr
        assert "Traceback" not in result.stderr
