"""What both report pages share: the document frame, the style sheet, tables and escaping."""

from __future__ import annotations

import html
from collections.abc import Iterable

STYLE = """
:root { --kept: #e7f5e9; --kept-edge: #3c9a50; --removed: #fbe9e7; --removed-edge: #c8553d; --ink: #1d2327;
        --muted: #5f6b73; --line: #d9dee2; }
* { box-sizing: border-box; }
body { font: 14px/1.45 "DejaVu Sans", "Noto Sans", Arial, sans-serif; color: var(--ink); margin: 0;
       padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 4px; }
p.lede, .muted { color: var(--muted); }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); }
td:first-child { white-space: nowrap; }
table.index td:first-child { white-space: normal; max-width: 720px; overflow-wrap: anywhere; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
.bad { color: #b3261e; font-weight: 600; }
.good { color: #2e7d32; }
.figures span { margin-right: 16px; }
.block { border-left: 4px solid; padding: 3px 8px; margin: 3px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.block.kept { background: var(--kept); border-color: var(--kept-edge); }
.block.removed { background: var(--removed); border-color: var(--removed-edge); color: #4a3a36;
                 max-height: 7.5em; overflow: auto; }
.rule { display: inline-block; font: 12px/1.6 "DejaVu Sans Mono", monospace; background: var(--removed-edge);
        color: #fff; border-radius: 3px; padding: 0 5px; margin-right: 6px; }
.stage { font-size: 12px; color: var(--muted); margin-right: 6px; }
.legend span { margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin-right: 4px;
          border-left: 4px solid; }
body.hide-kept .block.kept { display: none; }
svg.chart { background: #fafbfc; border: 1px solid var(--line); }
svg.chart text { font: 11px "DejaVu Sans", sans-serif; fill: var(--muted); }
"""


def escape(value: object) -> str:
    """Text from pages or manifests, safe inside HTML text and quoted attributes."""
    return html.escape(str(value), quote=True)


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], numeric: Iterable[int] = (),
          css_class: str = "") -> str:
    """An HTML table; cells are already HTML; columns in `numeric` are right-aligned."""
    numeric = set(numeric)

    def cell(tag: str, index: int, content: str) -> str:
        return f'<{tag} class="number">{content}</{tag}>' if index in numeric else f"<{tag}>{content}</{tag}>"

    head = "".join(cell("th", i, escape(h)) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    opening = f'<table class="{escape(css_class)}">' if css_class else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def document(title: str, body: str, script: str = "") -> str:
    """A complete, self-contained HTML page."""
    script_tag = f"<script>{script}</script>" if script else ""
    return (f'<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body>{body}{script_tag}</body></html>\n")
