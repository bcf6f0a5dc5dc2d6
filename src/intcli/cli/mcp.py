"""``intcli mcp --app APP``: serve an app's capabilities to an AI assistant as MCP tools, over stdio."""

from __future__ import annotations

from typing import Annotated

import typer

from intcli.base.errors import UsageError
from intcli.cli.app import app
from intcli.cli.common import complete_apps, examples, get_env


@app.command("mcp", epilog=examples(
    "intcli mcp --app ai-admin-assistant                 # read-only tools",
    "intcli mcp --app ai-admin-assistant --allow-write   # plus drafting mail",
    "npx @modelcontextprotocol/inspector intcli mcp --app ai-admin-assistant   # try it by hand"))
def mcp_command(
    ctx: typer.Context,
    app_id: Annotated[str | None, typer.Option(
        "--app", "-a", help="The app the assistant acts for: it gets the capabilities this app declares and may use.",
        autocompletion=complete_apps, show_default=False, metavar="APP")] = None,
    allow_write: Annotated[bool, typer.Option(
        "--allow-write", help="Also offer the app's write capabilities (mail), as drafts only.")] = False,
    allow_send: Annotated[bool, typer.Option(
        "--allow-send", help="Let writes really send (needs --allow-write); otherwise they only create drafts.",
    )] = False,
) -> None:
    """Serve an app's capabilities to an AI assistant over the Model Context Protocol (stdio).

    An MCP client starts this command and talks to it on standard input/output (see the README).

    Tools: one per readable capability the app declares and may use, plus status and summary.

    `intcli apps disable` removes a tool at once. Ends when the client disconnects, or on Ctrl-C.
    """
    from intcli.mcp.server import ServeOptions, serve

    if app_id is None:
        raise UsageError("intcli mcp serves one app and needs to know which",
                         hint="e.g. intcli mcp --app ai-admin-assistant (see `intcli apps`)")
    if allow_send and not allow_write:
        raise UsageError("--allow-send needs --allow-write", hint="pass both to let the assistant send mail")
    serve(get_env(ctx), ServeOptions(app_id, allow_write, allow_send))
