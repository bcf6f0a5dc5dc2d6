"""The jira capabilities as ``fetch`` handlers, and where the site, e-mail and token come from."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from intcli.providers.jira import EMAIL_VARIABLE, PROVIDER, SITE_VARIABLE, check_email, check_token_shape, site
from intcli.sdk import ConfigError, UsageError

if TYPE_CHECKING:
    from intcli.providers.jira.api import JiraAPI
    from intcli.sdk import Environment, FetchRequest, ItemList, Registry, Verified


def open_api(env: Environment, registry: Registry, max_wait: float = 60.0,
             on_page: Callable[[], None] | None = None) -> JiraAPI:
    """The client for the credential in use: ``JIRA_API_TOKEN`` (with ``JIRA_SITE`` and ``JIRA_EMAIL``), else the
    stored connection and its token in the vault."""
    from intcli.providers.jira.api import JiraAPI
    from intcli.sdk import resolve

    credential = resolve(env, registry, PROVIDER, "run `intcli connect jira --site SITE --email EMAIL` "
                         "(or set JIRA_API_TOKEN, JIRA_EMAIL and JIRA_SITE in CI)")
    if credential.connection is None:
        from intcli.sdk import load_state

        variable = credential.source
        stored = load_state(env).connections.get(PROVIDER)  # site and e-mail may come from a stored connection
        site_text = env.environ.get(SITE_VARIABLE, "").strip() or (stored.details.get("site_url", "") if stored else "")
        email_text = env.environ.get(EMAIL_VARIABLE, "").strip() or (stored.details.get("email", "") if stored else "")
        missing = [name for name, value in ((SITE_VARIABLE, site_text), (EMAIL_VARIABLE, email_text)) if not value]
        if missing:
            raise ConfigError(f"{variable} is set but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                              "not", hint=f"set {', '.join(missing)} too (e.g. JIRA_SITE=acme.atlassian.net)")
        try:
            token = check_token_shape(credential.secret)
        except UsageError:
            raise ConfigError(f"{variable} does not hold a token (spaces or unprintable characters)",
                              hint=f"set {variable} to the token alone") from None
        where = site(site_text, SITE_VARIABLE)
        email = check_email(email_text, EMAIL_VARIABLE)
        return JiraAPI(env, where, email, token, max_wait, on_page, fix_auth=f"set {variable} to a valid API token")
    details = credential.connection.details
    where = site(details.get("site_url", ""), "the stored jira connection")
    return JiraAPI(env, where, details.get("email", ""), credential.secret, max_wait, on_page,
                   fix_auth="run `intcli connect jira` with a new API token")


def fetch_user_issues(env: Environment, registry: Registry, request: FetchRequest) -> ItemList:
    from intcli.providers.jira.issues import assigned_jql, search

    jql = assigned_jql(request.get("project"), request.get("jql"))  # bad input is exit 2 before anything else
    with open_api(env, registry, request.max_wait, request.on_page) as api:
        return search(api, jql, request.limit)


def fetch_project_issues(env: Environment, registry: Registry, request: FetchRequest) -> ItemList:
    from intcli.providers.jira.issues import project_jql, search
    from intcli.sdk import parse_when

    project = request.get("project")
    if not project:
        raise UsageError("jira.issues needs --project KEY", hint="e.g. --project OPS")
    since = request.get("since")
    minutes = None
    if since is not None:
        moment = parse_when(since, env.now())
        if moment > env.now():
            raise UsageError(f"--since {since!r} is in the future", hint="e.g. --since 24h")
        minutes = int((env.now() - moment).total_seconds() // 60) + 1
    jql = project_jql(project, minutes)
    with open_api(env, registry, request.max_wait, request.on_page) as api:
        return search(api, jql, request.limit)


def verify(env: Environment, registry: Registry) -> Verified:
    """``status --check``: one ``GET /rest/api/3/myself`` with the credential in use."""
    from intcli.sdk import AuthError, Verified

    try:
        api = open_api(env, registry, max_wait=10.0)
    except ConfigError as exc:  # a variable holding no token, or a token without its site and e-mail
        raise AuthError(exc.message, hint=exc.hint) from None
    with api:
        me = api.get_json("/rest/api/3/myself")
    return Verified(str(me.get("emailAddress") or me.get("displayName") or "")[:200] or None, api.where.host)


def environment_host(env: Environment) -> str | None:
    from intcli.sdk import IntcliError

    try:
        return site(env.environ.get(SITE_VARIABLE, ""), SITE_VARIABLE).host
    except IntcliError:
        return None
