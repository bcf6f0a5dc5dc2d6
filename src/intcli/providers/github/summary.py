"""GitHub's summary sections: assigned issues (top N and the total) and recent activity in configured repos."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intcli.sdk import Section

if TYPE_CHECKING:
    from intcli.sdk import Environment, Registry, SectionContext


def _issue_link(issue: dict[str, Any]) -> tuple[str, str | None]:
    return f"#{issue['number']} {issue['title']}", issue["url"]


def assigned_section(env: Environment, registry: Registry, context: SectionContext) -> Section:
    from intcli.providers.github.fetch import open_api
    from intcli.providers.github.issues import assigned_issues

    with open_api(env, registry) as api:
        result = assigned_issues(api, limit=context.top)
    issues, total = result.items, result.total
    return Section(
        headline=f"{total} active issues; the {len(issues)} most recently updated:",
        columns=["Issue", "Repository", "Updated", "Labels"],
        rows=[[_issue_link(i), i["repository"], i["updatedAt"], ", ".join(i["labels"])] for i in issues],
        document={"issues": issues, "totalActiveIssues": total}, empty="No issues assigned to you.",
        badge=f"{len(issues)} of {total} active",
        # The design's summary document names these "developmentTasks" (schema version 1).
        extra={"developmentTasks": {"available": True, "githubIssues": issues, "totalActiveIssues": total}})


def repositories_section(env: Environment, registry: Registry, context: SectionContext) -> Section:
    from intcli.providers.github.fetch import open_api
    from intcli.providers.github.issues import repository_issues
    from intcli.sdk import AuthError, ConfigError, UsageError, iso_z

    repositories = context.options.get("repositories")
    if not isinstance(repositories, list) or not repositories:
        raise ConfigError("no repositories to summarise",
                          hint="list them in config.toml: [app_settings.<app>.options] repositories = [\"owner/name\"]")
    activity: dict[str, Any] = {}
    errors: dict[str, str] = {}
    when = iso_z(context.since)
    with open_api(env, registry) as api:
        for repo in repositories:
            try:  # one missing repository does not hide the others
                activity[repo] = repository_issues(api, repo, state="all", since=when, limit=context.top).items
            except (AuthError, UsageError) as exc:
                errors[repo] = exc.message
    if errors and not activity:
        raise AuthError(f"no configured repository could be read ({'; '.join(errors.values())})",
                        hint="check the repositories in config.toml")
    return Section(
        headline=f"{sum(map(len, activity.values()))} issues changed in {len(activity)} repositories:",
        columns=["Repository", "Issue", "State", "Updated"], text_column=1,
        rows=[[repo, _issue_link(i), str(i["state"]), i["updatedAt"]] for repo, issues in activity.items()
              for i in issues],
        document={"repositories": activity, "errors": errors}, empty="No activity.",
        groups={repo: f"unavailable ({error})" for repo, error in errors.items()})
