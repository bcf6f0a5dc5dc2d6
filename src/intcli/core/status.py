"""Per-app requirement status: is each capability an app declares available, and if not, why.

Pure functions of the registry, the connections and the time, so tests call them directly. The app's
resulting state follows the fallbacks: a missing requirement with ``error`` → error, with ``disable`` →
blocked when required (an optional one is simply left out), with ``limited`` → limited. Worst state wins. A
switched-off app is ``off``: the words of the user's switch (on/off) are never the words of a computed state.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from intcli.config.models import Fallback, ProviderStatus
from intcli.config.registry import Registry, ResolvedRequirement
from intcli.storage.connections import ConnectionView

if TYPE_CHECKING:
    from intcli.base.env import Environment


class Reason(enum.StrEnum):
    AVAILABLE = "available"
    NOT_CONFIGURED = "not_configured"
    EXPIRED = "expired"
    CAPABILITY_NOT_FOUND = "capability_not_found"
    SWITCHED_OFF = "switched_off"  # the user switched the integration (or the app providing it) off
    PROVIDER_MAINTENANCE = "provider_maintenance"
    PROVIDER_DEPRECATED = "provider_deprecated"  # still works, but say so
    REJECTED = "rejected"  # the service refused the credential when status checked it online
    NOT_DECLARED = "not_declared"  # asked for on behalf of an app that does not declare it


class AppState(enum.StrEnum):
    READY = "ready"
    LIMITED = "limited"  # runs without an optional capability
    BLOCKED = "blocked"  # cannot run: a required capability is missing
    ERROR = "error"  # a requirement with fallback "error" is missing
    OFF = "off"  # switched off by the user


_SEVERITY = [AppState.READY, AppState.LIMITED, AppState.BLOCKED, AppState.ERROR, AppState.OFF]


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
            return Availability(False, Reason.SWITCHED_OFF, f"switched off for {app_id}",
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
        if connection.valid is False:
            return Availability(False, Reason.REJECTED, connection.problem or f"{provider.name} rejected the "
                                "credential", connection.fix or connect, provider_id)
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
        """What a request on behalf of ``app_id`` meets: the app access rule first (``intcli.core.fetch``), then the
        capability's own availability."""
        from intcli.core.fetch import app_access_problem

        problem = app_access_problem(self.registry, app_id, capability_id)
        if problem is not None:
            return Availability(False, Reason.NOT_DECLARED if problem.fix is None else Reason.SWITCHED_OFF,
                                problem.message, problem.fix)
        return self.capability(capability_id, app_id)

    def _provided(self, capability_id: str) -> Availability:
        owner = self.registry.provided_by[capability_id]
        if not self.registry.app_enabled(owner):
            return Availability(False, Reason.SWITCHED_OFF, f"provided by app {owner}, which is switched off",
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
        state = AppState.READY if enabled else AppState.OFF
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
    return AppState.BLOCKED if requirement.required else AppState.READY


# -- the ``status`` job ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusReport:
    generated_at: datetime
    connections: dict[str, ConnectionView]
    apps: list[AppStatus]

    @property
    def failing_apps(self) -> list[AppStatus]:
        """Enabled apps that cannot run as declared: blocked (a required capability is missing) or error (a
        requirement with fallback "error" is) — what ``status --check`` fails on."""
        return [a for a in self.apps if a.enabled and a.state in (AppState.BLOCKED, AppState.ERROR)]

    def document(self) -> dict[str, Any]:
        """The ``status --json`` document."""
        return status_document(self)

    @property
    def rejected(self) -> list[ConnectionView]:
        """Credentials an online check found unusable (``status --check`` fails on these too)."""
        return [view for view in self.connections.values() if view.valid is False]


VERIFY_TIMEOUT_SECONDS = 5.0  # an online check is a quick look, not a fetch


def current_resolver(env: Environment) -> StatusResolver:
    """A resolver for the registry, connections and time of now (offline: nothing is sent anywhere)."""
    from dataclasses import replace

    from intcli.core.plugins import load_registry
    from intcli.storage.connections import current_connections
    from intcli.storage.state import load_state

    registry = load_registry(env)
    connections = current_connections(registry, load_state(env), env.environ)
    for provider, view in connections.items():
        if view.from_environment and view.host is None:
            connections[provider] = replace(view, host=_environment_host(env, provider))
    return StatusResolver(registry, connections, env.now())


def build_status(env: Environment, app_id: str | None = None, verify: bool = False) -> StatusReport:
    """Offline by default; with ``verify`` each credential the listed enabled apps rely on is checked online, all
    at once, and a rejected one makes its capabilities unavailable."""
    resolver = current_resolver(env)
    if app_id is not None:
        resolver.registry.app(app_id)  # unknown → usage error with suggestions
    apps = [resolver.app_status(app_id)] if app_id else resolver.all_apps()
    if verify:
        connections = dict(resolver.connections)
        relied_on = {item.availability.provider for app in apps if app.enabled for item in app.requirements
                     if item.availability.provider and connections[item.availability.provider].connected}
        connections.update(verify_connections(env, resolver.registry, [connections[p] for p in sorted(relied_on)]))
        resolver = StatusResolver(resolver.registry, connections, resolver.now)
        apps = [resolver.app_status(app_id)] if app_id else resolver.all_apps()
    return StatusReport(resolver.now, resolver.connections, apps)


def _environment_host(env: Environment, provider: str) -> str | None:
    from intcli.core.plugins import provider_spec
    from intcli.core.spec import load_handler

    spec = provider_spec(provider)
    return load_handler(spec.environment_host)(env) if spec and spec.environment_host else None


def verify_connections(env: Environment, registry: Registry, views: list[ConnectionView]) -> dict[str, ConnectionView]:
    """Each credential checked online by its provider's ``verify`` handler, concurrently, with a short timeout.
    A rejected one (AuthError) is ``valid=False``; one that could not be checked keeps ``valid=None`` and says
    why; an accepted one is ``valid=True`` and fills in what the service told (account, host, scopes, expiry)."""
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from intcli.base.errors import AuthError, IntcliError
    from intcli.core.plugins import provider_spec
    from intcli.core.spec import load_handler
    from intcli.net.http import http_timeout

    quick = replace(env, retries=False, environ={**env.environ, "INTCLI_HTTP_TIMEOUT": str(
        min(http_timeout(env), VERIFY_TIMEOUT_SECONDS))})

    def check(view: ConnectionView) -> ConnectionView:
        spec = provider_spec(view.provider)
        if spec is None or spec.verify is None:
            return view  # e.g. a plugin with nothing to ask online: it stays "not checked", which is no failure
        try:
            found = load_handler(spec.verify)(quick, registry)
        except AuthError as exc:
            return replace(view, valid=False, problem=exc.message, fix=exc.hint)
        except IntcliError as exc:
            return replace(view, problem=f"could not be checked: {exc.message}", fix=exc.hint)
        return replace(view, valid=True, account=view.account or found.account, host=view.host or found.host,
                       scopes=view.scopes if view.scopes is not None else found.scopes,
                       expires_at=view.expires_at or found.expires_at)

    if not views:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(views), 8)) as pool:
        return {view.provider: view for view in pool.map(check, views)}


def status_document(report: StatusReport) -> dict[str, Any]:
    """The ``status --json`` document (schema version 2, documented in the README)."""
    return {
        "schemaVersion": 2,
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
                "expiryKnown": not view.from_environment,
                "checked": view.valid is not None or view.problem is not None,
                "valid": view.valid,
                "problem": view.problem,
                "fix": view.fix,
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
    """intcli's one time format: ``2026-11-28T12:00:00Z`` (UTC, whole seconds)."""
    from intcli.base.dates import iso_z
    from intcli.storage.connections import as_utc

    return iso_z(as_utc(moment)) if moment else None
