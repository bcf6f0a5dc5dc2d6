"""GitHub's summary sections: assigned issues (top N and the total) and recent activity in configured repos."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.registry import Registry


def _api(env: Environment, registry: Registry):  # noqa: ANN202 - a GitHubAPI
    from intcli.httpcache import ConditionalCache
    from intcli.providers.github.api import GitHubAPI
    from intcli.providers.github.fetch import credentials

    where, token, source = credentials(env, registry)
    return GitHubAPI(env, where, token, ConditionalCache(env, f"github/{where.host.replace(':', '_')}"),
                     token_source=source)


def assigned_section(env: Environment, registry: Registry, options: dict[str, Any], top: int,
                     since: datetime) -> dict[str, Any]:
    from intcli.providers.github.issues import assigned_issues

    with _api(env, registry) as api:
        result = assigned_issues(api, limit=top)
    return {"issues": result.items, "totalActiveIssues": result.total}


def repositories_section(env: Environment, registry: Registry, options: dict[str, Any], top: int,
                         since: datetime) -> dict[str, Any]:
    from intcli.errors import AuthError, ConfigError, UsageError
    from intcli.providers.github.issues import repository_issues

    repositories = options.get("repositories")
    if not isinstance(repositories, list) or not repositories:
        raise ConfigError("no repositories to summarise",
                          hint="list them in config.toml: [app_settings.<app>.options] repositories = [\"owner/name\"]")
    activity: dict[str, Any] = {}
    errors: dict[str, str] = {}
    when = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with _api(env, registry) as api:
        for repo in repositories:
            try:  # one missing repository does not hide the others
                activity[repo] = repository_issues(api, repo, state="all", since=when, limit=top).items
            except (AuthError, UsageError) as exc:
                errors[repo] = exc.message
    if errors and not activity:
        raise AuthError(f"no configured repository could be read ({'; '.join(errors.values())})",
                        hint="check the repositories in config.toml")
    return {"repositories": activity, "errors": errors}
