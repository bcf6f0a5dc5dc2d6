"""``intcli connect github``: a personal access token, checked with one ``GET /user`` before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from intcli.providers.github import PROVIDER, TokenInfo

if TYPE_CHECKING:
    from intcli.sdk import ConnectRequest, Environment, Registry, SecretStorage


@dataclass(frozen=True)
class GithubConnected:
    host: str
    info: TokenInfo
    storage: SecretStorage
    missing: dict[str, list[str]]
    overriding_variable: str | None  # a credential variable that will still win over the stored token


def connect_token(env: Environment, registry: Registry, token: str, host: str | None,
                  insecure: bool) -> GithubConnected:
    from intcli.providers import github
    from intcli.sdk import Connection, credential_variable, ensure_keyring, remember_secret, replace_connection

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


def connect(env: Environment, registry: Registry, request: ConnectRequest) -> None:
    """``intcli connect github``: the token from stdin (``--with-token``) or a hidden prompt, stored once GitHub
    accepted it."""
    from intcli.sdk import read_token, warn_missing_scopes

    with_token, host = request.get("with_token", False), request.get("host")
    if not with_token and env.stdin_isatty:
        from intcli.providers.github import endpoint, token_settings_url

        scopes = ",".join(registry.providers[PROVIDER].scopes)
        env.message(f"Create a token with the scopes {scopes} at {token_settings_url(endpoint(env, host))}/new"
                    f"?scopes={scopes}&description=intcli")
        env.message("(or reuse a gh login: gh auth token | intcli connect github --with-token)")
    token = read_token(env, with_token, "GitHub token", "echo \"$TOKEN\" | intcli connect github --with-token")
    result = connect_token(env, registry, token, host, request.get("insecure_storage", False))
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
