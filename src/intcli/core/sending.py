"""``send CAPABILITY``: only for capabilities whose registry operations include ``write`` and whose provider has a
send handler; same app rule as fetch. The handler describes what it is about to do; this module decides whether
that needs a confirmation (a terminal question, or ``--yes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intcli.base.errors import UsageError

if TYPE_CHECKING:
    from intcli.base.env import Environment
    from intcli.core.spec import SendRequest


def run_send(env: Environment, request: SendRequest, yes: bool) -> dict[str, Any]:
    from intcli.config.models import Operation
    from intcli.core.fetch import check_app_access, explain_missing
    from intcli.core.plugins import capability_spec, capability_specs, load_registry
    from intcli.core.spec import load_handler
    from intcli.storage.state import mark_used

    registry = load_registry(env)
    capability = registry.capability(request.capability)  # unknown → usage error with suggestions
    if Operation.WRITE not in capability.operations:
        writable = [c for c, spec in sorted(capability_specs().items()) if spec.send]
        operations = ", ".join(map(str, capability.operations))
        raise UsageError(f"{request.capability} is read-only (its operations: {operations})",
                         hint=f"send works for: {', '.join(writable)}")
    spec = capability_spec(request.capability)
    if spec is None or spec.send is None:
        explain_missing(env, "send", request.capability, [])
    if request.app is not None:
        check_app_access(registry, request.app, request.capability)

    def confirm(question: str) -> None:
        if yes:
            return
        if not env.stdin_isatty:
            raise UsageError("refusing to send without confirmation: standard input is not a terminal",
                             hint="add --yes to send from a script (or --draft to only create a draft)")
        env.stderr.write(f"{question} [y/N] ")
        env.stderr.flush()
        if env.stdin.readline().strip().lower() not in ("y", "yes"):
            raise UsageError("not sent", hint="nothing was sent; pass --draft to keep it as a draft")

    result: dict[str, Any] = load_handler(spec.send)(env, registry, request, confirm)
    mark_used(env, capability.provider)
    return result
