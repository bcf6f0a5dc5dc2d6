"""The github capabilities as ``fetch`` handlers: credentials at use time, then search, list or sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from intcli.errors import AuthError, ConfigError, UsageError
from intcli.providers.github import PROVIDER, PUBLIC_API, Endpoint, check_token_shape, endpoint
from intcli.safety import remember_secret

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.fetch import FetchOptions
    from intcli.providers.github.issues import IssueList
    from intcli.registry import Registry


def credentials(env: Environment, registry: Registry) -> tuple[Endpoint, str, str]:
    """(API endpoint, token, source): a credential variable first, then the vault."""
    from intcli.connections import as_utc, credential_variable
    from intcli.state import load_state
    from intcli.vault import read_secret

    connection = load_state(env).connections.get(PROVIDER)
    variable = credential_variable(registry.providers[PROVIDER], env.environ)
    if variable is not None:
        try:
            token = check_token_shape(env.environ[variable])
        except UsageError:
            raise ConfigError(f"{variable} does not hold a token (spaces or unprintable characters)",
                              hint=f"set {variable} to the token alone") from None
        remember_secret(token)
        # Like gh: a token from the environment goes to GITHUB_API_URL or github.com, never to a stored
        # (e.g. Enterprise) host it may not belong to.
        return endpoint(env, None), token, variable
    if connection is None:
        raise AuthError("GitHub is not connected", hint="run `intcli connect github` (or set GH_TOKEN in CI)")
    if connection.expires_at is not None and as_utc(connection.expires_at) <= env.now():
        raise AuthError(f"the GitHub token expired on {as_utc(connection.expires_at):%Y-%m-%d %H:%M} UTC",
                        hint="run `intcli connect github` with a new token")
    token = read_secret(env, PROVIDER, connection.secret_storage)
    if not token:
        raise AuthError("the stored GitHub token is missing from the vault",
                        hint="run `intcli connect github` again")
    where = Endpoint(connection.host, connection.details.get("api_url", PUBLIC_API))
    return where, token, str(connection.secret_storage)


def open_api(env: Environment, registry: Registry, max_wait: float = 60.0,
             on_page: Callable[[], None] | None = None):  # noqa: ANN201 - a GitHubAPI
    """The REST client for the credentials in use, with the conditional-request cache of its host."""
    from intcli.httpcache import ConditionalCache
    from intcli.providers.github.api import GitHubAPI

    where, token, source = credentials(env, registry)
    cache = ConditionalCache(env, f"github/{where.host.replace(':', '_')}")
    return GitHubAPI(env, where, token, cache, max_wait=max_wait, on_page=on_page, token_source=source)


def fetch_user_issues(env: Environment, registry: Registry, options: FetchOptions) -> IssueList:
    from intcli.providers.github.issues import assigned_issues, search_query

    options.refuse(since=options.since, sync=options.sync, query=options.query, content=options.content)
    search_query(options.assignee or "@me", options.state or "open", options.repos, options.labels)  # usage first
    with open_api(env, registry, options.max_wait, options.on_page) as api:
        return assigned_issues(api, assignee=options.assignee or "@me", state=options.state or "open",
                               repos=options.repos, labels=options.labels, limit=options.limit)


def fetch_repository_issues(env: Environment, registry: Registry, options: FetchOptions) -> IssueList:
    from intcli.providers.github.issues import IssueList, check_repo, repository_issues
    from intcli.providers.github.sync import sync_repository

    options.refuse(assignee=options.assignee, label=options.labels, query=options.query, content=options.content)
    if not options.repos:
        raise UsageError("github.issues needs --repo OWNER/NAME", hint="e.g. --repo octocat/hello-world")
    for repo in options.repos:
        check_repo(repo)
    if options.sync and options.since:
        raise UsageError("--sync keeps its own cursor and cannot be combined with --since",
                         hint="drop --since (or drop --sync for a one-off query)")
    state = options.state or "open"
    results: list[IssueList] = []
    with open_api(env, registry, options.max_wait, options.on_page) as api:
        for repo in options.repos:
            if options.sync:
                synced = sync_repository(env, api, api.where.host, repo)
                synced.items = [i for i in synced.items if state == "all" or i["state"] == state]
                synced.total = len(synced.items)
                results.append(synced)
            else:
                results.append(repository_issues(api, repo, state=state, since=options.since, limit=options.limit))
    issues = [issue for result in results for issue in result.issues]
    if options.limit is not None:
        issues = issues[: options.limit]
    return IssueList(issues, len(issues), [note for result in results for note in result.notes])
