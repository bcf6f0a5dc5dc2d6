"""``intcli apps``: list apps; switch an app, or one optional integration of it, on or off."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from intcli.cli.app import app
from intcli.cli.common import (
    JqOption,
    JsonOption,
    complete_apps,
    complete_capabilities,
    examples,
    format_option,
    get_env,
    print_json,
)

if TYPE_CHECKING:
    from intcli.base.env import Environment

apps_app = typer.Typer(help="List apps, or switch them on and off.", invoke_without_command=True)
app.add_typer(apps_app, name="apps")

AppArgument = Annotated[str, typer.Argument(help="The app id (see `intcli apps`).", autocompletion=complete_apps,
                                            show_default=False, metavar="APP")]
CapabilityOption = Annotated[
    str | None,
    typer.Option("--capability", "-c", help="Switch only this optional integration of the app.",
                 autocompletion=complete_capabilities, show_default=False, metavar="CAPABILITY"),
]


@apps_app.callback(epilog=examples(
    "intcli apps",
    "intcli apps disable ai-admin-assistant --capability github.user_issues",
    "intcli apps --jq '.apps[] | select(.enabled) | .id'"))
def list_apps(
    ctx: typer.Context,
    output_format: format_option("table", "json") = None,  # type: ignore[valid-type]
    json_output: JsonOption = False,
    jq: JqOption = None,
) -> None:
    """List apps: one line for each capability an app requires, can optionally use or provides.

    Switch is on, off (that integration is switched off for the app) or "app off"; whether an app can run with
    what is connected is `intcli status`."""
    if ctx.invoked_subcommand is not None:
        return
    from intcli.config.registry import apps_document
    from intcli.core.plugins import load_registry
    from intcli.render.output import Format, check_jq, choose_format
    from intcli.render.tables import Column, render

    env = get_env(ctx)
    fmt = choose_format(env, output_format, json_flag=json_output, jq=jq, allowed=(Format.TABLE, Format.JSON))
    check_jq(jq)
    document = apps_document(load_registry(env))
    if fmt == Format.JSON:
        print_json(env, document, jq=jq)
        return
    rows = []
    for item in document["apps"]:
        def switch(capability: str | None, item: dict[str, Any] = item) -> str:
            return "app off" if not item["enabled"] else "off" if capability in item["switchedOff"] else "on"

        for kind in ("requires", "optional"):
            rows += [[item["id"], r["capability"], "required" if kind == "requires" else "optional", r["fallback"],
                      switch(r["capability"]), item["source"]] for r in item[kind]]
        rows += [[item["id"], provided, "provides", "-", switch(None), item["source"]] for provided in item["provides"]]
    render(env.console, [Column("App"), Column("Capability"), Column("Kind"), Column("Fallback", drop=2),
                         Column("Switch"), Column("Source", drop=1)], rows,
           title="Apps")


@apps_app.command("enable", epilog=examples(
    "intcli apps enable github-timeline",
    "intcli apps enable ai-admin-assistant --capability github.user_issues"))
def enable(ctx: typer.Context, app_id: AppArgument, capability: CapabilityOption = None) -> None:
    """Switch an app (or, with --capability, one of its optional integrations) on."""
    _switch(ctx, app_id, True, capability)


@apps_app.command("disable", epilog=examples(
    "intcli apps disable github-timeline",
    "intcli apps disable ai-admin-assistant --capability jira.user_issues"))
def disable(ctx: typer.Context, app_id: AppArgument, capability: CapabilityOption = None) -> None:
    """Switch an app (or, with --capability, one of its optional integrations) off."""
    _switch(ctx, app_id, False, capability)


def _switch(ctx: typer.Context, app_id: str, enabled: bool, capability: str | None) -> None:
    from intcli.config.edit import switch_app
    from intcli.core.plugins import load_plugins

    env = get_env(ctx)
    env.message(switch_app(env, load_plugins(env), app_id, enabled, capability))
    if enabled:
        note = not_ready_note(env, app_id)
        if note:
            env.message(note)


def not_ready_note(env: Environment, app_id: str) -> str | None:
    """Why an app that is switched on still cannot run as it should (its status), with the fix; None when ready."""
    from intcli.core.status import AppState, build_status

    app_status = build_status(env, app_id).apps[0]
    if app_status.state == AppState.READY:
        return None
    missing = [f"{item.requirement.capability} ({item.availability.detail or item.availability.reason})"
               for item in app_status.requirements if not item.availability.available]
    fixes = "; ".join(f"run `{fix}`" for fix in app_status.fixes)
    return (f"intcli: note: {app_id} is {app_status.state}: {', '.join(missing) or 'see intcli status'} unavailable"
            + (f" — {fixes}" if fixes else ""))
