"""``intcli send CAPABILITY``: write operations (send mail, create drafts)."""

from __future__ import annotations

from typing import Annotated

import typer

from intcli.cli import app
from intcli.cli.common import OnBehalfOption, bounded, complete_sendable, get_env, print_json


@app.command()
def send(
    ctx: typer.Context,
    capability: Annotated[str, typer.Argument(help="A capability with the write operation, e.g. google.gmail.",
                                              autocompletion=complete_sendable, show_default=False)],
    to: Annotated[list[str] | None, typer.Option("--to", help="Recipient (repeatable)", show_default=False)] = None,
    cc: Annotated[list[str] | None, typer.Option("--cc", help="Copy to (repeatable)", show_default=False)] = None,
    subject: Annotated[str, typer.Option("--subject", "-s", help="Subject line")] = "",
    body: Annotated[str | None, typer.Option("--body", help="The message text", show_default=False)] = None,
    body_file: Annotated[str | None, typer.Option("--body-file", help="Read the message text from this file "
                                                  "(- for stdin)", show_default=False)] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Create a draft instead of sending")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Send without asking (required without a terminal)")] = False,
    app_id: OnBehalfOption = None,
) -> None:
    """Send an email (or create a draft with --draft) through google.gmail.

    Without a terminal, sending needs --yes, so a script never sends by accident; drafts need no confirmation.
    """
    from intcli.sending import SendRequest, run_send

    env = get_env(ctx)
    for option, value, limit in (("--to", to, 1000), ("--cc", cc, 1000), ("--subject", subject, 998),
                                 ("--body", body, 1_000_000), ("--body-file", body_file, 4096)):
        bounded(option, value, limit)
    request = SendRequest(capability, list(to or []), list(cc or []), subject, body, body_file, draft, yes, app_id)
    result = run_send(env, request)
    if env.stdout_isatty:
        what = f"Draft {result['id']} created" if result["draft"] else f"Sent message {result['messageId']}"
        env.message(f"{what} (to {', '.join(request.to)}).")
    else:
        print_json(env, result)
