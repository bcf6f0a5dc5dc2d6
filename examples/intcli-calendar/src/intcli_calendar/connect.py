"""``intcli connect calendar --file PATH``: remember which .ics file to read (there is no secret)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intcli.sdk import ConnectRequest, Environment, Registry


def connect(env: Environment, registry: Registry, request: ConnectRequest) -> None:
    """Connect a local iCalendar file; intcli reads it at each fetch and keeps only its path."""
    from intcli.sdk import Connection, replace_connection
    from intcli_calendar.events import read_events

    path = Path(request.get("file")).expanduser().resolve()
    events = read_events(path)  # a wrong file is refused now, not at the next fetch
    replace_connection(env, "calendar", None, False, lambda storage: Connection(
        auth="none", host="local file", account=path.name, connected_at=env.now(), secret_storage=storage,
        details={"path": str(path)}))
    env.message(f"Connected the calendar {path} ({len(events)} events).")
