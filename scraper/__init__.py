"""scraper: crawl Vietnamese news outlets and turn article pages into clean text with metadata."""

from .cleaning.article import Article
from .cleaning.errors import CleanerError, NotAnArticle
from .cleaning.html import clean_html
from .cleaning.text import clean_text, parse_text

__all__ = ["Article", "CleanerError", "NotAnArticle", "clean_html", "clean_text", "parse_text"]
