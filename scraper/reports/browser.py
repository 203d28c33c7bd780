"""Headless Chromium on a local page: the DOM it rendered (scripts run) and screenshots."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 60


def find_chromium() -> str | None:
    """The Chromium binary: $CHROMIUM, else `chromium` (Debian's package) or `chromium-browser` on the PATH."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _run(binary: str, page: Path, *options: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [binary, "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                   "--hide-scrollbars", f"--user-data-dir={profile}", *options]
        if os.geteuid() == 0:
            command.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
        command.append(page.resolve().as_uri())
        return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=True)


def rendered_dom(page: Path, binary: str) -> str:
    """The page's DOM after Chromium loaded it and ran its scripts, as HTML."""
    return _run(binary, page, "--dump-dom").stdout


def screenshot(page: Path, png: Path, binary: str, width: int = 1200, height: int = 800) -> Path:
    """A PNG of the top of the page as Chromium draws it in a window of this size."""
    png.parent.mkdir(parents=True, exist_ok=True)
    _run(binary, page, f"--screenshot={png.resolve()}", f"--window-size={width},{height}")
    return png
