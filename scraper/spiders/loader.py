"""Scrapy's spider loader for the project: every outlet definition is a spider of its name."""

from __future__ import annotations

from scrapy import Request
from scrapy.settings import BaseSettings

from ..outlets import Outlet, all_outlets
from .news import NewsSpider


class OutletSpiderLoader:
    """`SPIDER_LOADER_CLASS`: `scrapy crawl vnexpress` loads the news spider for the vnexpress outlet."""

    def __init__(self, outlets: dict[str, Outlet]) -> None:
        self.outlets = outlets

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> OutletSpiderLoader:
        return cls(all_outlets(settings.getlist("SCRAPER_OUTLET_FILES")))

    def load(self, spider_name: str) -> type[NewsSpider]:
        if spider_name not in self.outlets:
            raise KeyError(f"Spider not found: {spider_name} (known outlets: {', '.join(sorted(self.outlets))})")
        return NewsSpider.for_outlet(self.outlets[spider_name])

    def list(self) -> list[str]:
        return sorted(self.outlets)

    def find_by_request(self, request: Request) -> list[str]:
        return [name for name, outlet in sorted(self.outlets.items()) if outlet.owns(request.url)]
