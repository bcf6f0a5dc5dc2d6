"""Jira issues as intcli items, found by JQL: ``/rest/api/3/search/jql`` with ``nextPageToken`` and explicit
``fields`` (the old ``/rest/api/3/search`` is gone from Jira Cloud), and ``/search/approximate-count`` for the total.

Items: ``id, key, title (summary), project, status, priority, url (https://SITE/browse/KEY), updatedAt, labels``.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from intcli.providers.jira.spec import ISSUE_FIELDS  # the spec is where --fields is checked
from intcli.sdk import IntcliError, ItemList, UpstreamError, UsageError

if TYPE_CHECKING:
    from intcli.providers.jira import Site
    from intcli.providers.jira.api import JiraAPI

API_FIELDS = "summary,status,priority,labels,updated,project"
PER_PAGE = 100
ASSIGNED_TO_ME = "assignee = currentUser() AND statusCategory != Done ORDER BY updated DESC"
_PROJECT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}-[0-9]{1,18}")
_ORDER_BY = re.compile(r"\s+ORDER\s+BY\s+.*$", re.IGNORECASE | re.DOTALL)


def check_project(project: str) -> str:
    if not _PROJECT.fullmatch(project):
        raise UsageError(f"--project {project[:60]!r} is not a Jira project key", hint="e.g. --project OPS")
    return project


def assigned_jql(project: str | None, jql: str | None) -> str:
    """The default (assigned to me, not done, newest first), narrowed to a project; or the user's own JQL."""
    if jql is not None:
        if project is not None:
            raise UsageError("--jql replaces the whole query, so --project does not apply",
                             hint='put it in the JQL: --jql \'project = OPS AND ...\'')
        if not jql.strip():
            raise UsageError("--jql is empty", hint=f"e.g. --jql '{ASSIGNED_TO_ME}'")
        return jql.strip()
    return f'project = "{check_project(project)}" AND {ASSIGNED_TO_ME}' if project is not None else ASSIGNED_TO_ME


def project_jql(project: str, since_minutes: int | None) -> str:
    """A project's issues, newest first; ``updated >= "-Nm"`` is relative, so no time zone is involved."""
    window = f' AND updated >= "-{since_minutes}m"' if since_minutes is not None else ""
    return f'project = "{check_project(project)}"{window} ORDER BY updated DESC'


def to_item(raw: dict[str, Any], where: Site) -> dict[str, Any]:
    """An intcli item from Jira's issue; a field of the wrong shape is a TypeError/KeyError (exit 3)."""
    from datetime import UTC

    from intcli.sdk import iso_z

    fields = raw["fields"]
    key = raw["key"]
    if not (isinstance(key, str) and _KEY.fullmatch(key) and isinstance(raw["id"], str | int)):
        raise TypeError("not an issue key")
    updated = datetime.strptime(str(fields["updated"]), "%Y-%m-%dT%H:%M:%S.%f%z")
    labels = fields.get("labels") or []
    priority = fields.get("priority") or {}
    item = {"id": str(raw["id"]), "key": key, "title": fields.get("summary") or "",
            "project": (fields.get("project") or {}).get("key", key.rsplit("-", 1)[0]),
            "status": (fields.get("status") or {}).get("name", ""), "priority": priority.get("name"),
            "url": where.browse(key), "updatedAt": iso_z(updated.astimezone(UTC)), "labels": labels}
    if not (isinstance(item["title"], str) and isinstance(item["status"], str) and isinstance(labels, list)
            and all(isinstance(label, str) for label in labels) and isinstance(item["priority"], str | None)
            and isinstance(item["project"], str)):
        raise TypeError("an issue field has the wrong type")
    return item


def search(api: JiraAPI, jql: str, limit: int | None = None) -> ItemList:
    """Every issue the JQL finds (or the first ``limit``), in Jira's order, and the approximate total."""
    with ThreadPoolExecutor(max_workers=1) as pool:  # the count travels while the first page does
        counted = pool.submit(api.post_json, "/rest/api/3/search/approximate-count", {"jql": _ORDER_BY.sub("", jql)})
        issues = _pages(api, jql, limit)
        try:
            count = counted.result().get("count")
        except IntcliError:  # the total is informative only: the listed issues stand
            count = None
    total = count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else len(issues)
    return ItemList(issues, max(total, len(issues)), key="issues", fields=ISSUE_FIELDS,
                    table_fields=("key", "title", "status", "priority", "updatedAt"),
                    text_fields=("title",), optional_fields=("priority", "updatedAt", "status"))


def _pages(api: JiraAPI, jql: str, limit: int | None) -> list[dict[str, Any]]:
    from intcli.providers.jira.api import MAX_PAGES
    from intcli.sdk import token_pages

    params: dict[str, Any] = {"jql": jql, "fields": API_FIELDS,
                              "maxResults": min(PER_PAGE, limit) if limit else PER_PAGE}
    issues: list[dict[str, Any]] = []
    seen_ids: set[str] = set()

    def fetch(token: str | None) -> dict[str, Any]:
        return api.get_json("/rest/api/3/search/jql", {**params, "nextPageToken": token} if token else params)

    def next_token(page: dict[str, Any]) -> object:
        return None if page.get("isLast") is True else page.get("nextPageToken")

    for page in token_pages(fetch, next_token, api.where.host, "GET /rest/api/3/search/jql", MAX_PAGES):
        try:
            fresh = [to_item(raw, api.where) for raw in page["issues"]]
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            raise UpstreamError(f"unexpected answer from {api.where.host}: an issue lacks its fields",
                                hint="check --site (is this a Jira Cloud site?)") from None
        new = [item for item in fresh if item["id"] not in seen_ids]
        if not new and next_token(page):
            raise UpstreamError(f"{api.where.host} sent the same issues again on another page", hint="retry later")
        seen_ids.update(item["id"] for item in new)
        issues += new
        if limit is not None and len(issues) >= limit:
            break
    return issues[:limit] if limit is not None else issues
