"""``intcli status``: per-app tables of required and optional capabilities, and what to do about gaps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from intcli.cli import app
from intcli.cli.common import AppOption, JsonOption, get_env, human_time, print_json
from intcli.errors import ExitStatus

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.status import StatusReport

_STATE_STYLE = {"ready": "green", "limited": "yellow", "disabled": "red", "error": "bold red"}


@app.command()
def status(
    ctx: typer.Context,
    app_id: AppOption = None,
    json_output: JsonOption = False,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 4 when an enabled app lacks a required capability (for CI).")
    ] = False,
) -> None:
    """Show connections and, per app, which capabilities are available and why not.

    The app state follows each requirement's fallback: ready, limited, disabled or error.
    """
    from intcli.status import build_status, status_document

    env = get_env(ctx)
    report = build_status(env, app_id)
    if json_output:
        print_json(env, status_document(report))
    else:
        render_status(env, report)
    if check and report.failing_apps:
        names = ", ".join(a.app_id for a in report.failing_apps)
        env.message(f"intcli: check failed: {names} lack{'s' if len(report.failing_apps) == 1 else ''} "
                    "a required capability")
        raise typer.Exit(int(ExitStatus.AUTH))


def render_status(env: Environment, report: StatusReport) -> None:
    from rich import box
    from rich.table import Table

    from intcli.safety import safe_markup

    console = env.console
    now = report.generated_at
    connections = Table(title="Connections", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("Provider", "Status", "Account", "Host", "Scopes", "Expires", "Last used", "Secret"):
        connections.add_column(column, overflow="fold", min_width=len(column), no_wrap=column in ("Provider", "Status"))
    for provider, view in sorted(report.connections.items()):
        if not view.connected:
            connections.add_row(provider, "[red]not connected[/]", "-", "-", "-", "-",
                                human_time(view.last_used, now), "-")
            continue
        state = "[red]expired[/]" if view.expired(now) else "[green]connected[/]"
        scopes = "unknown" if view.scopes is None else (", ".join(view.scopes) or "none")
        secret = safe_markup(view.source or "-")
        if view.insecure:
            secret = "[yellow]file (insecure storage)[/]"
        connections.add_row(provider, state, safe_markup(view.account or "-"), safe_markup(view.host or "-"),
                            safe_markup(scopes),
                            human_time(view.expires_at, now) if view.expires_at else "never",
                            human_time(view.last_used, now), secret)
    console.print(connections)

    for app_status in report.apps:
        style = _STATE_STYLE.get(str(app_status.state), "")
        switched = "" if app_status.enabled else " (switched off)"
        title = f"{app_status.app_id} — {safe_markup(app_status.name)}: [{style}]{app_status.state}[/]{switched}"
        table = Table(title=title,
                      title_justify="left", box=box.SIMPLE_HEAD)
        table.add_column("Capability / purpose", overflow="fold", ratio=3, min_width=18)
        table.add_column("Kind", no_wrap=True)
        table.add_column("Available", no_wrap=True)
        table.add_column("Reason", overflow="fold", ratio=2)
        table.add_column("Last used", overflow="fold")
        for item in app_status.requirements:
            availability = item.availability
            reason = str(availability.reason)
            if availability.detail:
                reason += f"\n[dim]{safe_markup(availability.detail)}[/]"
            table.add_row(f"{item.requirement.capability}\n[dim]{safe_markup(item.requirement.purpose)}[/]",
                          f"{item.requirement.kind}\n[dim]{item.requirement.fallback}[/]",
                          "[green]yes[/]" if availability.available else "[red]no[/]",
                          reason, human_time(item.last_used, now, short=True))
        console.print()
        console.print(table)
        if app_status.provides:
            console.print(f"  provides: {', '.join(app_status.provides)}")
        for fix in app_status.fixes:
            console.print(f"  fix: [bold]{fix}[/]")
