"""HTTP/1.1 on the standard library (``http.client``, ``ssl``): the bytes-moving part of ``intcli.net.http.HTTP``.

It keeps connections open per origin (requests run in parallel threads, each on its own connection), verifies
TLS with one CA rule (``tls_context``), reaches HTTPS servers through ``HTTPS_PROXY``/``ALL_PROXY`` by CONNECT
(``NO_PROXY`` honoured; loopback is never proxied), and inflates gzip. Every bound a request has — its deadline,
body size and redirects — is ``HTTP``'s; here only the connect and read timeouts apply.

Why not httpx, which intcli used before: importing httpx and httpcore took ~100 ms and each request ~10 ms of
pure-Python work, more than a fetch of 1 000 issues spent waiting on the network (``benchmarks/fetch_issues.py``).
"""

from __future__ import annotations

import http.client
import ssl
import threading
import zlib
from collections.abc import Iterator, Mapping
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

CHUNK = 64 * 1024
MAX_IDLE_PER_ORIGIN = 10  # a fetch has at most 9 requests in flight at once
MAX_INTERIM_ANSWERS = 20  # 100 Continue, 102 Processing, 103 Early Hints... before the real answer
# What a kept connection the server closed meanwhile fails with: the request is sent again on a new one.
STALE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, http.client.RemoteDisconnected,
         ssl.SSLEOFError, ssl.SSLZeroReturnError)


class TransportError(Exception):
    """The exchange failed below HTTP: nothing usable came back. The class name is what errors show."""


class ConnectError(TransportError):
    pass


class ConnectTimeout(ConnectError):
    pass


class ReadTimeout(TransportError):
    pass


class ReadError(TransportError):
    """The connection broke while the request or the answer was on the wire."""


class RemoteProtocolError(TransportError):
    """The server's answer is not valid HTTP/1.1 (bad status line, too many or too long headers, a short body)."""


class DecodingError(TransportError):
    """The body's Content-Encoding is one intcli did not ask for, or the compressed data is corrupt."""


class ProxyError(ConnectError):
    """The proxy would not open a tunnel to the server (its status, e.g. 407, is in the message)."""


class InvalidURL(TransportError):
    """A URL (e.g. a redirect's) that cannot be sent: a bad port, host or character."""


class Headers(dict[str, str]):
    """Response headers by lower-case name; a header sent several times is joined with ", " (as HTTP allows)."""

    @classmethod
    def of(cls, pairs: list[tuple[str, str]]) -> Headers:
        headers = cls()
        for name, value in pairs:
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return headers

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())


class Response:
    """One answer. ``iter_bytes`` streams the (inflated) body; ``content`` is set by whoever read it whole."""

    def __init__(self, url: str, raw: http.client.HTTPResponse, release: _Release) -> None:
        self.url = url
        self.status_code = raw.status
        self.reason_phrase = raw.reason or ""
        self.headers = Headers.of(raw.getheaders())
        self.content = b""
        self._raw = raw
        self._release = release

    def iter_bytes(self) -> Iterator[bytes]:
        """The body in chunks of at most ``CHUNK`` bytes, inflated when it came gzipped (a small compressed
        body can never become one large chunk: the caller's size limit sees every piece)."""
        encoding = (self.headers.get("content-encoding") or "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip"):
            raise DecodingError(f"unrequested content encoding {encoding[:40]!r}")
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding != "identity" else None
        received = False
        while True:
            data = self._read()
            if not data:
                break
            received = True
            if inflater is None:
                yield data
                continue
            if inflater.eof:  # bytes after the end of the gzip data would only pile up, uncounted
                raise DecodingError("data after the end of the gzip stream")
            try:
                piece = inflater.decompress(data, CHUNK)
                while piece:
                    yield piece
                    piece = inflater.decompress(inflater.unconsumed_tail, CHUNK) if inflater.unconsumed_tail else b""
            except zlib.error:
                raise DecodingError("corrupt gzip data") from None
            if inflater.unused_data:
                raise DecodingError("data after the end of the gzip stream")
        if inflater is not None and received and not inflater.eof:  # (an empty body, e.g. a 304's, is empty)
            raise DecodingError("the gzip data ends early")
        self._release(True)

    def _read(self) -> bytes:
        """The next piece of the body as it arrives; b"" at its end, when the connection is free again."""
        try:
            data = self._raw.read1(CHUNK)
            if not data:
                if self._raw.length:  # what Content-Length announced did not all come
                    raise RemoteProtocolError("the body ended before its announced length")
                self._raw.close()  # as read() does at the end: the connection may carry the next request
            return data
        except TimeoutError:
            raise ReadTimeout("the server stopped sending") from None
        except http.client.IncompleteRead:
            raise RemoteProtocolError("the body ended before its announced length") from None
        except (OSError, http.client.HTTPException) as exc:
            raise ReadError(type(exc).__name__) from None

    def close(self) -> None:
        """Done with this answer: a connection whose body was not read to the end cannot be used again."""
        self._release(False)


class _Answer(http.client.HTTPResponse):
    """``http.client``'s response, skipping every interim answer (it skips only 100 Continue): a 103 Early Hints
    taken for the answer would leave the real one unread on a kept connection, for the next request to get."""

    interim = 0

    def _read_status(self) -> tuple[str, int, str]:
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if status >= 200 or status == 100:  # begin() skips a 100 and its headers itself
                if status == 100:
                    self._count_interim()
                return version, status, reason
            if status == 101:
                raise RemoteProtocolError("101 Switching Protocols, which intcli never asks for")
            self._count_interim()
            http.client.parse_headers(self.fp)  # the interim answer's headers (bounded as any), dropped

    def _count_interim(self) -> None:
        self.interim += 1
        if self.interim > MAX_INTERIM_ANSWERS:
            raise RemoteProtocolError(f"more than {MAX_INTERIM_ANSWERS} interim answers")


class _Release:
    """Hands a connection back to its pool once its answer has been read whole, or closes it."""

    def __init__(self, pool: Pool, key: Origin, connection: http.client.HTTPConnection) -> None:
        self.pool, self.key, self.connection = pool, key, connection
        self.response: http.client.HTTPResponse | None = None
        self.done = False

    def __call__(self, read_whole: bool) -> None:
        if self.done:
            return
        self.done = True
        response = self.response
        if read_whole and response is not None and response.isclosed() and not response.will_close:
            self.pool.keep(self.key, self.connection)
        else:
            self.connection.close()


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int


class Proxy(NamedTuple):
    host: str
    port: int
    authorization: str | None  # the Proxy-Authorization header, from a user:password in the proxy's URL


class Pool:
    """Open connections per origin for one client; safe to use from several threads."""

    def __init__(self, context: ssl.SSLContext, connect_timeout: float, read_timeout: float,
                 environ: Mapping[str, str]) -> None:
        self.context = context
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.environ = environ
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def send(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
             cancel: Cancel | None = None) -> Response:
        """Send one request and read the answer's status and headers; the body is left to ``Response``.

        An idempotent request on a kept connection that the server had meanwhile closed is sent once more on a
        new one (nothing of it was answered); any other request always goes on a new connection, so that it can
        never be sent twice."""
        parts = urlsplit(url)
        scheme = parts.scheme
        key = Origin(scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        reusable = method in ("GET", "HEAD")
        while True:
            connection = self._take(key) if reusable else None
            reused = connection is not None
            if connection is None:
                connection = self._connect(key)
            if cancel is not None:
                cancel.watch(connection)
            release = _Release(self, key, connection)
            try:
                release.response = self._exchange(connection, method, target, headers, body)
            except _StaleConnection as exc:
                connection.close()
                if reused:
                    continue  # the kept connection had been closed by the server: try a new one
                raise ReadError(str(exc)) from None
            except BaseException:
                connection.close()
                raise
            return Response(url, release.response, release)

    def _exchange(self, connection: http.client.HTTPConnection, method: str, target: str, headers: dict[str, str],
                  body: bytes | None) -> http.client.HTTPResponse:
        try:
            connection.request(method, target, body=body, headers=headers)
        except STALE as exc:
            raise _StaleConnection(type(exc).__name__) from None
        except TimeoutError:
            raise ReadTimeout("the server stopped reading the request") from None
        except OSError as exc:
            raise ReadError(type(exc).__name__) from None
        except (http.client.HTTPException, ValueError, UnicodeError) as exc:  # e.g. a control character in the URL
            raise InvalidURL(type(exc).__name__) from None
        try:
            return connection.getresponse()
        except STALE as exc:
            raise _StaleConnection(type(exc).__name__) from None
        except TimeoutError:
            raise ReadTimeout("no answer in time") from None
        except http.client.HTTPException as exc:
            raise RemoteProtocolError(type(exc).__name__) from None
        except OSError as exc:
            raise ReadError(type(exc).__name__) from None

    def _take(self, key: Origin) -> http.client.HTTPConnection | None:
        """A kept connection to ``key`` still open: one with something to read while idle has been closed by
        the server, or holds an answer nobody asked for (e.g. a 408 before closing), and is dropped."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                connection = idle.pop() if idle else None
            if connection is None or _quiet(connection):
                return connection
            connection.close()

    def keep(self, key: Origin, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < MAX_IDLE_PER_ORIGIN:
                idle.append(connection)
                return
        connection.close()

    def _connect(self, key: Origin) -> http.client.HTTPConnection:
        proxy = proxy_for(key, self.environ)
        connection: http.client.HTTPConnection
        if key.scheme == "https":
            host, port = (proxy.host, proxy.port) if proxy else (key.host, key.port)
            connection = http.client.HTTPSConnection(host, port, timeout=self.connect_timeout, context=self.context)
            if proxy:
                tunnel = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
                connection.set_tunnel(key.host, key.port, headers=tunnel)
        else:  # plain http: loopback only (``intcli.net.http.check_base_url``), never proxied
            connection = http.client.HTTPConnection(key.host, key.port, timeout=self.connect_timeout)
        connection.response_class = _Answer
        try:
            connection.connect()
        except TimeoutError:
            connection.close()
            raise ConnectTimeout("no connection in time") from None
        except ssl.SSLCertVerificationError as exc:
            connection.close()
            raise ConnectError(f"CERTIFICATE_VERIFY_FAILED: {exc.verify_message}") from None
        except OSError as exc:  # refused, unreachable, no such host, a TLS failure, a proxy refusing the tunnel
            connection.close()
            said = str(exc)
            if proxy and said.startswith("Tunnel connection failed"):  # http.client's words, with the status
                status = said.partition(":")[2].strip()[:3]
                raise ProxyError(status if status.isdigit() else "no tunnel") from None
            if proxy:  # the proxy is down, refuses, or hangs up: name it, not the server behind it
                raise ProxyError(type(exc).__name__) from None
            raise ConnectError(type(exc).__name__) from None
        except (http.client.HTTPException, UnicodeError, ValueError) as exc:  # a proxy's garbage, a bad host name
            connection.close()
            raise (ProxyError("not HTTP") if proxy else InvalidURL(type(exc).__name__)) from None
        assert connection.sock is not None  # connect() succeeded
        connection.sock.settimeout(self.read_timeout)
        return connection

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


class _StaleConnection(Exception):
    pass


class Cancel:
    """Lets the thread waiting for an exchange stop it at the deadline: the connection in use is shut down, so a
    read blocked on a server that keeps sending (or says nothing) ends at once, and no later step starts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None
        self.cancelled = False

    def watch(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if self.cancelled:
                connection.close()
                raise ReadError("stopped at the deadline")
            self._connection = connection

    def cancel(self) -> None:
        import socket

        with self._lock:
            self.cancelled = True
            connection = self._connection
        sock = connection.sock if connection is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _quiet(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle connection has nothing to read (as it must have, unless the server closed it)."""
    import select

    sock = connection.sock
    if sock is None:
        return False
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return False
    try:
        if hasattr(select, "poll"):  # select() stops at descriptor 1024; a long-running MCP server may pass it
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return not poller.poll(0)
        return not select.select([sock], [], [], 0)[0]
    except (OSError, ValueError):
        return False


class ProxySettingError(ValueError):
    """A proxy variable intcli cannot use; the message names the variable."""


def proxy_for(origin: Origin, environ: Mapping[str, str]) -> Proxy | None:
    """The proxy for ``origin``: ``configured_proxy``, unless the origin is plain http (loopback only), loopback,
    or listed in ``NO_PROXY``."""
    from intcli.net.http import is_loopback

    if origin.scheme != "https" or is_loopback(origin.host):
        return None
    proxy = configured_proxy(environ)
    if proxy is None or _bypassed(origin, environ.get("no_proxy") or environ.get("NO_PROXY") or ""):
        return None
    return proxy


def configured_proxy(environ: Mapping[str, str]) -> Proxy | None:
    """The proxy of ``HTTPS_PROXY``, else ``ALL_PROXY`` (either case); ProxySettingError when it is not an
    ``http://`` proxy (a CONNECT tunnel carries the TLS to the server, end to end)."""
    variable, url = next(((name, environ[name].strip()) for name in ("https_proxy", "HTTPS_PROXY", "all_proxy",
                                                                      "ALL_PROXY") if environ.get(name, "").strip()),
                         ("", ""))
    if not url:
        return None
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        port = parts.port or 80
    except ValueError:
        raise ProxySettingError(f"{variable} is not an http:// proxy URL") from None
    if parts.scheme != "http" or not parts.hostname or not port:
        raise ProxySettingError(f"{variable} is not an http:// proxy URL")
    authorization = None
    if parts.username is not None:
        import base64

        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        authorization = "Basic " + base64.b64encode(pair).decode("ascii")
    return Proxy(parts.hostname, port, authorization)


def _bypassed(origin: Origin, no_proxy: str) -> bool:
    """curl's NO_PROXY rules: ``*``, a host name (and its subdomains, with or without a leading dot), an IP
    address, each optionally with ``:port``."""
    host = origin.host.lower().strip("[]")
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if port and port != str(origin.port):
            continue
        name = name.strip("[]").lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def tls_context(bundle: str | None, directory: str | None) -> ssl.SSLContext:
    """The verifying TLS context for a CA bundle file (else certifi's bundle, as browsers' roots) and an optional
    CA directory; made once per process (loading a bundle costs ~10-20 ms). OSError/SSLError when unreadable."""
    key = (bundle, directory)
    with _contexts_lock:
        context = _contexts.get(key)
        if context is None:
            if bundle is None:
                import certifi

                bundle = certifi.where()
            context = ssl.create_default_context(cafile=bundle, capath=directory)
            _contexts[key] = context
        return context

