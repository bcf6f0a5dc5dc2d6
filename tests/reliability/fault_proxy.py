"""A loopback TCP proxy that breaks requests on purpose: error statuses, resets, silence, truncated bodies.

One request per connection (it asks the upstream to close), so each request meets exactly one planned fate.
``plan(n)`` names the fate of request number n (1-based): None forwards it untouched.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable

CANNED = {
    "502": b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 11\r\nConnection: close\r\n\r\nbad gateway",
    "503": b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 11\r\nConnection: close\r\n\r\nunavailable",
    "429": b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Type: application/json\r\n"
           b"Content-Length: 25\r\nConnection: close\r\n\r\n{\"message\": \"slow down\"}\n",
    "403-secondary": b"HTTP/1.1 403 Forbidden\r\nRetry-After: 0\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 55\r\nConnection: close\r\n\r\n"
                     b"{\"message\": \"You have exceeded a secondary rate limit\"}",
    "html": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 24\r\nConnection: close\r\n\r\n"
            b"<html>maintenance</html>",
}


class FaultProxy:
    def __init__(self, upstream_port: int, plan: Callable[[int], str | None], silence: float = 3.0) -> None:
        self.upstream_port = upstream_port
        self.plan = plan
        self.silence = silence
        self.count = 0
        self.fates: list[str | None] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    def stop(self) -> None:
        self._stopped = True
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        with client:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = client.recv(65536)
                if not chunk:
                    return
                request += chunk
            with self._lock:
                self.count += 1
                fate = self.plan(self.count)
                self.fates.append(fate)
            if fate == "reset":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return  # closing now sends RST
            if fate == "timeout":
                time.sleep(self.silence)
                return
            if fate in CANNED:
                client.sendall(CANNED[fate])
                return
            head, _, rest = request.partition(b"\r\n\r\n")
            lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
            forwarded = b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + rest
            with socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
                upstream.sendall(forwarded)
                answer = b""
                while chunk := upstream.recv(65536):
                    answer += chunk
            if fate == "truncate":
                head, _, body = answer.partition(b"\r\n\r\n")
                answer = head + b"\r\n\r\n" + body[: len(body) // 2]
            client.sendall(answer)
