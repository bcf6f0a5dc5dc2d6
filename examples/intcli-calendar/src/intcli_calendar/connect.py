"""``intcli connect calendar --file PATH``: remember which .ics file to read (there is no secret)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def connect_command(
    ctx: typer.Context,
    file: Annotated[str, typer.Option("--file", help="The .ics file to read", metavar="PATH", show_default=False)],
) -> None:
    """Connect a local iCalendar file; intcli reads it at each fetch and keeps only its path."""
    from intcli.storage.accounts import replace_connection
    from intcli.cli.common import get_env
    from intcli.storage.state import Connection
    from intcli_calendar.events import read_events

    env = get_env(ctx)
    path = Path(file).expanduser().resolve()
    events = read_events(path)  # a wrong file is refused now, not at the next fetch
    replace_connection(env, "calendar", None, False, lambda storage: Connection(
        auth="none", host="local file", account=path.name, connected_at=env.now(), secret_storage=storage,
        details={"path": str(path)}))
    env.message(f"Connected the calendar {path} ({len(events)} events).")
