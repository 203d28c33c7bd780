"""The raw archive: every fetched response with its request, in gzip-per-record WARC files (warcio).

A file is written as `<name>.warc.gz.open` and renamed to `<name>.warc.gz` when it reaches its size
or the crawl ends, so a finished file is always whole; a crash leaves at most one `.open` file, whose
complete records a WARC reader still reads. Each file starts with a `warcinfo` record; each exchange
is a `response` record and a `request` record pointing at it with `WARC-Concurrent-To`.

The response is stored as the server sent it, before Scrapy decompresses it: status line, headers
(`Content-Encoding` included) and the body still encoded. Scrapy has already taken the body out of
chunked transfer encoding, so a `Transfer-Encoding` header is left out. Responses of article
requests carry `Scraper-Outlet` and `Scraper-Listed-URL`, which re-cleaning reads. The writer
gives every record its `WARC-Block-Digest` and every response its `WARC-Payload-Digest` (sha1), which
the reader checks.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
OUTLET_FIELD = "Scraper-Outlet"
LISTED_URL_FIELD = "Scraper-Listed-URL"
_LEFT_OUT_HEADERS = {"transfer-encoding"}


@dataclass
class Exchange:
    """One request and the response it got, as they went over the wire."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    protocol: str
    response_headers: list[tuple[str, str]]
    body: bytes
    date: str  # WARC-Date, UTC: 2026-12-02T01:30:00Z
    fields: dict[str, str]  # extra WARC fields of the response record


@dataclass
class ArchivedPage:
    """An article response read back from a WARC file."""

    url: str
    outlet: str
    listed_canonical_url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # as the server sent it: still Content-Encoded
    date: str
    damage: str = ""  # why the record cannot be used: "truncated_record", "bad_digest", "malformed_record"


class WarcArchive:
    """WARC files `<folder>/<prefix>-<NNNNN>.warc.gz`, a new one when the current one passes `max_size`."""

    def __init__(self, folder: Path, prefix: str, max_size: int, software: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.max_size = max_size
        self.software = software
        self.files: list[str] = []
        self._serial = 0
        self._file: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._path: Path | None = None

    def _open(self) -> WARCWriter:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{self.prefix}-{self._serial:05d}{WARC_SUFFIX}"
        self._path = self.folder / (name + OPEN_SUFFIX)
        self._file = open(self._path, "wb")  # noqa: SIM115 (kept open across records, closed by _finish)
        self._writer = WARCWriter(self._file, gzip=True)
        info = {"software": self.software, "format": "WARC File Format 1.0", "robots": "obey"}
        self._writer.write_record(self._writer.create_warcinfo_record(name, info))
        return self._writer

    def write(self, exchange: Exchange) -> None:
        """Append the response record and its request record; rotate when the file is full."""
        writer = self._writer or self._open()
        try:
            reason = HTTPStatus(exchange.status).phrase
        except ValueError:  # a status Python does not name
            reason = ""
        headers = [(k, v) for k, v in exchange.response_headers if k.lower() not in _LEFT_OUT_HEADERS]
        response = writer.create_warc_record(
            exchange.url, "response", payload=BytesIO(exchange.body), length=len(exchange.body),
            http_headers=StatusAndHeaders(f"{exchange.status} {reason}".strip(), headers, protocol=exchange.protocol),
            warc_headers_dict={"WARC-Date": exchange.date, **exchange.fields})
        target = exchange.url.split("://", 1)[-1]
        path = "/" + target.split("/", 1)[1] if "/" in target else "/"
        request = writer.create_warc_record(
            exchange.url, "request", payload=BytesIO(b""), length=0,
            http_headers=StatusAndHeaders(f"{exchange.method} {path} HTTP/1.1", exchange.request_headers,
                                          is_http_request=True),
            warc_headers_dict={"WARC-Date": exchange.date})
        writer.write_request_response_pair(request, response)
        assert self._file is not None
        if self._file.tell() >= self.max_size:
            self._finish()

    def _finish(self) -> None:
        """Sync the current file and give it its final name."""
        if self._file is None or self._path is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        final = self._path.with_name(self._path.name.removesuffix(OPEN_SUFFIX))
        os.replace(self._path, final)
        self.files.append(final.name)
        self._file = self._writer = self._path = None
        self._serial += 1

    def close(self) -> None:
        """Finish the current file."""
        self._finish()


def warc_files(paths: Iterable[Path]) -> list[Path]:
    """The WARC files among `paths`; folders are searched for finished files and for the `.open` ones a
    killed crawl leaves (their last record may be cut, which reading reports)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob(f"*{WARC_SUFFIX}*")
                            if p.name.endswith((WARC_SUFFIX, WARC_SUFFIX + OPEN_SUFFIX)))
        else:
            found.append(path)
    return found


def archived_pages(path: Path, problems: list[str]) -> Iterator[ArchivedPage]:
    """The article responses of one WARC file, in the order they were fetched. A response whose payload
    is shorter than its Content-Length says or fails its digest comes with its `damage`; such a record,
    and a file that cannot be read (not a WARC file, or damaged past some record), add a message naming
    the file to `problems`."""
    read = 0
    try:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, check_digests=True):
                if read == 0 and not record.rec_headers.get_header("WARC-Record-ID"):
                    raise ValueError("no WARC-Record-ID in its first record")
                read += 1
                fields = record.rec_headers
                if record.rec_type != "response" or not fields.get_header(LISTED_URL_FIELD):
                    continue
                page = _page(record)
                if page.damage:
                    problems.append(f"{path}: {page.damage}: {page.url}")
                yield page
    except Exception as error:  # warcio fails on bad input in many ways: ArchiveLoadFailed, AttributeError, …
        what = "not a WARC file" if read == 0 else f"damaged after {read} records"
        # warcio quotes raw bytes in its messages
        message = str(error).strip()[:160].encode("ascii", "backslashreplace").decode("ascii")
        problems.append(f"{path}: {what}: {type(error).__name__}: {message}")
        return
    if read == 0:
        problems.append(f"{path}: not a WARC file: no WARC record in it")


def _page(record: ArcWarcRecord) -> ArchivedPage:
    """An article response record as an ArchivedPage, with its damage if it has any."""
    fields = record.rec_headers
    page = ArchivedPage(
        url=fields.get_header("WARC-Target-URI") or "", outlet=fields.get_header(OUTLET_FIELD) or "unknown",
        listed_canonical_url=fields.get_header(LISTED_URL_FIELD), status=0, headers=[], body=b"",
        date=fields.get_header("WARC-Date") or "")
    try:
        page.status = int(record.http_headers.get_statuscode())
        page.headers = record.http_headers.headers
    except (AttributeError, TypeError, ValueError):  # no HTTP headers, or no number in the status line
        page.damage = "malformed_record"
        return page
    page.body = record.raw_stream.read()
    if len(page.body) < record.payload_length:
        page.damage = "truncated_record"
    elif record.digest_checker.passed is False:
        page.damage = "bad_digest"
    return page
