"""What a crawl keeps on disk: atomic files, the partitioned dataset, the seen-article store, manifests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from scraper.dataset import RECORD_FIELDS
from scraper.storage.dataset_files import DatasetWriter, partition
from scraper.storage.files import atomic_write_bytes, atomic_write_text
from scraper.storage.manifest import manifest_path, read_manifests, record_outlet
from scraper.storage.state import SeenStore


def _record(n: int = 0, outlet: str = "dantri", published: str | None = "2022-12-24T19:25:22+07:00") -> dict[str, Any]:
    return {"outlet": outlet, "published": published, "url": f"https://dantri.com.vn/x-{n}.htm",
            "title": f"Bài {n}", "text": "Hà Nội mùa thu", "tags": ["thời sự"]}


# --------------------------------------------------------------------------------------------
# Atomic files
# --------------------------------------------------------------------------------------------


def test_atomic_write_creates_parents_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "data.bin"
    atomic_write_bytes(path, b"\x00\x01payload")
    assert path.read_bytes() == b"\x00\x01payload"
    assert [p.name for p in path.parent.iterdir()] == ["data.bin"]
    assert path.stat().st_mode & 0o777 == 0o644


def test_atomic_write_replaces_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    atomic_write_text(path, "cũ")
    atomic_write_text(path, "mới")
    assert path.read_text(encoding="utf-8") == "mới"
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"old")

    def boom(*args: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write_bytes(path, b"new and longer")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [path]


# --------------------------------------------------------------------------------------------
# The dataset files
# --------------------------------------------------------------------------------------------


def test_partition_by_outlet_and_local_date() -> None:
    assert partition(_record()) == "outlet=dantri/date=2022-12-24"
    assert partition(_record(published="2012-12-21")) == "outlet=dantri/date=2012-12-21"
    assert partition(_record(published=None)) == "outlet=dantri/date=unknown"
    assert partition(_record(published="21/12/2012")) == "outlet=dantri/date=unknown"
    assert partition({"outlet": "dantri"}) == "outlet=dantri/date=unknown"


@pytest.mark.parametrize("outlet", ["../x", "x/y", "", "Dantri", None])
def test_bad_outlet_name_is_refused(tmp_path: Path, outlet: object) -> None:
    writer = DatasetWriter(tmp_path, "run1")
    with pytest.raises(ValueError, match="outlet"):
        writer.add(_record(outlet=outlet))  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("run_id", ["a/b", "../x", "", "run 1"])
def test_bad_run_id_is_refused(tmp_path: Path, run_id: str) -> None:
    with pytest.raises(ValueError, match="run id"):
        DatasetWriter(tmp_path, run_id)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="csv"):
        DatasetWriter(tmp_path, "run1", file_format="csv")


def test_add_names_the_partition_file_and_writes_nothing(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, "20240101T000000Z")
    assert writer.add(_record()) == "outlet=dantri/date=2022-12-24/20240101T000000Z-00000.jsonl"
    assert writer.add(_record(published=None)) == "outlet=dantri/date=unknown/20240101T000000Z-00000.jsonl"
    assert list(tmp_path.iterdir()) == []


def test_flush_writes_one_valid_jsonl_file_per_partition(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, "run1")
    records = [_record(0), _record(1, published=None), _record(2), _record(3, outlet="vov")]
    for record in records:
        writer.add(record)
    counts, failed = writer.flush()
    written = list(counts)
    assert failed == {} and sum(counts.values()) == 4
    assert sorted(written) == [
        "outlet=dantri/date=2022-12-24/run1-00000.jsonl",
        "outlet=dantri/date=unknown/run1-00000.jsonl",
        "outlet=vov/date=2022-12-24/run1-00000.jsonl",
    ]
    assert writer.files == written
    read_back = []
    for part in written:
        lines = (tmp_path / part).read_text(encoding="utf-8").splitlines()
        read_back.extend(json.loads(line) for line in lines)
    assert sorted(read_back, key=lambda r: r["url"]) == records
    assert "Hà Nội" in (tmp_path / written[0]).read_text(encoding="utf-8")  # UTF-8, not \u escapes
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".jsonl"]


def test_batches_are_numbered_and_never_appended_to(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, "run1", batch_size=2)
    writer.add(_record(0))
    assert not writer.full
    writer.add(_record(1))
    assert writer.full
    first = list(writer.flush()[0])
    assert not writer.full
    assert writer.add(_record(2)).endswith("run1-00001.jsonl")
    second = list(writer.flush()[0])
    assert first == ["outlet=dantri/date=2022-12-24/run1-00000.jsonl"]
    assert second == ["outlet=dantri/date=2022-12-24/run1-00001.jsonl"]
    assert len((tmp_path / first[0]).read_text(encoding="utf-8").splitlines()) == 2
    assert len((tmp_path / second[0]).read_text(encoding="utf-8").splitlines()) == 1
    assert writer.files == first + second


def test_flush_with_nothing_queued_writes_nothing(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, "run1")
    assert writer.flush() == ({}, {})
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_cannot_be_written_is_reported_not_raised(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, "run1")
    writer.add(_record(0))
    writer.add(_record(1, outlet="vov"))
    (tmp_path / "outlet=vov").write_text("a file where a folder should be")
    written, failed = writer.flush()
    assert list(written) == ["outlet=dantri/date=2022-12-24/run1-00000.jsonl"]
    assert list(failed) == ["outlet=vov/date=2022-12-24/run1-00000.jsonl"]


def test_parquet_round_trip(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    writer = DatasetWriter(tmp_path, "run1", file_format="parquet")
    records = [_record(0), _record(1)]
    for record in records:
        writer.add(record)
    (part,) = writer.flush()[0]
    assert part == "outlet=dantri/date=2022-12-24/run1-00000.parquet"
    rows = pq.read_table(tmp_path / part).to_pylist()
    assert [{key: row[key] for key in record} for row, record in zip(rows, records, strict=True)] == records
    assert all(set(row) == set(RECORD_FIELDS) for row in rows), "one schema for every file"


# --------------------------------------------------------------------------------------------
# The seen-article store
# --------------------------------------------------------------------------------------------

PART_A = "outlet=dantri/date=2022-12-24/run1-00000.jsonl"
PART_B = "outlet=vov/date=2022-12-24/run1-00000.jsonl"


def _store(tmp_path: Path, outlet: str) -> SeenStore:
    return SeenStore(tmp_path / "state.sqlite", outlet, root=tmp_path / "dataset")


def _write_part(tmp_path: Path, part: str) -> None:
    atomic_write_text(tmp_path / "dataset" / part, "{}\n")


def test_pending_articles_are_seen_at_once(tmp_path: Path) -> None:
    store = _store(tmp_path, "dantri")
    assert not store.has_url("https://dantri.com.vn/a")
    store.add_pending("https://dantri.com.vn/a", "sha256:aa", "2022-12-24", "2024-01-01T00:00:00Z", PART_A)
    assert store.has_url("https://dantri.com.vn/a")
    assert store.has_hash("sha256:aa")
    assert not store.has_url("https://dantri.com.vn/b")
    assert not store.has_hash("sha256:bb")
    assert store.count() == 0  # pending rows are not stored yet
    store.commit([PART_A])
    assert store.count() == 1
    store.close()


def test_reopening_drops_pending_rows_whose_file_is_missing(tmp_path: Path) -> None:
    store = _store(tmp_path, "dantri")
    store.add_pending("https://dantri.com.vn/a", "sha256:aa", None, "t", PART_A)
    missing = "outlet=dantri/date=2022-12-24/run1-00001.jsonl"
    store.add_pending("https://dantri.com.vn/b", "sha256:bb", None, "t", missing)
    _write_part(tmp_path, PART_A)
    store._db.close()  # a crash: no close(), nothing settled

    reopened = _store(tmp_path, "dantri")
    assert reopened.has_url("https://dantri.com.vn/a")
    assert reopened.has_hash("sha256:aa")
    assert not reopened.has_url("https://dantri.com.vn/b")
    assert not reopened.has_hash("sha256:bb")
    assert reopened.count() == 1
    reopened.close()


def test_settling_touches_only_the_stores_own_outlet(tmp_path: Path) -> None:
    """Outlet B's store opening while A's crawl still has unwritten batches must not drop A's rows."""
    store_a = _store(tmp_path, "dantri")
    store_a.add_pending("https://dantri.com.vn/a", "sha256:aa", None, "t", PART_A)

    store_b = _store(tmp_path, "vov")
    store_b.add_pending("https://vov.vn/b-post1.vov", "sha256:bb", None, "t", PART_B)
    store_b.close()  # B's part was never written: B's row goes, A's stays
    assert store_a.has_url("https://dantri.com.vn/a")
    assert not store_a.has_url("https://vov.vn/b-post1.vov")

    _write_part(tmp_path, PART_A)
    store_a.close()
    reopened = _store(tmp_path, "dantri")
    assert reopened.has_url("https://dantri.com.vn/a")
    assert reopened.count() == 1
    reopened.close()


def test_count_is_per_outlet_and_counts_distinct_texts(tmp_path: Path) -> None:
    store = _store(tmp_path, "dantri")
    store.add_pending("https://dantri.com.vn/a", "sha256:aa", None, "t", PART_A)
    store.add_pending("https://dantri.com.vn/a-copy", "sha256:aa", None, "t", PART_A)
    store.add_pending("https://dantri.com.vn/c", "sha256:cc", None, "t", PART_A)
    store.commit([PART_A])
    other = _store(tmp_path, "vov")
    other.add_pending("https://vov.vn/b-post1.vov", "sha256:bb", None, "t", PART_B)
    other.commit([PART_B])
    assert store.count() == 2
    assert other.count() == 1
    assert other.has_hash("sha256:aa")  # duplicates are found across outlets
    store.close()
    other.close()


def test_refused_urls_are_remembered(tmp_path: Path) -> None:
    store = _store(tmp_path, "vnexpress")
    store.add_refused("https://vnexpress.net/kinh-doanh", "not_article", "2024-01-01T00:00:00Z")
    assert store.refused_reason("https://vnexpress.net/kinh-doanh") == "not_article"
    assert store.refused_reason("https://vnexpress.net/thoi-su") is None
    store.close()
    reopened = _store(tmp_path, "vnexpress")
    assert reopened.refused_reason("https://vnexpress.net/kinh-doanh") == "not_article"
    assert not reopened.has_url("https://vnexpress.net/kinh-doanh")
    reopened.close()


def test_root_defaults_to_the_stores_folder(tmp_path: Path) -> None:
    store = SeenStore(tmp_path / "state.sqlite", "dantri")
    store.add_pending("https://dantri.com.vn/a", "sha256:aa", None, "t", PART_A)
    atomic_write_text(tmp_path / PART_A, "{}\n")
    store.close()
    reopened = SeenStore(tmp_path / "state.sqlite", "dantri")
    assert reopened.count() == 1
    reopened.close()


# --------------------------------------------------------------------------------------------
# Run manifests
# --------------------------------------------------------------------------------------------


def test_two_outlets_share_one_run_manifest(tmp_path: Path) -> None:
    record_outlet(tmp_path, "run1", "dantri", {"found": 3, "fetched": 3, "stored": 2, "errors": 0},
                  {"started": "2024-01-01T00:00:00Z"})
    path = record_outlet(tmp_path, "run1", "vov", {"found": 5, "fetched": 4, "stored": 1, "errors": 1},
                         {"finished": "2024-01-01T01:00:00Z"})
    assert path == manifest_path(tmp_path, "run1") == tmp_path / "runs" / "run1.json"
    (manifest,) = read_manifests(tmp_path)
    assert manifest["run_id"] == "run1"
    assert manifest["started"] == "2024-01-01T00:00:00Z"
    assert manifest["finished"] == "2024-01-01T01:00:00Z"
    assert set(manifest["outlets"]) == {"dantri", "vov"}
    assert manifest["totals"] == {"found": 8, "fetched": 7, "cleaned": 0, "stored": 3, "kept_doubtful": 0,
                                  "duplicates": 0, "near_duplicates": 0, "errors": 1}
    assert manifest["near_duplicate_clusters"] == [] and manifest["layout_drift_alarms"] == []
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["run1.json"]


def test_recording_an_outlet_again_replaces_its_figures(tmp_path: Path) -> None:
    record_outlet(tmp_path, "run1", "dantri", {"found": 3, "stored": 2}, {})
    record_outlet(tmp_path, "run1", "dantri", {"found": 4, "stored": 4}, {})
    (manifest,) = read_manifests(tmp_path)
    assert manifest["totals"]["found"] == 4
    assert manifest["totals"]["stored"] == 4


def test_read_manifests_oldest_first(tmp_path: Path) -> None:
    assert read_manifests(tmp_path) == []
    record_outlet(tmp_path, "20240102T000000Z", "vov", {"found": 1}, {})
    record_outlet(tmp_path, "20240101T000000Z", "vov", {"found": 2}, {})
    assert [m["run_id"] for m in read_manifests(tmp_path)] == ["20240101T000000Z", "20240102T000000Z"]
