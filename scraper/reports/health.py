"""The crawl-health page: the manifests of recent runs, per outlet, with the share of empty or short
texts over time as a small chart."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import settings as project_settings
from ..drift import FIELD as DRIFT_FIELD
from ..storage.manifest import read_manifests
from .template import document, escape, table

logger = logging.getLogger(__name__)
NUMBERS = ("found", "fetched", "cleaned", "stored", "duplicates", "errors")  # an outlet's counts in a manifest
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 420, 120, 28
SERIES = "empty_or_short_share"


@dataclass
class OutletRun:
    """One outlet's figures in one run, as its manifest records them."""

    run_id: str
    started: str
    found: int = 0
    fetched: int = 0
    cleaned: int = 0
    stored: int = 0
    duplicates: int = 0
    errors: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors_by_reason: dict[str, int] = field(default_factory=dict)
    article_pages: int | None = None  # the layout-drift figures; absent from manifests written before them
    short_or_empty: int | None = None
    finish_reason: str = ""

    @classmethod
    def from_manifest(cls, run_id: str, figures: dict[str, Any]) -> OutletRun:
        """The figures of a manifest's outlet section; a count that is not a whole number is taken as 0
        (a count by reason as absent, a layout-drift figure as not recorded), with a warning naming it."""
        drift = _section(figures, DRIFT_FIELD)
        return cls(run_id=run_id, started=_text(figures, "started"), finish_reason=_text(figures, "finish_reason"),
                   **{name: _number(run_id, figures, name, 0) for name in NUMBERS},
                   skipped=_by_reason(run_id, figures, "skipped"),
                   errors_by_reason=_by_reason(run_id, figures, "errors_by_reason"),
                   article_pages=_number(run_id, drift, "article_pages", None),
                   short_or_empty=_number(run_id, drift, "short_or_empty", None))

    @property
    def empty_or_short(self) -> float | None:
        """Share of the run's article pages whose text came out empty or short (the manifest's layout-drift
        figures); None when the run cleaned no page."""
        if not self.article_pages or self.short_or_empty is None:
            return None
        return self.short_or_empty / self.article_pages

    @property
    def troubled(self) -> bool:
        return bool(self.errors) or self.finish_reason not in ("", "finished")


def _number(run_id: str, figures: dict[str, Any], name: str, default: int | None) -> int | None:
    """A count of a manifest section; `default` when it is absent or not a whole number (with a warning)."""
    value = figures.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value is not None:
        logger.warning("run %s: %s is %r, not a number: %s", run_id, name, value,
                       "left out" if default is None else f"taken as {default}")
    return default


def _section(figures: dict[str, Any], name: str) -> dict[str, Any]:
    value = figures.get(name)
    return value if isinstance(value, dict) else {}


def _text(figures: dict[str, Any], name: str) -> str:
    value = figures.get(name)
    return value if isinstance(value, str) else ""


def _by_reason(run_id: str, figures: dict[str, Any], name: str) -> dict[str, int]:
    """Counts by reason, those that are whole numbers."""
    section = _section(figures, name)
    return {reason: count for reason in section if (count := _number(run_id, section, reason, None)) is not None}


def outlet_history(manifests: list[dict[str, Any]]) -> dict[str, list[OutletRun]]:
    """Each outlet's runs, oldest first."""
    history: dict[str, list[OutletRun]] = {}
    for manifest in manifests:
        for outlet, figures in manifest.get("outlets", {}).items():
            history.setdefault(outlet, []).append(OutletRun.from_manifest(manifest["run_id"], figures))
    return dict(sorted(history.items()))


def _combined(history: dict[str, list[OutletRun]], run_ids: list[str]) -> list[OutletRun]:
    """Every outlet's figures added up, one per run."""
    runs = {run_id: OutletRun(run_id=run_id, started="", finish_reason="finished") for run_id in run_ids}
    for outlet_runs in history.values():
        for run in outlet_runs:
            total = runs[run.run_id]
            total.started = min(filter(None, (total.started, run.started)), default="")
            for name in NUMBERS:
                setattr(total, name, getattr(total, name) + getattr(run, name))
            for reason, count in run.skipped.items():
                total.skipped[reason] = total.skipped.get(reason, 0) + count
            for name in ("article_pages", "short_or_empty"):
                if getattr(run, name) is not None:
                    setattr(total, name, (getattr(total, name) or 0) + getattr(run, name))
            for reason, count in run.errors_by_reason.items():
                total.errors_by_reason[reason] = total.errors_by_reason.get(reason, 0) + count
            if run.finish_reason != "finished":
                total.finish_reason = run.finish_reason
    return [runs[run_id] for run_id in run_ids]


def chart(runs: list[OutletRun], label: str) -> str:
    """A small inline SVG chart of the share of empty or short texts, one point per run that cleaned pages."""
    left, top = CHART_MARGIN + 8, 10
    width, height = CHART_WIDTH - left - 10, CHART_HEIGHT - top - CHART_MARGIN
    step = width / max(len(runs) - 1, 1)
    points = []
    for index, run in enumerate(runs):
        share = run.empty_or_short
        if share is not None:
            x = left + (index * step if len(runs) > 1 else width / 2)
            points.append((x, top + height * (1 - share), share, run))
    circles = "".join(
        f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" data-run="{escape(run.run_id)}" '
        f'data-value="{share:.3f}"><title>{escape(run.run_id)}: {share:.0%}</title></circle>'
        for x, y, share, run in points)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
    first, last = (_moment(runs[0].started), _moment(runs[-1].started)) if runs else ("", "")
    return (
        f'<svg class="chart" role="img" aria-label="{escape(label)}" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" data-series="{SERIES}" data-points="{len(points)}" '
        f'data-runs="{len(runs)}">'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + height}" stroke="#c3cad0"/>'
        f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" stroke="#c3cad0"/>'
        f'<line x1="{left}" y1="{top}" x2="{left + width}" y2="{top}" stroke="#eceff1"/>'
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">100%</text>'
        f'<text x="{left - 4}" y="{top + height + 4}" text-anchor="end">0%</text>'
        f'<text x="{left}" y="{CHART_HEIGHT - 8}">{escape(first)}</text>'
        f'<text x="{left + width}" y="{CHART_HEIGHT - 8}" text-anchor="end">{escape(last)}</text>'
        f'<polyline class="series" fill="none" stroke="#c8553d" stroke-width="2" points="{line}"/>'
        f'<g fill="#c8553d">{circles}</g></svg>'
    )


def _moment(started: str) -> str:
    """An ISO start time as the tables show it: `2026-12-02 01:22:04` (UTC)."""
    return started.replace("T", " ").removesuffix("+00:00")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{escape(reason)} {count}" for reason, count in sorted(counts.items())) or "–"


def _share(run: OutletRun) -> str:
    share = run.empty_or_short
    return "–" if share is None else f"{share:.0%}"


def _run_row(run: OutletRun, name: str) -> list[str]:
    errors = f'<span class="bad">{run.errors}</span> ({_counts(run.errors_by_reason)})' if run.errors else "0"
    finish = escape(run.finish_reason or "–")
    return [name, escape(_moment(run.started)), str(run.found), str(run.fetched),
            str(run.stored), str(run.duplicates), _counts(run.skipped), errors, _share(run),
            finish if run.finish_reason in ("", "finished") else f'<span class="bad">{finish}</span>']


HEADERS = ["", "started (UTC)", "found", "fetched", "stored", "duplicates", "skipped by reason", "errors",
           "empty or short", "finish"]
NUMERIC = (2, 3, 4, 5, 8)


def render_health(manifests: list[dict[str, Any]], source: str = "") -> str:
    """The health page of these run manifests (oldest first)."""
    history = outlet_history(manifests)
    run_ids = [manifest["run_id"] for manifest in manifests]
    totals = _combined(history, run_ids)
    latest = [[f'<a href="#outlet-{escape(outlet)}">{escape(outlet)}</a>', *_run_row(runs[-1], "")[1:]]
              for outlet, runs in history.items()]
    sections = []
    for outlet, runs in history.items():
        rows = [_run_row(run, escape(run.run_id)) for run in reversed(runs)]
        sections.append(
            f'<section class="outlet" id="outlet-{escape(outlet)}" data-outlet="{escape(outlet)}" '
            f'data-runs="{len(runs)}"><h2>{escape(outlet)}</h2>{chart(runs, f"{outlet}: empty or short texts")}'
            f'{table(["run", *HEADERS[1:]], rows, NUMERIC)}</section>')
    span = f"{_moment(totals[0].started)} to {_moment(totals[-1].started)} UTC" if totals else "no runs"
    body = (
        f'<h1>Crawl health</h1><p class="lede"><span id="summary">{len(manifests)} runs of {len(history)} outlets'
        f"</span>, {escape(span)}{f' ({escape(source)})' if source else ''}. A run is read from its manifest; "
        "“empty or short” is the share of article pages whose text came out empty or under "
        f"{project_settings.SCRAPER_SHORT_TEXT_WORDS} words, as the layout-drift alarm counts them (no point "
        "where a run cleaned nothing, as when every article was already stored).</p>"
        f"<h2>Latest run of each outlet</h2>{table(['outlet', *HEADERS[1:]], latest, numeric=NUMERIC)}"
        f"<h2>All outlets, run by run</h2>{chart(totals, 'all outlets: empty or short texts')}"
        f"{table(['run', *HEADERS[1:]], [_run_row(run, escape(run.run_id)) for run in reversed(totals)], NUMERIC)}"
        + "".join(sections)
    )
    return document("Crawl health", body)


def write_health(output: Path, out: Path, runs: int = 30) -> int:
    """Write the health page of the most recent `runs` manifests under `output/runs/`; returns how many."""
    manifests = read_manifests(output)[-runs:] if runs > 0 else []
    if manifests:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_health(manifests, str(output)), encoding="utf-8")
    return len(manifests)
