"""Run manifests: what each run found, fetched, cleaned, skipped and stored, per outlet."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..drift import drift_alarms
from .files import atomic_write_text

logger = logging.getLogger(__name__)


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
        for key in ("found", "fetched", "cleaned", "stored", "kept_doubtful", "duplicates", "near_duplicates",
                    "errors"):
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
    """The run manifests under `root` (of the `latest` files, or all), oldest first; a file that is not
    a manifest (not JSON, no `run_id`, no `outlets` of figures) is left out with a warning naming it."""
    paths = sorted((root / "runs").glob("*.json"))[-latest:] if latest else sorted((root / "runs").glob("*.json"))
    manifests = []
    for path in paths:
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            logger.warning("skipping run manifest %s: not JSON (%s)", path, error)
            continue
        if problem := _malformed(manifest):
            logger.warning("skipping run manifest %s: %s", path, problem)
            continue
        manifests.append(manifest)
    return manifests


def _malformed(manifest: Any) -> str:
    """What makes this JSON value no run manifest, or ""."""
    if not isinstance(manifest, dict):
        return f"a JSON {type(manifest).__name__}, not an object"
    if not isinstance(manifest.get("run_id"), str):
        return "no run_id"
    outlets = manifest.get("outlets")
    if not isinstance(outlets, dict) or not all(isinstance(figures, dict) for figures in outlets.values()):
        return "no outlets with their figures"
    return ""
