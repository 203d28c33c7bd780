"""Regression fixtures: stored pages with their approved output, cleaned again and compared.

A page fixture's `expected` record is what a person decided is right. Where the cleaner knowingly
falls short of it, the fixture's `accepted` record holds the output that was reviewed and accepted
instead, field by field; the approved output is `expected` with `accepted` laid over it. `scraper
fixture check` cleans every stored page again and shows each difference from the approved output;
`--update` records the new output as accepted (it never rewrites what a person put in `expected`,
and drops an accepted field once the cleaner gives the expected value again). A recorded crawl
(`cassettes/*.yaml` with `cassettes/expected.jsonl`) is replayed and its records compared the same way.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .cassettes import CASSETTE_SUFFIX, CassetteError
from .cleaning.errors import CleanerError
from .cleaning.text import parse_text
from .dataset import clean_page
from .fixtures import (
    ACCEPTED_SUFFIX,
    EXPECTED_SUFFIX,
    Fixture,
    FixtureError,
    page_fixtures,
    seed_fixtures,
    shared_pages_dir,
)
from .outlets import Outlet, outlet_for_url
from .storage.files import atomic_write_text

PAGE_FIELDS = ("title", "lead", "text", "author", "published", "category", "tags", "source")
_NAME = re.compile(r"[^a-z0-9_-]+")


@dataclass
class Checked:
    """One fixture compared with its approved output."""

    name: str
    changes: list[str] = field(default_factory=list)  # readable lines; empty when nothing changed
    problem: str | None = None  # the input could not be read
    skipped: str | None = None  # the input is a third-party page that is not on this machine


def approved_output(fixture: Fixture) -> dict[str, Any]:
    """The output a person approved: the expected record with the accepted fields laid over it (or the
    accepted record alone, where one of the two is a refusal and the other is not)."""
    if "refused" in fixture.expected or "refused" in fixture.accepted:
        return fixture.accepted or fixture.expected
    return {**fixture.expected, **fixture.accepted}


def cleaned_output(fixture: Fixture, outlets: dict[str, Outlet]) -> dict[str, Any]:
    """What the cleaner makes of the fixture's input now, in the shape of its expected record.

    Raises `OSError` or `CassetteError` when the input cannot be read."""
    data = fixture.read_input()
    try:
        if fixture.kind == "seed":
            return {"text": parse_text(data).text}
        if fixture.outlet and fixture.outlet not in outlets:
            raise FixtureError(f"{fixture.expected_path}: unknown outlet {fixture.outlet!r}")
        outlet = outlets[fixture.outlet] if fixture.outlet else outlet_for_url(fixture.url or "")
        article = clean_page(data, fixture.url, outlet).to_dict()
    except CleanerError as error:
        return {"refused": error.reason}
    return {key: article[key] for key in PAGE_FIELDS}


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def describe_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The differences between two records, readable: text lines gone (-) or added (+), and each other
    field as `field: old -> new`."""
    lines = []
    order = [*PAGE_FIELDS, "refused"]
    for key in sorted(before.keys() | after.keys(), key=lambda k: (order.index(k) if k in order else len(order), k)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key == "text" and isinstance(old, str | None) and isinstance(new, str | None):
            lines.append("text:")
            diff = difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(), lineterm="", n=0)
            lines += [f"  {line}" for line in diff if not line.startswith(("---", "+++", "@@"))]
        else:
            lines.append(f"{key}: {_shown(old)} -> {_shown(new)}")
    return lines


def _check_fixture(fixture: Fixture, outlets: dict[str, Outlet], update: bool) -> Checked:
    checked = Checked(fixture.name)
    if not fixture.input_path.exists():
        third_party = not fixture.in_cassette and fixture.input_path.is_relative_to(shared_pages_dir())
        if third_party and not shared_pages_dir().exists():
            checked.skipped = f"its page is in {shared_pages_dir()}, which is not on this machine"
        else:
            checked.problem = f"its input {fixture.input_path} is missing"
        return checked
    try:
        output = cleaned_output(fixture, outlets)
    except (OSError, CassetteError, FixtureError) as error:
        checked.problem = str(error)
        return checked
    checked.changes = describe_changes(approved_output(fixture), output)
    if checked.changes and update:
        _accept(fixture, output)
    return checked


def _accept(fixture: Fixture, output: dict[str, Any]) -> None:
    """Record `output` as the fixture's accepted output, beside (never over) its expected record."""
    if "refused" in output or "refused" in fixture.expected:  # nothing to lay over: all or nothing
        accepted = {} if output == fixture.expected else output
    else:
        accepted = {key: value for key, value in output.items() if fixture.expected.get(key) != value}
    if fixture.kind == "seed":
        path = fixture.expected_path.with_name(fixture.expected_path.name.replace(EXPECTED_SUFFIX, ACCEPTED_SUFFIX))
        if accepted:
            atomic_write_text(path, accepted["text"].strip() + "\n")
        else:
            path.unlink(missing_ok=True)
        return
    record = json.loads(fixture.expected_path.read_text(encoding="utf-8"))
    record.pop("accepted", None)
    if accepted:
        record["accepted"] = accepted
    atomic_write_text(fixture.expected_path, json.dumps(record, ensure_ascii=False, indent=2) + "\n")


def check_fixtures(root: Path, outlets: dict[str, Outlet], update: bool = False,
                   outlet_files: list[Path] | None = None) -> Iterator[Checked]:
    """Clean every stored page under `root` again (seeds, pages, recorded crawls) and compare."""
    for fixture in [*seed_fixtures(root), *page_fixtures(root)]:
        yield _check_fixture(fixture, outlets, update)
    yield from check_recorded_crawl(root / "cassettes", update, outlet_files or [])


def replayed_records(cassettes: Path, outlet_files: list[Path]) -> list[dict[str, Any]]:
    """The records a replay of every cassette in the folder makes (without `fetched_at`), by outlet."""
    from .sites import read_records

    outlets = sorted(path.stem for path in cassettes.glob(f"*{CASSETTE_SUFFIX}"))
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "scraper", "crawl", "--replay", *outlets, "--out", out, "--no-resume",
                   "--cassettes", str(cassettes), *(f"--outlets={path}" for path in outlet_files)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode not in (0, 1):
            raise FixtureError(f"the replay of {cassettes} failed: {result.stderr.strip()}")
        records = [{k: v for k, v in r.items() if k != "fetched_at"} for r in read_records(Path(out))]
    return sorted(records, key=lambda record: record["outlet"])


def check_recorded_crawl(cassettes: Path, update: bool, outlet_files: list[Path]) -> Iterator[Checked]:
    """Replay the recorded crawl in `cassettes/` and compare its records with `expected.jsonl` there.

    With `update`, the project's fixture sites (`sites/` beside it) are recorded again first."""
    expected_path = cassettes / "expected.jsonl"
    if not expected_path.exists():
        return
    sites = cassettes.parent / "sites"
    if update and sites.is_dir():
        from .sites import build_site_cassettes

        build_site_cassettes(sites, cassettes)
    records = replayed_records(cassettes, outlet_files)
    expected = [json.loads(line) for line in expected_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    now = {record["url"]: record for record in records}
    before = {record["url"]: record for record in expected}
    for url in sorted(before.keys() | now.keys()):
        checked = Checked(f"cassettes/{(now.get(url) or before[url])['outlet']}: {url}")
        if url not in now:
            checked.changes = ["the replayed crawl no longer stores this article"]
        elif url not in before:
            checked.changes = ["the replayed crawl now stores this article too"]
        else:
            checked.changes = describe_changes(before[url], now[url])
        yield checked
    if update and records != expected:
        atomic_write_text(expected_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


# Adding fixtures ---------------------------------------------------------------------------------

def fixture_name(source: str) -> str:
    """A file name for a fixture from its URL's or file's last path segment."""
    last = Path(urlsplit(source).path).stem if "://" in source else Path(source).stem
    return _NAME.sub("-", last.lower()).strip("-")[:80] or "page"


def add_fixture(source: str, outlet: Outlet, root: Path, *, url: str | None = None, name: str | None = None,
                fetch_settings: dict[str, Any] | None = None) -> Path:
    """Store a page (a file, or a URL fetched and recorded as a cassette) under `root/pages/<outlet>/`
    with its expected record as the cleaner makes it now, for a person to review; returns the record."""
    name = name or fixture_name(source)
    if not re.fullmatch(r"[a-z0-9_][a-z0-9_-]*", name):
        raise FixtureError(f"fixture name {name!r}: lowercase letters, digits, '-' and '_' only")
    folder = root / "pages" / outlet.name
    record_path = folder / f"{name}.json"
    if record_path.exists():
        raise FixtureError(f"{record_path} exists already; pass another --name")
    fetched = urlsplit(source).scheme in ("http", "https")
    if fetched and not outlet.owns(source):
        raise FixtureError(f"{source} is not on {outlet.name}'s domains ({', '.join(outlet.domains)})")
    if not fetched and not Path(source).is_file():
        raise FixtureError(f"no such file: {source}")
    folder.mkdir(parents=True, exist_ok=True)
    if fetched:
        stored = folder / f"{name}{CASSETTE_SUFFIX}"
        url = fetch_into_cassette(source, stored, fetch_settings or {})
        record: dict[str, Any] = {"cassette": f"{outlet.name}/{stored.name}", "url": url}
    else:
        stored = folder / f"{name}{Path(source).suffix or '.html'}"
        shutil.copyfile(source, stored)
        record = {"page": f"{outlet.name}/{stored.name}", "url": url}
    record["outlet"] = outlet.name
    fixture = Fixture(name=f"pages/{outlet.name}/{name}", kind="page", input_path=stored, expected_path=record_path,
                      url=url, expected={}, outlet=outlet.name, in_cassette="cassette" in record)
    try:
        record["expected"] = cleaned_output(fixture, {outlet.name: outlet})
    except (OSError, CassetteError) as error:
        stored.unlink(missing_ok=True)
        raise FixtureError(f"{source}: {error}") from None
    record["notes"] = "written by `scraper fixture add`: read the page and correct what the cleaner got wrong"
    atomic_write_text(record_path, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return record_path


def fetch_into_cassette(url: str, cassette: Path, settings: dict[str, Any]) -> str:
    """Fetch one page with the crawl's settings (robots.txt, User-Agent, proxy, retries), recording the
    traffic in `cassette` as `scraper crawl --record` does; returns the URL the page was found at."""
    from .fetch import fetch_page

    cassette.unlink(missing_ok=True)
    status, final_url, problem = fetch_page(url, cassette, settings)
    if problem or status != 200:
        cassette.unlink(missing_ok=True)
        raise FixtureError(f"cannot fetch {url}: {problem or f'HTTP {status}'}")
    return final_url
