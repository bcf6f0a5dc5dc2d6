"""``fetch CAPABILITY``: check the request (capability, app access rule), run the provider's handler, record use.

Handlers come from the providers' specs (``intcli.core.plugins``) and are imported only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from intcli.base.errors import AuthError, UsageError

if TYPE_CHECKING:
    from intcli.base.env import Environment
    from intcli.config.registry import Registry
    from intcli.core.spec import FetchRequest


class AccessProblem(NamedTuple):
    """Why an app may not use a capability: what is wrong, the command that fixes it (if one does), the hint."""

    message: str
    fix: str | None
    hint: str


def app_access_problem(registry: Registry, app_id: str, capability: str) -> AccessProblem | None:
    """The original design's requestingApp rule: the app must be enabled, declare the capability, and not have
    that integration switched off. None when the app may use it."""
    app = registry.app(app_id)  # unknown → usage error with suggestions
    if not registry.app_enabled(app_id):
        fix = f"intcli apps enable {app_id}"
        return AccessProblem(f"app {app_id} is switched off", fix, f"run `{fix}`")
    declared = [r.capability for r in (*app.requires, *app.optional)]
    if capability not in declared:
        return AccessProblem(f"app {app_id} does not declare {capability}", None,
                             f"it declares: {', '.join(declared) or 'nothing'}")
    if registry.integration_switched_off(app_id, capability):
        fix = f"intcli apps enable {app_id} --capability {capability}"
        return AccessProblem(f"{capability} is switched off for app {app_id}", fix, f"run `{fix}`")
    return None


def check_app_access(registry: Registry, app_id: str, capability: str) -> None:
    """``app_access_problem`` as an AuthError (exit 4)."""
    problem = app_access_problem(registry, app_id, capability)
    if problem is not None:
        raise AuthError(problem.message, hint=problem.hint)


def run_fetch(env: Environment, request: FetchRequest) -> Any:
    from intcli.core.plugins import capability_spec, load_registry
    from intcli.core.spec import load_handler
    from intcli.storage.state import mark_used

    registry = load_registry(env)
    capability = request.capability
    spec = capability_spec(capability)
    if spec is None or spec.fetch is None or capability not in registry.capabilities:
        explain_missing(env, "fetch", capability, [])
    if request.app is not None:
        check_app_access(registry, request.app, capability)
    result = load_handler(spec.fetch)(env, registry, request)
    mark_used(env, registry.capabilities[capability].provider)
    return result


def explain_missing(env: Environment, verb: str, capability: str, available: list[str]) -> NoReturn:
    """Why ``capability`` cannot be fetched (or sent), as a usage error naming what can."""
    from intcli.config.registry import suggest
    from intcli.core.plugins import capability_specs, load_registry

    registry = load_registry(env)
    able = sorted(available or [c for c, s in capability_specs().items() if (s.fetch if verb == "fetch" else s.send)])
    listing = f"it can {verb}: {', '.join(able)}"
    if capability in registry.provided_by:
        raise UsageError(f"{capability} is provided by app {registry.provided_by[capability]}; there is "
                         f"nothing to {verb} from it directly", hint=listing)
    if capability not in registry.capabilities:
        raise UsageError(f"unknown capability {capability!r}",
                         hint=suggest(capability, able, f"capabilities to {verb}"))
    operations = [str(operation) for operation in registry.capabilities[capability].operations]
    if verb == "send" and "write" not in operations:
        raise UsageError(f"{capability} is read-only (its operations: {', '.join(operations)})", hint=listing)
    raise UsageError(f"no installed provider can {verb} {capability}",
                     hint=f"{listing} (a plugin may add more)")
