"""``fetch CAPABILITY``: check the request (capability, app access rule), run the provider's handler, record use.

Handlers are listed in ``HANDLERS`` by module path and imported only when used, so the CLI stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intcli.errors import AuthError, UsageError

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.registry import Registry

# capability -> "module:function"; the function takes (env, registry, FetchOptions) and returns a result with
# ``issues``/``items``, ``document()`` and ``notes``.
HANDLERS = {
    "github.user_issues": "intcli.providers.github.fetch:fetch_user_issues",
    "github.issues": "intcli.providers.github.fetch:fetch_repository_issues",
    "google.drive": "intcli.providers.google.drive:fetch_files",
    "google.gmail": "intcli.providers.google.gmail:fetch_messages",
}


@dataclass
class FetchOptions:
    capability: str
    app: str | None = None
    limit: int | None = None
    repos: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    state: str | None = None
    assignee: str | None = None
    since: str | None = None
    sync: bool = False
    max_wait: float = 60.0
    on_page: Callable[[], None] | None = None
    query: str | None = None
    content: str | None = None

    def refuse(self, **given: Any) -> None:
        """Options that mean nothing for this capability are usage errors, not silently ignored."""
        for name, value in given.items():
            if value:
                raise UsageError(f"--{name.replace('_', '-')} does not apply to {self.capability}",
                                 hint="see `intcli fetch --help`")


def check_app_access(registry: Registry, app_id: str, capability: str) -> None:
    """The original design's requestingApp rule: the app must be enabled, declare the capability, and not have
    that integration switched off."""
    app = registry.app(app_id)  # unknown → usage error with suggestions
    if not registry.app_enabled(app_id):
        raise AuthError(f"app {app_id} is switched off", hint=f"run `intcli apps enable {app_id}`")
    declared = [r.capability for r in (*app.requires, *app.optional)]
    if capability not in declared:
        raise AuthError(f"app {app_id} does not declare {capability}",
                        hint=f"it declares: {', '.join(declared) or 'nothing'}")
    if registry.integration_switched_off(app_id, capability):
        raise AuthError(f"{capability} is switched off for app {app_id}",
                        hint=f"run `intcli apps enable {app_id} --capability {capability}`")


def run_fetch(env: Environment, options: FetchOptions) -> Any:
    from intcli.registry import load_registry, suggest
    from intcli.state import mark_used

    registry = load_registry(env)
    capability = options.capability
    fetchable = f"it can fetch: {', '.join(sorted(HANDLERS))}"
    if capability in registry.provided_by:
        raise UsageError(f"{capability} is provided by app {registry.provided_by[capability]}; there is "
                         "nothing to fetch from it directly", hint=fetchable)
    if capability not in registry.capabilities:
        raise UsageError(f"unknown capability {capability!r}",
                         hint=suggest(capability, registry.capability_ids(), "capabilities"))
    if options.app is not None:
        check_app_access(registry, options.app, capability)
    target = HANDLERS.get(capability)
    if target is None:
        raise UsageError(f"intcli cannot fetch {capability} yet", hint=fetchable)
    module, function = target.split(":")
    handler = getattr(importlib.import_module(module), function)
    result = handler(env, registry, options)
    mark_used(env, registry.capabilities[capability].provider)
    return result
