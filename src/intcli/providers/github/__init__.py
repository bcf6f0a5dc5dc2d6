"""GitHub: API base for github.com or Enterprise Server, token validation, token sources at use time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from intcli.sdk import AuthError, UpstreamError, UsageError, check_base_url, client, is_loopback, transport_error

if TYPE_CHECKING:
    from intcli.sdk import Environment, Response

PROVIDER = "github"
API_VERSION = "2022-11-28"
PUBLIC_HOST = "github.com"
PUBLIC_API = "https://api.github.com"


@dataclass(frozen=True)
class Endpoint:
    host: str  # as shown to the user: github.com, ghe.example.com, 127.0.0.1:8443
    api_url: str  # the REST API base


@dataclass(frozen=True)
class TokenInfo:
    login: str
    scopes: list[str] | None  # None: GitHub sent no X-OAuth-Scopes (fine-grained tokens, GitHub App tokens)
    expires_at: datetime | None


def endpoint(env: Environment, host: str | None) -> Endpoint:
    """``--host`` first, then ``GITHUB_API_URL`` (set by GitHub Actions), then github.com."""
    if host:
        host = host.strip().rstrip("/")
        scheme = "https"
        if "://" in host:
            scheme, _, host = host.partition("://")
        if not host or "/" in host:
            raise UsageError(f"--host {host!r} is not a host name", hint="pass HOST or HOST:PORT, e.g. ghe.example.com")
        if host in (PUBLIC_HOST, "api.github.com"):
            return Endpoint(PUBLIC_HOST, PUBLIC_API)
        api_url = check_base_url(f"{scheme}://{host}/api/v3", "--host")
        return Endpoint(urlsplit(api_url).netloc, api_url)
    api_url = env.environ.get("GITHUB_API_URL", "").strip()
    if api_url:
        api_url = check_base_url(api_url, "GITHUB_API_URL")
        netloc = urlsplit(api_url).netloc
        return Endpoint(PUBLIC_HOST if netloc == "api.github.com" else netloc, api_url)
    return Endpoint(PUBLIC_HOST, PUBLIC_API)


def api_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION}


def check_token_shape(token: str) -> str:
    token = token.strip()
    if not token:
        raise UsageError("the token is empty", hint="pass a GitHub personal access token")
    if any(c.isspace() or not c.isprintable() or not c.isascii() for c in token):
        raise UsageError("the token contains spaces or unprintable characters",
                         hint="pass the token alone, e.g. from a file: intcli connect github --with-token < FILE")
    return token


def validate_token(env: Environment, where: Endpoint, token: str) -> TokenInfo:
    """One ``GET /user``: who the token belongs to, its scopes and expiry. 401 → AuthError (exit 4)."""
    from intcli.sdk import TransportError

    with client(env, where.api_url, api_headers(token)) as http:
        try:
            response = http.get("/user")
        except TransportError as exc:
            raise transport_error(exc, where.host) from None
    if response.status_code == 401:
        raise AuthError(f"{where.host} rejected the token (401 Bad credentials)",
                        hint=f"create a new token at {token_settings_url(where)} and connect again")
    if response.status_code == 403 and response.headers.get("x-ratelimit-remaining") == "0":
        raise UpstreamError(f"{where.host} rate limit exhausted", hint="retry after it resets")
    if response.status_code == 403:
        raise AuthError(f"{where.host} refused access with this token (403)",
                        hint="check the token's permissions (and SSO authorization)")
    if response.status_code >= 300:
        raise UpstreamError(f"{where.host} answered {response.status_code} to GET /user", hint="retry later")
    login = _login(response)
    return TokenInfo(login, _scopes(response), _expiry(response.headers.get("github-authentication-token-expiration")))


def token_settings_url(where: Endpoint) -> str:
    scheme = "http" if is_loopback(where.host.rsplit(":", 1)[0]) and where.api_url.startswith("http:") else "https"
    return f"{scheme}://{where.host}/settings/tokens"


def _login(response: Response) -> str:
    from intcli.sdk import decode_json

    data = decode_json(response.content, urlsplit(str(response.url)).netloc, "GET /user")
    login = data.get("login") if isinstance(data, dict) else None
    if not isinstance(login, str) or not login or len(login) > 100:
        raise UpstreamError("GET /user answered without a login (is this a GitHub API?)",
                            hint="check --host or GITHUB_API_URL")
    return login


def _scopes(response: Response) -> list[str] | None:
    header = response.headers.get("x-oauth-scopes")
    if header is None:
        return None
    return [scope.strip() for scope in header.split(",") if scope.strip()]


def _expiry(header: str | None) -> datetime | None:
    """GitHub sends e.g. ``2026-12-31 12:00:00 UTC`` (or with a numeric offset)."""
    if not header:
        return None
    text = header.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S %z"):
        try:
            moment = datetime.strptime(text, fmt)
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        except (ValueError, OverflowError):  # OverflowError: the last year in a zone west of UTC
            continue
    return None
