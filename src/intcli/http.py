"""HTTP plumbing shared by the providers: URL rules, the bounded client, JSON decoding, and turning transport
failures into exit 3.

``SSL_CERT_FILE``/``SSL_CERT_DIR`` are honoured (httpx reads them), plain ``http://`` is refused except on
loopback, and httpx drops the Authorization header on a redirect to another host. Every request is bounded in
time, body size and redirects (``HTTP``); every JSON answer is decoded by ``decode_json``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from intcli import __version__
from intcli.errors import IntcliError, UpstreamError, UsageError

if TYPE_CHECKING:
    import ssl
    from types import ModuleType

    import httpx

    from intcli.env import Environment

USER_AGENT = f"intcli/{__version__}"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEADLINE_FACTOR = 4  # a whole request may take 4 × INTCLI_HTTP_TIMEOUT (default 120 s), redirects included
MAX_BODY_BYTES = 8 * 2**20  # the largest real answers (a 100-issue page, a Docs export) are smaller
MAX_JSON_CONTAINERS = 1_000_000  # objects and arrays in one answer: bounds the memory a parse can take
MAX_REDIRECTS = 5
RETRY_ATTEMPTS = 6
# Exponential backoff between attempts (seconds): initial, cap and jitter. Waits a server asks for are not scaled.
BACKOFF = {"wait_initial": 0.2, "wait_max": 8.0, "wait_jitter": 0.5}
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

    def backoff(exc: Exception) -> bool | float:
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
        for attempt in stamina.retry_context(on=backoff, attempts=RETRY_ATTEMPTS, timeout=None, **BACKOFF):
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


def send_once(http: HTTP, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One bounded request; transport failures become Retryable (then exit 3 naming the host)."""
    import httpx

    try:
        return http.request(method, url, **kwargs)
    except httpx.UnsupportedProtocol:
        raise UpstreamError(f"{http.host} redirected {method} {_path(url)} to a URL that is not http(s)",
                            hint="check the API URL") from None
    except httpx.DecodingError:
        raise UpstreamError(f"{http.host} sent a body that cannot be decoded for {method} {_path(url)}",
                            hint="retry later") from None
    except httpx.TransportError as exc:
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


def raise_for_status(response: httpx.Response, host: str, what: str, message: str, *, fix_auth: str,
                     fix_usage: str, retry_after_cap: float = 60.0) -> None:
    """The one mapping of HTTP statuses to intcli's exit codes. Providers pass the server's own words
    (``message``, already redacted), the fixes to name, and handle their special cases (e.g. rate limits
    reported as 403) before calling this.

    429 and 500/502/503/504 are Retryable (a ``Retry-After`` up to ``retry_after_cap`` seconds is honoured);
    401, 403 and 404 are AuthError (exit 4); 400 and 422 UsageError (exit 2); anything else UpstreamError."""
    import math

    from intcli.errors import AuthError

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
    from intcli.errors import ConfigError

    return UsageError if origin.startswith("--") else ConfigError


def http_timeout(env: Environment) -> float:
    """Seconds to wait for a connection or an answer: INTCLI_HTTP_TIMEOUT, default 30."""
    return seconds_setting(env, "INTCLI_HTTP_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)


def seconds_setting(env: Environment, variable: str, default: float) -> float:
    """A positive, finite number of seconds from an environment variable, or a usage error naming it."""
    import math

    text = env.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        from intcli.errors import ConfigError

        raise ConfigError(f"{variable}={text!r} is not a positive number of seconds", hint=f"e.g. {variable}=30")
    return value


def load_httpx() -> ModuleType:
    """httpx, imported without the parts intcli never uses, unless something else loaded them already: its
    command-line client (click, rich.progress, pygments: ~100 ms) and httpcore's async back ends (trio, anyio:
    ~80 ms). Each import of httpx costs that time before the first request; intcli's requests are synchronous."""
    import sys

    if "httpx" in sys.modules:
        return sys.modules["httpx"]
    left_out = [name for name in ("httpx._main", "trio", "anyio") if name not in sys.modules]
    for name in left_out:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "not available"
    try:
        import httpcore  # noqa: F401 - httpx imports it only when its first client is made
        import httpx
    finally:
        for name in left_out:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]  # a later import of them (a plugin's) works as usual
    return httpx


def client(env: Environment, base_url: str, headers: dict[str, str] | None = None,
           timeout: float | None = None, host: str | None = None) -> HTTP:
    """The HTTP client every provider uses: each request bounded in time, size and redirects (see ``HTTP``)."""
    return HTTP(env, base_url, headers or {}, timeout if timeout is not None else http_timeout(env), host)


class HTTP:
    """An httpx client whose every request is bounded, whatever the server does:

    - **time**: ``timeout`` for connecting and for each read, and an overall deadline of ``DEADLINE_FACTOR`` times
      that for the whole exchange (a body sent one byte a second ends there); the exchange runs in a daemon thread
      that the caller stops waiting for at the deadline;
    - **size**: at most ``MAX_BODY_BYTES`` of (decoded) body;
    - **redirects**: at most ``MAX_REDIRECTS``, followed here without reading the redirect's body (httpx would read
      it whole); httpx drops the Authorization header when a redirect leaves the origin.

    Exceeding a bound is an UpstreamError (exit 3), not retried: a server that does it once will do it again.
    """

    def __init__(self, env: Environment, base_url: str, headers: dict[str, str], timeout: float,
                 host: str | None = None) -> None:
        lib = load_httpx()
        self.host = host or urlsplit(base_url).netloc
        self.deadline = timeout * DEADLINE_FACTOR
        self._client: httpx.Client = lib.Client(base_url=base_url, headers={"User-Agent": USER_AGENT, **headers},
                                                timeout=lib.Timeout(timeout, connect=min(timeout, 10.0)),
                                                follow_redirects=False, verify=_verify(env), trust_env=True)

    def __enter__(self) -> HTTP:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The whole exchange (redirects followed, body read) within the deadline."""
        import threading

        outcome: list[httpx.Response | BaseException] = []
        finished = threading.Event()
        abandoned = threading.Event()

        def exchange() -> None:
            try:
                outcome.append(self._exchange(method, url, kwargs, abandoned))
            except BaseException as exc:  # handed to the waiting thread
                outcome.append(exc)
            finally:
                finished.set()

        threading.Thread(target=exchange, daemon=True, name="intcli-http").start()
        try:
            if not finished.wait(self.deadline):
                raise UpstreamError(f"{self.host} did not finish answering {method} {_path(url)} within "
                                    f"{self.deadline:g}s", hint="retry later, or raise INTCLI_HTTP_TIMEOUT")
        finally:
            abandoned.set()  # the exchange stops at its next chunk if it is still running
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _exchange(self, method: str, url: str, kwargs: dict[str, Any], abandoned: Any) -> httpx.Response:
        request = self._client.build_request(method, url, **kwargs)
        for _ in range(MAX_REDIRECTS + 1):
            response = self._client.send(request, stream=True)
            try:
                if response.next_request is None:
                    # What Response.read() does, with a limit: the body is then available as usual.
                    response._content = self._read_body(response, method, abandoned)
                    return response
            finally:
                response.close()
            request = response.next_request
        raise UpstreamError(f"{self.host} redirected {method} {_path(url)} more than {MAX_REDIRECTS} times",
                            hint="check the API URL or site the command was given")

    def _read_body(self, response: httpx.Response, method: str, abandoned: Any) -> bytes:
        too_large = UpstreamError(
            f"{self.host} sent more than {MAX_BODY_BYTES // 2**20} MiB for {method} {response.url.path}",
            hint="a real API page is far smaller: check the API URL, or retry later")
        declared = response.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise too_large
            if abandoned.is_set():
                raise UpstreamError(f"{self.host}: the answer came too late", hint="retry later")
            chunks.append(chunk)
        return b"".join(chunks)


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


def _verify(env: Environment) -> ssl.SSLContext | bool:  # True for httpx's default
    bundle = ca_bundle(env)
    if not bundle:
        return True
    import ssl

    try:
        return ssl.create_default_context(cafile=bundle)
    except (OSError, ssl.SSLError):
        raise UsageError(f"cannot load the CA bundle {bundle} (from SSL_CERT_FILE/REQUESTS_CA_BUNDLE)",
                         hint="point it at a PEM file of CA certificates") from None


def transport_error(exc: Exception, host: str) -> UpstreamError:
    """A network or TLS failure as a one-line UpstreamError (exit 3) naming the host and the likely fix."""
    import ssl

    import httpx

    if isinstance(exc, httpx.ConnectError) and isinstance(exc.__context__, ssl.SSLError) or "CERTIFICATE" in str(exc):
        return UpstreamError(f"TLS certificate of {host} could not be verified",
                             hint="for a private CA, set SSL_CERT_FILE to its bundle")
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamError(f"{host} did not answer in time ({type(exc).__name__})",
                             hint="check the network or retry later")
    return UpstreamError(f"cannot reach {host} ({type(exc).__name__})", hint="check the host name and the network")
