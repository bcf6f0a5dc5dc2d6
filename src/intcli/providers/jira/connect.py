"""``intcli connect jira``: a Jira Cloud site, an e-mail and an API token, checked with ``GET /myself`` first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from intcli.providers.jira import PROVIDER

if TYPE_CHECKING:
    from intcli.sdk import ConnectRequest, Environment, Registry, SecretStorage

TOKEN_PAGE = "https://id.atlassian.com/manage-profile/security/api-tokens"


@dataclass(frozen=True)
class JiraConnected:
    host: str
    account: str
    storage: SecretStorage
    overriding_variable: str | None


def connect_token(env: Environment, registry: Registry, site_text: str, email: str, token: str,
                  insecure: bool) -> JiraConnected:
    from intcli.providers.jira import account_of, check_email, check_token_shape, site
    from intcli.sdk import Connection, credential_variable, ensure_keyring, remember_secret, replace_connection

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


def connect(env: Environment, registry: Registry, request: ConnectRequest) -> None:
    """``intcli connect jira``: the API token from stdin (``--with-token``) or a hidden prompt, stored once the
    site accepted it."""
    from intcli.sdk import read_token

    site, email, with_token = request.get("site"), request.get("email"), request.get("with_token", False)
    if not with_token and env.stdin_isatty:
        env.message(f"Create an API token at {TOKEN_PAGE}")
    token = read_token(env, with_token, "Jira API token",
                       f"echo \"$TOKEN\" | intcli connect jira --site {site} --email {email} --with-token")
    result = connect_token(env, registry, site, email, token, request.get("insecure_storage", False))
    where = "the system keyring" if result.storage == "keyring" else "a 0600 file (insecure storage)"
    env.message(f"Connected to {result.host} as {result.account}; token stored in {where}.")
    if result.overriding_variable:
        env.warn(f"{result.overriding_variable} is set and is used instead of the stored token")
