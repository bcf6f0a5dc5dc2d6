"""``intcli connect jira``: a Jira Cloud site, an e-mail and an API token, checked with ``GET /myself`` first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from intcli.providers.jira import PROVIDER

if TYPE_CHECKING:
    from intcli.base.env import Environment
    from intcli.storage.state import SecretStorage

TOKEN_PAGE = "https://id.atlassian.com/manage-profile/security/api-tokens"


@dataclass(frozen=True)
class JiraConnected:
    host: str
    account: str
    storage: SecretStorage
    overriding_variable: str | None


def connect_token(env: Environment, site_text: str, email: str, token: str, insecure: bool) -> JiraConnected:
    from intcli.base.safety import remember_secret
    from intcli.config.registry import load_registry
    from intcli.providers.jira import account_of, check_email, check_token_shape, site
    from intcli.storage.accounts import replace_connection
    from intcli.storage.connections import credential_variable
    from intcli.storage.state import Connection
    from intcli.storage.vault import ensure_keyring

    registry = load_registry(env)
    where, email = site(site_text, "--site"), check_email(email, "--email")
    token = check_token_shape(token)
    remember_secret(token)
    if not insecure:
        ensure_keyring(env)  # refuse before spending an API call
    account = account_of(env, where, email, token)
    storage = replace_connection(env, PROVIDER, token, insecure, lambda storage: Connection(
        auth="basic", host=where.host, account=account, scopes=None, connected_at=env.now(), secret_storage=storage,
        details={"site_url": where.url, "email": email}))
    return JiraConnected(where.host, account, storage, credential_variable(registry.providers[PROVIDER], env.environ))


def connect_command(
    ctx: typer.Context,
    site: Annotated[str, typer.Option("--site", help="Your Jira Cloud site, e.g. acme.atlassian.net",
                                      metavar="SITE", show_default=False)],
    email: Annotated[str, typer.Option("--email", help="The e-mail address of your Atlassian account",
                                       metavar="EMAIL", show_default=False)],
    with_token: Annotated[bool, typer.Option(
        "--with-token", help="Read the API token from standard input (scripts, CI)")] = False,
    insecure_storage: Annotated[bool, typer.Option(
        "--insecure-storage", help="Store the token in a 0600 file in the state dir instead of the keyring (status "
        "shows it). Only for machines without a keyring.")] = False,
) -> None:
    """Connect a Jira Cloud site with your e-mail and an API token, checked with one API call before it is stored.

    Create the token at https://id.atlassian.com/manage-profile/security/api-tokens. At run time
    JIRA_API_TOKEN (with JIRA_EMAIL and JIRA_SITE), when set, is used instead of the stored token.

    Examples:

    \b
      intcli connect jira --site acme.atlassian.net --email ada@example.com
      echo "$JIRA_API_TOKEN" | intcli connect jira --site acme.atlassian.net --email ada@example.com --with-token
    """
    from intcli.cli.common import get_env
    from intcli.storage.accounts import read_token

    env = get_env(ctx)
    if not with_token and env.stdin_isatty:
        env.message(f"Create an API token at {TOKEN_PAGE}")
    token = read_token(env, with_token, "Jira API token",
                       f"echo \"$TOKEN\" | intcli connect jira --site {site} --email {email} --with-token")
    result = connect_token(env, site, email, token, insecure_storage)
    where = "the system keyring" if result.storage == "keyring" else "a 0600 file (insecure storage)"
    env.message(f"Connected to {result.host} as {result.account}; token stored in {where}.")
    if result.overriding_variable:
        env.warn(f"{result.overriding_variable} is set and is used instead of the stored token")
