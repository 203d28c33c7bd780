"""Recorded HTTP traffic as vcrpy cassettes, plugged into Scrapy's HTTP cache (`HTTPCACHE_STORAGE`).

vcrpy cannot patch Twisted, so instead of patching, Scrapy's cache middleware asks this storage for
each response. One cassette per outlet, `<dir>/<outlet>.yaml`, in vcrpy's own format:

- replay (`SCRAPER_CASSETTE_MODE = "replay"`): responses come from the cassette; a request it does not
  hold is refused (with `HTTPCACHE_IGNORE_MISSING`) and reported, never sent to the network;
- record (`"record"`): every response a live crawl fetches is stored, raw body and headers as the
  server sent them (Content-Encoding included), and the cassette is written when the spider closes;
  answers the crawl retries (429, 5xx) are left out, so a replay gets what the retry got.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import yaml
from scrapy import Request, Spider
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings
from vcr import matchers
from vcr.cassette import Cassette
from vcr.patch import PATCHER_NAMES
from vcr.persisters.filesystem import FilesystemPersister
from vcr.record_mode import RecordMode
from vcr.request import Request as VcrRequest
from vcr.serialize import serialize

from . import content_encoding
from .cleaning.decode import MAX_INPUT_BYTES
from .storage.files import atomic_write_text, inside

logger = logging.getLogger(__name__)
logging.getLogger("vcr").setLevel(logging.WARNING)  # vcrpy logs every body it appends at INFO
MODES = ("replay", "record")
CASSETTE_SUFFIX = ".yaml"


class AtomicPersister(FilesystemPersister):
    """vcrpy's file persister, but a cassette is written aside and renamed into place."""

    @staticmethod
    def save_cassette(cassette_path: str, cassette_dict: dict[str, Any], serializer: Any) -> None:
        atomic_write_text(Path(cassette_path), serialize(cassette_dict, serializer))


@dataclass
class Interaction:
    """One recorded exchange: what was asked and what the server answered."""

    url: str
    body: bytes
    status: int = 200
    headers: dict[str, list[str]] = field(default_factory=dict)
    method: str = "GET"


def open_cassette(path: Path, mode: str) -> Any:
    """vcrpy's cassette context for `path`, patching no HTTP library (Scrapy asks it directly)."""
    return Cassette.use(
        path=str(path), persister=AtomicPersister, match_on=(matchers.method, matchers.uri),
        allow_playback_repeats=True, skip_patchers=PATCHER_NAMES,
        record_mode=RecordMode.ALL if mode == "record" else RecordMode.NONE,
    )


def _vcr_request(method: str, url: str, headers: dict[str, str] | None = None) -> VcrRequest:
    return VcrRequest(method, url, None, headers or {})


def _vcr_response(status: int, headers: dict[str, list[str]], body: bytes) -> dict[str, Any]:
    return {"status": {"code": status, "message": ""}, "headers": headers, "body": {"string": body}}


def write_cassette(path: Path, interactions: Iterable[Interaction]) -> None:
    """Write a cassette holding exactly these exchanges (for fixtures built from stored pages)."""
    path.unlink(missing_ok=True)
    context = open_cassette(path, "record")
    cassette = context.__enter__()
    for item in interactions:
        cassette.append(_vcr_request(item.method, item.url), _vcr_response(item.status, item.headers, item.body))
    context.__exit__(None, None, None)


def read_cassette(path: Path) -> list[Interaction]:
    """The exchanges a cassette holds, in recorded order; a file that is no cassette is a `CassetteError`."""
    context = open_cassette(path, "replay")
    try:
        cassette = context.__enter__()
    except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise CassetteError(f"{path} is not a readable cassette ({type(error).__name__}: {error})") from None
    items = [Interaction(url=request.uri, method=request.method, status=response["status"]["code"],
                         headers=dict(response["headers"]), body=response["body"]["string"] or b"")
             for request, response in cassette.data]
    context.__exit__(None, None, None)
    return items


class CassetteError(ValueError):
    """A cassette that does not hold the page asked for, or holds it in a form that cannot be read."""


_MAX_REDIRECTS = 5


def _header(interaction: Interaction, name: str) -> str:
    values = next((v for k, v in interaction.headers.items() if k.lower() == name.lower()), [])
    return values[0] if values else ""


def decoded_body(interaction: Interaction, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The body as the page, its Content-Encoding (gzip, deflate, br) undone, up to `limit` bytes."""
    headers = [(name, value) for name, values in interaction.headers.items() for value in values]
    try:
        return content_encoding.decoded_body(headers, interaction.body, limit)
    except content_encoding.TooLarge:
        raise CassetteError(f"{interaction.url}: the body expands beyond {limit:,} bytes") from None
    except content_encoding.Undecodable as error:
        raise CassetteError(f"{interaction.url}: broken body ({error})") from None


def recorded_page(path: Path, url: str) -> bytes:
    """The page a cassette holds for `url` (its redirects followed), decoded."""
    by_url = {item.url: item for item in read_cassette(path) if item.method == "GET"}
    for _ in range(_MAX_REDIRECTS + 1):
        interaction = by_url.get(url)
        if interaction is None:
            raise CassetteError(f"{path} holds no response for {url}")
        location = _header(interaction, "Location")
        if not (300 <= interaction.status < 400 and location):
            if interaction.status != 200:
                raise CassetteError(f"{path}: {url} was answered with HTTP {interaction.status}")
            return decoded_body(interaction)
        url = urljoin(url, location)
    raise CassetteError(f"{path}: more than {_MAX_REDIRECTS} redirects from {url}")


def _header_lists(headers: Headers) -> dict[str, list[str]]:
    return {key.decode("latin-1"): [v.decode("latin-1") for v in values] for key, values in headers.items()}


class CassetteCacheStorage:
    """Scrapy HTTP cache storage backed by one vcrpy cassette per spider (outlet)."""

    def __init__(self, settings: BaseSettings) -> None:
        self.mode = settings.get("SCRAPER_CASSETTE_MODE", "replay")
        if self.mode not in MODES:
            raise ValueError(f"SCRAPER_CASSETTE_MODE must be one of {MODES}, not {self.mode!r}")
        self.dirs = [Path(d) for d in settings.getlist("SCRAPER_CASSETTE_DIRS")]
        if not self.dirs:
            raise ValueError("SCRAPER_CASSETTE_DIRS names no cassette folder")
        self.retried = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        self.missing: list[str] = []
        self._context: Any = None
        self._cassette: Any = None

    def cassette_path(self, name: str) -> Path:
        """The outlet's cassette: the first folder holding one, or (to record) the first folder."""
        paths = [inside(d, f"{name}{CASSETTE_SUFFIX}") for d in self.dirs]
        return next((path for path in paths if path.exists()), paths[0])

    def open_spider(self, spider: Spider) -> None:
        path = self.cassette_path(spider.name)
        if self.mode == "replay" and not path.exists():
            logger.warning("no cassette for %s at %s: every request will be reported missing", spider.name, path)
        self._context = open_cassette(path, self.mode)
        self._cassette = self._context.__enter__()
        logger.info("%s cassette %s: %d recorded responses", self.mode, path, len(self._cassette))

    def close_spider(self, spider: Spider) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
        self._context = self._cassette = None
        if self.missing:
            logger.warning("%d requests were not in the cassette and were not fetched", len(self.missing))

    def retrieve_response(self, spider: Spider, request: Request) -> Response | None:
        if self.mode == "record":
            return None
        wanted = _vcr_request(request.method, request.url)
        if not self._cassette.can_play_response_for(wanted):
            self.missing.append(request.url)
            return None
        recorded = self._cassette.play_response(wanted)
        headers = Headers({k: v for k, v in recorded["headers"].items()})
        body = recorded["body"]["string"] or b""
        respcls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return respcls(url=request.url, status=recorded["status"]["code"], headers=headers, body=body,
                       request=request)

    def store_response(self, spider: Spider, request: Request, response: Response) -> None:
        if self.mode != "record" or response.status in self.retried:
            return  # a 503 the crawl retried is not what the page is: the answer after the retry is
        self._cassette.append(_vcr_request(request.method, request.url),
                              _vcr_response(response.status, _header_lists(response.headers), response.body))
