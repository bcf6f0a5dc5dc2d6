"""One package per provider, each described by a ``ProviderSpec`` (``intcli.providers.base``).

``providers()`` lists the built-in ones and those third-party packages register under the ``intcli.providers``
entry-point group. Describing providers imports only their small ``spec`` modules, never an HTTP stack.
"""

from __future__ import annotations

import functools
import importlib

from intcli.providers.base import CapabilitySpec, ProviderSpec

BUILTIN = ("intcli.providers.github.spec", "intcli.providers.google.spec")
ENTRY_POINT_GROUP = "intcli.providers"


@functools.cache
def providers() -> dict[str, ProviderSpec]:
    """Every provider intcli can use, by id: built-in first, then plugins."""
    found: dict[str, ProviderSpec] = {}
    for module in BUILTIN:
        spec = importlib.import_module(module).PROVIDER
        found[spec.id] = spec
    return found


def capability_spec(capability_id: str) -> CapabilitySpec | None:
    for provider in providers().values():
        spec = provider.capability(capability_id)
        if spec is not None:
            return spec
    return None


def capability_specs() -> dict[str, CapabilitySpec]:
    return {spec.id: spec for provider in providers().values() for spec in provider.capabilities}
