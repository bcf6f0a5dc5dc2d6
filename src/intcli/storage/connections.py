"""Which providers are connected right now, and from where: a credential variable or the stored state.

Reads no secret: a variable only has to be set, and the vault is not opened. Credential variables win over
a stored connection (CI needs no ``connect``), in the order the provider lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from intcli.config.models import Provider
from intcli.config.registry import Registry
from intcli.storage.state import SecretStorage, StateDocument


@dataclass(frozen=True)
class ConnectionView:
    provider: str
    connected: bool
    source: str | None = None  # "keyring", "file", "env:GH_TOKEN", ...
    account: str | None = None
    host: str | None = None
    scopes: tuple[str, ...] | None = None
    connected_at: datetime | None = None
    expires_at: datetime | None = None
    last_used: datetime | None = None
    # Online check (``status --check``/``--verify``): None when not checked, else whether the service accepted it.
    valid: bool | None = None
    problem: str | None = None  # why it was rejected or could not be checked
    fix: str | None = None

    @property
    def from_environment(self) -> bool:
        return (self.source or "").startswith("env:")

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and as_utc(self.expires_at) <= now

    @property
    def insecure(self) -> bool:
        return self.source == SecretStorage.FILE


def as_utc(moment: datetime) -> datetime:
    """Times in hand-edited files may lack a zone: read them as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def credential_variable(provider: Provider, environ: Mapping[str, str]) -> str | None:
    """The first of the provider's credential variables that is set (it wins over anything stored)."""
    return next((name for name in provider.credential_env if environ.get(name, "").strip()), None)


def current_connections(registry: Registry, state: StateDocument,
                        environ: Mapping[str, str]) -> dict[str, ConnectionView]:
    views = {}
    for provider_id, provider in registry.providers.items():
        last_used = state.last_used.get(provider_id)
        variable = credential_variable(provider, environ)
        stored = state.connections.get(provider_id)
        if variable is not None:
            views[provider_id] = ConnectionView(provider_id, True, f"env:{variable}", last_used=last_used)
        elif stored is not None:
            views[provider_id] = ConnectionView(
                provider_id, True, str(stored.secret_storage), stored.account, stored.host,
                tuple(stored.scopes) if stored.scopes is not None else None,
                stored.connected_at, stored.expires_at, last_used,
            )
        else:
            views[provider_id] = ConnectionView(provider_id, False, last_used=last_used)
    return views
