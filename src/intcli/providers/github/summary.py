"""GitHub's summary sections: assigned issues (top N and the total) and recent activity in configured repos."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.registry import Registry


def _api(env: Environment, registry: Registry):  # noqa: ANN202 - a GitHubAPI
    from intcli.httpcache import ConditionalCache
    from intcli.providers.github.api import GitHubAPI
    from intcli.providers.github.fetch import credentials

    where, token, _ = credentials(env, registry)
    return GitHubAPI(env, where, token, ConditionalCache(env, f"github/{where.host.replace(':', '_')}"))


def assigned_section(env: Environment, registry: Registry, options: dict[str, Any], top: int,
                     since: datetime) -> dict[str, Any]:
    from intcli.providers.github.issues import assigned_issues

    with _api(env, registry) as api:
        result = assigned_issues(api, limit=top)
    return {"issues": result.items, "totalActiveIssues": result.total}


def repositories_section(env: Environment, registry: Registry, options: dict[str, Any], top: int,
                         since: datetime) -> dict[str, Any]:
    from intcli.errors import ConfigError
    from intcli.providers.github.issues import repository_issues

    repositories = options.get("repositories")
    if not isinstance(repositories, list) or not repositories:
        raise ConfigError("no repositories to summarise",
                          hint="list them in config.toml: [app_settings.<app>.options] repositories = [\"owner/name\"]")
    activity = {}
    with _api(env, registry) as api:
        for repo in repositories:
            result = repository_issues(api, repo, state="all", since=since.strftime("%Y-%m-%dT%H:%M:%SZ"), limit=top)
            activity[repo] = result.items
    return {"repositories": activity}
