"""``intcli connect github``: a personal access token, checked with one ``GET /user`` before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from intcli.providers.github import PROVIDER, TokenInfo

if TYPE_CHECKING:
    from intcli.base.env import Environment
    from intcli.storage.state import SecretStorage


@dataclass(frozen=True)
class GithubConnected:
    host: str
    info: TokenInfo
    storage: SecretStorage
    missing: dict[str, list[str]]
    overriding_variable: str | None  # a credential variable that will still win over the stored token


def connect_token(env: Environment, token: str, host: str | None, insecure: bool) -> GithubConnected:
    from intcli.base.safety import remember_secret
    from intcli.config.registry import load_registry
    from intcli.providers import github
    from intcli.storage.accounts import replace_connection
    from intcli.storage.connections import credential_variable
    from intcli.storage.state import Connection
    from intcli.storage.vault import ensure_keyring

    registry = load_registry(env)
    token = github.check_token_shape(token)
    remember_secret(token)
    where = github.endpoint(env, host)
    if not insecure:
        ensure_keyring(env)  # refuse before spending an API call
    info = github.validate_token(env, where, token)
    storage = replace_connection(env, PROVIDER, token, insecure, lambda storage: Connection(
        auth="token", host=where.host, account=info.login, scopes=info.scopes, connected_at=env.now(),
        expires_at=info.expires_at, secret_storage=storage, details={"api_url": where.api_url},
    ))
    return GithubConnected(where.host, info, storage, registry.missing_scopes(PROVIDER, info.scopes),
                           credential_variable(registry.providers[PROVIDER], env.environ))


def connect_command(
    ctx: typer.Context,
    with_token: Annotated[bool, typer.Option(
        "--with-token", help="Read the token from standard input (scripts, CI): echo \"$T\" | intcli connect github "
                             "--with-token")] = False,
    host: Annotated[str | None, typer.Option(
        "--host", help="GitHub Enterprise Server host, HOST or HOST:PORT [default: github.com, or GITHUB_API_URL]",
        show_default=False, metavar="HOST")] = None,
    insecure_storage: Annotated[bool, typer.Option(
        "--insecure-storage", help="Store the token in a 0600 file in the state dir instead of the keyring (status "
        "shows it). Only for machines without a keyring.")] = False,
) -> None:
    """Connect GitHub with a personal access token, checked with one API call before it is stored.

    Without --with-token, the token is asked for on the terminal (hidden). At run time INTCLI_GITHUB_TOKEN,
    GH_TOKEN or GITHUB_TOKEN, when set, are used instead of the stored token.

    Examples:

    \b
      intcli connect github
      gh auth token | intcli connect github --with-token
      intcli connect github --host ghe.example.com
    """
    from intcli.cli.common import get_env, warn_missing_scopes
    from intcli.storage.accounts import read_token

    env = get_env(ctx)
    if not with_token and env.stdin_isatty:
        from intcli.config.registry import load_registry
        from intcli.providers.github import endpoint, token_settings_url

        scopes = ",".join(load_registry(env).providers[PROVIDER].scopes)
        env.message(f"Create a token with the scopes {scopes} at {token_settings_url(endpoint(env, host))}/new"
                    f"?scopes={scopes}&description=intcli")
        env.message("(or reuse a gh login: gh auth token | intcli connect github --with-token)")
    token = read_token(env, with_token, "GitHub token", "echo \"$TOKEN\" | intcli connect github --with-token")
    result = connect_token(env, token, host, insecure_storage)
    info = result.info
    scopes = "not reported (fine-grained token; intcli cannot check them)" if info.scopes is None else (
        ", ".join(info.scopes) or "none")
    where = "the system keyring" if result.storage == "keyring" else "a 0600 file (insecure storage)"
    env.message(f"Connected to {result.host} as {info.login}; token stored in {where}.")
    env.message(f"  scopes: {scopes}")
    if info.expires_at:
        env.message(f"  expires: {info.expires_at:%Y-%m-%d %H:%M} UTC")
    warn_missing_scopes(env, result.missing, "this token lacks")
    if result.overriding_variable:
        env.warn(f"{result.overriding_variable} is set and is used instead of the stored token")
