"""``send CAPABILITY``: only for capabilities whose registry operations include ``write``; same app rule as fetch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intcli.errors import UsageError

if TYPE_CHECKING:
    from intcli.env import Environment

SENDERS = {"google.gmail": "intcli.providers.google.gmail:send"}


@dataclass(frozen=True)
class SendRequest:
    capability: str
    to: list[str]
    cc: list[str]
    subject: str
    body: str | None
    body_file: str | None
    draft: bool
    yes: bool
    app: str | None


def read_body(env: Environment, request: SendRequest) -> str:
    if (request.body is None) == (request.body_file is None):
        raise UsageError("give the message text with exactly one of --body or --body-file",
                         hint="e.g. --body 'Hello' or --body-file message.txt")
    if request.body is not None:
        return request.body
    if request.body_file == "-":
        return env.stdin.read()
    try:
        return Path(request.body_file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read --body-file {request.body_file} ({type(exc).__name__})",
                         hint="check the path") from None


def run_send(env: Environment, request: SendRequest) -> dict[str, Any]:
    import importlib

    from intcli.fetch import check_app_access
    from intcli.models import Operation
    from intcli.providers.google.gmail import Outgoing, build_message
    from intcli.registry import load_registry
    from intcli.state import mark_used

    registry = load_registry(env)
    capability = registry.capability(request.capability)  # unknown → usage error with suggestions
    if Operation.WRITE not in capability.operations:
        writable = [c for c, cap in sorted(registry.capabilities.items()) if Operation.WRITE in cap.operations]
        operations = ", ".join(map(str, capability.operations))
        raise UsageError(f"{request.capability} is read-only (its operations: {operations})",
                         hint=f"send works for: {', '.join(writable)}")
    if request.app is not None:
        check_app_access(registry, request.app, request.capability)
    target = SENDERS.get(request.capability)
    if target is None:
        raise UsageError(f"intcli cannot send through {request.capability} yet",
                         hint=f"it can send through: {', '.join(SENDERS)}")
    outgoing = Outgoing(request.to, request.subject, read_body(env, request), request.cc, request.draft)
    build_message(outgoing, None)  # every input problem surfaces now, before any question or request
    if not request.draft and not request.yes:
        _confirm(env, request)
    module, function = target.split(":")
    sender = getattr(importlib.import_module(module), function)
    result = sender(env, registry, outgoing)
    mark_used(env, capability.provider)
    return result


def _confirm(env: Environment, request: SendRequest) -> None:
    if not env.stdin_isatty:
        raise UsageError("refusing to send without confirmation: standard input is not a terminal",
                         hint="add --yes to send from a script (or --draft to only create a draft)")
    cc = f", cc {', '.join(request.cc)}" if request.cc else ""
    subject = repr(request.subject) if request.subject else "a message without a subject"
    env.stderr.write(f"Send {subject} to {', '.join(request.to)}{cc}? [y/N] ")
    env.stderr.flush()
    if env.stdin.readline().strip().lower() not in ("y", "yes"):
        raise UsageError("not sent", hint="nothing was sent; pass --draft to keep it as a draft")
