"""The project's fixtures: seed texts and expected records of stored pages (see fixtures/README.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPO_ROOT / "fixtures"
EXPECTED_SUFFIX = ".expected.txt"


def shared_pages_dir() -> Path:
    """Where the third-party pages are kept: $SCRAPER_PAGES_DIR, else ../shared/pages beside the repository."""
    return Path(os.environ.get("SCRAPER_PAGES_DIR", REPO_ROOT.parent / "shared" / "pages"))


@dataclass
class Fixture:
    """One stored input and the output a person decided is right."""

    name: str
    kind: str  # "seed" (pre-extracted text) or "page" (HTML)
    input_path: Path
    expected_path: Path
    url: str | None
    expected: dict[str, Any]

    @property
    def refused(self) -> str | None:
        return self.expected.get("refused")

    def read_input(self) -> bytes:
        return self.input_path.read_bytes()


def seed_fixtures(root: Path = FIXTURES_DIR) -> Iterator[Fixture]:
    """The seed texts with their expected clean text."""
    for expected_path in sorted((root / "seeds").glob(f"*{EXPECTED_SUFFIX}")):
        input_path = expected_path.with_name(expected_path.name.replace(EXPECTED_SUFFIX, ".txt"))
        yield Fixture(
            name=f"seeds/{input_path.stem}", kind="seed", input_path=input_path, expected_path=expected_path,
            url=None, expected={"text": expected_path.read_text(encoding="utf-8").strip()},
        )


def page_fixtures(root: Path = FIXTURES_DIR, pages_dir: Path | None = None) -> Iterator[Fixture]:
    """The expected records of stored pages; the pages themselves are read from `pages_dir`."""
    pages_dir = pages_dir or shared_pages_dir()
    for expected_path in sorted((root / "pages").glob("*/*.json")):
        record = json.loads(expected_path.read_text(encoding="utf-8"))
        yield Fixture(
            name=f"pages/{record['page'].removesuffix('.html')}", kind="page",
            input_path=pages_dir / record["page"], expected_path=expected_path, url=record.get("url"),
            expected=record["expected"],
        )


def all_fixtures(root: Path = FIXTURES_DIR) -> list[Fixture]:
    """Every fixture under `root`: seeds first, then pages."""
    return [*seed_fixtures(root), *page_fixtures(root)]


def write_expected(fixture: Fixture, expected: dict[str, Any]) -> None:
    """Rewrite a fixture's expected output (after a deliberate change, for a person to review the diff)."""
    if fixture.kind == "seed":
        fixture.expected_path.write_text(expected["text"].strip() + "\n", encoding="utf-8")
        return
    record = json.loads(fixture.expected_path.read_text(encoding="utf-8"))
    record["expected"] = expected
    fixture.expected_path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
