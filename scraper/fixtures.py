"""The project's fixtures: seed texts and expected records of stored pages (see fixtures/README.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPO_ROOT / "fixtures"
EXPECTED_SUFFIX = ".expected.txt"
ACCEPTED_SUFFIX = ".accepted.txt"  # a seed's accepted output, where it falls short of the expected text


def shared_pages_dir() -> Path:
    """Where the third-party pages are kept: $SCRAPER_PAGES_DIR, else ../shared/pages beside the repository."""
    return Path(os.environ.get("SCRAPER_PAGES_DIR", REPO_ROOT.parent / "shared" / "pages"))


class FixtureError(ValueError):
    """A fixture that cannot be added or read, naming its file and saying why."""


def _page_record(path: Path) -> dict[str, Any]:
    """A page fixture's JSON record, checked: a page or a cassette, and an expected record."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FixtureError(f"{path}: cannot be read as JSON: {error}") from None
    if not isinstance(record, dict):
        raise FixtureError(f"{path}: expected a JSON object")
    stored = record.get("cassette") or record.get("page")
    if not isinstance(stored, str) or not stored:
        raise FixtureError(f"{path}: names no stored page (a 'page' or 'cassette' field)")
    if "cassette" in record and not isinstance(record.get("url"), str):
        raise FixtureError(f"{path}: a 'cassette' needs the 'url' of the page it holds")
    for key, kind in (("expected", dict), ("accepted", dict), ("url", str), ("outlet", str)):
        if record.get(key) is not None and not isinstance(record[key], kind):
            raise FixtureError(f"{path}: field {key!r} must be a {'JSON object' if kind is dict else 'string'}")
    if "expected" not in record:
        raise FixtureError(f"{path}: has no 'expected' record")
    return record


@dataclass
class Fixture:
    """One stored input and the output a person decided is right."""

    name: str
    kind: str  # "seed" (pre-extracted text) or "page" (HTML, stored as a file or in a cassette)
    input_path: Path
    expected_path: Path
    url: str | None
    expected: dict[str, Any]
    outlet: str | None = None  # the outlet whose cleaner hints apply; default: the one owning `url`
    in_cassette: bool = False  # `input_path` is a cassette holding the response for `url`

    accepted: dict[str, Any] = field(default_factory=dict)  # reviewed output where it falls short of `expected`

    @property
    def refused(self) -> str | None:
        return self.expected.get("refused")

    @property
    def written(self) -> bool:
        """The page was written for the fixtures and is kept beside its record, not saved from a real site."""
        return not self.in_cassette and self.input_path.parent == self.expected_path.parent

    def read_input(self) -> bytes:
        if self.in_cassette:
            from .cassettes import recorded_page

            return recorded_page(self.input_path, self.url or "")
        return self.input_path.read_bytes()


def seed_fixtures(root: Path = FIXTURES_DIR) -> Iterator[Fixture]:
    """The seed texts with their expected clean text."""
    for expected_path in sorted((root / "seeds").glob(f"*{EXPECTED_SUFFIX}")):
        input_path = expected_path.with_name(expected_path.name.replace(EXPECTED_SUFFIX, ".txt"))
        accepted_path = expected_path.with_name(expected_path.name.replace(EXPECTED_SUFFIX, ACCEPTED_SUFFIX))
        yield Fixture(
            name=f"seeds/{input_path.stem}", kind="seed", input_path=input_path, expected_path=expected_path,
            url=None, expected={"text": expected_path.read_text(encoding="utf-8").strip()},
            accepted={"text": accepted_path.read_text(encoding="utf-8").strip()} if accepted_path.exists() else {},
        )


def page_fixtures(root: Path = FIXTURES_DIR, pages_dir: Path | None = None) -> Iterator[Fixture]:
    """The expected records of stored pages under `root/pages/`.

    A record names its page as `"page"` (a file, looked up beside the records in `root/pages/`, then in
    `pages_dir`, the third-party pages) or as `"cassette"` (a recording in `root/pages/`, holding `url`).
    """
    pages_dir = pages_dir or shared_pages_dir()
    for expected_path in sorted((root / "pages").glob("*/*.json")):
        record = _page_record(expected_path)
        stored = record.get("cassette") or record["page"]
        input_path = root / "pages" / stored
        if "cassette" not in record and not input_path.exists():
            input_path = pages_dir / stored
        yield Fixture(
            name=f"pages/{expected_path.relative_to(root / 'pages').with_suffix('').as_posix()}", kind="page",
            input_path=input_path, expected_path=expected_path, url=record.get("url"),
            expected=record["expected"], outlet=record.get("outlet"), in_cassette="cassette" in record,
            accepted=record.get("accepted", {}),
        )


def real_page_fixtures(root: Path = FIXTURES_DIR) -> Iterator[Fixture]:
    """The page fixtures of real pages of the outlets, not the pages written for the fixtures."""
    return (f for f in page_fixtures(root) if not f.written)


def all_fixtures(root: Path = FIXTURES_DIR) -> list[Fixture]:
    """Every fixture under `root`: seeds first, then pages."""
    return [*seed_fixtures(root), *page_fixtures(root)]
