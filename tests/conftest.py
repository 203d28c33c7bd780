"""Shared test setup: where the third-party pages are, and what to do when they are absent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from scraper.fixtures import shared_pages_dir
from scraper.sites import SEED_OUTLETS

# Under CI the property tests draw the same examples on every run, so that a red run means a change in the code
# (and none is held to a time limit on a busy machine); elsewhere they draw new ones each run and keep looking
# for inputs no test has tried.
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def shared_pages() -> None:
    """Skip a test that needs ../shared/pages when it is absent; fail instead under CI."""
    if shared_pages_dir().is_dir():
        return
    message = f"the stored pages are not at {shared_pages_dir()} (set SCRAPER_PAGES_DIR to where they are)"
    if os.environ.get("SCRAPER_REQUIRE_PAGES"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True, scope="session")
def no_network() -> None:
    """Tests never touch the internet: crawls they start go through a proxy that does not exist, except
    for the local sites on 127.0.0.1."""
    dead = "http://127.0.0.1:9"
    os.environ.update({"http_proxy": dead, "https_proxy": dead, "HTTP_PROXY": dead, "HTTPS_PROXY": dead,
                       "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"})


@pytest.fixture(scope="session")
def replayed_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What two replays of the committed fixture crawls write: the first stores every article, the second
    finds them all stored (a real output/ folder with two run manifests)."""
    out = tmp_path_factory.mktemp("replayed")
    for _ in range(2):
        subprocess.run([sys.executable, "-m", "scraper", "crawl", "--replay", *SEED_OUTLETS, "--out", str(out)],
                       check=True, capture_output=True, timeout=120)
    return out
