"""HTTP plumbing shared by the providers: URL rules, the client, and turning transport failures into exit 3.

``SSL_CERT_FILE``/``SSL_CERT_DIR`` are honoured (httpx reads them), plain ``http://`` is refused except on
loopback, and httpx drops the Authorization header on a redirect to another host.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from intcli import __version__
from intcli.errors import IntcliError, UpstreamError, UsageError

if TYPE_CHECKING:
    import httpx

    from intcli.env import Environment

USER_AGENT = f"intcli/{__version__}"
DEFAULT_TIMEOUT_SECONDS = 30.0
RETRY_ATTEMPTS = 6
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


def with_retries(env: Environment, label: str, send: Callable[[], _T]) -> _T:
    """Call ``send`` until it stops raising Retryable: exponential backoff with jitter (stamina), honouring a
    server-given wait; each retry is told under --verbose."""
    import stamina
    import stamina.instrumentation

    stamina.instrumentation.set_on_retry_hooks([])  # retries are told under --verbose, not by stamina's logger

    def backoff(exc: Exception) -> bool | float:
        if not isinstance(exc, Retryable):
            return False
        if env.verbose:
            wait = f", waiting {exc.wait:g}s" if exc.wait is not None else ""
            env.message(f"intcli: transient failure ({exc.reason}){wait}")
        return exc.wait if exc.wait is not None else True

    try:
        for attempt in stamina.retry_context(on=backoff, attempts=RETRY_ATTEMPTS, timeout=None,
                                             wait_initial=0.2, wait_max=8.0, wait_jitter=0.5):
            with attempt:
                if attempt.num > 1 and env.verbose:
                    env.message(f"intcli: retrying {label} (attempt {attempt.num} of {RETRY_ATTEMPTS})")
                return send()
    except Retryable as exc:  # the attempts ran out
        raise exc.final from None
    raise AssertionError("unreachable: stamina either returns or raises")


def send_once(http: httpx.Client, host: str, method: str, url: str, **kwargs: object) -> httpx.Response:
    """One request; transport failures become Retryable (then exit 3 naming the host)."""
    import httpx

    try:
        return http.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        raise Retryable(type(exc).__name__, transport_error(exc, host)) from None


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


def client(env: Environment, base_url: str, headers: dict[str, str] | None = None,
           timeout: float | None = None) -> httpx.Client:
    import httpx

    timeout = timeout if timeout is not None else http_timeout(env)

    return httpx.Client(base_url=base_url, headers={"User-Agent": USER_AGENT, **(headers or {})},
                        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=True,
                        verify=_verify(env), trust_env=True)


def ca_bundle(env: Environment) -> str | None:
    """The CA bundle for every HTTPS call intcli makes: SSL_CERT_FILE, else REQUESTS_CA_BUNDLE, else the default."""
    return env.environ.get("SSL_CERT_FILE") or env.environ.get("REQUESTS_CA_BUNDLE") or None


def _verify(env: Environment):  # noqa: ANN202 - an ssl.SSLContext, or True for httpx's default
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
