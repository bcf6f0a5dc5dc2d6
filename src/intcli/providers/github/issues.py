"""GitHub issues: the ones assigned to a user (search API) and a repository's (issues API), as intcli items.

Items follow the original design's field names: ``id, number, title, repository, url, updatedAt, labels``
(plus ``state``). Pull requests never appear.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intcli.errors import UpstreamError, UsageError
from intcli.output import ItemList

if TYPE_CHECKING:
    from intcli.providers.github.api import GitHubAPI, Page

PER_PAGE = 100
SEARCH_CAP = 1000  # GitHub search never returns more than this many results
ISSUE_FIELDS = ("id", "number", "title", "repository", "url", "updatedAt", "labels", "state")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_LOGIN = re.compile(r"^(@me|[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))$")


@dataclass
class IssueList(ItemList):
    key: str = "issues"
    fields: tuple[str, ...] = ISSUE_FIELDS
    table_fields: tuple[str, ...] = ("number", "title", "repository", "updatedAt", "labels")

    @property
    def issues(self) -> list[dict[str, Any]]:
        return self.items


def check_repo(repo: str) -> str:
    if not _REPO.match(repo):
        raise UsageError(f"--repo {repo!r} is not OWNER/NAME", hint="e.g. --repo octocat/hello-world")
    return repo


def to_item(raw: dict[str, Any]) -> dict[str, Any]:
    repository = raw.get("repository_url", "").split("/repos/", 1)[-1]
    return {
        "id": raw["id"], "number": raw["number"], "title": raw["title"], "repository": repository,
        "url": raw["html_url"], "updatedAt": raw["updated_at"],
        "labels": [label["name"] if isinstance(label, dict) else str(label) for label in raw.get("labels", [])],
        "state": raw.get("state"),
    }


def raw_items(page: Page, where: str) -> list[dict[str, Any]]:
    data = page.data.get("items") if isinstance(page.data, dict) else page.data
    if not isinstance(data, list) or not all(isinstance(raw, dict) for raw in data):
        raise UpstreamError(f"unexpected answer from GitHub for {where}: no list of issues",
                            hint="check --host or GITHUB_API_URL")
    return data


def items_of(page: Page, where: str) -> list[dict[str, Any]]:
    try:
        return [to_item(raw) for raw in raw_items(page, where) if "pull_request" not in raw]
    except (KeyError, TypeError, AttributeError):
        raise UpstreamError(f"unexpected answer from GitHub for {where}: an issue lacks its fields",
                            hint="check --host or GITHUB_API_URL") from None


def search_query(assignee: str, state: str, repos: list[str], labels: list[str]) -> str:
    if not _LOGIN.match(assignee):
        raise UsageError(f"--assignee {assignee!r} is not a GitHub login", hint="pass a login, or @me")
    parts = ["type:issue", f"assignee:{assignee}"]
    if state in ("open", "closed"):
        parts.append(f"is:{state}")
    parts += [f"repo:{check_repo(repo)}" for repo in repos]
    parts += [f'label:"{label}"' if re.search(r'[\s:]', label) else f"label:{label}" for label in labels]
    return " ".join(parts)


def assigned_issues(api: GitHubAPI, *, assignee: str = "@me", state: str = "open", repos: list[str] = (),
                    labels: list[str] = (), limit: int | None = None) -> IssueList:
    """Issues assigned to ``assignee``, most recently updated first; page 1 tells the total, the rest in parallel."""
    per_page = min(PER_PAGE, limit) if limit else PER_PAGE
    params: dict[str, str | int] = {"q": search_query(assignee, state, list(repos), list(labels)),
                                    "sort": "updated", "order": "desc", "per_page": per_page}
    first = api.get("/search/issues", {**params, "page": 1})
    if not isinstance(first.data, dict) or not isinstance(first.data.get("total_count"), int):
        raise UpstreamError("unexpected answer from GitHub search: no total_count", hint="check --host")
    total = first.data["total_count"]
    wanted = min(total, SEARCH_CAP, limit if limit is not None else SEARCH_CAP)
    pages = [first, *api.get_pages("/search/issues", params, range(2, math.ceil(wanted / per_page) + 1))]
    issues = dedupe(item for page in pages for item in items_of(page, "search"))[:wanted]
    result = IssueList(issues, total)
    if total > SEARCH_CAP and (limit is None or limit > SEARCH_CAP):
        result.truncated = True
        result.notes.append(f"GitHub search returns at most {SEARCH_CAP} results; {total} match: narrow the query "
                            "with --repo or --label")
    if first.data.get("incomplete_results"):
        result.notes.append("GitHub says these search results may be incomplete (its search timed out)")
    return result


def repository_issues(api: GitHubAPI, repo: str, *, state: str = "open", since: str | None = None,
                      limit: int | None = None) -> IssueList:
    """A repository's issues, most recently updated first (pull requests removed)."""
    params: dict[str, str | int] = {"state": state, "sort": "updated", "direction": "desc", "per_page": PER_PAGE}
    if since:
        params["since"] = since
    path = f"/repos/{check_repo(repo)}/issues"
    first = api.get(path, {**params, "page": 1})
    last = last_page(first.headers.get("link", ""))
    if limit is not None:
        last = min(last, math.ceil(limit / PER_PAGE))
    pages = [first, *api.get_pages(path, params, range(2, last + 1))]
    issues = dedupe(item for page in pages for item in items_of(page, repo))
    if limit is not None:
        issues = issues[:limit]
    return IssueList(issues, len(issues))


def last_page(link_header: str) -> int:
    """The page number of rel="last" in a Link header (1 when there is none)."""
    for part in link_header.split(","):
        if 'rel="last"' in part:
            match = re.search(r"[?&]page=(\d+)", part)
            if match:
                return int(match.group(1))
    return 1


def has_next(link_header: str) -> bool:
    return 'rel="next"' in link_header


def dedupe(items) -> list[dict[str, Any]]:  # noqa: ANN001 - an iterable of items
    """Pages fetched in parallel can overlap when an issue moves between them: keep the first sighting."""
    seen: set[int] = set()
    unique = []
    for item in items:
        if item["id"] not in seen:
            seen.add(item["id"])
            unique.append(item)
    return unique
