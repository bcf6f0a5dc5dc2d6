"""``fetch github.issues --sync``: a local copy of a repository's issues, refreshed with ``since=``.

The copy (``<cache dir>/sync/github/<host>/<owner>/<name>.json``, 0600) holds every issue seen and a cursor,
the newest ``updated_at`` seen. A sync asks for everything updated since the cursor, oldest first, and commits
the merged copy and the advanced cursor after every page: an interrupted sync keeps what it had, and the next
one resumes from the last committed page. ``since`` is inclusive, so issues at the cursor come again and are
merged by id — never lost, never duplicated. Closed issues are fetched too (``state=all``), so closures land.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intcli.errors import ConfigError, UpstreamError
from intcli.fsutil import atomic_write, locked
from intcli.providers.github.issues import (
    MAX_PAGES,
    PER_PAGE,
    IssueList,
    check_repo,
    has_next,
    raw_items,
    to_item,
)

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.providers.github.api import GitHubAPI

COPY_VERSION = 1


@dataclass
class LocalCopy:
    repository: str
    cursor: str | None = None
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)  # by str(id)

    def to_json(self) -> str:
        return json.dumps({"version": COPY_VERSION, "repository": self.repository, "cursor": self.cursor,
                           "issues": self.issues}, indent=1)


def copy_path(env: Environment, host: str, repo: str) -> Path:
    """The copy's file; whatever the host and repository names, it stays inside the sync folder."""
    owner, name = check_repo(repo).split("/")
    root = env.cache_dir / "sync" / "github"
    folder = host.replace(":", "_")
    if not re.fullmatch(r"[A-Za-z0-9._\-\[\]]{1,255}", folder) or folder.strip(".") == "":
        raise ConfigError(f"cannot keep a local copy for the host {host[:100]!r}",
                          hint="check --host or GITHUB_API_URL")
    path = root / folder / owner / f"{name}.json"
    if not path.resolve().is_relative_to(root.resolve()):
        raise ConfigError(f"the local copy of {repo} would leave {root}", hint="check --repo")
    return path


_ITEM_KEYS = {"id", "number", "title", "repository", "url", "updatedAt", "labels", "state"}


def load_copy(env: Environment, path: Path, repo: str) -> LocalCopy:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LocalCopy(repo)
    except OSError as exc:
        raise ConfigError(f"cannot read sync copy {path}: {exc.strerror}", hint="check the file") from None
    try:
        data = json.loads(raw.decode("utf-8"))
        issues, cursor = data["issues"], data.get("cursor")
        if data.get("version") != COPY_VERSION or not isinstance(issues, dict) or not all(
                isinstance(item, dict) and _ITEM_KEYS <= item.keys() for item in issues.values()) or not (
                cursor is None or isinstance(cursor, str)):
            raise ValueError("unexpected layout")
        return LocalCopy(str(data["repository"]), cursor, issues)
    except (ValueError, AttributeError, KeyError, TypeError) as exc:
        # A cache: safe to discard. It is moved aside (never overwritten) and the repository is fetched again.
        aside = path.with_name(path.name + ".damaged")
        try:
            path.replace(aside)
        except OSError:
            raise ConfigError(f"sync copy {path} is damaged ({type(exc).__name__}) and cannot be moved aside",
                              hint=f"delete it (rm {path}); the next --sync fetches the repository again") from None
        env.warn(f"the sync copy {path} was damaged; moved it to {aside.name} and fetching {repo} again in full")
        return LocalCopy(repo)


def sync_repository(env: Environment, api: GitHubAPI, host: str, repo: str) -> IssueList:
    """Pages are asked for by ``since=<cursor>`` again after every page that moves the cursor, not by page
    number: an issue edited during the sync jumps to the end of the list, which would shift a numbered page
    and skip its neighbour. Only while the cursor stands still (many issues updated in the same second)
    does the page number advance."""
    path = copy_path(env, host, repo)
    with locked(path):
        copy = load_copy(env, path, repo)
        base: dict[str, str | int] = {"state": "all", "sort": "updated", "direction": "asc", "per_page": PER_PAGE}
        number = 1
        seen: set[str] = set()
        stale_pages = 0  # consecutive pages that brought no issue this sync had not seen
        for _ in range(MAX_PAGES):
            since = copy.cursor
            params = {**base, "page": number, **({"since": since} if since else {})}
            page = api.get(f"/repos/{repo}/issues", params)
            raws = raw_items(page, repo)
            try:
                items = [to_item(raw) for raw in raws if "pull_request" not in raw]
            except (KeyError, TypeError, AttributeError):
                raise UpstreamError(f"unexpected answer from GitHub for {repo}: an issue lacks its fields",
                                    hint="retry later") from None
            copy.issues.update((str(item["id"]), item) for item in items)
            newest = max((str(raw.get("updated_at", "")) for raw in raws), default="")
            if newest and (copy.cursor is None or newest > copy.cursor):
                copy.cursor = newest
            atomic_write(path, copy.to_json().encode("utf-8"), mode=0o600)  # commit this page
            if not has_next(page.headers.get("link", "")):
                break
            ids = {str(raw.get("id")) for raw in raws}
            # One page of issues already seen is normal (the issues at the cursor come again); two in a row
            # means the server keeps sending the same page.
            stale_pages = stale_pages + 1 if ids <= seen else 0
            if stale_pages >= 2:
                raise UpstreamError(f"GitHub keeps sending the same issues for {repo} (page {number})",
                                    hint="what was fetched is kept; retry later")
            seen |= ids
            number = 1 if copy.cursor != since else number + 1
        else:
            raise UpstreamError(f"{repo} has more than {MAX_PAGES} pages of changes; stopped there",
                                hint="what was fetched is kept: run the same --sync again to continue")
    issues = sorted(copy.issues.values(), key=lambda item: item["updatedAt"], reverse=True)
    return IssueList(issues, len(issues), notes=[f"synced {repo}: {len(issues)} issues in the local copy"])
