"""The Drive/Gmail REST client on intcli.net.http: a fresh access token per request, retries, errors → exit codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from intcli.providers.google import api_base
from intcli.sdk import (
    Retryable,
    UpstreamError,
    WaitBudget,
    client,
    decode_json,
    raise_for_status,
    redact,
    send_once,
    token_pages,
    with_retries,
)

if TYPE_CHECKING:
    from intcli.providers.google.auth import GoogleSession
    from intcli.sdk import Environment, Response


MAX_PAGES = 1000  # of Drive files or Gmail ids: 100 000 items, far past any daily use


class GoogleAPI:
    def __init__(self, env: Environment, session: GoogleSession, max_wait: float = 60.0) -> None:
        self.env = env
        self.max_wait = max_wait
        self.budget = WaitBudget(max_wait)  # all the waits of this command together
        self.session = session
        self.base = api_base(env)
        self.host = urlsplit(self.base).netloc
        self._http = client(env, self.base)

    def __enter__(self) -> GoogleAPI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def request(self, method: str, path: str, params: dict[str, Any] | None = None,
                body: dict[str, Any] | None = None) -> Response:
        def send() -> Response:
            headers = {"Authorization": f"Bearer {self.session.access_token()}"}
            response = send_once(self._http, method, path, params=params, json=body, headers=headers)
            self._judge(response, f"{method} {path}")
            return response

        if method != "GET":
            # Not idempotent (sending mail): one attempt only, so a retry can never send a message twice.
            try:
                return send()
            except Retryable as exc:
                raise UpstreamError(f"{exc.final.message}; it may or may not have gone through",
                                    hint="check Sent and Drafts before trying again") from None
        return with_retries(self.env, f"{method} {path}", send, self.budget)

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._json(self.request("GET", path, params), f"GET {path}")

    def collect(self, path: str, params: dict[str, Any], take: Callable[[dict[str, Any]], list[Any]],
                limit: int | None) -> tuple[list[Any], dict[str, Any]]:
        """Follow ``nextPageToken`` and gather ``take(page)`` of every page until there is no next page or
        ``limit`` items are in; return the items (at most ``limit``) and the first page."""
        items: list[Any] = []
        first: dict[str, Any] | None = None

        def fetch(token: str | None) -> dict[str, Any]:
            return self.get_json(path, {**params, "pageToken": token} if token else params)

        for page in token_pages(fetch, lambda page: page.get("nextPageToken"), self.host, f"GET {path}", MAX_PAGES):
            first = first if first is not None else page
            items += take(page)
            if limit is not None and len(items) >= limit:
                break
        assert first is not None  # token_pages yields at least one page or raises
        return (items[:limit] if limit is not None else items), first

    def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self.request("POST", path, body=body), f"POST {path}")

    def _json(self, response: Response, what: str) -> dict[str, Any]:
        data = decode_json(response.content, self.host, what)
        if not isinstance(data, dict):
            raise UpstreamError(f"{self.host} sent malformed JSON for {what}", hint="retry later")
        return data

    def _judge(self, response: Response, what: str) -> None:
        """Google's one special case (quota errors as 403 ``rateLimitExceeded``), then the shared mapping."""
        message = _message(response) if response.status_code >= 300 else ""
        if response.status_code == 403 and "rateLimitExceeded" in message:
            raise Retryable("403 rateLimitExceeded", UpstreamError(f"{self.host} kept rate-limiting {what}",
                                                                    hint="retry later"))
        raise_for_status(response, self.host, what, message,
                         fix_auth="check the scopes granted (`intcli status`); reconnect with `intcli connect google`",
                         fix_usage="check the id, --query and the other options", retry_after_cap=self.max_wait)


def _message(response: Response) -> str:
    """Google's error message and reasons, redacted and cut (a server may quote the request, token included)."""
    try:
        data = decode_json(response.content, "", "")
        error = data.get("error", {}) if isinstance(data, dict) else {}
        message = error.get("message", "") if isinstance(error, dict) else str(error)
        listed = error.get("errors", []) if isinstance(error, dict) else []
        reasons = [str(e.get("reason", "")) for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
    except UpstreamError:
        return redact(response.reason_phrase)
    return redact(" ".join(filter(None, [str(message), *reasons])) or response.reason_phrase)
