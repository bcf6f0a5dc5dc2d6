"""HTTP plumbing shared by the providers: URL rules, the bounded client (a thin policy layer on ``httpx.Client``),
JSON decoding, and turning transport failures into exit 3.

``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE``/``SSL_CERT_DIR`` are honoured, plain ``http://`` is refused except on
loopback, and the Authorization header never follows a redirect to another origin. Every request is bounded in
time, body size and redirects (``HTTP``); every JSON answer is decoded by ``decode_json``.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import urlsplit

from intcli.base.errors import IntcliError, UpstreamError, UsageError
from intcli.base.version import __version__

if TYPE_CHECKING:
    import ssl

    import httpx

    from intcli.base.env import Environment

    Response = httpx.Response  # what every request returns, its body read (``content``)

USER_AGENT = f"intcli/{__version__}"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEADLINE_FACTOR = 4  # a whole request may take 4 × INTCLI_HTTP_TIMEOUT (default 120 s), redirects included
MAX_BODY_BYTES = 8 * 2**20  # the largest real answers (a 100-issue page, a Docs export) are smaller
MAX_JSON_CONTAINERS = 1_000_000  # objects and arrays in one answer: bounds the memory a parse can take
MAX_REDIRECTS = 5
RETRY_ATTEMPTS = 6
# Exponential backoff between attempts (seconds): initial, cap and jitter. Waits a server asks for are not scaled.
class Backoff(NamedTuple):
    initial: float
    max: float
    jitter: float


BACKOFF = Backoff(initial=0.2, max=8.0, jitter=0.5)
TRANSIENT_STATUSES = {500, 502, 503, 504}
_T = TypeVar("_T")


class Retryable(Exception):
    """A failure worth another attempt; ``wait`` overrides the backoff when the server said how long, and
    ``final`` is what the user sees when the attempts run out."""

    def __init__(self, reason: str, final: IntcliError, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final
        self.wait = wait


class WaitBudget:
    """The seconds of server-requested waiting (Retry-After, rate-limit resets) one command may still spend:
    ``--max-wait`` in all, shared by every request and thread of the command."""

    def __init__(self, seconds: float) -> None:
        import threading

        self.remaining = seconds
        self._lock = threading.Lock()

    def take(self, seconds: float) -> bool:
        with self._lock:
            if seconds > self.remaining:
                return False
            self.remaining -= seconds
            return True


def with_retries(env: Environment, label: str, send: Callable[[], _T], budget: WaitBudget | None = None) -> _T:
    """Call ``send`` until it stops raising Retryable: exponential backoff with jitter (stamina), honouring a
    server-given wait while the command's ``budget`` lasts (60 s when none is given); each retry is told under
    --verbose. The first attempt goes out before stamina is even imported (~15 ms): most requests need no other."""
    try:
        return send()
    except Retryable as exc:
        if not env.retries:
            raise exc.final from None
        first_failure = exc
    import stamina
    import stamina.instrumentation

    stamina.instrumentation.set_on_retry_hooks([])  # retries are told under --verbose, not by stamina's logger

    budget = budget if budget is not None else WaitBudget(60.0)
    failures = iter([first_failure])
    failed = 0

    def backoff(exc: BaseException) -> bool | float:
        nonlocal failed
        if not isinstance(exc, Retryable):
            return False
        if exc.wait is not None and not budget.take(exc.wait):
            return False  # the server's waits add up past what the user allowed: give up now
        failed += 1
        wait = f", waiting {exc.wait:g}s" if exc.wait is not None else ""
        if env.verbose:
            env.message(f"intcli: transient failure ({exc.reason}){wait}")
        if env.progress is not None and failed < RETRY_ATTEMPTS:
            env.progress(f"retrying {label} after {exc.reason}{wait} ({failed + 1} of {RETRY_ATTEMPTS})")
        return exc.wait if exc.wait is not None else True

    try:
        for attempt in stamina.retry_context(on=backoff, attempts=RETRY_ATTEMPTS, timeout=None,
                                              wait_initial=BACKOFF.initial, wait_max=BACKOFF.max,
                                              wait_jitter=BACKOFF.jitter):
            with attempt:
                if attempt.num > 1 and env.verbose:
                    env.message(f"intcli: retrying {label} (attempt {attempt.num} of {RETRY_ATTEMPTS})")
                failure = next(failures, None)
                if failure is not None:
                    raise failure  # the first attempt's, for stamina to decide on and wait after as usual
                return send()
    except Retryable as exc:  # the attempts ran out
        raise exc.final from None
    raise AssertionError("unreachable: stamina either returns or raises")


def send_once(http: HTTP, method: str, url: str, **kwargs: Any) -> Response:
    """One bounded request. A failure another attempt may cure (no connection, no answer in time) becomes
    Retryable; one it cannot (a proxy refusing, a certificate, a malformed answer) is exit 3 at once."""
    import httpx

    try:
        return http.request(method, url, **kwargs)
    except httpx.DecodingError:
        raise UpstreamError(f"{http.host} sent a body that cannot be decoded for {method} {_path(url)}",
                            hint="retry later") from None
    except (httpx.ProxyError, httpx.ProtocolError, httpx.UnsupportedProtocol) as exc:
        raise transport_error(exc, http.host) from None
    except httpx.TransportError as exc:
        if _certificate_problem(exc) is not None:
            raise transport_error(exc, http.host) from None
        raise Retryable(type(exc).__name__, transport_error(exc, http.host)) from None


def token_pages(fetch: Callable[[str | None], dict[str, Any]], token_of: Callable[[dict[str, Any]], object],
                host: str, what: str, max_pages: int) -> Iterator[dict[str, Any]]:
    """The pages of a cursor-paged API (Drive/Gmail ``nextPageToken``, Jira's ``nextPageToken``): ``fetch(token)``
    gets a page (``None`` for the first), ``token_of(page)`` its next token (falsy on the last page). A token that
    repeats, or more than ``max_pages`` pages, is exit 3 rather than an endless loop. The caller may stop early."""
    seen: set[str] = set()
    token: str | None = None
    for _ in range(max_pages):
        page = fetch(token)
        yield page
        following = token_of(page)
        if not following:
            return
        if not isinstance(following, str) or following in seen:
            raise UpstreamError(f"{host} sent the same page token twice for {what}",
                                hint="retry later; if it persists, check the API URL or site")
        seen.add(following)
        token = following
    raise UpstreamError(f"{host} kept sending pages for {what}: stopped after {max_pages}",
                        hint="narrow the request, or pass --limit")


def raise_for_status(response: Response, host: str, what: str, message: str, *, fix_auth: str,
                     fix_usage: str, retry_after_cap: float = 60.0) -> None:
    """The one mapping of HTTP statuses to intcli's exit codes. Providers pass the server's own words
    (``message``, already redacted), the fixes to name, and handle their special cases (e.g. rate limits
    reported as 403) before calling this.

    429 and 500/502/503/504 are Retryable (a ``Retry-After`` up to ``retry_after_cap`` seconds is honoured);
    401, 403 and 404 are AuthError (exit 4); 400 and 422 UsageError (exit 2); anything else UpstreamError."""
    import math

    from intcli.base.errors import AuthError

    status = response.status_code
    if status < 300:
        return
    if status == 429 or status in TRANSIENT_STATUSES:
        retry_after = header_number(response.headers.get("retry-after"))
        if retry_after is not None and retry_after > retry_after_cap:
            if not math.isfinite(retry_after):
                raise UpstreamError(f"{host} asks to wait forever before {what}", hint="retry later")
            seconds = math.ceil(retry_after)
            raise UpstreamError(f"{host} asks to wait {seconds}s before {what}, more than --max-wait "
                                f"{retry_after_cap:g}s", hint=f"retry in {seconds}s, or pass --max-wait {seconds + 1}")
        raise Retryable(str(status), UpstreamError(f"{host} kept answering {status} to {what}", hint="retry later"),
                        retry_after)
    said = f": {message}" if message else ""
    if status == 401:
        raise AuthError(f"{host} rejected the credential for {what}: it is wrong, revoked or expired (401){said}",
                        hint=fix_auth)
    if status == 403:
        raise AuthError(f"{host} refused {what} (403){said}", hint=fix_auth)
    if status == 404:
        raise AuthError(f"{what}: not found, or not visible to this account (404)", hint=fix_usage)
    if status in (400, 422):
        raise UsageError(f"{host} rejected {what}{said}", hint=fix_usage)
    raise UpstreamError(f"{host} answered {status} to {what}", hint="retry later")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, origin: str) -> str:
    """Accept https anywhere and http on loopback only; return the URL without a trailing slash.

    A bad option (``--host``) is a usage error (exit 2); a bad variable or file setting a config error (exit 5)."""
    UsageError = _error_for(origin)  # noqa: N806 - the class to raise, by where the URL came from
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise UsageError(f"{origin}: {url!r} is not a valid URL",
                         hint="use an https URL such as https://host.example/api") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"{origin}: {url!r} is not an http(s) URL", hint="use an https URL such as https://host.example/api")
    if parts.username or parts.password:
        raise UsageError(f"{origin}: a URL with a user name or password is not accepted",
                         hint="remove the credentials from the URL (intcli would have to show and store them)")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(f"{origin}: plain http to {parts.hostname} would send the token unencrypted",
                         hint="use https (plain http is allowed only for loopback test servers)")
    return url.rstrip("/")


def _error_for(origin: str) -> type[IntcliError]:
    from intcli.base.errors import ConfigError

    return UsageError if origin.startswith("--") else ConfigError


def http_timeout(env: Environment) -> float:
    """Seconds to wait for a connection or an answer: INTCLI_HTTP_TIMEOUT, default 30."""
    return env.seconds("INTCLI_HTTP_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)


def client(env: Environment, base_url: str, headers: dict[str, str] | None = None,
           timeout: float | None = None, host: str | None = None) -> HTTP:
    """The HTTP client every provider uses: each request bounded in time, size and redirects (see ``HTTP``)."""
    seconds = timeout if timeout is not None else http_timeout(env)
    return HTTP(env, base_url, headers or {}, seconds, host)


class HTTP:
    """One ``httpx.Client`` (HTTP/1.1, kept connections, redirects not followed by httpx) under intcli's policy,
    which bounds every request whatever the server does:

    - **time**: ``timeout`` for connecting and for each read, and an overall deadline of ``DEADLINE_FACTOR`` times
      that for the whole exchange (a body sent one byte a second ends there); the exchange runs in a daemon thread
      that the caller stops waiting for at the deadline (httpx has no total timeout);
    - **size**: at most ``MAX_BODY_BYTES`` of (inflated) body, counted as it streams in;
    - **encoding**: gzip only, as asked; it is inflated here in bounded steps, so that a small compressed body
      never becomes a large one in memory (httpx's decoder inflates each chunk whole);
    - **redirects**: at most ``MAX_REDIRECTS``, followed without reading the redirect's body; the Authorization
      header goes only to the origin it was meant for, and a redirect to plain http is refused except on loopback.

    Exceeding a bound is an UpstreamError (exit 3), not retried: a server that does it once will do it again.
    Failures below HTTP are httpx's exceptions, which ``send_once``/``transport_error`` turn into exit 3.
    """

    def __init__(self, env: Environment, base_url: str, headers: dict[str, str], timeout: float,
                 host: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.host = host or urlsplit(base_url).netloc
        self.deadline = timeout * DEADLINE_FACTOR
        self.headers = _merged({"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "gzip"}, headers)
        self._client = _httpx_client(env, timeout)

    def __enter__(self) -> HTTP:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                content: bytes | str | None = None, headers: Mapping[str, str] | None = None) -> Response:
        """The whole exchange (redirects followed, body read) within the deadline. ``url`` is a path under the
        base URL (or a whole URL); ``params`` are added to its query; ``json`` or ``content`` is the body."""
        prepared = self._prepare(method, url, params, json, content, headers)
        return _Exchange(self, prepared).result(self.deadline)

    def _prepare(self, method: str, url: str, params: Mapping[str, Any] | None, json: Any,
                 content: bytes | str | None, headers: Mapping[str, str] | None) -> _Prepared:
        merged = _merged(self.headers, headers or {})
        body = _body(json, content, merged)
        return _Prepared(method, self._url(url, params), tuple(merged.items()), body, _path(url))

    def _url(self, url: str, params: Mapping[str, Any] | None) -> str:
        """``url`` under the base URL (unless it is a whole http(s) URL), with ``params`` added to its query:
        lists repeat the name, booleans are ``true``/``false``, None leaves the parameter out."""
        whole = url if url.startswith(("https://", "http://")) else f"{self.base_url}/{url.lstrip('/')}"
        if whole.startswith("http://"):
            check_base_url(whole, "the request URL")  # plain http to loopback only, whoever built the URL
        if params:
            from urllib.parse import urlencode

            def text(value: Any) -> Any:
                return str(value).lower() if isinstance(value, bool) else value

            pairs = [(k, [text(item) for item in v] if isinstance(v, list | tuple) else text(v))
                     for k, v in params.items() if v is not None]
            query = urlencode(pairs, doseq=True)
            whole = f"{whole}{'&' if '?' in whole else '?'}{query}"
        return whole

    def _exchange(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
                  abandoned: threading.Event) -> Response:
        import httpx

        for redirects in range(MAX_REDIRECTS + 1):
            if abandoned.is_set():
                raise UpstreamError(f"{self.host}: the answer came too late", hint="retry later")
            target = httpx.URL(url)
            route = _Route(target)
            request = httpx.Request(method, target, headers=headers, content=body, extensions={"trace": route})
            try:
                response = self._client.send(request, stream=True)
            except httpx.TransportError as exc:
                route.blame(exc)
                raise
            try:
                following = _redirect_target(response)
                if following is None:
                    return self._read(response, abandoned)
            finally:
                response.close()  # a redirect's body is never read; an answer read whole frees its connection
            if redirects == MAX_REDIRECTS:  # named: the last request sent, whose answer was one redirect too many
                raise UpstreamError(f"{self.host} redirected {method} {_path(url)} more than {MAX_REDIRECTS} times",
                                    hint="check the API URL or site the command was given")
            method, url, headers, body = _redirected(method, url, headers, body, following, response.status_code)
        raise AssertionError("unreachable: the last pass returns or raises")

    def _read(self, response: Response, abandoned: threading.Event) -> Response:
        """The answer with its body read whole (and inflated), within ``MAX_BODY_BYTES``."""
        import httpx

        request = response.request
        too_large = UpstreamError(
            f"{self.host} sent more than {MAX_BODY_BYTES // 2**20} MiB for {request.method} {_path(str(request.url))}",
            hint="a real API page is far smaller: check the API URL, or retry later")
        declared = response.headers.get("content-length") or ""
        if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        for chunk in _inflated(response):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise too_large
            if abandoned.is_set():
                raise UpstreamError(f"{self.host}: the answer came too late", hint="retry later")
            chunks.append(chunk)
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in ENCODING_HEADERS]
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks), request=request,
                              extensions={k: v for k, v in response.extensions.items() if k != "network_stream"})


ENCODING_HEADERS = ("content-encoding", "content-length")  # they describe the body as sent, not as returned
INFLATE_STEP = 64 * 1024  # the most one step of inflating may produce


def _inflated(response: Response) -> Iterator[bytes]:
    """The body as it streams in, inflated when it came gzipped, in pieces of at most ``INFLATE_STEP`` bytes (so
    the caller's size limit sees every piece). An encoding intcli did not ask for, corrupt gzip, or bytes after
    the end of the gzip data are an ``httpx.DecodingError``."""
    import zlib

    import httpx

    encoding = (response.headers.get("content-encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        raise httpx.DecodingError(f"unrequested content encoding {encoding[:40]!r}", request=response.request)
    if encoding == "identity":
        yield from response.iter_raw()
        return
    inflater = zlib.decompressobj(wbits=47)  # 32 + 15: a gzip (or zlib) header, the largest window
    received = False
    for data in response.iter_raw():
        if not data:
            continue
        received = True
        if inflater.eof:  # bytes after the end of the gzip data would only pile up, uncounted
            raise httpx.DecodingError("data after the end of the gzip stream", request=response.request)
        try:
            piece = inflater.decompress(data, INFLATE_STEP)
            while piece:
                yield piece
                piece = inflater.decompress(inflater.unconsumed_tail, INFLATE_STEP) if inflater.unconsumed_tail \
                    else b""
        except zlib.error:
            raise httpx.DecodingError("corrupt gzip data", request=response.request) from None
        if inflater.unused_data:
            raise httpx.DecodingError("data after the end of the gzip stream", request=response.request)
    if received and not inflater.eof:  # (an empty body, e.g. a 304's, is empty)
        raise httpx.DecodingError("the gzip data ends early", request=response.request)


class _Route:
    """httpcore's trace of one request (its ``trace`` extension): whether the connection went to a proxy, and
    whether the tunnel through it was open, so that a failure before then names the proxy, not the server."""

    def __init__(self, url: httpx.URL) -> None:
        self.target = (url.raw_host.decode("ascii"), url.port or (443 if url.scheme == "https" else 80))
        self.proxy: str | None = None
        self.tunnelled = False

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.started" and (info.get("host"), info.get("port")) != self.target:
            self.proxy = f"{info.get('host')}:{info.get('port')}"
        elif event == "proxy.start_tls.started":
            self.tunnelled = True  # the proxy opened the tunnel: from here on it is the server's TLS and HTTP

    def blame(self, exc: BaseException) -> None:
        """Raise ``httpx.ProxyError`` naming the proxy and why, when the proxy is what failed."""
        import httpx

        if self.proxy is None or self.tunnelled or isinstance(exc, httpx.TimeoutException):
            return
        if isinstance(exc, httpx.ProxyError):  # the proxy's answer to CONNECT, e.g. 407
            why = str(exc)[:60]
        elif isinstance(exc, httpx.ProtocolError):
            why = "not HTTP"
        else:
            why = next((type(e).__name__ for e in _causes(exc) if isinstance(e, OSError)), type(exc).__name__)
        raise httpx.ProxyError(f"{self.proxy}: {why}") from exc


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or during (httpx wraps httpcore's, which wrap the OS's)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _httpx_client(env: Environment, timeout: float) -> httpx.Client:
    """The client under one ``HTTP``: ``env.http_transport`` when set (tests' ``httpx.MockTransport``), else
    httpx's own, with intcli's CA rule, proxies from the environment (``HTTPS_PROXY``, ``NO_PROXY``) and loopback
    always direct."""
    import httpx

    timeouts = httpx.Timeout(timeout, connect=min(timeout, 10.0))
    hooks: dict[str, list[Callable[..., Any]]] = {"response": [_check_redirect]}
    if env.http_transport is not None:
        return httpx.Client(transport=env.http_transport, timeout=timeouts, follow_redirects=False,
                            trust_env=False, event_hooks=hooks)
    variable = _check_proxy_settings(env)
    direct: dict[str, httpx.BaseTransport | None] = {f"all://{host}": None for host in LOOPBACK_HOSTS}
    try:
        return httpx.Client(verify=_tls_context(env), timeout=timeouts, follow_redirects=False, trust_env=True,
                            mounts=direct, event_hooks=hooks)
    except (ValueError, ImportError):  # a proxy URL httpx cannot use, though it passed the check above
        from intcli.base.errors import ConfigError

        raise ConfigError(f"{variable or 'a proxy variable'} is not an http:// proxy URL", hint=PROXY_HINT) from None


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")  # the names local servers have: never through a proxy
PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")
PROXY_HINT = ("use a URL such as http://proxy.example:3128 (intcli reaches HTTPS servers through a proxy by CONNECT; "
              "https:// and socks proxies are not supported)")


def _check_proxy_settings(env: Environment) -> str | None:
    """The variable naming the proxy for https, checked once here so that no request fails on it later: a
    ConfigError (exit 5) naming the variable, never its value (it may hold a password), unless it is an
    ``http://`` proxy URL with a host."""
    variable, url = next(((name, env.environ[name].strip()) for name in PROXY_VARIABLES
                          if env.environ.get(name, "").strip()), ("", ""))
    if not url:
        return None
    from intcli.base.errors import ConfigError

    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        port = parts.port or 80
    except ValueError:  # e.g. an unclosed "[" or a port that is not a number
        raise ConfigError(f"{variable} is not an http:// proxy URL", hint=PROXY_HINT) from None
    if parts.scheme != "http" or not parts.hostname or not port:
        raise ConfigError(f"{variable} is not an http:// proxy URL", hint=PROXY_HINT)
    return variable


def _merged(headers: Mapping[str, str], overrides: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with ``overrides`` (names are case-insensitive: an override replaces any spelling)."""
    merged = dict(headers)
    for name, value in overrides.items():
        merged = {k: v for k, v in merged.items() if k.lower() != name.lower()}
        merged[name] = value
    return merged


class _Prepared(NamedTuple):
    """A request as it will go out: equal ones are the same request."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    path: str  # what messages name


class _Exchange:
    """One request and its answer, run in a daemon thread, so that the caller can stop waiting at the deadline
    (counted from when it was sent) whatever the server does; the reading stops at its next step."""

    def __init__(self, http: HTTP, request: _Prepared) -> None:
        import time

        self.http = http
        self.request = request
        self.sent = time.monotonic()
        self.outcome: list[Response | BaseException] = []
        self.finished = threading.Event()
        self.abandoned = threading.Event()
        threading.Thread(target=self._run, daemon=True, name="intcli-http").start()

    def _run(self) -> None:
        request = self.request
        try:
            self.outcome.append(self.http._exchange(request.method, request.url, dict(request.headers),
                                                    request.body, self.abandoned))
        except BaseException as exc:  # handed to the waiting thread
            self.outcome.append(exc)
        finally:
            self.finished.set()

    def result(self, deadline: float) -> Response:
        import time

        try:
            if not self.finished.wait(max(0.0, self.sent + deadline - time.monotonic())):
                raise UpstreamError(f"{self.http.host} did not finish answering {self.request.method} "
                                    f"{self.request.path} within {deadline:g}s",
                                    hint="retry later, or raise INTCLI_HTTP_TIMEOUT")
        finally:
            if not self.finished.is_set():  # the deadline, or Ctrl-C: the exchange stops at its next step
                self.abandoned.set()
        result = self.outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result


def _body(json_value: Any, content: bytes | str | None, headers: dict[str, str]) -> bytes | None:
    """The request body, and its Content-Type for JSON."""
    if json_value is not None:
        import json

        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
        return json.dumps(json_value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if isinstance(content, str):
        return content.encode("utf-8")
    return content


REDIRECT_STATUSES = {301, 302, 303, 307, 308}


def _redirect_target(response: Response) -> str | None:
    """A redirect's Location as Latin-1 text of the bytes sent (httpx would have decoded UTF-8 ones as UTF-8,
    losing which bytes they were), or None when the answer is not a redirect."""
    if response.status_code not in REDIRECT_STATUSES:
        return None
    raw = next((value for name, value in response.headers.raw if name.lower() == b"location"), b"")
    return raw.decode("latin-1") or None


def _check_redirect(response: Response) -> None:
    """httpx's response hook: a redirect to a URL intcli would refuse is refused here, before httpx parses the
    Location itself (its parser would call a malformed one a malformed answer)."""
    location = _redirect_target(response)
    if location is not None:
        _following(response.request.method, str(response.request.url), location)


def _redirected(method: str, url: str, headers: dict[str, str], body: bytes | None, location: str,
                status: int) -> tuple[str, str, dict[str, str], bytes | None]:
    """The request a redirect asks for (as browsers do): 303, and 301/302 after a POST, become a GET without a
    body; the Authorization header is dropped when the origin changes (except http → https on the same host); a
    URL that is not http(s), plain http off loopback, or a malformed one is refused (exit 3)."""
    following = _following(method, url, location)
    new, old = urlsplit(following), urlsplit(url)
    new_origin, old_origin = _origin(new), _origin(old)
    if status == 303 and method != "HEAD" or status in (301, 302) and method == "POST":
        method, body = "GET", None
        headers = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
    upgraded = (old.scheme, new.scheme) == ("http", "https") and old.hostname == new.hostname \
        and old_origin[2] == 80 and new_origin[2] == 443
    if new_origin != old_origin and not upgraded:
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
    return method, following, headers, body


def _following(method: str, url: str, location: str) -> str:
    """The URL a redirect from ``url`` to ``location`` (Latin-1 text of the header's bytes) leads to, or an
    UpstreamError (exit 3) when it is malformed, not http(s), or plain http off loopback."""
    from urllib.parse import quote, urljoin

    where = urlsplit(url).netloc
    refused = f"{where} redirected {method} {_path(url)}"
    location = location.strip()
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in location):
        raise UpstreamError(f"{refused} to a URL with spaces or control characters", hint="check the API URL")
    try:
        # As browsers do, bytes a URL may not hold (e.g. UTF-8) are percent-encoded; the rest is kept.
        following = urljoin(url, quote(location.encode("latin-1"), safe="!#$%&'()*+,/:;=?@[]~"))
        new = urlsplit(following)
        _origin(new)  # raises ValueError for a malformed port
        if new.hostname:
            new.hostname.encode("idna")
    except (ValueError, UnicodeError):
        raise UpstreamError(f"{refused} to a malformed URL", hint="check the API URL") from None
    if new.scheme not in ("http", "https") or not new.hostname:
        raise UpstreamError(f"{refused} to a URL that is not http(s)", hint="check the API URL")
    if new.scheme == "http" and not is_loopback(new.hostname):
        raise UpstreamError(f"{refused} to plain http ({new.hostname}), which would expose the request",
                            hint="check the API URL")
    return following


def _origin(parts: Any) -> tuple[str, str, int]:
    """(scheme, host, port) with the scheme's default port filled in: ``https://h`` and ``https://h:443`` match."""
    return parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def _path(url: str) -> str:
    """What an error names of a URL: its path, without the query or the host."""
    return urlsplit(url).path or "/"


def decode_json(body: bytes, host: str, what: str) -> Any:
    """A JSON answer, or a one-line UpstreamError: malformed, nested too deep, or holding NaN/Infinity/1e999
    (non-finite numbers never reach intcli's output)."""
    import json
    import re

    # An answer of millions of tiny objects parses into hundreds of MiB: counted before parsing (braces inside
    # strings count too, which only makes the bound stricter than it needs to be).
    if body.count(b"{") + body.count(b"[") > MAX_JSON_CONTAINERS:
        raise UpstreamError(f"{host} sent more than {MAX_JSON_CONTAINERS} JSON objects for {what}",
                            hint="a real API page is far smaller: check the API URL, or retry later")
    try:
        data = json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        raise UpstreamError(f"{host} sent malformed JSON for {what} ({len(body)} bytes)",
                            hint="retry later; if it persists, check the API URL") from None
    if re.search(rb"\\u[dD][89a-fA-F]", body):  # \ud800-\udfff escapes: a lone one could not be printed
        data = _whole_characters(data)
    return data


def _whole_characters(value: Any) -> Any:
    """Surrogate pairs joined, lone surrogates replaced by U+FFFD, in every string of a decoded answer."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_whole_characters(item) for item in value]
    if isinstance(value, dict):
        return {_whole_characters(key): _whole_characters(item) for key, item in value.items()}
    return value


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    import math

    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of range")
    return value


def header_number(value: str | None, max_digits: int = 10) -> float | None:
    """A non-negative whole number from a header (Retry-After, X-RateLimit-Reset): None when it is absent or not a
    plain number, infinity when it has more than ``max_digits`` digits (a wait no one will sit through)."""
    import math

    text = (value or "").strip()
    if not text or not (text.isascii() and text.isdigit()):
        return None
    return math.inf if len(text) > max_digits else float(text)


def ca_bundle(env: Environment) -> str | None:
    """The CA bundle for every HTTPS call intcli makes: SSL_CERT_FILE, else REQUESTS_CA_BUNDLE, else the default."""
    return env.environ.get("SSL_CERT_FILE") or env.environ.get("REQUESTS_CA_BUNDLE") or None


_tls_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}
_tls_contexts_lock = threading.Lock()


def _tls_context(env: Environment) -> ssl.SSLContext:
    """The one CA rule: ``ca_bundle`` (else certifi's roots) plus ``SSL_CERT_DIR`` when set; made once per process
    (loading a bundle costs ~10-20 ms). One that cannot be loaded is a ConfigError (exit 5) naming it."""
    import os
    import ssl

    bundle = ca_bundle(env)
    directory = env.environ.get("SSL_CERT_DIR") or None
    try:
        if directory is not None and not os.path.isdir(directory):
            raise OSError("not a directory")  # OpenSSL would only find no certificate there, later
        with _tls_contexts_lock:
            context = _tls_contexts.get((bundle, directory))
            if context is None:
                import certifi

                context = ssl.create_default_context(cafile=bundle or certifi.where(), capath=directory)
                _tls_contexts[(bundle, directory)] = context
            return context
    except (OSError, ssl.SSLError):
        where = f"the CA bundle {bundle} (from SSL_CERT_FILE/REQUESTS_CA_BUNDLE)" if bundle else \
            f"the CA directory {directory} (from SSL_CERT_DIR)"
        from intcli.base.errors import ConfigError

        raise ConfigError(f"cannot load {where}", hint="point it at PEM CA certificates") from None


def transport_error(exc: BaseException, host: str) -> UpstreamError:
    """The one mapping of httpx's failures (a network, TLS, proxy or protocol failure, or an undecodable body) to
    a one-line UpstreamError (exit 3) naming the host and the likely fix."""
    import httpx

    if isinstance(exc, httpx.ProxyError):  # "proxy.example:3128: why" (``_Route.blame``)
        proxy, _, why = str(exc).partition(": ")
        named, why = (f"the proxy {proxy}", why) if why else ("the proxy", proxy)
        return UpstreamError(f"{named} would not open a tunnel to {host} ({why})",
                             hint="check HTTPS_PROXY (and its user:password) and NO_PROXY")
    reason = _certificate_problem(exc)
    if reason is not None:
        return UpstreamError(f"TLS certificate of {host} could not be verified ({reason})",
                             hint="for a private CA, set SSL_CERT_FILE to its bundle")
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamError(f"{host} did not answer in time ({type(exc).__name__})",
                             hint="check the network or retry later")
    if isinstance(exc, httpx.ProtocolError):
        return UpstreamError(f"{host} sent a malformed answer ({type(exc).__name__})",
                             hint="retry later; if it persists, check the API URL")
    if isinstance(exc, httpx.DecodingError):
        return UpstreamError(f"{host} sent a body that cannot be decoded", hint="retry later")
    return UpstreamError(f"cannot reach {host} ({type(exc).__name__})", hint="check the host name and the network")


def _certificate_problem(exc: BaseException) -> str | None:
    """Why the server's certificate failed verification (OpenSSL's words, e.g. "certificate has expired"), if
    that is what ``exc`` came from."""
    import ssl

    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return cause.verify_message or "not trusted"
    return None
