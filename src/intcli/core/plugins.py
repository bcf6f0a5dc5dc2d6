"""One package per provider, each described by a ``ProviderSpec`` (``intcli.core.spec``).

``providers()`` lists the built-in ones and those third-party packages register under the ``intcli.providers``
entry-point group. Describing providers imports only their small ``spec`` modules, never an HTTP stack.
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intcli.base.env import Environment
    from intcli.config.models import UserConfig
    from intcli.config.registry import Registry
    from intcli.core.spec import CapabilitySpec, ProviderSpec

BUILTIN = {"github": "intcli.providers.github.spec", "google": "intcli.providers.google.spec",
           "jira": "intcli.providers.jira.spec"}
ENTRY_POINT_GROUP = "intcli.providers"


# Plugins that could not be loaded: (entry point, why). Reported as warnings by ``load_registry``; a broken
# plugin never stops intcli.
plugin_problems: list[tuple[str, str]] = []


@functools.cache
def providers() -> dict[str, ProviderSpec]:
    """Every provider intcli can use, by id: built-in first, then plugins."""
    found: dict[str, ProviderSpec] = {}
    for provider_id in BUILTIN:
        found[provider_id] = builtin(provider_id)
    for spec in plugins().values():
        if spec.id in found:
            plugin_problems.append((spec.source, f"provider {spec.id!r} already exists"))
        else:
            found[spec.id] = spec
    return found


@functools.cache
def plugins() -> dict[str, ProviderSpec]:
    """The providers third-party packages register under the ``intcli.providers`` entry-point group."""
    import dataclasses

    found: dict[str, ProviderSpec] = {}
    entries = _entry_points(ENTRY_POINT_GROUP)
    if entries:
        from intcli.core.spec import ProviderSpec  # only then: status without plugins never needs it
    for name, target, distribution in entries:
        where = f"{name} ({distribution})"
        try:
            module, _, attribute = target.partition(":")
            spec: object = importlib.import_module(module.strip())
            for part in attribute.strip().split("."):
                spec = getattr(spec, part)
        except Exception as exc:  # noqa: BLE001 - any failure of third-party code is reported, not raised
            plugin_problems.append((where, f"it failed to load: {type(exc).__name__}"))
            continue
        if not isinstance(spec, ProviderSpec):
            plugin_problems.append((where, "it is not an intcli ProviderSpec"))
        elif spec.id in found or spec.id in BUILTIN:
            plugin_problems.append((where, f"provider {spec.id!r} already exists"))
        elif clash := _clashing_options(spec):
            plugin_problems.append((where, f"its options {', '.join(clash)} clash with intcli's own"))
        elif any(not capability.id.startswith(spec.id + ".") for capability in spec.capabilities):
            plugin_problems.append((where, f"its capabilities must be named '{spec.id}.<name>'"))
        else:
            found[spec.id] = dataclasses.replace(spec, source=f"plugin {distribution}")
    return found


# What every fetch/send subcommand already has: a capability cannot define these again.
SHARED_OPTIONS = {"ctx", "app_id", "output_format", "json_output", "fields", "limit", "max_wait", "csv_raw", "yes",
                  "--app", "-a", "--format", "-f", "--json", "--fields", "--limit", "-n", "--max-wait", "--csv-raw",
                  "--yes", "-y", "--help", "-h"}


def _clashing_options(spec: ProviderSpec) -> list[str]:
    names = [option.name for capability in spec.capabilities for option in (*capability.options,
                                                                             *capability.send_options)]
    flags = [flag for capability in spec.capabilities for option in (*capability.options, *capability.send_options)
             for flag in option.flags]
    return sorted({*names, *flags} & SHARED_OPTIONS)


def reject_plugin(provider_id: str) -> None:
    """Leave a plugin out after all (its registry data turned out wrong)."""
    plugins().pop(provider_id, None)
    providers().pop(provider_id, None)


def _entry_points(group: str) -> list[tuple[str, str, str]]:
    """(name, "module:attribute", distribution) of ``group`` in the installed distributions' entry_points.txt.

    What ``importlib.metadata.entry_points`` reads, read directly: importing importlib.metadata costs ~20 ms,
    which every ``status`` would pay. The first distribution of a name on ``sys.path`` wins, as there."""
    import os
    import sys

    found: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    header = f"[{group}]"
    for directory in sys.path:
        try:
            names = sorted(name for name in os.listdir(directory or ".") if name.endswith(".dist-info"))
        except OSError:
            continue
        for folder in names:
            distribution = folder[: -len(".dist-info")].split("-")[0].replace("_", "-").lower()
            if distribution in seen:
                continue
            seen.add(distribution)
            try:
                with open(os.path.join(directory or ".", folder, "entry_points.txt"), encoding="utf-8") as file:
                    text = file.read()
            except OSError:
                continue
            if header in text:
                found += [(name, target, distribution) for name, target in _section(text, header)]
    return found


def _section(text: str, header: str) -> list[tuple[str, str]]:
    entries, inside = [], False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            inside = line == header
        elif inside and "=" in line and not line.startswith(("#", ";")):
            name, _, target = line.partition("=")
            entries.append((name.strip(), target.strip()))
    return entries


def builtin(provider_id: str) -> ProviderSpec:
    spec: ProviderSpec = importlib.import_module(BUILTIN[provider_id]).PROVIDER
    return spec


def provider_spec(provider_id: str) -> ProviderSpec | None:
    """One provider's spec; a built-in one without scanning for plugins."""
    return builtin(provider_id) if provider_id in BUILTIN else providers().get(provider_id)


def capability_spec(capability_id: str) -> CapabilitySpec | None:
    """The spec of one capability; for a built-in provider's, only that provider's spec module is imported."""
    provider = provider_spec(capability_id.split(".", 1)[0])
    return provider.capability(capability_id) if provider is not None else None


def capability_specs() -> dict[str, CapabilitySpec]:
    return {spec.id: spec for provider in providers().values() for spec in provider.capabilities}


def load_registry(env: Environment, *, tell_plugin_problems: bool = True) -> Registry:
    """The registry of this run: the built-in data, the installed plugins' data and the user's config file.
    ``tell_plugin_problems=False`` leaves the warnings about broken plugins for the next load to give."""
    from intcli.config.registry import read_registry

    return read_registry(env, load_plugins(env, tell_plugin_problems))


def load_plugins(env: Environment, tell_problems: bool = True) -> list[tuple[str, UserConfig]]:
    """The registry data of installed provider plugins, each validated like a config file and checked against the
    built-in registry and the plugins before it. A plugin whose data is wrong is left out with a warning: the user
    cannot fix a package's data, and it must not stop intcli."""
    from intcli.base.errors import ConfigError
    from intcli.config.models import UserConfig
    from intcli.config.registry import build_registry, load_builtin, parse_toml
    from intcli.config.validation import load_validated

    builtin_data = load_builtin(env)
    layers: list[tuple[str, UserConfig]] = []
    for spec in list(plugins().values()):
        if not spec.registry:
            continue
        origin = f"{spec.source} (provider {spec.id})"
        try:
            layer = load_validated(env, f"plugin:{spec.id}", UserConfig, spec.registry,
                                   parse_toml(spec.registry, origin), origin)
            build_registry(builtin_data, None, origin, [*layers, (spec.source, layer)])
        except ConfigError as exc:
            reject_plugin(spec.id)
            plugin_problems.append((f"{spec.id} ({spec.source})", f"its registry data is wrong: {exc.message}"))
            continue
        layers.append((spec.source, layer))
    if tell_problems:
        for plugin, problem in plugin_problems:
            env.warn(f"ignored the provider plugin {plugin}: {problem}")
        plugin_problems.clear()  # said once per process
    return layers
