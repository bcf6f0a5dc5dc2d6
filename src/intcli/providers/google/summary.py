"""Google's summary sections: documents modified since WHEN, and unread mail (count and the top N)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.registry import Registry


def drive_section(env: Environment, registry: Registry, options: dict[str, Any], top: int,
                  since: datetime) -> dict[str, Any]:
    from intcli.providers.google.api import GoogleAPI
    from intcli.providers.google.auth import session
    from intcli.providers.google.drive import recent_files
    from intcli.when import iso_z

    with GoogleAPI(env, session(env, registry)) as api:
        result = recent_files(api, since=iso_z(since), limit=top)
    return {"files": result.items}


def gmail_section(env: Environment, registry: Registry, options: dict[str, Any], top: int,
                  since: datetime) -> dict[str, Any]:
    from intcli.providers.google.api import GoogleAPI
    from intcli.providers.google.auth import session
    from intcli.providers.google.gmail import messages

    with GoogleAPI(env, session(env, registry)) as api:
        result = messages(api, limit=top)
    return {"unreadCount": result.total, "messages": result.items}
