"""The errors the cleaner raises: one base class, one subclass per kind of bad input."""

from __future__ import annotations


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
    reason = "not_article"
