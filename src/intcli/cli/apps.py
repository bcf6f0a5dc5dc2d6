"""``intcli apps``: list apps; switch an app, or one optional integration of it, on or off."""

from __future__ import annotations

from typing import Annotated

import typer

from intcli.cli import app
from intcli.cli.common import JsonOption, complete_apps, complete_capabilities, get_env, print_json, titled_table

apps_app = typer.Typer(help="List apps, or switch them on and off.", invoke_without_command=True)
app.add_typer(apps_app, name="apps")

AppArgument = Annotated[str, typer.Argument(help="The app id (see `intcli apps`).", autocompletion=complete_apps,
                                            show_default=False)]
CapabilityOption = Annotated[
    str | None,
    typer.Option("--capability", "-c", help="Switch only this optional integration of the app.",
                 autocompletion=complete_capabilities, show_default=False),
]


@apps_app.callback()
def list_apps(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List apps with what they require, what they can optionally use and what they provide."""
    if ctx.invoked_subcommand is not None:
        return
    from intcli.registry import apps_document, load_registry
    from intcli.safety import safe_markup

    env = get_env(ctx)
    document = apps_document(load_registry(env))
    if json_output:
        print_json(env, document)
        return
    table = titled_table("Apps", ("App", "Name", "Enabled", "Requires", "Optional", "Provides", "Source"))
    for item in document["apps"]:
        optional = [
            f"{r['capability']} (off)" if r["capability"] in item["switchedOff"] else r["capability"]
            for r in item["optional"]
        ]
        table.add_row(item["id"], safe_markup(item["name"]), "[green]yes[/]" if item["enabled"] else "[red]no[/]",
                      "\n".join(r["capability"] for r in item["requires"]) or "-", "\n".join(optional) or "-",
                      "\n".join(item["provides"]) or "-", item["source"])
    env.console.print(table)


@apps_app.command("enable")
def enable(ctx: typer.Context, app_id: AppArgument, capability: CapabilityOption = None) -> None:
    """Switch an app (or, with --capability, one of its optional integrations) on."""
    _switch(ctx, app_id, True, capability)


@apps_app.command("disable")
def disable(ctx: typer.Context, app_id: AppArgument, capability: CapabilityOption = None) -> None:
    """Switch an app (or, with --capability, one of its optional integrations) off."""
    _switch(ctx, app_id, False, capability)


def _switch(ctx: typer.Context, app_id: str, enabled: bool, capability: str | None) -> None:
    from intcli.config import switch_app

    env = get_env(ctx)
    env.message(switch_app(env, app_id, enabled, capability))
