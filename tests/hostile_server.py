"""A hostile API server on loopback: GitHub- and Google-shaped answers full of control sequences, formulas and
markup, or answers that never end, drip, loop, nest, lie about their size or quote the token back.

It writes raw bytes (``http.server``), so it can do what a well-behaved framework would not: stream forever,
send one byte at a time, claim a billion pages. ``mode`` picks the misbehaviour; every loop it runs is bounded
by the client going away or by a time limit, so the test process never hangs on it.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# Every terminal attack the output must defuse, in one string.
HOSTILE = ("Fix \x1b]0;pwned-title\x07 \x1b]52;c;ZXZpbA==\x07 \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
           " \x1b[2J\x1b[5mblink\x1b[0m \x1bPq#0;2;0;0;0\x1b\\ \u202egnp.exe \x9b31m [bold red]markup[/] [link=x]y"
           " :fire:")
FORMULA = "=HYPERLINK(\"https://evil.example\",\"click\")"
# A URL that would end a Markdown cell, add a heading and raw HTML, and crash Rich markup.
HOSTILE_URL = "https://github.com/o/r/issues/1)\n\n# Heading\n<img src=x onerror=alert(1)>|[x](javascript:alert(1))]"
SERVER_MESSAGE = "Bad credentials. Your request had Authorization: Bearer {token} and token {token}"
MAX_SECONDS = 90  # no endless answer outlives this


@functools.cache
def gzip_bomb() -> bytes:
    """A JSON array of 200 MiB of spaces, gzipped to ~200 KiB (compressed a MiB at a time)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packer:
        packer.write(b"[")
        for _ in range(200):
            packer.write(b" " * 2**20)
        packer.write(b"]")
    return out.getvalue()


def hostile_issue(number: int) -> dict:
    return {"id": 1000 + number, "number": number, "title": f"{HOSTILE} #{number}" if number % 2 else FORMULA,
            "html_url": HOSTILE_URL if number % 2 else f"https://github.com/o/r/issues/{number}[]",
            "repository_url": "https://api.github.com/repos/o/r", "updated_at": f"2026-11-28T10:{number % 60:02d}:00Z",
            "labels": [{"name": "+cmd|' /C calc'!A0"}, {"name": HOSTILE}], "state": "open"}


def hostile_file(number: int) -> dict:
    return {"id": f"f{number}", "name": f"{HOSTILE} {number}" if number % 2 else "@SUM(A1:A9)",
            "mimeType": "application/vnd.google-apps.document", "modifiedTime": "2026-11-28T10:00:00.000Z",
            "webViewLink": HOSTILE_URL, "owners": [{"emailAddress": "-2+3@example.com"}]}


def hostile_message(message_id: str) -> dict:
    return {"id": message_id, "threadId": "t" + message_id, "snippet": "Tom &amp; Jerry &lt;b&gt; " + HOSTILE,
            "labelIds": ["INBOX", "UNREAD"],
            "payload": {"headers": [{"name": "From", "value": f"{HOSTILE} <evil@example.com>"},
                                    {"name": "To", "value": "me@example.com"},
                                    {"name": "Subject", "value": f"=1+2 {HOSTILE}"},
                                    {"name": "Date", "value": "Sat, 28 Nov 2026 10:00:00 +0000" if message_id == "m1"
                                     else "Fri, 31 Dec 9999 23:59:59 -2359"}]}}


class HostileServer:
    """``mode`` names the misbehaviour (see ``Handler.do_GET``); ``"content"`` answers normally with hostile text."""

    def __init__(self) -> None:
        self.mode = "content"
        self.token_mode = "content"  # for the OAuth token endpoint (POST .../token)
        self.token = ""
        self.requests: list[str] = []
        self._stop = threading.Event()
        outer = self

        class Handler(_Handler):
            server_state = outer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_state: HostileServer

    def log_message(self, *args: object) -> None:  # quiet
        pass

    # -- writing ---------------------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes | str, headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, data: object, headers: dict[str, str] | None = None, status: int = 200) -> None:
        self._send(status, json.dumps(data), headers)

    def _stream(self, first: bytes, repeat: bytes, delay: float = 0.0) -> None:
        """A chunked body that starts with ``first`` and repeats ``repeat`` until the client goes away."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        deadline = time.monotonic() + MAX_SECONDS
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(first), first))
            while time.monotonic() < deadline and not self.server_state.stopping:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(repeat), repeat))
                if delay:
                    self.wfile.flush()
                    time.sleep(delay)
        except OSError:
            pass
        self.close_connection = True

    # -- routing ---------------------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        state = self.server_state
        state.requests.append(self.path)
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        mode = state.token_mode if parts.path.endswith("/token") else state.mode
        if parts.path.endswith("/token") and mode == "content":
            return self._json({"access_token": "ya29.hostile-access-token", "expires_in": 3600, "token_type": "Bearer"})
        if mode == "bad-expiry":
            return self._json({"access_token": "ya29.hostile-access-token", "expires_in": 10**20})
        if mode == "retry-after-2":
            return self._json({"message": "slow down"}, {"Retry-After": "2"}, status=429)
        if mode == "flood":
            return self._send(200, '{"total_count": 1, "items": [' + "{}," * 2_700_000 + "{}]}")
        if mode == "surrogate":  # a lone UTF-16 surrogate, as JSON allows it to be written
            issue = {**hostile_issue(2), "title": "lone SURROGATE here"}
            body = json.dumps({"total_count": 1, "items": [issue]}).replace("SURROGATE", "\\ud800")
            return self._send(200, body)
        if mode == "endless":
            return self._stream(b'{"total_count": 5, "items": [', b'{"id": 1, "title": "again and again"},' * 100)
        if mode == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            deadline = time.monotonic() + MAX_SECONDS
            try:
                while time.monotonic() < deadline and not state.stopping:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass
            self.close_connection = True
            return None
        if mode == "gzip-bomb":  # 200 KiB on the wire, 200 MiB once inflated
            return self._send(200, gzip_bomb(), {"Content-Encoding": "gzip"})
        if mode == "corrupt-gzip":
            return self._send(200, gzip_bomb()[:20] + b"not deflate data" * 10, {"Content-Encoding": "gzip"})
        if mode == "unasked-encoding":
            return self._send(200, b"\x1b\x03\x00\xf8", {"Content-Encoding": "br"})
        if mode == "redirect-loop":
            return self._send(302, "", {"Location": self.path})
        if mode == "deep-json":
            return self._send(200, "[" * 100_000 + "]" * 100_000)
        if mode == "nonfinite":
            return self._send(200, '{"total_count": 1e999, "incomplete_results": NaN, "items": []}')
        if mode == "nan-gmail":
            if parts.path.endswith("/messages"):
                return self._send(200, '{"messages": [{"id": "m1"}], "resultSizeEstimate": NaN}')
        if mode == "retry-after-digits":
            return self._json({"message": "slow down"}, {"Retry-After": "9" * 400}, status=429)
        if mode == "reset-digits":
            return self._json({"message": "API rate limit exceeded"},
                              {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9" * 400}, status=403)
        if mode == "echo-token":
            auth = self.headers.get("Authorization", "")
            token = auth.split(" ", 1)[-1]
            message = SERVER_MESSAGE.format(token=token) + " " + HOSTILE
            return self._json({"message": message, "error": {"message": message, "errors": [{"reason": auth}]}},
                              status=403 if "/gmail/" in parts.path or "/drive/" in parts.path else 422)
        if mode == "billion-pages" and "/repos/" in parts.path:
            page = f"{state.base}{parts.path}?page="
            link = f'<{page}2>; rel="next", <{page}1000000000>; rel="last"'
            return self._json([hostile_issue(1)], {"Link": link})
        if mode == "pages-repeat" and "/repos/" in parts.path:
            link = f'<{state.base}{parts.path}?page=2>; rel="next", <{state.base}{parts.path}?page=50>; rel="last"'
            return self._json([hostile_issue(1), hostile_issue(2)], {"Link": link})
        if mode == "next-forever" and "/repos/" in parts.path:
            link = f'<{state.base}{parts.path}?page={int(query.get("page", 1)) + 1}>; rel="next"'
            return self._json([hostile_issue(1), hostile_issue(2)], {"Link": link})
        if mode == "token-repeats" and (parts.path.endswith("/files") or parts.path.endswith("/messages")):
            key = "files" if parts.path.endswith("/files") else "messages"
            return self._json({key: [hostile_file(1)] if key == "files" else [{"id": "m1"}],
                               "nextPageToken": "same-token-every-time"})
        return self._content(parts.path, query)

    do_POST = do_GET  # noqa: N815 - the same misbehaviour for writes

    def _content(self, path: str, query: dict[str, str]) -> None:
        """Well-formed answers with hostile text in every field."""
        if path.endswith("/user"):
            return self._json({"login": "octocat", "id": 1}, {"X-OAuth-Scopes": "repo, read:user"})
        if path.endswith("/search/issues"):
            return self._json({"total_count": 4, "incomplete_results": False,
                               "items": [hostile_issue(n) for n in range(1, 5)]})
        if re.search(r"/repos/[^/]+/[^/]+/issues$", path):
            return self._json([hostile_issue(n) for n in range(1, 5)])
        if path.endswith("/drive/v3/files"):
            return self._json({"files": [hostile_file(n) for n in range(1, 4)]})
        if path.endswith("/gmail/v1/users/me/profile"):
            return self._json({"emailAddress": "me@example.com"})
        if path.endswith("/gmail/v1/users/me/messages"):
            return self._json({"messages": [{"id": "m1"}, {"id": "m2"}], "resultSizeEstimate": 2})
        match = re.search(r"/gmail/v1/users/me/messages/([^/]+)$", path)
        if match:
            return self._json(hostile_message(match.group(1)))
        return self._json({"message": "Not Found"}, status=404)
