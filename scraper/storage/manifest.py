"""Run manifests: what each run found, fetched, cleaned, skipped and stored, per outlet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
        for key in ("found", "fetched", "cleaned", "stored", "duplicates", "errors"):
            totals[key] = totals.get(key, 0) + figures.get(key, 0)
    manifest["totals"] = totals
    atomic_write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return path


def read_manifests(root: Path, latest: int = 0) -> list[dict[str, Any]]:
    """The run manifests under `root` (the `latest` ones, or all), oldest first."""
    paths = sorted((root / "runs").glob("*.json"))[-latest:] if latest else sorted((root / "runs").glob("*.json"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]
