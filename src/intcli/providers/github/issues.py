"""GitHub issues: the ones assigned to a user (search API) and a repository's (issues API), as intcli items.

Items follow the original design's field names: ``id, number, title, repository, url, updatedAt, labels``
(plus ``state``). Pull requests never appear.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intcli.providers.github.spec import ISSUE_FIELDS  # the spec is where --fields is checked
from intcli.sdk import ItemList, UpstreamError, UsageError

if TYPE_CHECKING:
    from intcli.providers.github.api import GitHubAPI, Page

PER_PAGE = 100
SEARCH_CAP = 1000  # GitHub search never returns more than this many results
MAX_PAGES = 5000  # a page plan (rel="last") beyond 500 000 issues is not believed
# GitHub's rules: an owner is 1-39 letters, digits or hyphens, not starting with a hyphen; a repository name is
# 1-100 letters, digits, ".", "-" or "_", and not "." or "..".
_OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_LOGIN = re.compile(r"@me|[A-Za-z0-9][A-Za-z0-9-]{0,38}")


@dataclass
class IssueList(ItemList):
    key: str = "issues"
    fields: tuple[str, ...] = ISSUE_FIELDS
    table_fields: tuple[str, ...] = ("number", "title", "repository", "updatedAt", "labels")
    text_fields: tuple[str, ...] = ("title",)
    optional_fields: tuple[str, ...] = ("labels", "updatedAt", "repository")

    @property
    def issues(self) -> Sequence[dict[str, Any]]:
        return self.items


def check_repo(repo: str) -> str:
    owner, slash, name = repo.partition("/")
    if not (slash and _OWNER.fullmatch(owner) and _NAME.fullmatch(name) and name not in (".", "..")):
        raise UsageError(f"--repo {repo[:150]!r} is not OWNER/NAME",
                         hint="e.g. --repo octocat/hello-world (letters, digits, '-', '_' and '.')")
    return repo


def to_item(raw: dict[str, Any]) -> dict[str, Any]:
    """An intcli issue from GitHub's; a field of the wrong type is a TypeError (the callers' exit 3).
    Written for speed (a first sync converts every issue): exact type checks, no generators."""
    labels = raw.get("labels") or []
    if type(labels) is not list:
        raise TypeError("labels is not a list")
    names = [label["name"] if type(label) is dict else label for label in labels]
    item = {
        "id": raw["id"], "number": raw["number"], "title": raw["title"],
        "repository": str(raw.get("repository_url") or "").split("/repos/", 1)[-1],
        "url": raw["html_url"], "updatedAt": raw["updated_at"], "labels": names, "state": raw.get("state"),
    }
    # JSON decoding gives exactly int, str and None: a bool or any other type is a wrong answer.
    if (type(item["id"]) is not int or type(item["number"]) is not int or type(item["title"]) is not str
            or type(item["url"]) is not str or type(item["updatedAt"]) is not str
            or not (item["state"] is None or type(item["state"]) is str)
            or any(type(name) is not str for name in names)):
        raise TypeError("an issue field has the wrong type")
    return item


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
    if not _LOGIN.fullmatch(assignee):
        raise UsageError(f"--assignee {assignee!r} is not a GitHub login", hint="pass a login, or @me")
    parts = ["type:issue", f"assignee:{assignee}"]
    if state in ("open", "closed"):
        parts.append(f"is:{state}")
    parts += [f"repo:{check_repo(repo)}" for repo in repos]
    parts += [f'label:"{label}"' if re.search(r'[\s:]', label) else f"label:{label}" for label in labels]
    return " ".join(parts)


def search_params(assignee: str, state: str, repos: Sequence[str], labels: Sequence[str],
                  limit: int | None) -> dict[str, str | int]:
    """The search ``assigned_issues`` pages through (each page adds its ``page``)."""
    return {"q": search_query(assignee, state, list(repos), list(labels)), "sort": "updated", "order": "desc",
            "per_page": min(PER_PAGE, limit) if limit else PER_PAGE}


def assigned_issues(api: GitHubAPI, *, assignee: str = "@me", state: str = "open", repos: Sequence[str] = (),
                    labels: Sequence[str] = (), limit: int | None = None) -> IssueList:
    """Issues assigned to ``assignee``, most recently updated first; page 1 tells the total, the rest in parallel."""
    params = search_params(assignee, state, repos, labels, limit)
    per_page = int(params["per_page"])
    first = api.get("/search/issues", {**params, "page": 1})
    if not isinstance(first.data, dict) or not isinstance(first.data.get("total_count"), int):
        raise UpstreamError("unexpected answer from GitHub search: no total_count", hint="check --host")
    total = first.data["total_count"]
    if total < 0:
        raise UpstreamError(f"unexpected answer from GitHub search: total_count {total}", hint="check --host")
    wanted = min(total, SEARCH_CAP, limit if limit is not None else SEARCH_CAP)
    pages = collect_pages(first, api.iter_pages("/search/issues", params, range(2, math.ceil(wanted / per_page) + 1)),
                          "search")
    issues = dedupe(item for page in pages for item in items_of(page, "search"))[:wanted]
    result = IssueList(issues, total)
    if total > SEARCH_CAP and (limit is None or limit > SEARCH_CAP):
        result.truncated = True
        result.notes.append(f"GitHub search returns at most {SEARCH_CAP} results; {total} match: narrow the query "
                            "with --repo or --label")
    if first.data.get("incomplete_results"):
        result.notes.append("GitHub says these search results may be incomplete (its search timed out)")
    return result


def repository_query(repo: str, state: str, since: str | None,
                     labels: Sequence[str]) -> tuple[str, dict[str, str | int]]:
    """The path and parameters ``repository_issues`` pages through (each page adds its ``page``)."""
    params: dict[str, str | int] = {"state": state, "sort": "updated", "direction": "desc", "per_page": PER_PAGE}
    if since:
        params["since"] = since
    if labels:
        params["labels"] = ",".join(labels)  # the caller refuses labels with a comma
    return f"/repos/{check_repo(repo)}/issues", params


def repository_issues(api: GitHubAPI, repo: str, *, state: str = "open", since: str | None = None,
                      labels: Sequence[str] = (), limit: int | None = None) -> IssueList:
    """A repository's issues, most recently updated first (pull requests removed); with ``labels``, only those
    that have them all."""
    path, params = repository_query(repo, state, since, labels)
    first = api.get(path, {**params, "page": 1})
    last = last_page(first.headers.get("link", ""))
    if last > MAX_PAGES:
        raise UpstreamError(f"GitHub announced {last} pages of issues for {repo}, more than intcli believes "
                            f"({MAX_PAGES})", hint="check --host or GITHUB_API_URL")
    wanted = MAX_PAGES if limit is None else math.ceil(limit / PER_PAGE)
    pages = collect_pages(first, api.iter_pages(path, params, range(2, min(last, wanted) + 1)), repo,
                          follow=api.follow, wanted=wanted)
    issues = dedupe(item for page in pages for item in items_of(page, repo))
    if limit is not None:
        issues = issues[:limit]
    return IssueList(issues, len(issues))


def collect_pages(first: Page, rest: Iterator[Page], where: str, follow: Callable[[str], Page] | None = None,
                  wanted: int = 0) -> list[Page]:
    """The pages of a plan, in order. An empty page ends the list early (issues closed meanwhile); a page whose
    every issue was already listed means the server is repeating itself, which is exit 3, not a loop. With
    ``follow``, up to ``wanted`` pages: once the plan ends (GitHub announces no page count for a large list,
    and refuses numbered pages beyond some depth of it) the links to the next page are followed."""
    from intcli.providers.github.api import PageLimit

    def following() -> Iterator[Page]:
        try:
            yield from rest
        except PageLimit:
            if follow is None:
                raise
        while follow is not None and len(pages) < wanted:
            link = next_link(pages[-1].headers.get("link", ""))
            if link is None:
                return
            yield follow(link)

    pages = [first]
    seen = {str(raw.get("id")) for raw in raw_items(first, where)}
    for page in following():
        raws = raw_items(page, where)
        if not raws:
            break
        ids = {str(raw.get("id")) for raw in raws}
        if ids <= seen:
            raise UpstreamError(f"GitHub sent page {len(pages) + 1} of {where} again (nothing new on it)",
                                hint="retry later; if it persists, check --host or GITHUB_API_URL")
        seen |= ids
        pages.append(page)
    return pages


def last_page(link_header: str) -> int:
    """The page number of rel="last" in a Link header (1 when there is none)."""
    for part in link_header.split(","):
        if 'rel="last"' in part:
            match = re.search(r"[?&]page=([0-9]{1,12})\b", part)
            if match:
                return max(1, int(match.group(1)))
    return 1


def has_next(link_header: str) -> bool:
    return 'rel="next"' in link_header


def next_link(link_header: str) -> str | None:
    """The URL of rel="next" in a Link header, if any."""
    for part in link_header.split(","):
        if 'rel="next"' in part:
            match = re.search(r"<([^<>\s]+)>", part)
            if match:
                return match.group(1)
    return None


def dedupe(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pages fetched in parallel can overlap when an issue moves between them: keep the first sighting."""
    seen: set[int] = set()
    unique = []
    for item in items:
        if item["id"] not in seen:
            seen.add(item["id"])
            unique.append(item)
    return unique
