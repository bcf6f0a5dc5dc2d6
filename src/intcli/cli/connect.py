"""``intcli connect PROVIDER`` (one subcommand per provider, each provider's own) and ``intcli disconnect``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from intcli.cli.app import app
from intcli.cli.common import examples, get_env

connect_app = typer.Typer(help="Connect an account; its secret goes to the system keyring.", no_args_is_help=True)
app.add_typer(connect_app, name="connect")


def complete_providers(incomplete: str) -> list[str]:
    from intcli.cli.common import _registry_for_completion

    registry = _registry_for_completion()
    return sorted(p for p in registry.providers if p.startswith(incomplete)) if registry else []


def _register_connect_commands() -> None:
    """``intcli connect <provider>`` for each provider with a connect handler, its options from the spec. A
    built-in handler is imported only when its command runs; a plugin's is tried now, and a plugin whose handler
    does not load gets no command (and a warning) rather than a command that cannot run."""
    from intcli.cli.common import capability_command
    from intcli.core.plugins import plugin_problems, providers
    from intcli.core.spec import load_handler

    for provider in providers().values():
        if provider.connect:
            if provider.source != "built-in":
                try:
                    load_handler(provider.connect)
                except Exception as exc:  # noqa: BLE001 - a plugin's broken connect handler must not stop intcli
                    plugin_problems.append((f"{provider.id} ({provider.source})",
                                            f"its connect command failed to load: {type(exc).__name__}"))
                    continue
            doc = inspect.cleandoc(provider.connect_help) + (
                "\n\n" + examples(*provider.connect_examples) if provider.connect_examples else "")
            connect_app.command(provider.id)(capability_command(
                f"connect_{provider.id}", doc, [], provider.connect_options, _runner(provider.id, provider.connect)))


def _runner(provider_id: str, target: str) -> Callable[[typer.Context, dict[str, Any], dict[str, Any]], None]:
    def run(ctx: typer.Context, common: dict[str, Any], options: dict[str, Any]) -> None:
        from intcli.core.plugins import load_registry
        from intcli.core.spec import ConnectRequest, load_handler

        env = get_env(ctx)
        load_handler(target)(env, load_registry(env), ConnectRequest(provider_id, options))

    return run


_register_connect_commands()


@app.command("disconnect", epilog=examples("intcli disconnect github", "intcli disconnect google"))
def disconnect(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="The provider (see `intcli registry`).", metavar="PROVIDER",
                                            autocompletion=complete_providers, show_default=False)],
) -> None:
    """Remove a provider's stored secret and connection state (safe to repeat)."""
    from intcli.core.plugins import load_registry
    from intcli.storage.accounts import disconnect as run_disconnect

    env = get_env(ctx)
    result = run_disconnect(env, load_registry(env), provider)
    env.message(f"Disconnected {provider}." if result.was_connected else f"{provider} was not connected.")
    if result.overriding_variable:
        env.warn(f"{result.overriding_variable} is still set, so {provider} stays usable; unset it to stop that")
