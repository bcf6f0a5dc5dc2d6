"""HTTP plumbing shared by the providers: URL rules, the client, and turning transport failures into exit 3.

``SSL_CERT_FILE``/``SSL_CERT_DIR`` are honoured (httpx reads them), plain ``http://`` is refused except on
loopback, and httpx drops the Authorization header on a redirect to another host.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from intcli import __version__
from intcli.errors import UpstreamError, UsageError

if TYPE_CHECKING:
    import httpx

    from intcli.env import Environment

USER_AGENT = f"intcli/{__version__}"
DEFAULT_TIMEOUT_SECONDS = 30.0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, origin: str) -> str:
    """Accept https anywhere and http on loopback only; return the URL without a trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"{origin}: {url!r} is not an http(s) URL", hint="use e.g. https://ghe.example.com/api/v3")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(f"{origin}: plain http to {parts.hostname} would send the token unencrypted",
                         hint="use https (plain http is allowed only for loopback test servers)")
    return url.rstrip("/")


def client(env: Environment, base_url: str, headers: dict[str, str] | None = None,
           timeout: float = DEFAULT_TIMEOUT_SECONDS) -> httpx.Client:
    import httpx

    return httpx.Client(base_url=base_url, headers={"User-Agent": USER_AGENT, **(headers or {})},
                        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=True,
                        trust_env=True)


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
