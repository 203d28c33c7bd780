"""Undoing an HTTP Content-Encoding (gzip, deflate, br) as Scrapy does, within a size limit: for
responses read back from a WARC archive or a cassette, which hold bodies as the server sent them."""

from __future__ import annotations

import struct
import zlib

import brotli
from scrapy.utils.gz import gunzip


class TooLarge(ValueError):
    """A body that decompresses past the download size limit."""


class Undecodable(ValueError):
    """A body that its Content-Encoding does not decode."""


def decoded_body(headers: list[tuple[str, str]], body: bytes, max_size: int) -> bytes:
    """The body without its Content-Encoding (gzip, deflate, br), as Scrapy hands it to the spider;
    an encoding it does not know is left as it is."""
    encodings = [e.strip().lower() for k, v in headers if k.lower() == "content-encoding" for e in v.split(",")]
    for encoding in reversed(encodings):
        if encoding in ("gzip", "x-gzip"):
            try:
                body = gunzip(body, max_size=max_size)
            except ValueError as error:
                raise TooLarge(str(error)) from error
            except (OSError, EOFError, struct.error, zlib.error) as error:
                raise Undecodable(f"gzip: {error}") from error
        elif encoding == "deflate":
            try:
                inflater = zlib.decompressobj()
                decoded = inflater.decompress(body, max_size + 1)
            except zlib.error:
                try:
                    inflater = zlib.decompressobj(wbits=-15)
                    decoded = inflater.decompress(body, max_size + 1)
                except zlib.error as error:
                    raise Undecodable(f"deflate: {error}") from error
            if len(decoded) > max_size:
                raise TooLarge(f"deflate body over {max_size} bytes")
            body = decoded
        elif encoding == "br":
            try:
                body = brotli.decompress(body)
            except brotli.error as error:
                raise Undecodable(f"br: {error}") from error
            if len(body) > max_size:
                raise TooLarge(f"br body over {max_size} bytes")
        elif encoding not in ("", "identity"):
            break
    return body
