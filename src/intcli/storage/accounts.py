"""Connecting and disconnecting providers: the vault and the state file kept in step."""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from intcli.base.errors import ConfigError, UsageError
from intcli.storage.connections import credential_variable
from intcli.storage.state import Connection, SecretStorage, forget_connection, load_state, save_connection

if TYPE_CHECKING:
    from intcli.base.env import Environment
    from intcli.config.registry import Registry


MAX_SECRET_CHARS = 16384


def read_token(env: Environment, from_stdin: bool, what: str, flag_example: str) -> str:
    """The secret from stdin (``--with-token``) or a hidden prompt on a terminal; never echoed."""
    if from_stdin:
        text = env.stdin.read(MAX_SECRET_CHARS + 1)
        if len(text) > MAX_SECRET_CHARS:
            raise UsageError(f"standard input holds more than {MAX_SECRET_CHARS} characters, not a {what}",
                             hint=f"pipe in the {what} alone")
        return text
    if not env.stdin_isatty:
        raise UsageError(f"no {what} given and standard input is not a terminal to ask on",
                         hint=f"pipe it in with --with-token, e.g. {flag_example}")
    try:
        return getpass.getpass(f"Paste your {what} (input is hidden): ", stream=env.stderr)
    except EOFError:
        raise UsageError(f"no {what} entered", hint="run the command again and paste it") from None


@dataclass(frozen=True)
class Disconnected:
    provider: str
    was_connected: bool
    overriding_variable: str | None


def disconnect(env: Environment, registry: Registry, provider: str) -> Disconnected:
    from intcli.storage.vault import delete_secret

    if provider not in registry.providers:
        from intcli.config.registry import suggest

        raise UsageError(f"unknown provider {provider!r}", hint=suggest(provider, registry.providers, "providers"))
    with account_lock(env, provider):
        connection = load_state(env).connections.get(provider)
        if connection is not None:
            delete_secret(env, provider, connection.secret_storage)  # a keyring failure keeps the state: retry
        was_connected = forget_connection(env, provider)
    return Disconnected(provider, was_connected, credential_variable(registry.providers[provider], env.environ))


def account_lock(env: Environment, provider: str) -> contextlib.AbstractContextManager[None]:
    """Held while a provider's secret and its state change together, so that a connect and a disconnect
    running at once never leave a connection without its secret (or a secret without its connection)."""
    from intcli.base.files import locked

    return locked(env.state_dir / f"{provider}.account")


def replace_connection(env: Environment, provider: str, secret: str | None, insecure: bool,
                       make: Callable[[SecretStorage], Connection]) -> SecretStorage:
    """Store the secret (keyring, or the 0600 file) and upsert the connection that points at it, as one step;
    a secret left behind in the other store by an earlier connection is removed."""
    from intcli.storage.vault import delete_secret, store_secret

    with account_lock(env, provider):
        previous = load_state(env).connections.get(provider)
        storage = store_secret(env, provider, secret, insecure) if secret is not None else SecretStorage.NONE
        if previous is not None and previous.secret_storage != storage:
            with contextlib.suppress(ConfigError):
                delete_secret(env, provider, previous.secret_storage)
        save_connection(env, provider, make(storage))
    return storage


def warn_missing_scopes(env: Environment, missing: dict[str, list[str]], lacking: str) -> None:
    """After a connect: a warning per capability the granted scopes do not cover."""
    for capability, scopes in missing.items():
        env.warn(f"{capability} needs scope {', '.join(scopes)}, which {lacking}")
