"""The Drive/Gmail REST client on httpx: a fresh access token per request, retries, errors → exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from intcli.errors import AuthError, UpstreamError, UsageError
from intcli.http import TRANSIENT_STATUSES, Retryable, client, send_once, with_retries
from intcli.providers.google import api_base

if TYPE_CHECKING:
    import httpx

    from intcli.env import Environment
    from intcli.providers.google.auth import GoogleSession


class GoogleAPI:
    def __init__(self, env: Environment, session: GoogleSession) -> None:
        self.env = env
        self.session = session
        self.base = api_base(env)
        self.host = urlsplit(self.base).netloc
        self._http = client(env, self.base)

    def __enter__(self) -> GoogleAPI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def request(self, method: str, path: str, params: dict[str, Any] | None = None,
                body: dict[str, Any] | None = None) -> httpx.Response:
        def send() -> httpx.Response:
            headers = {"Authorization": f"Bearer {self.session.access_token()}"}
            response = send_once(self._http, self.host, method, path, params=params, json=body,
                                 headers=headers)
            self._judge(response, f"{method} {path}")
            return response

        if method != "GET":
            # Not idempotent (sending mail): one attempt only, so a retry can never send a message twice.
            try:
                return send()
            except Retryable as exc:
                raise UpstreamError(f"{exc.final.message}; it may or may not have gone through",
                                    hint="check Sent and Drafts before trying again") from None
        return with_retries(self.env, f"{method} {path}", send)

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._json(self.request("GET", path, params), f"GET {path}")

    def collect(self, path: str, params: dict[str, Any], take: Callable[[dict[str, Any]], list[Any]],
                limit: int | None) -> tuple[list[Any], dict[str, Any]]:
        """Follow ``nextPageToken`` and gather ``take(page)`` of every page until there is no next page or
        ``limit`` items are in; return the items (at most ``limit``) and the first page."""
        items: list[Any] = []
        first: dict[str, Any] | None = None
        while True:
            page = self.get_json(path, params)
            first = first if first is not None else page
            items += take(page)
            token = page.get("nextPageToken")
            if not token or (limit is not None and len(items) >= limit):
                return (items[:limit] if limit is not None else items), first
            params = {**params, "pageToken": token}

    def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self.request("POST", path, body=body), f"POST {path}")

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise UpstreamError(f"{self.host} sent malformed JSON for {what}", hint="retry later")
        return data

    def _judge(self, response: httpx.Response, what: str) -> None:
        status = response.status_code
        if status < 300:
            return
        message = _message(response)
        if status == 429 or status in TRANSIENT_STATUSES or (status == 403 and "rateLimitExceeded" in message):
            retry_after = response.headers.get("retry-after", "")
            wait = float(retry_after) if retry_after.isdigit() and int(retry_after) <= 60 else None
            raise Retryable(str(status), UpstreamError(f"{self.host} kept answering {status} to {what}",
                                                        hint="retry later"), wait)
        if status == 401:
            raise AuthError(f"Google rejected the access token for {what}", hint="run `intcli connect google`")
        if status == 403:
            raise AuthError(f"Google refused {what}: {message}",
                            hint="check the scopes granted (`intcli status`); reconnect with `intcli connect google`")
        if status == 404:
            raise AuthError(f"{what}: not found, or not visible to this account", hint="check the id")
        if status == 400:
            raise UsageError(f"Google rejected {what}: {message}", hint="check --query and the other options")
        raise UpstreamError(f"{self.host} answered {status} to {what}", hint="retry later")


def _message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        message = error.get("message", "") if isinstance(error, dict) else str(error)
        reasons = [e.get("reason", "") for e in error.get("errors", [])] if isinstance(error, dict) else []
    except (ValueError, AttributeError):
        return response.reason_phrase
    return " ".join(filter(None, [str(message)[:200], *reasons])) or response.reason_phrase
