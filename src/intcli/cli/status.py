"""``intcli status``: connections and, per app, which capabilities are available and why not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from intcli.base.errors import ExitStatus
from intcli.cli.app import app
from intcli.cli.common import AppOption, JqOption, JsonOption, examples, format_option, get_env, print_json

if TYPE_CHECKING:
    from datetime import datetime

    from intcli.base.env import Environment
    from intcli.core.status import StatusReport
    from intcli.storage.connections import ConnectionView

_STATE_STYLE = {"ready": "green", "limited": "yellow", "blocked": "red", "error": "bold red", "off": "dim"}


@app.command(epilog=examples(
    "intcli status                    # offline: what is connected and what each app can use",
    "intcli status --verify           # also ask each service whether the credentials work",
    "GH_TOKEN=$TOKEN intcli status --check --app github-timeline",
    "intcli status --jq '.apps[] | select(.state != \"ready\") | .id'"))
def status(
    ctx: typer.Context,
    app_id: AppOption = None,
    output_format: format_option("table", "json") = None,  # type: ignore[valid-type]
    json_output: JsonOption = False,
    jq: JqOption = None,
    verify: Annotated[bool, typer.Option(
        "--verify", help="Check each credential the apps rely on with its service (one quick request each, all "
        "at once); without it status sends nothing anywhere.")] = False,
    check: Annotated[bool, typer.Option(
        "--check", help="For CI: --verify, then exit 4 when a credential is rejected or an enabled app lacks a "
        "required capability (3 when a service could not be reached).")] = False,
) -> None:
    """Show connections and, per app, which capabilities are available and why not.

    An app is ready, limited (runs without an optional capability), blocked (a required one is missing),
    error (a requirement with fallback "error" is missing) or off (you switched it off).
    """
    from intcli.core.status import build_status, status_document
    from intcli.render.output import Format, check_jq, choose_format

    env = get_env(ctx)
    fmt = choose_format(env, output_format, json_flag=json_output, jq=jq, allowed=(Format.TABLE, Format.JSON))
    check_jq(jq)
    report = build_status(env, app_id, verify=verify or check)
    if fmt == Format.JSON:
        print_json(env, status_document(report), jq=jq)
    else:
        render_status(env, report)
    if check:
        _gate(env, report)


def _gate(env: Environment, report: StatusReport) -> None:
    for view in report.rejected:
        env.message(f"intcli: error: {view.provider}: {view.problem}" + (f" — {view.fix}" if view.fix else ""))
    failing = report.failing_apps
    if failing:
        names = ", ".join(a.app_id for a in failing)
        env.message(f"intcli: check failed: {names} lack{'s' if len(failing) == 1 else ''} a required capability")
    if failing or report.rejected:
        raise typer.Exit(int(ExitStatus.AUTH))
    unchecked = [view for view in report.connections.values() if view.problem and view.valid is None]
    for view in unchecked:
        env.message(f"intcli: error: {view.provider}: {view.problem}" + (f" — {view.fix}" if view.fix else ""))
    if unchecked:
        raise typer.Exit(int(ExitStatus.UPSTREAM))


def connection_state(view: ConnectionView, now: datetime) -> tuple[str, str]:
    """(word, style) for a connection: what status knows of it, and whether it was checked online."""
    if not view.connected:
        return "not connected", "red"
    if view.valid is False:
        return "rejected", "bold red"
    if view.valid is True:
        return "valid", "green"
    if view.expired(now):
        return "expired", "red"
    if view.problem:
        return "unreachable", "yellow"
    return ("not checked", "yellow") if view.from_environment else ("connected", "green")


def render_status(env: Environment, report: StatusReport) -> None:
    from intcli.core.status import iso
    from intcli.render.tables import Column, render

    console = env.console
    now = report.generated_at
    columns = [Column("Provider"), Column("Status"), Column("Account", drop=5), Column("Host", drop=4),
               Column("Source"), Column("Expires", drop=3), Column("Last used", drop=1),
               Column("Scopes", text=True, drop=2)]
    rows = []
    for provider, view in sorted(report.connections.items()):
        word, _ = connection_state(view, now)
        if not view.connected:
            rows.append([provider, word, "-", "-", "-", "-", iso(view.last_used) or "-", "-"])
            continue
        source = "file (insecure storage)" if view.insecure else view.source or "-"
        expires = "unknown" if view.from_environment and not view.expires_at else iso(view.expires_at) or "-"
        scopes = "unknown" if view.scopes is None else ", ".join(view.scopes) or "none"
        rows.append([provider, word, view.account or "-", view.host or "-", source, expires,
                     iso(view.last_used) or "-", scopes])
    render(console, columns, rows, title="Connections")
    for view in sorted(report.connections.values(), key=lambda v: v.provider):
        if view.problem:
            console.print(f"  {view.provider}: {_inert(view.problem)}" + (f" — {_inert(view.fix)}" if view.fix else ""),
                          style="red" if view.valid is False else "yellow", markup=False, highlight=False,
                          soft_wrap=True)

    for app_status in report.apps:
        style = _STATE_STYLE.get(str(app_status.state), "")
        console.print()
        from rich.text import Text

        title = Text.assemble((app_status.app_id, "bold"), " — ", _inert(app_status.name), ": ",
                              (str(app_status.state), style))
        console.print(title, soft_wrap=True)
        columns = [Column("Capability"), Column("Kind"), Column("Fallback", drop=3), Column("Available"),
                   Column("Reason", drop=4), Column("Detail", text=True), Column("Last used", drop=2),
                   Column("Purpose", text=True, drop=1)]
        rows = [[item.requirement.capability, item.requirement.kind, str(item.requirement.fallback),
                 "yes" if item.availability.available else "no", str(item.availability.reason),
                 item.availability.detail or "-", iso(item.last_used) or "-", item.requirement.purpose]
                for item in app_status.requirements]
        render(console, columns, rows)
        if app_status.provides:
            console.print(f"  provides: {', '.join(app_status.provides)}", markup=False, highlight=False,
                          soft_wrap=True)
        for fix in app_status.fixes:
            console.print(Text.assemble("  fix: ", (_inert(fix), "bold")), soft_wrap=True)


def _inert(text: str) -> str:
    from intcli.render.tables import cell_text

    return cell_text(text)
