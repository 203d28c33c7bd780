"""The errors the cleaner raises: one base class, one subclass per kind of bad input."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pagetype import PageType


class CleanerError(ValueError):
    """Input the cleaner cannot turn into an article; `reason` is a short machine-readable code."""

    reason = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EmptyInput(CleanerError):
    reason = "empty"


class BinaryInput(CleanerError):
    reason = "binary"


class UnsupportedEncoding(CleanerError):
    reason = "encoding"


class InputTooLarge(CleanerError):
    reason = "too_large"


class NotAnArticle(CleanerError):
    """A page judged not to be an article; `page_type` is the verdict with its signals (see `pagetype`)."""

    reason = "not_article"

    def __init__(self, message: str, page_type: PageType | None = None) -> None:
        super().__init__(message)
        self.page_type = page_type

    @property
    def sure(self) -> bool:
        """Whether the verdict is far from the line: a doubtful one may be wrong, and a crawl keeps the page."""
        return self.page_type is None or self.page_type.sure
