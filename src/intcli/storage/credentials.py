"""The one credential resolver every provider uses: a credential variable, else the stored connection and its
secret in the vault, with the connection's expiry checked. Secrets it returns are remembered by
``intcli.base.safety`` so that no message can show them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from intcli.base.errors import AuthError

if TYPE_CHECKING:
    from intcli.base.env import Environment
    from intcli.config.registry import Registry
    from intcli.storage.state import Connection


@dataclass(frozen=True)
class Credential:
    secret: str
    source: str  # "keyring", "file", or the variable it came from (e.g. GH_TOKEN)
    connection: Connection | None  # the stored connection; None when the secret came from the environment

    @property
    def from_environment(self) -> bool:
        return self.connection is None


def resolve(env: Environment, registry: Registry, provider_id: str, connect_hint: str) -> Credential:
    """``connect_hint`` is the fix named when there is nothing to use, e.g. "run `intcli connect jira`".

    Resolved once per run (kept in ``env.shared``, with the error if there is one): a fetch's head start and the
    fetch itself ask the keyring once, and a keyring that hangs makes a run wait once."""
    from intcli.base.errors import IntcliError

    key = f"intcli.storage.credentials {provider_id}"
    known = env.shared.get(key)
    if isinstance(known, Credential):
        return known
    if isinstance(known, IntcliError):
        raise known.with_traceback(None)  # under --debug, this run's frames only
    try:
        credential = _resolve(env, registry, provider_id, connect_hint)
    except IntcliError as exc:
        env.shared[key] = exc
        raise
    env.shared[key] = credential
    return credential


def _resolve(env: Environment, registry: Registry, provider_id: str, connect_hint: str) -> Credential:
    from intcli.base.safety import remember_secret
    from intcli.storage.connections import as_utc, credential_variable
    from intcli.storage.state import load_state
    from intcli.storage.vault import read_secret

    provider = registry.providers[provider_id]
    connection = load_state(env).connections.get(provider_id)  # read first: a damaged state file is reported
    variable = credential_variable(provider, env.environ)
    secret: str | None  # from the environment, else from the vault (None when missing)
    if variable is not None:
        secret = env.environ[variable].strip()
        remember_secret(secret)
        return Credential(secret, variable, None)
    if connection is None:
        raise AuthError(f"{provider.name} is not connected", hint=connect_hint)
    if connection.expires_at is not None and as_utc(connection.expires_at) <= env.now():
        raise AuthError(f"the {provider.name} credential expired on {as_utc(connection.expires_at):%Y-%m-%d %H:%M} UTC",
                        hint=f"{connect_hint} with a new one")
    secret = read_secret(env, provider_id, connection.secret_storage)
    if not secret:
        raise AuthError(f"the stored {provider.name} secret is missing from the vault", hint=f"{connect_hint} again")
    return Credential(secret, str(connection.secret_storage), connection)


def remember_environment_credentials(env: Environment, registry: Registry) -> None:
    """Remember the value of every provider's credential variables (``intcli.base.safety``), for output that did not
    come through ``resolve`` but may still hold one: a jq program reading ``$ENV``, or the local copy."""
    from intcli.base.safety import remember_secret

    for provider in registry.providers.values():
        for variable in provider.credential_env:
            value = env.environ.get(variable, "").strip()
            if value:
                remember_secret(value)
