"""The github capabilities as ``fetch`` handlers: credentials at use time, then search, list or sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from intcli.errors import ConfigError, UsageError
from intcli.providers.github import PROVIDER, PUBLIC_API, Endpoint, check_token_shape, endpoint

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.providers.base import FetchRequest, Verified
    from intcli.providers.github.api import GitHubAPI
    from intcli.providers.github.issues import IssueList
    from intcli.registry import Registry


def credentials(env: Environment, registry: Registry) -> tuple[Endpoint, str, str]:
    """(API endpoint, token, source): a credential variable first, then the vault."""
    from intcli.credentials import resolve

    credential = resolve(env, registry, PROVIDER, "run `intcli connect github` (or set GH_TOKEN in CI)")
    if credential.connection is None:
        try:
            token = check_token_shape(credential.secret)
        except UsageError:
            raise ConfigError(f"{credential.source} does not hold a token (spaces or unprintable characters)",
                              hint=f"set {credential.source} to the token alone") from None
        # Like gh: a token from the environment goes to GITHUB_API_URL or github.com, never to a stored
        # (e.g. Enterprise) host it may not belong to.
        return endpoint(env, None), token, credential.source
    connection = credential.connection
    where = Endpoint(connection.host, connection.details.get("api_url", PUBLIC_API))
    return where, credential.secret, credential.source


def open_api(env: Environment, registry: Registry, max_wait: float = 60.0,
             on_page: Callable[[], None] | None = None) -> GitHubAPI:
    """The REST client for the credentials in use, with the conditional-request cache of its host."""
    from intcli.httpcache import ConditionalCache
    from intcli.providers.github.api import GitHubAPI

    where, token, source = credentials(env, registry)
    cache = ConditionalCache(env, f"github/{where.host.replace(':', '_')}")
    return GitHubAPI(env, where, token, cache, max_wait=max_wait, on_page=on_page, token_source=source)


def fetch_user_issues(env: Environment, registry: Registry, request: FetchRequest) -> IssueList:
    from intcli.providers.github.issues import assigned_issues, search_query

    assignee, state = request.get("assignee", "@me"), request.get("state", "open")
    repos, labels = request.get("repo", []), request.get("label", [])
    search_query(assignee, state, repos, labels)  # bad input is exit 2 before any credential is looked up
    with open_api(env, registry, request.max_wait, request.on_page) as api:
        return assigned_issues(api, assignee=assignee, state=state, repos=repos, labels=labels, limit=request.limit)


def fetch_repository_issues(env: Environment, registry: Registry, request: FetchRequest) -> IssueList:
    from intcli.providers.github.issues import IssueList, check_repo, repository_issues
    from intcli.providers.github.sync import sync_repository
    from intcli.when import since_option

    repos: list[str] = request.get("repo", [])
    if not repos:
        raise UsageError("github.issues needs --repo OWNER/NAME", hint="e.g. --repo octocat/hello-world")
    for repo in repos:
        check_repo(repo)
    sync, since = request.get("sync", False), since_option(env, request.get("since"))
    if sync and since:
        raise UsageError("--sync keeps its own cursor and cannot be combined with --since",
                         hint="drop --since (or drop --sync for a one-off query)")
    state = request.get("state", "open")
    results: list[IssueList] = []
    with open_api(env, registry, request.max_wait, request.on_page) as api:
        for repo in repos:
            if sync:
                synced = sync_repository(env, api, api.where.host, repo)
                synced.items = [i for i in synced.items if state == "all" or i["state"] == state]
                synced.total = len(synced.items)
                results.append(synced)
            else:
                results.append(repository_issues(api, repo, state=state, since=since, limit=request.limit))
    issues = [issue for result in results for issue in result.issues]
    if request.limit is not None:
        issues = issues[: request.limit]
    return IssueList(issues, len(issues), [note for result in results for note in result.notes])


def verify(env: Environment, registry: Registry) -> Verified:
    """``status --check``: one ``GET /user`` with the token in use; a rejected one names where it came from."""
    from intcli.errors import AuthError
    from intcli.providers.base import Verified
    from intcli.providers.github import validate_token

    try:
        where, token, source = credentials(env, registry)
    except ConfigError as exc:  # a variable holding no token at all: the credential is unusable
        raise AuthError(exc.message, hint=exc.hint) from None
    try:
        info = validate_token(env, where, token)
    except AuthError as exc:
        if source.startswith(("keyring", "file")):
            raise
        raise AuthError(f"{source}: {exc.message}", hint=f"set {source} to a valid token") from None
    return Verified(info.login, where.host, tuple(info.scopes) if info.scopes is not None else None, info.expires_at)


def environment_host(env: Environment) -> str | None:
    """Where a token from the environment goes: GITHUB_API_URL's host, else github.com (as ``credentials``)."""
    from intcli.errors import IntcliError

    try:
        return endpoint(env, None).host
    except IntcliError:
        return None
