"""Google's summary sections: documents modified since WHEN, and unread mail (count and the top N)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intcli.sdk import Section

if TYPE_CHECKING:
    from intcli.sdk import Environment, Registry, SectionContext


def drive_section(env: Environment, registry: Registry, context: SectionContext) -> Section:
    from intcli.providers.google.api import GoogleAPI
    from intcli.providers.google.auth import session
    from intcli.providers.google.drive import recent_files
    from intcli.sdk import iso_z

    with GoogleAPI(env, session(env, registry)) as api:
        files = recent_files(api, since=iso_z(context.since), limit=context.top).items
    return Section(
        headline=f"{len(files)} documents changed:", columns=["Document", "Type", "Modified"],
        rows=[[(f["name"], f["url"]), f["mimeType"], str(f["modifiedTime"])] for f in files],
        document={"files": files}, empty="No documents changed.", badge=f"{len(files)} changed")


def gmail_section(env: Environment, registry: Registry, context: SectionContext) -> Section:
    from intcli.providers.google.api import GoogleAPI
    from intcli.providers.google.auth import session
    from intcli.providers.google.gmail import messages

    with GoogleAPI(env, session(env, registry)) as api:
        result = messages(api, limit=context.top)
    return Section(
        headline=f"{result.total} unread.", columns=["From", "Subject", "Date"], text_column=1,
        rows=[[m["from"], m["subject"], m["date"]] for m in result.items],
        document={"unreadCount": result.total, "messages": result.items}, empty="No unread mail.",
        badge=f"{result.total} unread")
