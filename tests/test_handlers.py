"""Every handler a provider's spec names (built-in providers and the example plugin) imports, and takes the
parameters intcli calls it with (``intcli.core.spec``'s module docstring)."""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

import pytest

from intcli.core.spec import ProviderSpec, load_handler

EXAMPLE_SOURCE = Path(__file__).resolve().parents[1] / "examples" / "intcli-calendar" / "src"
PARAMETERS = {
    "fetch": ["env", "registry", "request"],
    "send": ["env", "registry", "request", "confirm"],
    "summary": ["env", "registry", "context"],
    "connect": ["env", "registry", "request"],
    "verify": ["env", "registry"],
    "environment_host": ["env"],
}


def specs() -> list[ProviderSpec]:
    sys.path.insert(0, str(EXAMPLE_SOURCE))
    try:
        modules = ["intcli.providers.github.spec", "intcli.providers.google.spec", "intcli.providers.jira.spec",
                   "intcli_calendar.spec"]
        return [importlib.import_module(name).PROVIDER for name in modules]
    finally:
        sys.path.remove(str(EXAMPLE_SOURCE))


def handlers() -> list[tuple[str, str, str]]:
    """(provider, kind, "module:function") of every handler named in every spec."""
    found = []
    for provider in specs():
        for kind in ("connect", "verify", "environment_host"):
            target = getattr(provider, kind)
            if target:
                found.append((provider.id, kind, target))
        for capability in provider.capabilities:
            for kind in ("fetch", "send", "summary"):
                target = getattr(capability, kind)
                if target:
                    found.append((capability.id, kind, target))
    return found


@pytest.mark.parametrize(("owner", "kind", "target"), handlers(), ids=lambda value: str(value))
def test_each_handler_imports_and_takes_what_intcli_passes(owner, kind, target, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE_SOURCE))
    handler = load_handler(target)
    assert callable(handler), f"{owner} {kind}: {target} is not a function"
    parameters = list(inspect.signature(handler).parameters.values())
    assert [p.name for p in parameters] == PARAMETERS[kind], f"{owner} {kind}: {target}"
    assert all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters), target


def test_every_built_in_provider_and_the_example_declare_their_handlers():
    kinds = {(owner.split(".")[0], kind) for owner, kind, _ in handlers()}
    for provider in ("github", "google", "jira", "calendar"):
        assert {(provider, "connect"), (provider, "fetch"), (provider, "summary")} <= kinds, provider
