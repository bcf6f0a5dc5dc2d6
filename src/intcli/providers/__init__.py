"""One package per provider, each described by a ``ProviderSpec`` (``intcli.providers.base``).

``providers()`` lists the built-in ones and those third-party packages register under the ``intcli.providers``
entry-point group. Describing providers imports only their small ``spec`` modules, never an HTTP stack.
"""

from __future__ import annotations

import functools
import importlib

from intcli.providers.base import CapabilitySpec, ProviderSpec

BUILTIN = ("intcli.providers.github.spec", "intcli.providers.google.spec", "intcli.providers.jira.spec")
ENTRY_POINT_GROUP = "intcli.providers"


# Plugins that could not be loaded: (entry point, why). Reported as warnings by ``load_registry``; a broken
# plugin never stops intcli.
plugin_problems: list[tuple[str, str]] = []


@functools.cache
def providers() -> dict[str, ProviderSpec]:
    """Every provider intcli can use, by id: built-in first, then plugins (entry-point group ``intcli.providers``)."""
    import dataclasses
    from importlib.metadata import entry_points

    found: dict[str, ProviderSpec] = {}
    for module in BUILTIN:
        spec = importlib.import_module(module).PROVIDER
        found[spec.id] = spec
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        distribution = entry.dist.name if entry.dist is not None else entry.value
        try:
            spec = entry.load()
        except Exception as exc:  # noqa: BLE001 - any failure of third-party code is reported, not raised
            plugin_problems.append((f"{entry.name} ({distribution})", f"it failed to load: {type(exc).__name__}"))
            continue
        if not isinstance(spec, ProviderSpec):
            plugin_problems.append((f"{entry.name} ({distribution})", "it is not an intcli ProviderSpec"))
        elif spec.id in found:
            plugin_problems.append((f"{entry.name} ({distribution})", f"provider {spec.id!r} already exists"))
        elif any(not capability.id.startswith(spec.id + ".") for capability in spec.capabilities):
            plugin_problems.append((f"{entry.name} ({distribution})",
                                    f"its capabilities must be named '{spec.id}.<name>'"))
        else:
            found[spec.id] = dataclasses.replace(spec, source=f"plugin {distribution}")
    return found


def capability_spec(capability_id: str) -> CapabilitySpec | None:
    for provider in providers().values():
        spec = provider.capability(capability_id)
        if spec is not None:
            return spec
    return None


def capability_specs() -> dict[str, CapabilitySpec]:
    return {spec.id: spec for provider in providers().values() for spec in provider.capabilities}
