"""Per-outlet hints for the cleaner: boxes to drop and where the article body sits."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class CleanerHints:
    """XPaths of boilerplate boxes to drop (`drop`), of the article body container (`body`) and of
    the element holding the publication time when the page's metadata has none (`published`)."""

    drop: tuple[str, ...] = ()
    body: str | None = None
    published: str | None = None

    def __post_init__(self) -> None:
        for xpath in (*self.drop, *(x for x in (self.body, self.published) if x)):
            try:
                etree.XPath(xpath)
            except etree.XPathSyntaxError as error:
                raise ValueError(f"not an XPath: {xpath!r} ({error})") from error
