"""Connection state: per provider the account, host, scopes, times and where the secret lives — never a secret.

The state file (``<state dir>/state.json``, 0600) is read without a lock and replaced atomically under a lock
by ``update_state``, which re-reads it inside the lock so parallel runs never lose each other's updates.
A damaged file is reported (exit 5) and left exactly as it was.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from intcli.base.errors import ConfigError
from intcli.base.files import atomic_write, locked, read_text
from intcli.config.validation import load_validated, remember_valid

if TYPE_CHECKING:
    from intcli.base.env import Environment

STATE_FILE_NAME = "state.json"
RECENTLY = timedelta(seconds=30)  # a use this recent is not recorded again
_FORBID_EXTRA: dict[str, Any] = {"extra": "forbid"}


class SecretStorage(enum.StrEnum):
    KEYRING = "keyring"
    FILE = "file"  # --insecure-storage: a 0600 file in the state dir
    NONE = "none"  # nothing stored by intcli (e.g. a service account key file the user keeps)


@dataclass(frozen=True, kw_only=True)
class Connection:
    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID_EXTRA
    auth: str
    host: str
    account: str | None = None
    scopes: list[str] | None = None  # None: the provider does not say (e.g. fine-grained GitHub tokens)
    connected_at: datetime
    expires_at: datetime | None = None
    secret_storage: SecretStorage = SecretStorage.KEYRING
    # Non-secret, provider-specific facts needed later (e.g. an OAuth token_uri or client id).
    details: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> Connection:
        return cls(**{
            **data,
            "connected_at": datetime.fromisoformat(data["connected_at"]),
            "expires_at": _parse_time(data.get("expires_at")),
            "secret_storage": SecretStorage(data.get("secret_storage", SecretStorage.KEYRING)),
        })


@dataclass(frozen=True, kw_only=True)
class StateDocument:
    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID_EXTRA
    version: Literal[1] = 1
    connections: dict[str, Connection] = field(default_factory=dict)
    last_used: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> StateDocument:
        return cls(
            version=data.get("version", 1),
            connections={k: Connection.from_trusted(v) for k, v in data.get("connections", {}).items()},
            last_used={k: datetime.fromisoformat(v) for k, v in data.get("last_used", {}).items()},
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_json_default, indent=2, sort_keys=True) + "\n"


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the state file")


def state_path(env: Environment) -> Path:
    return env.state_dir / STATE_FILE_NAME


def load_state(env: Environment) -> StateDocument:
    path = state_path(env)
    text = read_text(path, "state file")
    if text is None:
        return StateDocument()
    hint = f"move it aside (mv {path} {path}.bad) and reconnect; intcli left it unchanged"
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"state file {path} is not valid JSON ({exc})", hint=hint) from None
    if not isinstance(document, dict):
        raise ConfigError(f"state file {path} does not hold a JSON object", hint=hint)
    try:
        return load_validated(env, "state", StateDocument, text, document, f"state file {path}")
    except ConfigError as exc:
        raise ConfigError(exc.message, hint=hint) from None


def update_state(env: Environment, change: Callable[[StateDocument], StateDocument],
                 durable: bool = True) -> StateDocument:
    """Apply ``change`` to the current state and store the result, atomically and under the state lock
    (``durable=False``: without the fsync, for bookkeeping a power cut may lose)."""
    path = state_path(env)
    with locked(path):
        new = change(load_state(env))
        text = new.to_json()
        atomic_write(path, text.encode("utf-8"), mode=0o600, durable=durable)
    remember_valid(env, "state", text)
    return new


def save_connection(env: Environment, provider: str, connection: Connection) -> StateDocument:
    """Insert or replace (upsert) a provider's connection."""
    return update_state(env, lambda s: replace(s, connections={**s.connections, provider: connection}))


def forget_connection(env: Environment, provider: str) -> bool:
    """Remove a provider's connection and usage; ``True`` if there was one."""
    existed = False

    def change(s: StateDocument) -> StateDocument:
        nonlocal existed
        existed = provider in s.connections
        return replace(s, connections={k: v for k, v in s.connections.items() if k != provider},
                       last_used={k: v for k, v in s.last_used.items() if k != provider})

    update_state(env, change)
    return existed


def mark_used(env: Environment, provider: str) -> None:
    """Record that a capability of ``provider`` was just used (shown as 'last used' in status).

    Best effort: a result already fetched is not thrown away because this bookkeeping failed."""
    now = env.now()
    try:
        previous = load_state(env).last_used.get(provider)
        if previous is not None and previous.tzinfo is not None and timedelta(0) <= now - previous < RECENTLY:
            return  # status shows it to the minute: rewriting the file a few seconds later changes nothing
        update_state(env, lambda s: replace(s, last_used={**s.last_used, provider: now}), durable=False)
    except ConfigError as exc:
        env.warn(f"could not record 'last used' for {provider}: {exc}")
