"""The GitHub REST client: retries, rate limits, conditional requests, and concurrent pages in exact order.

- Transient failures (connection errors, timeouts, 502/503/504) are retried with exponential backoff and
  jitter (stamina); ``retry-after`` (429, secondary 403) is honoured; an exhausted primary limit is waited out
  only if it resets within ``max_wait`` seconds, else exit 3 naming when to retry.
- Every GET carries the stored ETag/Last-Modified (``intcli.net.cache``); a 304 reuses the cached body and
  spends no primary rate units.
- 401 is an AuthError (exit 4): the token was revoked or expired. Nothing is printed before all pages are in.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from intcli.providers.github import Endpoint, api_headers
from intcli.sdk import (
    Retryable,
    UpstreamError,
    WaitBudget,
    client,
    decode_json,
    header_number,
    raise_for_status,
    redact,
    send_once,
    with_retries,
)

if TYPE_CHECKING:
    from intcli.sdk import CachedResponse, ConditionalCache, Environment, Response

# Search results stop at 10 pages, so after page 1 at most 9 requests are ever in flight at once.
CONCURRENT_PAGES = 9
_Job = TypeVar("_Job")
_Result = TypeVar("_Result")
_NONE: Any = object()
SECONDARY_LIMIT_DEFAULT_WAIT = 60.0  # GitHub: without retry-after, wait at least a minute


class PageLimit(UpstreamError):
    """GitHub answers numbered pages beyond some depth of a large list with 422, naming cursor pagination."""


@dataclass(frozen=True)
class Page:
    data: Any
    headers: dict[str, str]


class GitHubAPI:
    def __init__(self, env: Environment, where: Endpoint, token: str, cache: ConditionalCache | None = None,
                 max_wait: float = 60.0, on_page: Callable[[], None] | None = None,
                 token_source: str = "keyring") -> None:
        self.env = env
        self.token_source = token_source  # "keyring", "file" or the variable the token came from
        self.where = where
        self.cache = cache
        self.max_wait = max_wait
        self.on_page = on_page
        self.budget = WaitBudget(max_wait)  # all the waits of this command together
        self._http = client(env, where.api_url, api_headers(token), host=where.host)

    def __enter__(self) -> GitHubAPI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    # -- one request -------------------------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, str | int] | None = None, remember: bool = True) -> Page:
        """One page; ``remember=False`` for pages never asked again (a first sync's): no conditional cache."""
        url, cached, headers = self._prepare(path, params, remember)
        response = with_retries(self.env, f"GET {_path(url)}", lambda: self._send(url, headers),
                                self.budget)
        if response.status_code == 304 and cached is not None:
            if self.env.verbose:
                self.env.message(f"intcli: 304 Not Modified, reused the cached answer for GET {url}")
            page = Page(_decode(cached.body, self.where.host, url), dict(cached.headers))
        else:
            page = Page(_decode(response.content, self.where.host, url), dict(response.headers))
            if remember and self.cache:
                self.cache.put(self.where.api_url + url, response)
        if self.on_page:
            self.on_page()
        return page

    def follow(self, link: str) -> Page:
        """The page a ``rel="next"`` link points to (GitHub's cursor pages: ``after=...``), never remembered. Only
        a link on this API's own server is followed: the token goes with the request."""
        base = self.where.api_url.rstrip("/") + "/"
        if not link.startswith(base):
            raise UpstreamError(f"{self.where.host} sent a link to the next page on another server",
                                hint="check --host or GITHUB_API_URL")
        return self.get(link[len(base) - 1:], None, remember=False)

    def _prepare(self, path: str, params: dict[str, str | int] | None,
                 remember: bool) -> tuple[str, CachedResponse | None, dict[str, str]]:
        """The URL of a page, its cached answer, and the headers asking whether it changed since."""
        url = f"{path}?{urlencode(sorted((params or {}).items()))}" if params else path
        cached = self.cache.get(self.where.api_url + url) if self.cache and remember else None
        return url, cached, cached.validators() if cached else {}

    def _send(self, url: str, headers: dict[str, str]) -> Response:
        response = send_once(self._http, "GET", url, headers=headers)
        if response.status_code in (200, 304):
            return response
        if response.status_code in (403, 429):
            self._rate_limited(response, url)  # GitHub reports its rate limits as 403 too
        if response.status_code == 422 and "cursor based pagination" in _message(response):
            raise PageLimit(f"{self.where.host} refuses pages this deep by number for GET {_path(url)}",
                            hint="use --sync (it follows GitHub's cursor links), or a smaller --limit")
        fix_auth = (f"set {self.token_source} to a valid token" if self.token_source.isupper()
                    else "run `intcli connect github` with a new token (and check its scopes and SSO authorization)")
        raise_for_status(response, self.where.host, f"GET {_path(url)}", _message(response), fix_auth=fix_auth,
                         fix_usage="check --repo, --label and --assignee, and the token's access",
                         retry_after_cap=self.max_wait)
        return response

    def _rate_limited(self, response: Response, url: str) -> None:
        headers = response.headers
        retry_after = header_number(headers.get("retry-after"))
        if retry_after is not None:
            self._check_wait(retry_after, "asked to retry after", url)
            raise Retryable(f"{response.status_code} retry-after {retry_after:g}", self._gave_up(url), retry_after)
        reset_at = header_number(headers.get("x-ratelimit-reset"))
        if headers.get("x-ratelimit-remaining") == "0" and reset_at is not None:
            wait = max(0.0, reset_at - time.time()) + 1
            until = _clock(reset_at)
            self._check_wait(wait, f"rate limit exhausted until {until},", url)
            raise Retryable(f"rate limit exhausted until {until}", self._gave_up(url), wait)
        if "secondary rate limit" in _message(response).lower() or response.status_code == 429:
            self._check_wait(SECONDARY_LIMIT_DEFAULT_WAIT, "secondary rate limit: asked to wait", url)
            raise Retryable("secondary rate limit", self._gave_up(url), SECONDARY_LIMIT_DEFAULT_WAIT)

    def _gave_up(self, url: str) -> UpstreamError:
        return UpstreamError(f"{self.where.host} kept rate-limiting GET {url}", hint="retry in a few minutes")

    def _check_wait(self, wait: float, what: str, url: str) -> None:
        if wait <= self.max_wait:
            return
        if not math.isfinite(wait):
            raise UpstreamError(f"{self.where.host} {what} an endless wait for GET {_path(url)}",
                                hint="retry later")
        raise UpstreamError(
            f"{self.where.host} {what} {math.ceil(wait)}s for GET {_path(url)}, more than --max-wait "
            f"{self.max_wait:g}s", hint=f"retry in {math.ceil(wait)}s, or pass --max-wait {math.ceil(wait) + 1}")

    # -- many pages --------------------------------------------------------------------------------------------
    def iter_pages(self, path: str, params: dict[str, str | int], pages: range,
                   remember: bool = True) -> Generator[Page, None, None]:
        """Yield the given page numbers in order, fetching up to CONCURRENT_PAGES ahead: the caller checks each
        page as it comes and may stop early, and no more than that many pages are ever in flight or waiting."""
        return in_order(lambda number: self.get(path, {**params, "page": number}, remember), pages)


def in_order(work: Callable[[_Job], _Result], jobs: Sequence[_Job]) -> Generator[_Result, None, None]:
    """``work`` done on each job, up to CONCURRENT_PAGES at once, and the results yielded in the jobs' order."""
    if not jobs:
        return
    from concurrent.futures import ThreadPoolExecutor  # with logging, ~10 ms: not before the first request

    waiting = iter(jobs)
    pool = ThreadPoolExecutor(max_workers=min(CONCURRENT_PAGES, len(jobs)))
    try:
        ahead = deque(pool.submit(work, job) for job in islice(waiting, CONCURRENT_PAGES))
        while ahead:
            result = ahead.popleft().result()  # the first failure propagates
            following = next(waiting, _NONE)
            if following is not _NONE:
                ahead.append(pool.submit(work, following))
            yield result
    finally:  # on Ctrl-C, a failure or an early stop, jobs not yet started are dropped instead of done
        pool.shutdown(wait=True, cancel_futures=True)


def _path(url: str) -> str:
    return url.split("?", 1)[0]


def _clock(epoch: float) -> str:
    """``HH:MM:SS UTC`` of a reset time, whatever number the server sent."""
    try:
        return f"{datetime.fromtimestamp(epoch, UTC):%H:%M:%S} UTC"
    except (OverflowError, ValueError, OSError):
        return "a time too far ahead"


def _decode(body: bytes, host: str, url: str) -> Any:
    return decode_json(body, host, f"GET {url.split('?', 1)[0]}")


def _message(response: Response) -> str:
    """The server's own message, redacted and cut (it may quote the request, token included)."""
    try:
        data = decode_json(response.content, "", "")
        message = data.get("message", "") if isinstance(data, dict) else ""
    except UpstreamError:
        message = ""
    return redact(message or response.reason_phrase)
