"""``intcli connect PROVIDER`` (one subcommand per provider, each provider's own) and ``intcli disconnect``."""

from __future__ import annotations

from typing import Annotated

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
    from intcli.core.plugins import plugin_problems, providers
    from intcli.core.spec import load_handler

    for provider in providers().values():
        if provider.connect:
            try:
                command = load_handler(provider.connect)
            except Exception as exc:  # noqa: BLE001 - a plugin's broken connect command must not stop intcli
                if provider.source == "built-in":
                    raise
                plugin_problems.append((f"{provider.id} ({provider.source})",
                                        f"its connect command failed to load: {type(exc).__name__}"))
                continue
            connect_app.command(provider.id)(command)


_register_connect_commands()


@app.command("disconnect", epilog=examples("intcli disconnect github", "intcli disconnect google"))
def disconnect(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="The provider (see `intcli registry`).", metavar="PROVIDER",
                                            autocompletion=complete_providers, show_default=False)],
) -> None:
    """Remove a provider's stored secret and connection state (safe to repeat)."""
    from intcli.storage.accounts import disconnect as run_disconnect

    env = get_env(ctx)
    result = run_disconnect(env, provider)
    env.message(f"Disconnected {provider}." if result.was_connected else f"{provider} was not connected.")
    if result.overriding_variable:
        env.warn(f"{result.overriding_variable} is still set, so {provider} stays usable; unset it to stop that")
