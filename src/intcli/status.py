"""Per-app requirement status: is each capability an app declares available, and if not, why.

Pure functions of the registry, the connections and the time, so tests call them directly. The app's
resulting state follows the fallbacks: a missing requirement with ``error`` → error, with ``disable`` →
disabled when required (an optional one is simply off), with ``limited`` → limited. Worst state wins.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from intcli.connections import ConnectionView
from intcli.models import Fallback, ProviderStatus
from intcli.registry import Registry, ResolvedRequirement

if TYPE_CHECKING:
    from intcli.env import Environment


class Reason(enum.StrEnum):
    AVAILABLE = "available"
    NOT_CONFIGURED = "not_configured"
    EXPIRED = "expired"
    CAPABILITY_NOT_FOUND = "capability_not_found"
    DISABLED = "disabled"
    PROVIDER_MAINTENANCE = "provider_maintenance"
    PROVIDER_DEPRECATED = "provider_deprecated"  # still works, but say so
    NOT_DECLARED = "not_declared"  # asked for on behalf of an app that does not declare it


class AppState(enum.StrEnum):
    READY = "ready"
    LIMITED = "limited"
    DISABLED = "disabled"
    ERROR = "error"


_SEVERITY = [AppState.READY, AppState.LIMITED, AppState.DISABLED, AppState.ERROR]


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: Reason
    detail: str = ""
    fix: str | None = None  # the command that makes it available, when there is one
    provider: str | None = None


@dataclass(frozen=True)
class RequirementStatus:
    requirement: ResolvedRequirement
    availability: Availability
    last_used: datetime | None = None


@dataclass(frozen=True)
class AppStatus:
    app_id: str
    name: str
    enabled: bool
    state: AppState
    requirements: list[RequirementStatus] = field(default_factory=list)
    provides: list[str] = field(default_factory=list)

    @property
    def missing_required(self) -> list[RequirementStatus]:
        return [r for r in self.requirements if r.requirement.required and not r.availability.available]

    @property
    def fixes(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in self.requirements:
            if not item.availability.available and item.availability.fix:
                seen.setdefault(item.availability.fix)
        return list(seen)


class StatusResolver:
    """Resolves availability for one registry snapshot, memoising app states (apps may provide capabilities)."""

    def __init__(self, registry: Registry, connections: dict[str, ConnectionView], now: datetime) -> None:
        self.registry = registry
        self.connections = connections
        self.now = now
        self._apps: dict[str, AppStatus] = {}

    def app_status(self, app_id: str) -> AppStatus:
        if app_id not in self._apps:
            self._apps[app_id] = self._resolve_app(app_id)
        return self._apps[app_id]

    def all_apps(self) -> list[AppStatus]:
        return [self.app_status(app_id) for app_id in sorted(self.registry.apps)]

    def capability(self, capability_id: str, app_id: str | None = None) -> Availability:
        """Availability of a capability, for ``app_id`` when the request is made on behalf of an app."""
        if app_id is not None and self.registry.integration_switched_off(app_id, capability_id):
            return Availability(False, Reason.DISABLED, f"switched off for {app_id}",
                                fix=f"intcli apps enable {app_id} --capability {capability_id}")
        if capability_id in self.registry.provided_by:
            return self._provided(capability_id)
        capability = self.registry.capabilities.get(capability_id)
        if capability is None:
            return Availability(False, Reason.CAPABILITY_NOT_FOUND, "no provider or app offers it")
        provider_id = capability.provider
        provider = self.registry.providers[provider_id]
        if provider.status == ProviderStatus.MAINTENANCE:
            return Availability(False, Reason.PROVIDER_MAINTENANCE, f"{provider.name} is under maintenance",
                                provider=provider_id)
        connection = self.connections.get(provider_id)
        connect = f"intcli connect {provider_id}"
        if connection is None or not connection.connected:
            return Availability(False, Reason.NOT_CONFIGURED, f"{provider.name} is not connected", connect,
                                provider_id)
        if connection.expired(self.now):
            return Availability(False, Reason.EXPIRED, f"the {provider.name} credential has expired", connect,
                                provider_id)
        if connection.scopes is not None:
            granted = provider.effective_scopes(connection.scopes)
            missing = [scope for scope in capability.permissions if scope not in granted]
            if missing:
                return Availability(False, Reason.NOT_CONFIGURED, f"missing scope: {', '.join(missing)}", connect,
                                    provider_id)
        if provider.status == ProviderStatus.DEPRECATED:
            return Availability(True, Reason.PROVIDER_DEPRECATED, f"{provider.name} is deprecated",
                                provider=provider_id)
        return Availability(True, Reason.AVAILABLE, provider=provider_id)

    def for_app(self, app_id: str, capability_id: str) -> Availability:
        """What a request on behalf of ``app_id`` meets: the app access rule first (``intcli.fetch``), then the
        capability's own availability."""
        from intcli.fetch import app_access_problem

        problem = app_access_problem(self.registry, app_id, capability_id)
        if problem is not None:
            return Availability(False, Reason.NOT_DECLARED if problem.fix is None else Reason.DISABLED,
                                problem.message, problem.fix)
        return self.capability(capability_id, app_id)

    def _provided(self, capability_id: str) -> Availability:
        owner = self.registry.provided_by[capability_id]
        if not self.registry.app_enabled(owner):
            return Availability(False, Reason.DISABLED, f"provided by app {owner}, which is switched off",
                                fix=f"intcli apps enable {owner}")
        owner_status = self.app_status(owner)
        if owner_status.missing_required:
            fixes = owner_status.fixes
            return Availability(False, Reason.NOT_CONFIGURED,
                                f"provided by app {owner}, which lacks a required capability",
                                fixes[0] if fixes else None)
        return Availability(True, Reason.AVAILABLE, f"provided by app {owner}")

    def _resolve_app(self, app_id: str) -> AppStatus:
        app = self.registry.apps[app_id]
        enabled = self.registry.app_enabled(app_id)
        items = []
        state = AppState.READY if enabled else AppState.DISABLED
        for requirement in self.registry.requirements(app_id):
            availability = self.capability(requirement.capability, app_id)
            provider = availability.provider
            last_used = self.connections[provider].last_used if provider in self.connections else None
            items.append(RequirementStatus(requirement, availability, last_used))
            if enabled and not availability.available:
                state = max(state, _consequence(requirement), key=_SEVERITY.index)
        return AppStatus(app_id, app.name, enabled, state, items, list(app.provides))


def _consequence(requirement: ResolvedRequirement) -> AppState:
    if requirement.fallback == Fallback.ERROR:
        return AppState.ERROR
    if requirement.fallback == Fallback.LIMITED:
        return AppState.LIMITED
    return AppState.DISABLED if requirement.required else AppState.READY


# -- the ``status`` job ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusReport:
    generated_at: datetime
    connections: dict[str, ConnectionView]
    apps: list[AppStatus]

    @property
    def failing_apps(self) -> list[AppStatus]:
        """Enabled apps that lack a required capability (what ``status --check`` fails on)."""
        return [a for a in self.apps if a.enabled and a.missing_required]

    def document(self) -> dict[str, Any]:
        """The ``status --json`` document."""
        return status_document(self)


def current_resolver(env: Environment) -> StatusResolver:
    """A resolver for the registry, connections and time of now."""
    from intcli.connections import current_connections
    from intcli.registry import load_registry
    from intcli.state import load_state

    registry = load_registry(env)
    return StatusResolver(registry, current_connections(registry, load_state(env), env.environ), env.now())


def build_status(env: Environment, app_id: str | None = None) -> StatusReport:
    resolver = current_resolver(env)
    if app_id is not None:
        resolver.registry.app(app_id)  # unknown → usage error with suggestions
    apps = [resolver.app_status(app_id)] if app_id else resolver.all_apps()
    return StatusReport(resolver.now, resolver.connections, apps)


def status_document(report: StatusReport) -> dict[str, Any]:
    """The ``status --json`` document (schema version 1, documented in the README)."""
    return {
        "schemaVersion": 1,
        "generatedAt": iso(report.generated_at),
        "connections": {
            provider: {
                "connected": view.connected,
                "source": view.source,
                "account": view.account,
                "host": view.host,
                "scopes": list(view.scopes) if view.scopes is not None else None,
                "connectedAt": iso(view.connected_at),
                "expiresAt": iso(view.expires_at),
                "expired": view.expired(report.generated_at),
                "lastUsed": iso(view.last_used),
            }
            for provider, view in sorted(report.connections.items())
        },
        "apps": [
            {
                "id": app.app_id,
                "name": app.name,
                "enabled": app.enabled,
                "state": str(app.state),
                "provides": app.provides,
                "fixes": app.fixes,
                "requirements": [
                    {
                        "capability": item.requirement.capability,
                        "kind": item.requirement.kind,
                        "purpose": item.requirement.purpose,
                        "fallback": str(item.requirement.fallback),
                        "provider": item.availability.provider,
                        "available": item.availability.available,
                        "reason": str(item.availability.reason),
                        "detail": item.availability.detail or None,
                        "fix": item.availability.fix,
                        "lastUsed": iso(item.last_used),
                    }
                    for item in app.requirements
                ],
            }
            for app in report.apps
        ],
    }


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
