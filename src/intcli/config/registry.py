"""The registry: built-in providers, capabilities and apps, plus what the user's config adds and switches.

``read_registry(env, plugin_layers)`` reads the packaged ``data/registry.toml``, takes the plugins' data
(``intcli.core.plugins`` checks it) and reads the user's ``config.toml`` (same format, plus ``app_settings``),
checks every rule that spans them and returns a ``Registry``. Any problem is a ConfigError
naming the file and the key path; the files are only ever read here.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intcli.base.errors import ConfigError, UsageError
from intcli.base.files import read_text
from intcli.config.models import App, AppSettings, Capability, Fallback, Provider, UserConfig
from intcli.config.validation import format_location, load_validated

if TYPE_CHECKING:
    from intcli.base.env import Environment

BUILTIN = "built-in registry"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
ID_RULE = "ids use lowercase letters, digits, '-' and '_' (at most 64), starting with a letter or digit"
CAPABILITY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}(\.[a-z0-9][a-z0-9_-]{0,63})+$")
CAPABILITY_RULE = "capability ids are dotted ids such as 'github.issues'"
CONFIG_FILE_NAME = "config.toml"


@dataclass(frozen=True)
class ResolvedRequirement:
    capability: str
    required: bool
    purpose: str
    fallback: Fallback

    @property
    def kind(self) -> str:
        return "required" if self.required else "optional"


@dataclass
class Registry:
    providers: dict[str, Provider] = field(default_factory=dict)
    capabilities: dict[str, Capability] = field(default_factory=dict)
    apps: dict[str, App] = field(default_factory=dict)
    settings: dict[str, AppSettings] = field(default_factory=dict)
    provided_by: dict[str, str] = field(default_factory=dict)  # capability id -> id of the app providing it
    user_defined: set[str] = field(default_factory=set)  # "providers.x", "capabilities.x", "apps.x"
    plugin_defined: dict[str, str] = field(default_factory=dict)  # "providers.x" -> "plugin <distribution>"

    # -- queries -----------------------------------------------------------------------------------------------
    def app_enabled(self, app_id: str) -> bool:
        setting = self.settings.get(app_id)
        if setting is not None and setting.enabled is not None:
            return setting.enabled
        return self.apps[app_id].enabled

    def app_options(self, app_id: str) -> dict[str, object]:
        setting = self.settings.get(app_id)
        return {**self.apps[app_id].options, **(setting.options if setting else {})}

    def integration_switched_off(self, app_id: str, capability: str) -> bool:
        setting = self.settings.get(app_id)
        return setting is not None and capability in setting.disabled_capabilities

    def requirements(self, app_id: str) -> list[ResolvedRequirement]:
        app = self.apps[app_id]
        return [
            ResolvedRequirement(r.capability, True, r.purpose, r.fallback or Fallback.DISABLE) for r in app.requires
        ] + [
            ResolvedRequirement(r.capability, False, r.purpose, r.fallback or Fallback.LIMITED) for r in app.optional
        ]

    def capability_ids(self) -> list[str]:
        """Every capability that can be asked for: registered ones and those apps provide."""
        return sorted({*self.capabilities, *self.provided_by})

    def missing_scopes(self, provider_id: str, granted: list[str] | None) -> dict[str, list[str]]:
        """Per capability of the provider, the scopes it needs that ``granted`` lacks (nothing when unknown)."""
        if granted is None:
            return {}
        effective = self.providers[provider_id].effective_scopes(granted)
        return {cap_id: missing for cap_id, cap in sorted(self.capabilities.items())
                if cap.provider == provider_id and (missing := [s for s in cap.permissions if s not in effective])}

    def app(self, app_id: str) -> App:
        if app_id not in self.apps:
            raise UsageError(f"unknown app {app_id!r}", hint=suggest(app_id, self.apps, "apps"))
        return self.apps[app_id]

    def capability(self, capability_id: str) -> Capability:
        if capability_id not in self.capabilities:
            raise UsageError(
                f"unknown capability {capability_id!r}", hint=suggest(capability_id, self.capabilities, "capabilities")
            )
        return self.capabilities[capability_id]


def suggest(name: str, known: Iterable[str], listing: str) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    prefix = f"did you mean {close[0]!r}? " if close else ""
    return f"{prefix}known {listing}: {', '.join(names) or '(none)'}"


# -- loading -----------------------------------------------------------------------------------------------------
def config_path(env: Environment) -> Path:
    return env.config_dir / CONFIG_FILE_NAME


def load_builtin(env: Environment) -> UserConfig:
    """The packaged data/registry.toml, rebuilt without pydantic: it ships with intcli, and the test suite
    validates it with pydantic (tests/test_registry.py). Plugins' and the user's data are validated."""
    text = resources.files("intcli").joinpath("data/registry.toml").read_text("utf-8")
    return UserConfig.from_trusted(parse_toml(text, BUILTIN))


def read_registry(env: Environment, plugin_layers: Sequence[tuple[str, UserConfig]] = ()) -> Registry:
    """The registry of the built-in data, the installed plugins' data (``plugin_layers``, already checked by
    ``intcli.core.plugins``) and the user's config file."""
    builtin = load_builtin(env)
    path = config_path(env)
    user = None
    text = read_text(path, "config file")
    if text is not None:
        user = load_validated(env, "config", UserConfig, text, parse_toml(text, str(path)), str(path))
    return build_registry(builtin, user, str(path), plugin_layers)


def parse_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: invalid TOML: {exc}", hint="fix the file; intcli left it unchanged") from None


def build_registry(builtin: UserConfig, user: UserConfig | None, user_origin: str,
                   plugins: Sequence[tuple[str, UserConfig]] = ()) -> Registry:
    """Layers in order: built-in, plugins (``(source, data)``), the user's config."""
    registry = Registry(
        providers=dict(builtin.providers), capabilities=dict(builtin.capabilities), apps=dict(builtin.apps)
    )
    for source, layer in plugins:
        def record(key: str, source: str = source) -> None:
            registry.plugin_defined[key] = source

        _merge_layer(registry, layer, source, record)
    if user is not None:
        _merge_layer(registry, user, user_origin, registry.user_defined.add)
        registry.settings = dict(user.app_settings)
    _check_references(registry, user_origin)
    return registry


def _merge_layer(registry: Registry, layer: UserConfig, origin: str, record: Callable[[str], object]) -> None:
    for section, additions, target in (
        ("providers", layer.providers, registry.providers),
        ("capabilities", layer.capabilities, registry.capabilities),
        ("apps", layer.apps, registry.apps),
    ):
        for key, value in additions.items():
            if key in target:
                raise ConfigError(
                    f"{origin}: {format_location((section, key))}: {key!r} is already defined by the "
                    f"{_origin_of(registry, f'{section}.{key}', origin)}", hint="choose another id")
            target[key] = value  # type: ignore[assignment]
            record(f"{section}.{key}")


def _origin_of(registry: Registry, key: str, user_origin: str) -> str:
    if key in registry.user_defined:
        return user_origin
    return registry.plugin_defined.get(key, BUILTIN)


def _check_references(registry: Registry, user_origin: str) -> None:
    def fail(key: str, location: tuple[str | int, ...], problem: str, hint: str) -> None:
        origin = _origin_of(registry, key, user_origin)
        raise ConfigError(f"{origin}: {format_location(location)}: {problem}", hint=hint)

    for provider_id, provider in registry.providers.items():
        key = f"providers.{provider_id}"
        if not ID_PATTERN.match(provider_id):
            fail(key, ("providers", provider_id), f"{provider_id!r} is not a valid id", ID_RULE)
        if not provider.auth:
            fail(key, ("providers", provider_id, "auth"), "needs at least one auth type",
                 "use token, oauth2 or service_account")

    for cap_id, cap in registry.capabilities.items():
        key = f"capabilities.{cap_id}"
        if not CAPABILITY_PATTERN.match(cap_id):
            fail(key, ("capabilities", cap_id), f"{cap_id!r} is not a valid capability id", CAPABILITY_RULE)
        if not cap.operations:
            fail(key, ("capabilities", cap_id, "operations"), "needs at least one operation",
                 "use read, write or sync")
        if cap.provider not in registry.providers:
            fail(key, ("capabilities", cap_id, "provider"), f"unknown provider {cap.provider!r}",
                 suggest(cap.provider, registry.providers, "providers"))
        if not cap_id.startswith(cap.provider + "."):
            fail(key, ("capabilities", cap_id), f"a capability of provider {cap.provider!r} must be named "
                 f"'{cap.provider}.<name>'", "rename it")

    for app_id, app in registry.apps.items():
        key = f"apps.{app_id}"
        if not ID_PATTERN.match(app_id):
            fail(key, ("apps", app_id), f"{app_id!r} is not a valid id", ID_RULE)
        for index, cap_id in enumerate(app.provides):
            if not CAPABILITY_PATTERN.match(cap_id):
                fail(key, ("apps", app_id, "provides", index), f"{cap_id!r} is not a valid capability id",
                     CAPABILITY_RULE)
            if cap_id in registry.capabilities:
                fail(key, ("apps", app_id, "provides"), f"{cap_id!r} is already a registered capability",
                     "choose another name for what the app provides")
            if cap_id in registry.provided_by:
                fail(key, ("apps", app_id, "provides"),
                     f"{cap_id!r} is already provided by app {registry.provided_by[cap_id]!r}",
                     "choose another name")
            registry.provided_by[cap_id] = app_id
        seen: set[str] = set()
        for section in ("requires", "optional"):
            for index, requirement in enumerate(getattr(app, section)):
                if not CAPABILITY_PATTERN.match(requirement.capability):
                    fail(key, ("apps", app_id, section, index, "capability"),
                         f"{requirement.capability!r} is not a valid capability id", CAPABILITY_RULE)
                if requirement.capability in seen:
                    fail(key, ("apps", app_id, section, index, "capability"),
                         f"{requirement.capability!r} is declared twice", "declare each capability once")
                if requirement.capability in app.provides:
                    fail(key, ("apps", app_id, section, index, "capability"),
                         f"the app requires {requirement.capability!r}, which it provides itself",
                         "remove the requirement")
                seen.add(requirement.capability)

    for app_id, setting in registry.settings.items():
        if app_id not in registry.apps:
            raise ConfigError(f"{user_origin}: app_settings.{app_id}: unknown app {app_id!r}",
                              hint=suggest(app_id, registry.apps, "apps"))
        optional = {r.capability for r in registry.apps[app_id].optional}
        for index, cap_id in enumerate(setting.disabled_capabilities):
            if cap_id not in optional:
                raise ConfigError(
                    f"{user_origin}: app_settings.{app_id}.disabled_capabilities[{index}]: {cap_id!r} is not an "
                    f"optional capability of {app_id!r}",
                    hint=f"optional ones: {', '.join(sorted(optional)) or '(none)'}; to switch off a required "
                    f"one, disable the app",
                )
    _check_cycles(registry, user_origin)


def _check_cycles(registry: Registry, user_origin: str) -> None:
    """Apps that (indirectly) need what they provide could never become ready."""
    depends_on = {
        app_id: {registry.provided_by[r.capability] for r in (*app.requires, *app.optional)
                 if r.capability in registry.provided_by}
        for app_id, app in registry.apps.items()
    }
    done: set[str] = set()

    def visit(app_id: str, path: list[str]) -> None:
        if app_id in path:
            cycle = " -> ".join([*path[path.index(app_id):], app_id])
            origin = _origin_of(registry, f"apps.{app_id}", user_origin)
            raise ConfigError(f"{origin}: apps.{app_id}: apps depend on each other in a cycle: {cycle}",
                              hint="remove one of those requirements")
        if app_id in done:
            return
        for other in depends_on[app_id]:
            visit(other, [*path, app_id])
        done.add(app_id)

    for app_id in registry.apps:
        visit(app_id, [])


# -- documents for ``registry --json`` and ``apps --json`` ----------------------------------------------------------
def _source(registry: Registry, key: str) -> str:
    if key in registry.user_defined:
        return "config"
    return registry.plugin_defined.get(key, "built-in")


def registry_document(registry: Registry) -> dict[str, Any]:
    capabilities = [
        {"id": cap_id, "provider": cap.provider, "providedBy": None, "name": cap.name,
         "description": cap.description, "operations": [str(o) for o in cap.operations],
         "dataTypes": list(cap.data_types), "permissions": list(cap.permissions),
         "source": _source(registry, f"capabilities.{cap_id}")}
        for cap_id, cap in sorted(registry.capabilities.items())
    ] + [
        {"id": cap_id, "provider": None, "providedBy": app_id, "name": f"provided by {registry.apps[app_id].name}",
         "description": "", "operations": [], "dataTypes": [], "permissions": [],
         "source": _source(registry, f"apps.{app_id}")}
        for cap_id, app_id in sorted(registry.provided_by.items())
    ]
    return {
        "schemaVersion": 1,
        "providers": [
            {"id": provider_id, "name": p.name, "description": p.description, "auth": [str(a) for a in p.auth],
             "scopes": list(p.scopes), "status": str(p.status), "version": p.version,
             "credentialEnv": list(p.credential_env), "source": _source(registry, f"providers.{provider_id}")}
            for provider_id, p in sorted(registry.providers.items())
        ],
        "capabilities": capabilities,
    }


def apps_document(registry: Registry) -> dict[str, Any]:
    def requirement(r: ResolvedRequirement) -> dict[str, Any]:
        return {"capability": r.capability, "purpose": r.purpose, "fallback": str(r.fallback)}

    apps = []
    for app_id, app in sorted(registry.apps.items()):
        reqs = registry.requirements(app_id)
        apps.append({
            "id": app_id, "name": app.name, "description": app.description,
            "enabled": registry.app_enabled(app_id), "provides": list(app.provides),
            "requires": [requirement(r) for r in reqs if r.required],
            "optional": [requirement(r) for r in reqs if not r.required],
            "switchedOff": [r.capability for r in reqs if registry.integration_switched_off(app_id, r.capability)],
            "source": _source(registry, f"apps.{app_id}"),
        })
    return {"schemaVersion": 1, "apps": apps}
