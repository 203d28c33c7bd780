"""A small news site on 127.0.0.1 for crawl tests: routes with canned responses, a log of requests,
and faults on demand (a reset connection, a truncated body, a response that never comes)."""

from __future__ import annotations

import html
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One canned response."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    fault: str | None = None  # "reset": the connection is reset; "truncate": half the body, then closed


class LocalSite:
    """Serves registered paths; a path may answer a sequence of replies (the last one repeats). Paths not
    registered are asked of `generate` (a reply made on demand, or None for a 404). With `keep_alive`,
    connections are kept open between requests (HTTP/1.1), as news sites keep them."""

    def __init__(self, generate: Callable[[str], Reply | None] | None = None, keep_alive: bool = False) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.generate = generate
        self.requests: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                with site._lock:
                    site.requests.append((self.path, time.monotonic()))
                    replies = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
                    reply = (replies.pop(0) if len(replies) > 1 else replies[0]) if replies else None
                if reply is None:
                    reply = (site.generate and site.generate(self.path)) or Reply(b"", 404)
                time.sleep(reply.delay)
                if reply.fault == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                    return
                try:
                    self._send(reply)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (too large, timed out)
                    self.close_connection = True

            def _send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if reply.fault == "truncate":
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        if keep_alive:
            Handler.protocol_version = "HTTP/1.1"

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a hanging reply does not hold up the end of a test
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LocalSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
            self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def requested(self, path: str) -> int:
        """How many times a path (query ignored) was requested."""
        return sum(1 for p, _ in self.requests if p.split("?")[0] == path)


def article_page(title: str, paragraphs: list[str], published: str, canonical: str | None = None) -> bytes:
    """An article page the way these outlets build them: metadata, a lead, body paragraphs, a related box."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs[1:])
    link = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>{html.escape(title)} | Tin Địa Phương</title>{link}
<meta property="og:type" content="article"><meta property="og:title" content="{html.escape(title)}">
<meta property="og:description" content="{html.escape(paragraphs[0])}">
<meta property="article:published_time" content="{published}">
</head><body><header><nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a></nav></header>
<article><h1>{html.escape(title)}</h1><p class="sapo">{html.escape(paragraphs[0])}</p>
<div class="detail-content">{body}</div></article>
<div class="related-news"><h3>Tin liên quan</h3><ul><li><a href="/khac-99.html">Một tin khác</a></li></ul></div>
<footer>Giấy phép số 123/GP-BTTTT</footer></body></html>""".encode()


def rss(items: list[tuple[str, str]]) -> bytes:
    """An RSS 2.0 feed of (url, RFC 822 date) items."""
    entries = "".join(f"<item><title>t</title><link>{html.escape(u)}</link><pubDate>{d}</pubDate></item>"
                      for u, d in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin</title>{entries}' \
           f"</channel></rss>".encode()


def numbered_paragraphs(n: int) -> list[str]:
    """Distinct article text for article n: a lead and three body paragraphs of real sentences."""
    return [f"Bài viết số {n} kể lại diễn biến cuộc họp báo sáng nay tại Hà Nội, nơi các đại biểu đã thảo luận "
            f"về kế hoạch phát triển giao thông đô thị trong giai đoạn mới của thành phố.",
            *(f"Đoạn {k} của bài {n}: các chuyên gia cho rằng dự án cần được triển khai đúng tiến độ, bảo đảm "
              f"chất lượng công trình và hạn chế tối đa ảnh hưởng đến đời sống của người dân xung quanh."
              for k in range(1, 4))]
