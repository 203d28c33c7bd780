"""The seen-article state of scheduled crawls, in SQLite.

An article is stored under its canonical URL with its content hash. Rows are first written as pending,
naming the dataset file that will hold the record; they count as stored once that file has appeared.
Opening the store for an outlet settles that outlet's pending rows left by an interrupted run: kept if
their file exists, dropped if not, so a crash neither loses an article nor stores it twice. Several
outlets may be crawled at once against one store; one outlet is crawled by one run at a time.

It also keeps the MinHash signatures of the latest `keep_signatures` stored articles, banded, for the
near-duplicate check (`scraper.neardup`); a signature goes when its article's row does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scrapy.settings import BaseSettings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    canonical_url TEXT PRIMARY KEY,
    outlet TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published TEXT,
    stored_at TEXT NOT NULL,
    part TEXT NOT NULL,
    pending INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles (content_hash);
CREATE TABLE IF NOT EXISTS signatures (
    id INTEGER PRIMARY KEY,
    canonical_url TEXT NOT NULL UNIQUE,
    first_seen TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS signature_bands (
    key INTEGER NOT NULL,
    signature_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS signature_bands_key ON signature_bands (key);
CREATE INDEX IF NOT EXISTS signature_bands_signature ON signature_bands (signature_id);
CREATE TABLE IF NOT EXISTS refused (
    canonical_url TEXT PRIMARY KEY,
    outlet TEXT NOT NULL,
    reason TEXT NOT NULL,
    refused_at TEXT NOT NULL
);
"""


class SeenStore:
    """Canonical URLs and content hashes of the articles already in the dataset."""

    def __init__(self, path: Path, outlet: str, root: Path | None = None, keep_signatures: int = 100_000) -> None:
        """Open (or create) the store at `path` for crawling `outlet`; part paths are relative to `root`
        (default: the store's folder)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.outlet = outlet
        self.root = root or path.parent
        self.keep_signatures = keep_signatures
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._settle_pending()

    @classmethod
    def open(cls, settings: BaseSettings, outlet: str, root: Path) -> SeenStore:
        """The store of the crawl's settings: `SCRAPER_STATE_PATH`, by default `<root>/state.sqlite`."""
        path = Path(settings["SCRAPER_STATE_PATH"] or root / "state.sqlite")
        return cls(path, outlet, root=root, keep_signatures=settings.getint("SCRAPER_NEAR_DUPLICATE_KEEP"))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """The statements inside as one transaction, rolled back on an error (the connection otherwise
        commits each statement of its own). It takes the write lock at once, so that two stores on one
        file wait for each other instead of failing halfway."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.rollback()
            raise
        self._db.commit()

    def _settle_pending(self) -> None:
        query = "SELECT DISTINCT part FROM articles WHERE pending = 1 AND outlet = ?"
        parts = [row[0] for row in self._db.execute(query, (self.outlet,))]
        with self._transaction():
            for part in parts:
                if (self.root / part).exists():
                    self._db.execute("UPDATE articles SET pending = 0 WHERE part = ?", (part,))
                else:
                    self._db.execute("DELETE FROM articles WHERE part = ? AND pending = 1", (part,))
            if parts:
                unstored = "SELECT id FROM signatures WHERE canonical_url NOT IN (SELECT canonical_url FROM articles)"
                self._db.execute(f"DELETE FROM signature_bands WHERE signature_id IN ({unstored})")
                self._db.execute(f"DELETE FROM signatures WHERE id IN ({unstored})")

    def has_url(self, canonical_url: str) -> bool:
        """Whether an article with this canonical URL is stored or about to be."""
        row = self._db.execute("SELECT 1 FROM articles WHERE canonical_url = ?", (canonical_url,)).fetchone()
        return row is not None

    def has_hash(self, content_hash: str) -> bool:
        """Whether an article with this exact text is stored or about to be."""
        row = self._db.execute("SELECT 1 FROM articles WHERE content_hash = ?", (content_hash,)).fetchone()
        return row is not None

    def add_pending(self, canonical_url: str, content_hash: str, published: str | None, stored_at: str,
                    part: str) -> None:
        """Reserve an article for the dataset file `part` (relative to the root), not yet written."""
        self._db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, 1)",
            (canonical_url, self.outlet, content_hash, published, stored_at, part),
        )

    def add_refused(self, canonical_url: str, reason: str, at: str) -> None:
        """Remember a page that is not an article, so later runs do not fetch it again."""
        self._db.execute("INSERT OR REPLACE INTO refused VALUES (?, ?, ?, ?)", (canonical_url, self.outlet, reason, at))

    def refused_reason(self, canonical_url: str) -> str | None:
        """Why the page was refused before, if it was."""
        row = self._db.execute("SELECT reason FROM refused WHERE canonical_url = ?", (canonical_url,)).fetchone()
        return row[0] if row else None

    def commit(self, parts: Iterable[str]) -> None:
        """Mark the articles of dataset files that now exist on disk as stored."""
        with self._transaction():
            self._db.executemany("UPDATE articles SET pending = 0 WHERE part = ?", [(p,) for p in parts])

    def similar_signatures(self, keys: list[int]) -> list[tuple[str, str, bytes]]:
        """(canonical URL, its first-seen original, signature) of the articles sharing a band key."""
        query = ("SELECT s.canonical_url, s.first_seen, s.signature FROM signatures s WHERE s.id IN "
                 f"(SELECT signature_id FROM signature_bands WHERE key IN ({','.join('?' * len(keys))}))")
        return list(self._db.execute(query, keys))

    def add_signature(self, canonical_url: str, first_seen: str, keys: list[int], signature: bytes) -> None:
        """Remember an article's signature under its band keys (one transaction: 65 commits an article cost
        more than the rest of the near-duplicate check)."""
        with self._transaction():
            row = self._db.execute("INSERT OR REPLACE INTO signatures (canonical_url, first_seen, signature) "
                                   "VALUES (?, ?, ?) RETURNING id", (canonical_url, first_seen, signature)).fetchone()
            self._db.executemany("INSERT INTO signature_bands VALUES (?, ?)", [(key, row[0]) for key in keys])

    def _prune_signatures(self) -> None:
        """Keep the signatures of the latest `keep_signatures` articles only."""
        cutoff = "(SELECT MAX(id) FROM signatures) - ?"
        with self._transaction():
            self._db.execute(f"DELETE FROM signature_bands WHERE signature_id <= {cutoff}", (self.keep_signatures,))
            self._db.execute(f"DELETE FROM signatures WHERE id <= {cutoff}", (self.keep_signatures,))

    def count(self) -> int:
        """How many distinct articles of the outlet are stored."""
        query = "SELECT COUNT(DISTINCT content_hash) FROM articles WHERE pending = 0 AND outlet = ?"
        return self._db.execute(query, (self.outlet,)).fetchone()[0]

    def close(self) -> None:
        """Settle what is left, prune old signatures and close the database."""
        self._settle_pending()
        self._prune_signatures()
        self._db.close()
