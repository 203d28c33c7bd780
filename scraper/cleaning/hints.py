"""Per-outlet hints for the cleaner: boxes to drop and where the article body sits."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class CleanerHints:
    """An outlet's XPaths for what its pages hold where the generic rules do not look.

    `drop`: boilerplate boxes to remove; `body`: the article body container; `published`: the element
    holding the date line when the page's metadata has none (scripts included); `title`, `author`,
    `category`: the element holding each (it wins over the generic guess); `tags`: the tag links.
    """

    drop: tuple[str, ...] = ()
    body: str | None = None
    published: str | None = None
    title: str | None = None
    author: str | None = None
    category: str | None = None
    tags: str | None = None

    def __post_init__(self) -> None:
        single = (self.body, self.published, self.title, self.author, self.category, self.tags)
        for xpath in (*self.drop, *(x for x in single if x)):
            try:
                etree.XPath(xpath)
            except etree.XPathSyntaxError as error:
                raise ValueError(f"not an XPath: {xpath!r} ({error})") from error
