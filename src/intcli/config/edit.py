"""Changes to the user's config file: switching apps and their optional integrations on and off.

The file is re-read under its lock, changed as a TOML document, checked by building the registry it would
give, and only then replaced atomically (written with tomli-w). Comments in the file are not kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from intcli.base.errors import UsageError
from intcli.base.files import atomic_write, locked
from intcli.config.registry import config_path, parse_toml, read_registry
from intcli.config.validation import remember_valid

if TYPE_CHECKING:
    from intcli.base.env import Environment
    from intcli.config.models import UserConfig


def switch_app(env: Environment, plugin_layers: Sequence[tuple[str, UserConfig]], app_id: str, enabled: bool,
               capability: str | None = None) -> str:
    """Switch an app, or one optional integration of it, on or off; return what was done, for the user.
    ``plugin_layers``: the installed plugins' registry data, which the changed file is checked with."""
    path = config_path(env)
    with locked(path):
        registry = read_registry(env, plugin_layers)  # reports a broken config before anything is written
        app = registry.app(app_id)
        if capability is not None:
            optional = [r.capability for r in app.optional]
            if capability not in optional:
                required = capability in {r.capability for r in app.requires}
                raise UsageError(
                    f"{capability!r} is {'a required' if required else 'not an'} integration of {app_id}",
                    hint=(f"a required integration is on whenever the app is (intcli apps "
                          f"{'enable' if enabled else 'disable'} {app_id})" if required
                          else f"optional ones: {', '.join(optional) or '(none)'}"),
                )
        from intcli.base.files import read_text

        text = read_text(path, "config file")
        document: dict[str, Any] = parse_toml(text, str(path)) if text is not None else {}
        settings = document.setdefault("app_settings", {}).setdefault(app_id, {})
        if capability is None:
            changed = registry.app_enabled(app_id) != enabled
            settings["enabled"] = enabled
            what = f"app {app_id}"
        else:
            off = [c for c in settings.get("disabled_capabilities", []) if c != capability]
            if not enabled:
                off.append(capability)
            changed = registry.integration_switched_off(app_id, capability) == enabled
            settings["disabled_capabilities"] = off
            what = f"{capability} for app {app_id}"
        import tomli_w

        new_text = tomli_w.dumps(document)
        _check(env, new_text, str(path), plugin_layers)
        atomic_write(path, new_text.encode("utf-8"), mode=0o644)
        remember_valid(env, "config", new_text)
    state = "switched on" if enabled else "switched off"
    return f"{what} {state}" if changed else f"{what} was already {state}"


def _check(env: Environment, text: str, origin: str, plugin_layers: Sequence[tuple[str, UserConfig]]) -> None:
    from intcli.config.models import UserConfig
    from intcli.config.registry import build_registry, load_builtin
    from intcli.config.validation import validate

    build_registry(load_builtin(env), validate(UserConfig, parse_toml(text, origin), origin), origin, plugin_layers)
