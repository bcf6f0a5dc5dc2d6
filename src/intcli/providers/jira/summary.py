"""Jira's summary section: the unresolved issues assigned to you (top N and the total)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intcli.sdk import Section

if TYPE_CHECKING:
    from intcli.sdk import Environment, Registry, SectionContext


def assigned_section(env: Environment, registry: Registry, context: SectionContext) -> Section:
    from intcli.providers.jira.fetch import open_api
    from intcli.providers.jira.issues import ASSIGNED_TO_ME, search

    with open_api(env, registry) as api:
        result = search(api, ASSIGNED_TO_ME, context.top)
    issues = result.items
    return Section(
        headline=f"{result.total} unresolved issues; the {len(issues)} most recently updated:",
        columns=["Issue", "Project", "Status", "Updated"],
        rows=[[(f"{i['key']} {i['title']}", i["url"]), i["project"], i["status"], i["updatedAt"]] for i in issues],
        document={"issues": issues, "total": result.total}, empty="No Jira issues assigned to you.",
        badge=f"{len(issues)} of {result.total} unresolved")
