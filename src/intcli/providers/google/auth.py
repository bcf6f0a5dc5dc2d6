"""Google credentials: connecting (OAuth 2.0 installed app with PKCE, headless paste-back, service account) and
the session used at run time (refresh ahead of expiry, once per process, ``invalid_grant`` → expired).

Only the refresh token and the client secret go to the vault (as one small JSON entry, well under the ~1280
characters Windows allows); the access token lives in memory. The client file's ``token_uri`` is kept in the
state and used on every refresh. The token exchange runs on requests, which reads REQUESTS_CA_BUNDLE; intcli
also honours SSL_CERT_FILE there.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, urlsplit

from intcli.providers.google import PROVIDER, api_base, client_config, load_json_file, wanted_scopes
from intcli.sdk import (
    AuthError,
    ConfigError,
    Connection,
    SecretStorage,
    UpstreamError,
    UsageError,
    redact,
    remember_secret,
)

if TYPE_CHECKING:

    from intcli.sdk import Environment, Registry, StateDocument, Verified

SERVICE_ACCOUNT_VARIABLE = "GOOGLE_APPLICATION_CREDENTIALS"
REFRESH_MARGIN = timedelta(minutes=2)
BROWSER_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class GoogleConnected:
    account: str
    scopes: list[str]
    access_expires_at: datetime | None
    storage: SecretStorage
    missing: dict[str, list[str]]


def _trust_custom_ca(env: Environment, session: Any) -> None:
    """requests reads REQUESTS_CA_BUNDLE, not SSL_CERT_FILE: use intcli's one rule (SSL_CERT_FILE, else
    REQUESTS_CA_BUNDLE; see intcli.net.http.ca_bundle) for the token endpoint as for every other HTTPS call.

    requests lets REQUESTS_CA_BUNDLE override a session's ``verify`` on every request, so the choice is applied
    where it merges the environment (proxies and the rest still come from the environment)."""
    from intcli.sdk import ca_bundle

    bundle = ca_bundle(env)
    if not bundle:
        return
    merge = session.merge_environment_settings

    def merge_with_bundle(url: str, proxies: dict[str, str] | None, stream: bool | None, verify: bool | str | None,
                          cert: str | tuple[str, str] | None) -> dict[str, Any]:
        settings: dict[str, Any] = merge(url, proxies, stream, verify, cert)
        if settings.get("verify") is not False:
            settings["verify"] = bundle
        return settings

    session.merge_environment_settings = merge_with_bundle


@contextlib.contextmanager
def _token_endpoint_errors(what: str) -> Iterator[None]:
    """Failures of the authorization server, as one-line errors with the right exit status."""
    import requests
    from google.auth.exceptions import RefreshError, TransportError
    from google_auth_oauthlib.flow import WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import MismatchingStateError, OAuth2Error

    try:
        yield
    except WSGITimeoutError:
        raise AuthError(f"no answer from the browser within {BROWSER_TIMEOUT_SECONDS // 60} minutes",
                        hint="run `intcli connect google` again, or with --no-browser to paste the URL") from None
    except MismatchingStateError:
        raise UsageError("the pasted URL belongs to another authorization attempt (its state does not match)",
                         hint="run `intcli connect google` again and paste the URL it leads to") from None
    except OAuth2Error as exc:
        raise AuthError(f"Google refused the {what} ({redact(exc.error, 60)})",
                        hint="run `intcli connect google` again") from None
    except requests.exceptions.SSLError:
        raise UpstreamError(f"TLS certificate of the Google token endpoint could not be verified ({what})",
                            hint="for a private CA, set SSL_CERT_FILE or REQUESTS_CA_BUNDLE") from None
    except (requests.exceptions.RequestException, TransportError) as exc:
        raise UpstreamError(f"cannot reach the Google token endpoint ({type(exc).__name__})",
                            hint="check the network and retry") from None
    except RefreshError as exc:
        if "invalid_grant" in str(exc):
            raise _InvalidGrant() from None
        raise AuthError(f"Google refused to issue an access token{_error_code(exc)}",
                        hint="run `intcli connect google`") from None
    except (ValueError, TypeError, KeyError, OverflowError):  # a token answer that is not what OAuth says
        raise UpstreamError(f"the Google token endpoint sent an answer intcli cannot use ({what})",
                            hint="retry later; check the token_uri of the client or key file") from None


class _InvalidGrant(Exception):
    pass


def _error_code(exc: Exception) -> str:
    """The OAuth error code (e.g. ``invalid_scope``) when the answer had one; never the raw body."""
    import re

    text = str(exc.args[0]) if exc.args else ""
    match = re.match(r"([a-z_]{3,40}):", text)
    return f" ({match.group(1)})" if match else ""


# -- connecting ------------------------------------------------------------------------------------------------------
def connect_oauth(env: Environment, registry: Registry, client_secrets: str | None, no_browser: bool,
                  scopes: list[str] | None, insecure: bool) -> GoogleConnected:
    from google_auth_oauthlib.flow import InstalledAppFlow

    from intcli.sdk import ensure_keyring

    # With granular consent a user may grant fewer scopes than asked; oauthlib would raise on that. intcli records
    # what was granted and reports the capabilities that lack a scope instead.
    os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")

    config = client_config(env, client_secrets)
    client = next(iter(config.values()))
    remember_secret(str(client.get("client_secret") or ""))  # an error page quoting it must not show it
    requested = scopes or wanted_scopes(registry)
    if not insecure:
        ensure_keyring(env)
    flow = InstalledAppFlow.from_client_config(config, scopes=requested)  # PKCE (S256) on by default
    _trust_custom_ca(env, flow.oauth2session)
    with _token_endpoint_errors("authorization"):
        if no_browser or not _browser_available(env):
            _headless(env, flow)
        else:
            with contextlib.redirect_stdout(env.stderr):  # the library prints its prompt; messages go to stderr
                flow.run_local_server(
                    host="127.0.0.1", port=0, open_browser=True, timeout_seconds=BROWSER_TIMEOUT_SECONDS,
                    authorization_prompt_message="Opening your browser to authorize intcli. If it does not open, "
                                                 "visit:\n{url}",
                    success_message="intcli is connected. You can close this tab.",
                    access_type="offline", prompt="consent")
    token = flow.oauth2session.token
    refresh_token = token.get("refresh_token")
    for value in (token.get("access_token"), refresh_token, client.get("client_secret")):
        remember_secret(str(value or ""))
    if not refresh_token:
        raise AuthError("Google returned no refresh token", hint="run `intcli connect google` again (consent again)")
    granted = token.get("scope", requested)
    granted = granted.split() if isinstance(granted, str) else list(granted)
    expires_at = datetime.fromtimestamp(token["expires_at"], UTC) if token.get("expires_at") else None
    account = account_email(env, token["access_token"])
    secret = json.dumps({"refresh_token": refresh_token, "client_secret": client["client_secret"]})
    return _save(env, registry, account, granted, "oauth2", secret, insecure, expires_at,
                 {"client_id": client["client_id"], "token_uri": client["token_uri"], "auth_uri": client["auth_uri"]})


def _browser_available(env: Environment) -> bool:
    import sys
    import webbrowser

    if sys.platform.startswith("linux") and not any(env.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY",
                                                                                 "BROWSER")):
        return False
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return cast(int, probe.getsockname()[1])


def _headless(env: Environment, flow: Any) -> None:
    """Print the URL; the user authorizes anywhere and pastes back the URL the browser was sent to."""
    flow.redirect_uri = f"http://127.0.0.1:{_free_loopback_port()}/"
    url, _ = flow.authorization_url(access_type="offline", prompt="consent")
    env.message("Open this URL in a browser, authorize intcli, then paste here the whole address the browser ends "
                "up at (it starts with " + flow.redirect_uri + " and may show an error page):\n" + url)
    if env.stdin_isatty:
        env.stderr.write("Redirected URL: ")
        env.stderr.flush()
    pasted = env.stdin.readline().strip()
    if not pasted:
        raise UsageError("no redirected URL was pasted", hint="run `intcli connect google --no-browser` again")
    parts = urlsplit(pasted)
    query = parse_qs(parts.query)
    if "error" in query:
        raise AuthError(f"authorization was not granted ({query['error'][0]})", hint="run it again and allow access")
    if not pasted.startswith(flow.redirect_uri) or "code" not in query:
        raise UsageError("that is not the redirected URL (it should start with " + flow.redirect_uri + " and carry "
                         "a code)", hint="paste the full address from the browser's address bar")
    # oauthlib insists on https for the response URL even for a loopback redirect, as the library's own flow does.
    flow.fetch_token(authorization_response=pasted.replace("http://", "https://", 1))


def connect_service_account(env: Environment, registry: Registry, key_file: str, subject: str | None
                            ) -> GoogleConnected:
    path = os.path.abspath(os.path.expanduser(key_file))
    credentials = service_account_credentials(env, path, subject, wanted_scopes(registry))
    with _token_endpoint_errors("service account key"):
        try:
            credentials.refresh(_transport(env))
        except _InvalidGrant:
            raise AuthError("Google refused the service account key (invalid_grant)",
                            hint="check the key, and --subject's domain-wide delegation") from None
    expires_at = credentials.expiry.replace(tzinfo=UTC) if credentials.expiry else None
    account = subject or credentials.service_account_email
    details = {"key_file": path, **({"subject": subject} if subject else {})}
    return _save(env, registry, account, wanted_scopes(registry), "service_account", None, False, expires_at,
                 details)


def service_account_credentials(env: Environment, path: str, subject: str | None, scopes: list[str]) -> Any:
    from google.oauth2 import service_account

    info = load_json_file(path, "service account key file", "--service-account")
    if info.get("type") != "service_account" or not all(info.get(k) for k in ("client_email", "private_key",
                                                                              "token_uri")):
        raise UsageError(f"{path} is not a service account key (type service_account with client_email, "
                         "private_key, token_uri)", hint="create a JSON key for the service account")
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=scopes, subject=subject)
    except ValueError:
        raise UsageError(f"the private key in {path} cannot be read", hint="create a new JSON key") from None


def _save(env: Environment, registry: Registry, account: str, granted: list[str], auth: str, secret: str | None,
          insecure: bool, access_expires_at: datetime | None, details: dict[str, str]) -> GoogleConnected:
    from intcli.sdk import replace_connection

    if access_expires_at is not None:
        details = {**details, "access_token_expires_at": access_expires_at.isoformat()}
    token_host = urlsplit(details.get("token_uri", "https://oauth2.googleapis.com/token")).netloc
    storage = replace_connection(env, PROVIDER, secret, insecure, lambda storage: Connection(
        auth=auth, host=token_host if auth == "oauth2" else "service account", account=account, scopes=granted,
        connected_at=env.now(), secret_storage=storage, details=details))
    return GoogleConnected(account, granted, access_expires_at, storage, registry.missing_scopes(PROVIDER, granted))


def account_email(env: Environment, access_token: str) -> str:
    """Who authorized: Gmail's profile, else Drive's about (no extra scope needed for either)."""
    from intcli.sdk import client, decode_json

    pick: Callable[[Any], object]  # reads the address out of the decoded answer
    with client(env, api_base(env), {"Authorization": f"Bearer {access_token}"}) as http:
        for path, params, pick in (("/gmail/v1/users/me/profile", {}, lambda d: d.get("emailAddress")),
                                   ("/drive/v3/about", {"fields": "user(emailAddress)"},
                                    lambda d: (d.get("user") or {}).get("emailAddress"))):
            try:
                response = http.get(path, params=params)
                if response.status_code == 200:
                    email = pick(decode_json(response.content, "", path))
                    if isinstance(email, str) and 0 < len(email) <= 320:
                        return email
            except Exception:  # noqa: BLE001 - the account name is informative only
                continue
    return "unknown account"


def _transport(env: Environment) -> Any:
    """google-auth's transport for token refreshes and service-account exchanges, on intcli's bounded HTTP
    client: the same timeouts, deadline, body limit and redirect cap as every other request."""
    from google.auth import exceptions, transport

    from intcli.sdk import Response, TransportError

    class Answer(transport.Response):
        def __init__(self, response: Response) -> None:
            self._response = response

        @property
        def status(self) -> int:
            return self._response.status_code

        @property
        def headers(self) -> Any:
            return self._response.headers

        @property
        def data(self) -> bytes:
            return self._response.content

    class Request(transport.Request):
        def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None,
                     timeout: Any = None, **kwargs: Any) -> Answer:
            from intcli.sdk import check_base_url, client

            parts = urlsplit(url)
            base = check_base_url(f"{parts.scheme}://{parts.netloc}", "the token endpoint")
            try:
                with client(env, base) as http:
                    return Answer(http.request(method, url, content=body, headers=dict(headers or {})))
            except TransportError as exc:
                raise exceptions.TransportError(type(exc).__name__) from None

    return Request()


# -- the session at run time -----------------------------------------------------------------------------------------
class GoogleSession:
    """Hands out a valid access token, refreshing it ahead of expiry at most once at a time (threads share it)."""

    def __init__(self, env: Environment, credentials: Any, stored_since: datetime | None) -> None:
        self.env = env
        self.credentials = credentials
        # When the refresh token came from intcli's vault: the connection's connected_at, so that invalid_grant
        # marks that connection expired (and not one the user made again meanwhile).
        self.stored_since = stored_since
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            expiry = self.credentials.expiry
            fresh = self.credentials.token and expiry and expiry.replace(tzinfo=UTC) - REFRESH_MARGIN > \
                datetime.now(UTC)
            if not fresh:
                self._refresh()
            remember_secret(self.credentials.token)
            return cast(str, self.credentials.token)

    def _refresh(self) -> None:
        try:
            with _token_endpoint_errors("token refresh"):
                self.credentials.refresh(_transport(self.env))
        except _InvalidGrant:
            if self.stored_since is not None:
                _mark_expired(self.env, self.stored_since)
            raise AuthError("Google no longer accepts the stored authorization (invalid_grant: revoked, or the "
                            "7-day limit of an app in Testing)", hint="run `intcli connect google`") from None


def _mark_expired(env: Environment, connected_at: datetime) -> None:
    from dataclasses import replace

    from intcli.sdk import update_state

    now = env.now()

    def change(state: StateDocument) -> StateDocument:
        connection = state.connections.get(PROVIDER)
        if connection is None or connection.connected_at != connected_at:
            return state
        return replace(state, connections={**state.connections, PROVIDER: replace(connection, expires_at=now)})

    update_state(env, change)


_SESSION_LOCK = threading.Lock()


def session(env: Environment, registry: Registry) -> GoogleSession:
    """The run's one Google session (so a summary's Drive and Gmail sections share one refresh)."""
    with _SESSION_LOCK:
        existing = env.shared.get("google-session")
        if existing is None:
            existing = env.shared["google-session"] = _new_session(env, registry)
        return existing  # type: ignore[return-value]


def _new_session(env: Environment, registry: Registry) -> GoogleSession:
    """Credentials at use time: GOOGLE_APPLICATION_CREDENTIALS, else the stored connection."""
    from google.oauth2.credentials import Credentials

    api_base(env)  # a malformed INTCLI_GOOGLE_API_URL is the first thing to report

    from intcli.sdk import as_utc, load_state, read_secret

    scopes = wanted_scopes(registry)
    key_file = env.environ.get(SERVICE_ACCOUNT_VARIABLE, "").strip()
    if key_file:
        if not os.path.isfile(key_file):
            raise ConfigError(f"{SERVICE_ACCOUNT_VARIABLE} names {key_file}, which is not a file",
                              hint=f"point {SERVICE_ACCOUNT_VARIABLE} at the service account's JSON key, or unset it")
        return GoogleSession(env, service_account_credentials(env, key_file, None, scopes), None)
    connection = load_state(env).connections.get(PROVIDER)
    if connection is None:
        raise AuthError("Google is not connected",
                        hint=f"run `intcli connect google` (or set {SERVICE_ACCOUNT_VARIABLE} in CI)")
    if connection.expires_at is not None and as_utc(connection.expires_at) <= env.now():
        raise AuthError("the Google authorization has expired or was revoked", hint="run `intcli connect google`")
    if connection.auth == "service_account":
        credentials = service_account_credentials(env, connection.details["key_file"],
                                                  connection.details.get("subject"), scopes)
        return GoogleSession(env, credentials, None)
    stored = read_secret(env, PROVIDER, connection.secret_storage)
    try:
        secret = json.loads(stored or "")
        refresh_token, client_secret = secret["refresh_token"], secret["client_secret"]
        for value in (refresh_token, client_secret):
            remember_secret(str(value))
    except (ValueError, KeyError, TypeError):
        raise AuthError("the stored Google authorization is missing or damaged",
                        hint="run `intcli connect google` again") from None
    credentials = Credentials(  # built directly: from_authorized_user_info would reset token_uri to Google's
        token=None, refresh_token=refresh_token, token_uri=connection.details["token_uri"],
        client_id=connection.details["client_id"], client_secret=client_secret, scopes=connection.scopes)
    return GoogleSession(env, credentials, connection.connected_at)


def verify(env: Environment, registry: Registry) -> Verified:
    """``status --check``: a token refresh with the credential in use (refresh token or service-account key), which
    Google refuses when the authorization was revoked or has lapsed."""
    from urllib.parse import urlsplit

    from intcli.providers.google import api_base
    from intcli.sdk import Verified

    try:
        session(env, registry).access_token()
    except ConfigError as exc:  # a key file that is missing or malformed: the credential cannot be used at all
        raise AuthError(exc.message, hint=exc.hint) from None
    return Verified(host=urlsplit(api_base(env)).netloc)

