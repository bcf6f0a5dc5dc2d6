"""Conditional-request cache: per request URL, the validators (ETag, Last-Modified) and the body they name.

One 0600 JSON file per URL under ``<cache dir>/http/``. Only the URL, validators, a few response headers and
the body are stored — never request headers, so never a token. A damaged entry is ignored with a warning and
replaced by the next answer: the cache only saves requests, it never holds the only copy of anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from intcli.base.errors import ConfigError
from intcli.base.files import atomic_write

if TYPE_CHECKING:
    from pathlib import Path

    from httpx import Response

    from intcli.base.env import Environment

KEPT_HEADERS = ("content-type", "link", "etag", "last-modified")


@dataclass(frozen=True)
class CachedResponse:
    etag: str | None
    last_modified: str | None
    headers: dict[str, str]
    body: bytes

    def validators(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class ConditionalCache:
    def __init__(self, env: Environment, namespace: str) -> None:
        self.env = env
        self.directory: Path = env.cache_dir / "http" / namespace

    def _path(self, url: str) -> Path:
        return self.directory / f"{hashlib.sha256(url.encode()).hexdigest()}.json"

    def get(self, url: str) -> CachedResponse | None:
        path = self._path(url)
        try:
            entry = json.loads(path.read_bytes())
            if entry["url"] != url:
                raise ValueError("the entry belongs to another URL")
            return CachedResponse(entry.get("etag"), entry.get("last_modified"), dict(entry["headers"]),
                                  base64.b64decode(entry["body"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self.env.warn(f"ignored the damaged cache entry {path}; it will be replaced by a fresh answer "
                          "(it is only a cache)")
            return None

    def put(self, url: str, response: Response) -> None:
        etag, last_modified = response.headers.get("etag"), response.headers.get("last-modified")
        if not etag and not last_modified:
            return
        entry = {
            "url": url, "etag": etag, "last_modified": last_modified,
            "headers": {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers},
            "body": base64.b64encode(response.content).decode("ascii"),
        }
        try:
            atomic_write(self._path(url), json.dumps(entry).encode("utf-8"), mode=0o600, durable=False)
        except ConfigError as exc:  # an unwritable cache costs a full request next time, nothing more
            if self.env.verbose:
                self.env.message(f"intcli: could not write the cache ({exc.message})")
