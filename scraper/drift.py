"""The layout-drift alarm: when an outlet changes its page layout, the cleaner's text comes out empty or
short on many of its pages at once. Each run records, per outlet, the share of article pages whose text
was empty (the cleaner found no article text, or no page at all) or shorter than
`SCRAPER_SHORT_TEXT_WORDS`, beside the median share of the outlet's previous runs; a jump past
`SCRAPER_DRIFT_JUMP` over enough pages raises the alarm, and `scraper crawl` exits with
`DRIFT_EXIT_STATUS`.
"""

from __future__ import annotations

from statistics import median
from typing import Any

# what the cleaner says of a page it finds no article text in
EMPTY_REASONS = ("empty", "not_article", "doubtful_not_article")
DRIFT_EXIT_STATUS = 3
FIELD = "layout_drift"
MANIFESTS_READ = 200  # the latest manifests searched for an outlet's earlier runs (each run has its own)


def layout_drift(pages: int, short_or_empty: int, previous_runs: list[dict[str, Any]], outlet: str, *,
                 history: int, min_runs: int, min_pages: int, jump: float) -> dict[str, Any]:
    """The outlet's `layout_drift` section of the manifest: this run's share, the baseline (median share
    of its latest `history` earlier runs that cleaned any page), and whether the share jumped."""
    share = short_or_empty / pages if pages else 0.0
    earlier = [run["outlets"][outlet][FIELD] for run in previous_runs
               if FIELD in run.get("outlets", {}).get(outlet, {})]
    shares = [section["short_or_empty_share"] for section in earlier if _usable(section)][-history:]
    baseline = median(shares) if shares else None
    alarm = (baseline is not None and len(shares) >= min_runs and pages >= min_pages
             and share - baseline > jump)
    return {"article_pages": pages, "short_or_empty": short_or_empty, "short_or_empty_share": round(share, 4),
            "baseline_share": None if baseline is None else round(baseline, 4), "baseline_runs": len(shares),
            "alarm": alarm}


def _usable(section: Any) -> bool:
    """Whether an earlier run's section has figures to compare with: pages cleaned and a share, as numbers
    (a hand-edited or damaged manifest may hold anything)."""
    if not isinstance(section, dict):
        return False
    pages, share = section.get("article_pages"), section.get("short_or_empty_share")
    return (isinstance(pages, int) and not isinstance(pages, bool) and pages > 0
            and isinstance(share, int | float) and not isinstance(share, bool) and 0 <= share <= 1)


def drift_alarms(manifest: dict[str, Any]) -> list[str]:
    """The outlets of a run whose layout-drift alarm went off."""
    return sorted(name for name, figures in manifest["outlets"].items() if figures.get(FIELD, {}).get("alarm"))
