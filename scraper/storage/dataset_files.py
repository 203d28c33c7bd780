"""The dataset on disk: immutable files partitioned by outlet and publication date.

Records are kept in memory in batches (bounded by `batch_size`) and each batch is written as new
files, `dataset/outlet=<name>/date=<YYYY-MM-DD>/<run>-<batch>.jsonl` (or `.parquet`), each appearing
atomically. A file is never appended to, so a reader or a crash never meets a half-written one.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..outlets import OUTLET_NAME
from .files import atomic_write_bytes, inside

FORMATS = ("jsonl", "parquet")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
RUN_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]*")


def partition(record: dict[str, Any]) -> str:
    """The folder of a record, relative to the dataset root: outlet and local publication date."""
    outlet = record["outlet"]
    if not isinstance(outlet, str) or not OUTLET_NAME.fullmatch(outlet):
        raise ValueError(f"not an outlet name: {outlet!r}")
    published = record.get("published") or ""
    day = published[:10] if _DATE.fullmatch(published[:10]) else "unknown"
    return f"outlet={outlet}/date={day}"


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in records).encode("utf-8")


def _parquet(records: list[dict[str, Any]]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise RuntimeError("Parquet output needs pyarrow: pip install 'scraper[parquet]'") from error
    text, number = pa.string(), pa.int64()
    schema = pa.schema([  # one schema for every file, whatever a batch's values (article-3.json)
        ("schema_version", number), ("url", text), ("canonical_url", text), ("outlet", text), ("title", text),
        ("lead", text), ("text", text), ("author", text), ("published", text), ("modified", text),
        ("category", text), ("tags", pa.list_(text)), ("source", text), ("language", text), ("word_count", number),
        ("fetched_at", text), ("content_hash", text), ("near_duplicate_of", text), ("page_type", text),
        ("page_type_score", pa.float64()),
    ])
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records, schema=schema), buffer, compression="zstd")
    return buffer.getvalue()


class DatasetWriter:
    """Collects records and writes them as atomic, partitioned batch files under `root`."""

    def __init__(self, root: Path, run_id: str, file_format: str = "jsonl", batch_size: int = 200) -> None:
        if file_format not in FORMATS:
            raise ValueError(f"unknown dataset format {file_format!r}; known: {', '.join(FORMATS)}")
        if not RUN_ID.fullmatch(run_id):
            raise ValueError(f"not a run id: {run_id!r}")
        self.root = root
        self.run_id = run_id
        self.file_format = file_format
        self.batch_size = batch_size
        self._batch = 0
        self._pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._count = 0
        self.files: list[str] = []

    def part_for(self, record: dict[str, Any]) -> str:
        """The file (relative to `root`) the record will be written to by the next flush."""
        return f"{partition(record)}/{self.run_id}-{self._batch:05d}.{self.file_format}"

    def add(self, record: dict[str, Any]) -> str:
        """Queue a record; returns its file. Call `flush` (or reach `batch_size`) to write."""
        part = self.part_for(record)
        self._pending[part].append(record)
        self._count += 1
        return part

    @property
    def full(self) -> bool:
        """Whether the batch has reached its size and should be flushed."""
        return self._count >= self.batch_size

    def flush(self) -> tuple[dict[str, int], dict[str, str]]:
        """Write every queued record: returns the files written with their record counts, and the
        files that could not be written with why (their records are dropped; the seen-state, whose
        rows for them stay pending, has them fetched again by the next run)."""
        encode = _jsonl if self.file_format == "jsonl" else _parquet
        written: dict[str, int] = {}
        failed: dict[str, str] = {}
        for part, records in self._pending.items():
            try:
                atomic_write_bytes(inside(self.root, part), encode(records))
            except OSError as error:
                failed[part] = f"{error.strerror or error}"
                continue
            written[part] = len(records)
        self._pending.clear()
        self._count = 0
        self._batch += 1
        self.files.extend(written)
        return written, failed
