"""The github capabilities as ``fetch`` handlers: credentials at use time, then search, list or sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from intcli.providers.github import PROVIDER, PUBLIC_API, Endpoint, check_token_shape, endpoint
from intcli.sdk import ConfigError, UsageError

if TYPE_CHECKING:
    from intcli.providers.github.api import GitHubAPI
    from intcli.providers.github.issues import IssueList
    from intcli.sdk import Environment, FetchRequest, Registry, Verified


def credentials(env: Environment, registry: Registry) -> tuple[Endpoint, str, str]:
    """(API endpoint, token, source): a credential variable first, then the vault."""
    from intcli.sdk import resolve

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
    from intcli.providers.github.api import GitHubAPI
    from intcli.sdk import ConditionalCache

    where, token, source = credentials(env, registry)
    cache = ConditionalCache(env, f"github/{where.host.replace(':', '_')}")
    return GitHubAPI(env, where, token, cache, max_wait=max_wait, on_page=on_page, token_source=source)


def fetch_user_issues(env: Environment, registry: Registry, request: FetchRequest) -> IssueList:
    from intcli.providers.github.issues import assigned_issues, search_params

    search = _user_issues_search(request)
    search_params(**search, limit=None)  # bad input is exit 2 before any credential is looked up
    with open_api(env, registry, request.max_wait, request.on_page) as api:
        return assigned_issues(api, **search, limit=request.limit)


def _user_issues_search(request: FetchRequest) -> dict[str, Any]:
    return {"assignee": request.get("assignee", "@me"), "state": request.get("state", "open"),
            "repos": request.get("repo", []), "labels": request.get("label", [])}


def fetch_repository_issues(env: Environment, registry: Registry, request: FetchRequest) -> IssueList:
    from intcli.providers.github.issues import IssueList, repository_issues

    query = _repository_query(env, request)
    repos, sync, offline, since, state, labels = (query.repos, query.sync, query.offline, query.since, query.state,
                                                  query.labels)
    if offline:
        from intcli.sdk import remember_environment_credentials

        remember_environment_credentials(env, registry)  # the copy is printed: no credential may be in it
        host = offline_host(env, registry)
        return _guarded(env, host, lambda: _from_copy(env, host, repos, request, [], offline=True), retry=False)
    with open_api(env, registry, request.max_wait, request.on_page) as api:
        if sync:
            from intcli.providers.github.sync import open_store, sync_repository

            def run_sync() -> IssueList:
                with open_store(env, api.where.host) as store:
                    notes = [sync_repository(env, api, store, repo) for repo in repos]
                return _from_copy(env, api.where.host, repos, request, notes)

            return _guarded(env, api.where.host, run_sync, retry=True)
        results = [repository_issues(api, repo, state=state, since=since, labels=labels, limit=request.limit)
                   for repo in repos]
    issues = [issue for result in results for issue in result.issues]
    if request.limit is not None:
        issues = issues[: request.limit]
    return IssueList(issues, len(issues), [note for result in results for note in result.notes])


class _RepositoryQuery(NamedTuple):
    repos: list[str]
    sync: bool
    offline: bool
    since: str | None
    state: str
    labels: list[str]


def _repository_query(env: Environment, request: FetchRequest) -> _RepositoryQuery:
    """``fetch github.issues``' options, with every check made before any credential or request (exit 2)."""
    from intcli.providers.github.issues import check_repo
    from intcli.sdk import since_option

    repos: list[str] = request.get("repo", [])
    if not repos:
        raise UsageError("github.issues needs --repo OWNER/NAME", hint="e.g. --repo octocat/hello-world")
    for repo in repos:
        check_repo(repo)
    sync, offline = bool(request.get("sync", False)), bool(request.get("offline", False))
    if sync and offline:
        raise UsageError("--sync updates the local copy over the network; --offline forbids the network",
                         hint="drop one of them")
    labels: list[str] = request.get("label", [])
    if any("," in label for label in labels) and not (sync or offline):
        raise UsageError("a label with a comma cannot be asked of a repository's issues",
                         hint="use --sync (then --label filters the local copy), or drop that label")
    return _RepositoryQuery(repos, sync, offline, since_option(env, request.get("since")),
                            request.get("state", "open"), labels)


def _guarded(env: Environment, host: str, work: Callable[[], IssueList], retry: bool) -> IssueList:
    """``work`` on the copy, with SQLite's errors as intcli's: a copy found damaged while in use (not only when
    opened) is set aside, and a sync runs once more on a fresh one; a busy or unopenable copy is exit 5."""
    import sqlite3

    from intcli.providers.github.store import database_path, is_damage, set_aside, unusable

    path = database_path(env, host)
    try:
        return work()
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise unusable(path, exc) from None
        set_aside(env, path, exc)
        if not retry:
            raise ConfigError(f"the local copy of GitHub issues for {host} was damaged", hint="run `intcli fetch "
                              "github.issues --repo OWNER/NAME --sync` to fetch it again") from None
    try:
        return work()
    except sqlite3.DatabaseError as exc:
        raise unusable(path, exc) from None


def _from_copy(env: Environment, host: str, repos: list[str], request: FetchRequest,
               notes: list[str], offline: bool = False) -> IssueList:
    """The answer of ``--sync`` and ``--offline``: a query of the local copy."""
    from intcli.providers.github.issues import IssueList
    from intcli.providers.github.spec import ISSUE_FIELDS
    from intcli.providers.github.store import EncodedItems, IssueStore, database_path
    from intcli.sdk import since_option

    path = database_path(env, host)
    if not path.exists():
        raise ConfigError(f"there is no local copy of GitHub issues for {host} yet",
                          hint=f"run `intcli fetch github.issues --repo {repos[0]} --sync` first")
    with IssueStore(env, path) as store:
        states = {repo: store.state(repo) for repo in repos}
        missing = [repo for repo, state in states.items() if state is None]
        if missing:
            raise ConfigError(f"the local copy has no issues of {missing[0]}",
                              hint=f"run `intcli fetch github.issues --repo {missing[0]} --sync` first")
        unfinished = [repo for repo, state in states.items()
                      if offline and state and (state.cursor is None or store.seams(repo))]
        if unfinished:
            raise ConfigError(f"the local copy of {unfinished[0]} is incomplete: its first sync was interrupted",
                              hint=f"run `intcli fetch github.issues --repo {unfinished[0]} --sync` to finish it")
        issues = EncodedItems([], ISSUE_FIELDS)
        for repo in repos:
            issues += store.issues([repo], state=request.get("state", "open"), labels=request.get("label", []),
                                   since=since_option(env, request.get("since")), limit=request.limit)
    if request.limit is not None:
        issues = issues[: request.limit]
    return IssueList(issues, len(issues), notes)


def offline_host(env: Environment, registry: Registry) -> str:
    """The host whose copy ``--offline`` reads, found as a fetch would, without asking for the secret."""
    from intcli.sdk import credential_variable, load_state

    if credential_variable(registry.providers[PROVIDER], env.environ) is None:
        connection = load_state(env).connections.get(PROVIDER)
        if connection is not None:
            return connection.host
    return endpoint(env, None).host


def verify(env: Environment, registry: Registry) -> Verified:
    """``status --check``: one ``GET /user`` with the token in use; a rejected one names where it came from."""
    from intcli.providers.github import validate_token
    from intcli.sdk import AuthError, Verified

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
    from intcli.sdk import IntcliError

    try:
        return endpoint(env, None).host
    except IntcliError:
        return None
