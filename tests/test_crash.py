"""Crash safety: a crawl stopped (SIGTERM) and killed (SIGKILL) in the middle, then resumed. The dataset
on disk is valid at every moment, and in the end every article is in it exactly once."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from localsite import LocalSite, Reply, article_page, numbered_paragraphs, rss

pytestmark = pytest.mark.slow  # every test here runs crawls, servers or a browser: see the README

REPO = Path(__file__).resolve().parent.parent
ARTICLES = 120


class DatasetWatcher(threading.Thread):
    """Reads every dataset file and the state store over and over while crawls run; notes anything
    half-written."""

    def __init__(self, out: Path) -> None:
        super().__init__(daemon=True)
        self.out = out
        self.problems: list[str] = []
        self.looks = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            for path in (self.out / "dataset").rglob("*.jsonl") if (self.out / "dataset").exists() else []:
                try:
                    data = path.read_bytes()
                except FileNotFoundError:
                    continue
                if not data.endswith(b"\n"):
                    self.problems.append(f"{path.name}: no final newline")
                for line in data.splitlines():
                    try:
                        json.loads(line)
                    except ValueError:
                        self.problems.append(f"{path.name}: a broken line")
            state = self.out / "state.sqlite"
            if state.exists():
                try:
                    with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5) as db:
                        result = db.execute("PRAGMA quick_check").fetchone()[0]
                    if result != "ok":
                        self.problems.append(f"state store: {result}")
                except sqlite3.OperationalError as error:  # locked for a moment: look again
                    if "locked" not in str(error) and "no such table" not in str(error):
                        self.problems.append(f"state store: {error}")
            self.looks += 1
            time.sleep(0.02)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux's /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def stored(out: Path) -> list[str]:
    return [json.loads(line)["url"] for path in (out / "dataset").rglob("*.jsonl")
            for line in path.read_text(encoding="utf-8").splitlines()]


def test_stop_kill_and_resume_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    site = LocalSite().start()
    urls = [site.url(f"/tin/bai-{n}.html") for n in range(ARTICLES)]
    site.add("/rss.xml", Reply(rss([(url, "") for url in urls])))
    for n in range(ARTICLES):
        site.add(f"/tin/bai-{n}.html", Reply(article_page(f"Tin số {n}", numbered_paragraphs(n),
                                                          "2023-09-14T08:05:00+07:00"), delay=0.05))
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(f'[[outlets]]\nname = "localnews"\ndomains = ["127.0.0.1"]\n'
                       f"article_url = '-\\d+\\.html$'\nfeeds = [\"{site.url('/rss.xml')}\"]\n", encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "scraper", "crawl", "localnews", "--out", str(out),
               "-s", f"SCRAPER_OUTLET_FILES={outlets}", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
               "-s", "CONCURRENT_REQUESTS=4", "-s", "SCRAPER_DATASET_BATCH=5"]
    watcher = DatasetWatcher(out)
    watcher.start()

    def run_until(count: int, sig: signal.Signals) -> None:
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(site.requests) < count and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        workers = children(process.pid)  # the cleaning worker processes
        process.send_signal(sig)
        process.wait(timeout=60)
        assert workers and _gone(workers, within=10), "no worker outlives its crawl"

    try:
        run_until(30, signal.SIGTERM)  # a graceful stop
        after_stop = len(stored(out))
        run_until(len(site.requests) + 40, signal.SIGKILL)  # no chance to clean up
        after_kill = len(stored(out))
        final = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    finally:
        watcher.stop()
        site.stop()
    assert final.returncode == 0, final.stderr[-3000:]
    assert 0 < after_stop < ARTICLES and after_stop <= after_kill < ARTICLES, (after_stop, after_kill)
    assert watcher.looks > 20 and watcher.problems == []
    got = stored(out)
    assert len(got) == len(set(got)) == ARTICLES, "every article exactly once"
    assert sorted(got) == sorted(urls)
    with sqlite3.connect(out / "state.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM articles WHERE pending = 0").fetchone()[0] == ARTICLES
        assert db.execute("SELECT COUNT(*) FROM articles WHERE pending = 1").fetchone()[0] == 0
    assert not list(out.rglob("*.tmp")) or all(p.name.startswith(".") for p in out.rglob("*.tmp"))


def _crawl_waiting_for_its_feed(tmp_path: Path, site: LocalSite) -> tuple[subprocess.Popen[bytes], list[int]]:
    """A crawl with two cleaning processes whose feed answers after 5 s, and its workers once both started
    (checked to be before the feed answered)."""
    site.add("/rss.xml", Reply(rss([]), delay=5))
    outlets = tmp_path / "outlets.toml"
    outlets.write_text(f'[[outlets]]\nname = "localnews"\ndomains = ["127.0.0.1"]\n'
                       f"article_url = '-\\d+\\.html$'\nfeeds = [\"{site.url('/rss.xml')}\"]\n", encoding="utf-8")
    command = [sys.executable, "-m", "scraper", "crawl", "localnews", "--out", str(tmp_path / "out"),
               "-s", f"SCRAPER_OUTLET_FILES={outlets}", "-s", "SCRAPER_CLEAN_PROCESSES=2"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        # the crawl's other child is multiprocessing's resource tracker
        workers = [pid for pid in children(process.pid) if b"spawn_main" in _command_line(pid)]
        time.sleep(0.02)
    asked = [at for path, at in site.requests if path == "/rss.xml"]
    assert len(workers) == 2
    assert not asked or time.monotonic() < asked[0] + 5, "seen before the feed answered"
    return process, workers


def _gone(pids: list[int], within: float) -> bool:
    """Whether the processes have all ended, waiting for them up to `within` seconds."""
    deadline = time.monotonic() + within
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(Path(f"/proc/{pid}").exists() for pid in pids)


def test_cleaning_workers_start_with_the_crawl_and_end_with_it(tmp_path: Path) -> None:
    """The cleaning processes start while the crawl still waits for its feed (their start-up overlaps it,
    instead of holding up the first article), and a crawl that found nothing ends them."""
    site = LocalSite().start()
    try:
        process, workers = _crawl_waiting_for_its_feed(tmp_path, site)
        assert process.wait(timeout=60) == 0
    finally:
        site.stop()
    assert _gone(workers, within=5)


def test_cleaning_workers_of_a_crawl_killed_as_they_start_end_too(tmp_path: Path) -> None:
    """A crawl killed while its workers are still importing: they end all the same (a worker that looked up
    its parent only after its imports took the new parent for the crawl and lived on)."""
    site = LocalSite().start()
    try:
        process, workers = _crawl_waiting_for_its_feed(tmp_path, site)
        process.kill()
        process.wait(timeout=10)
        assert _gone(workers, within=10), "no worker outlives its crawl"
    finally:
        site.stop()


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
