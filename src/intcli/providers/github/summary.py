"""GitHub's summary sections: assigned issues (top N and the total) and recent activity in configured repos."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.registry import Registry


def assigned_section(env: Environment, registry: Registry, options: dict[str, Any], top: int,
                     since: datetime) -> dict[str, Any]:
    from intcli.providers.github.fetch import open_api
    from intcli.providers.github.issues import assigned_issues

    with open_api(env, registry) as api:
        result = assigned_issues(api, limit=top)
    return {"issues": result.items, "totalActiveIssues": result.total}


def repositories_section(env: Environment, registry: Registry, options: dict[str, Any], top: int,
                         since: datetime) -> dict[str, Any]:
    from intcli.errors import AuthError, ConfigError, UsageError
    from intcli.providers.github.fetch import open_api
    from intcli.providers.github.issues import repository_issues
    from intcli.when import iso_z

    repositories = options.get("repositories")
    if not isinstance(repositories, list) or not repositories:
        raise ConfigError("no repositories to summarise",
                          hint="list them in config.toml: [app_settings.<app>.options] repositories = [\"owner/name\"]")
    activity: dict[str, Any] = {}
    errors: dict[str, str] = {}
    when = iso_z(since)
    with open_api(env, registry) as api:
        for repo in repositories:
            try:  # one missing repository does not hide the others
                activity[repo] = repository_issues(api, repo, state="all", since=when, limit=top).items
            except (AuthError, UsageError) as exc:
                errors[repo] = exc.message
    if errors and not activity:
        raise AuthError(f"no configured repository could be read ({'; '.join(errors.values())})",
                        hint="check the repositories in config.toml")
    return {"repositories": activity, "errors": errors}
