"""Run manifests: what each run found, fetched, cleaned, skipped and stored, per outlet."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..drift import drift_alarms
from .files import atomic_write_text


def manifest_path(root: Path, run_id: str) -> Path:
    """Where the manifest of a run is kept."""
    return root / "runs" / f"{run_id}.json"


def record_outlet(root: Path, run_id: str, outlet: str, section: dict[str, Any], run: dict[str, Any]) -> Path:
    """Add one outlet's figures to the run's manifest (created on first use), atomically."""
    path = manifest_path(root, run_id)
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"run_id": run_id, "outlets": {}}
    manifest.update(run)
    manifest["outlets"][outlet] = section
    totals: dict[str, int] = {}
    for figures in manifest["outlets"].values():
        for key in ("found", "fetched", "cleaned", "stored", "duplicates", "near_duplicates", "errors"):
            totals[key] = totals.get(key, 0) + figures.get(key, 0)
    manifest["totals"] = totals
    manifest["near_duplicate_clusters"] = near_duplicate_clusters(manifest["outlets"].values())
    manifest["layout_drift_alarms"] = drift_alarms(manifest)
    atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return path


def near_duplicate_clusters(sections: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's near-duplicates grouped by the article first seen: `{"first_seen": url, "copies": [url, …]}`."""
    clusters: dict[str, list[str]] = defaultdict(list)
    for figures in sections:
        for page in figures.get("near_duplicate_pages", []):
            clusters[page["near_duplicate_of"]].append(page["canonical_url"])
    return [{"first_seen": first, "copies": sorted(copies)} for first, copies in sorted(clusters.items())]


def read_manifests(root: Path, latest: int = 0) -> list[dict[str, Any]]:
    """The run manifests under `root` (the `latest` ones, or all), oldest first."""
    paths = sorted((root / "runs").glob("*.json"))[-latest:] if latest else sorted((root / "runs").glob("*.json"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]
