"""Gmail: ``fetch google.gmail`` (ids, then metadata concurrently) and ``send google.gmail`` (send or draft)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intcli.providers.google import check_id
from intcli.providers.google.spec import MESSAGE_FIELDS  # the spec is where --fields is checked
from intcli.sdk import ItemList, UpstreamError, UsageError

if TYPE_CHECKING:
    from email.headerregistry import Address

    from intcli.sdk import Environment, FetchRequest, Registry, SendRequest

DEFAULT_QUERY = "is:unread in:inbox"
PAGE_SIZE = 100
CONCURRENT_REQUESTS = 8
_HEADERS = ("From", "To", "Subject", "Date")


def to_item(raw: dict[str, Any]) -> dict[str, Any]:
    """An intcli message from Gmail's metadata; a field of the wrong type is a TypeError (exit 3)."""
    import html

    headers = {str(h["name"]).lower(): str(h["value"]) for h in raw.get("payload", {}).get("headers", [])}
    labels = list(raw.get("labelIds", []))
    thread, snippet = raw.get("threadId"), raw.get("snippet", "")
    if not (isinstance(snippet, str) and isinstance(thread, str | None) and all(isinstance(x, str) for x in labels)):
        raise TypeError("a message field has the wrong type")
    return {"id": check_id(raw["id"]), "threadId": thread, "from": headers.get("from", ""),
            "to": headers.get("to", ""), "subject": headers.get("subject", ""), "date": _iso_date(headers.get("date")),
            "snippet": html.unescape(snippet), "labels": labels}  # Gmail sends snippets HTML-escaped



def _iso_date(value: str | None) -> str:
    """The Date header as ISO 8601 in UTC (as every other time intcli prints); unparsable dates stay as sent."""
    from datetime import UTC
    from email.utils import parsedate_to_datetime

    from intcli.sdk import iso_z

    if not value:
        return ""
    try:
        moment = parsedate_to_datetime(value)
        return iso_z(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    except (TypeError, ValueError, IndexError, OverflowError):  # e.g. year 9999 in a zone west of UTC
        return value


def messages(api: Any, query: str | None = None, limit: int | None = None) -> ItemList:
    params: dict[str, Any] = {"q": query or DEFAULT_QUERY, "maxResults": min(PAGE_SIZE, limit) if limit else PAGE_SIZE}

    def ids_of(page: dict[str, Any]) -> list[str]:
        listed = page.get("messages", [])
        try:
            if not isinstance(listed, list):
                raise TypeError("not a list")
            return [check_id(m["id"]) for m in listed if isinstance(m, dict) and "id" in m]
        except TypeError:
            raise UpstreamError("unexpected answer from Gmail: no list of message ids", hint="retry later") from None

    listed, first = api.collect("/gmail/v1/users/me/messages", params, ids_of, limit)
    ids = list(dict.fromkeys(listed))  # a message listed twice is fetched and shown once
    estimate = first.get("resultSizeEstimate", 0)
    if not isinstance(estimate, int) or isinstance(estimate, bool) or estimate < 0:
        estimate = 0  # only an estimate: a nonsensical one is dropped, the listed count stands

    def metadata(message_id: str) -> dict[str, Any]:
        raw = api.get_json(f"/gmail/v1/users/me/messages/{message_id}",
                           {"format": "metadata", "metadataHeaders": list(_HEADERS)})
        try:
            return to_item(raw)
        except (KeyError, TypeError, AttributeError):
            raise UpstreamError(f"unexpected answer from Gmail for message {message_id}", hint="retry later") from None

    with ThreadPoolExecutor(max_workers=CONCURRENT_REQUESTS) as pool:
        items = list(pool.map(metadata, ids))  # concurrent, in list order
    return ItemList(items, max(estimate, len(items)), key="messages", fields=MESSAGE_FIELDS,
                    table_fields=("from", "subject", "date", "snippet"),
                    text_fields=("from", "subject", "snippet"), optional_fields=("snippet", "date"))


def fetch_messages(env: Environment, registry: Registry, request: FetchRequest) -> ItemList:
    from intcli.providers.google.api import GoogleAPI
    from intcli.providers.google.auth import session

    with GoogleAPI(env, session(env, registry), request.max_wait) as api:
        return messages(api, request.get("query"), request.limit)


# -- sending ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outgoing:
    to: list[str]
    subject: str
    body: str
    cc: list[str]
    draft: bool


def build_message(outgoing: Outgoing, sender: str | None) -> bytes:
    """The MIME message; every input problem is a UsageError raised here, before anything is sent."""
    from email.message import EmailMessage

    if "\n" in outgoing.subject or "\r" in outgoing.subject:
        raise UsageError("the subject must be one line", hint="remove the line breaks from --subject")
    if not outgoing.to:
        raise UsageError("no recipient", hint="pass --to ADDRESS")
    message = EmailMessage()
    for header, addresses in (("To", outgoing.to), ("Cc", outgoing.cc)):
        if addresses:
            message[header] = ", ".join(str(a) for a in parse_addresses(addresses, f"--{header.lower()}"))
    if sender and "@" in sender:
        message["From"] = sender
    message["Subject"] = outgoing.subject
    message.set_content(outgoing.body)
    return message.as_bytes()


def parse_addresses(values: list[str], option: str) -> list[Address]:
    """``--to 'a@x, "Smith, Bob" <b@y>'`` is two recipients; each must be a real address on one line."""
    from email.headerregistry import Address
    from email.utils import getaddresses

    addresses = []
    for value in values:
        if "\n" in value or "\r" in value:
            raise UsageError(f"{option} must not contain line breaks", hint="give one address per option")
        for name, address in getaddresses([value]):
            local, _, domain = address.partition("@")
            if not local or not domain or " " in address or "." not in domain:
                raise UsageError(f"{option}: {value!r} is not an email address", hint="e.g. --to alice@example.com")
            addresses.append(Address(display_name=name, username=local, domain=domain))
    return addresses


def send(env: Environment, registry: Registry, request: SendRequest,
         confirm: Callable[[str], None]) -> dict[str, Any]:
    """Send the message (after ``confirm``), or create a draft; every input problem is exit 2 before anything."""
    from intcli.providers.google.api import GoogleAPI
    from intcli.providers.google.auth import session
    from intcli.sdk import load_state

    options = request.options
    body = read_body(env, options.get("body"), options.get("body_file"))
    outgoing = Outgoing(options["to"], options["subject"], body, options["cc"], options["draft"])
    build_message(outgoing, None)  # every input problem surfaces now, before any question or request
    if not outgoing.draft:
        cc = f", cc {', '.join(outgoing.cc)}" if outgoing.cc else ""
        subject = repr(outgoing.subject) if outgoing.subject else "a message without a subject"
        confirm(f"Send {subject} to {', '.join(outgoing.to)}{cc}?")
    connection = load_state(env).connections.get("google")
    raw = base64.urlsafe_b64encode(build_message(outgoing, connection.account if connection else None)).decode()
    with GoogleAPI(env, session(env, registry)) as api:
        if outgoing.draft:
            result = api.post_json("/gmail/v1/users/me/drafts", {"message": {"raw": raw}})
            message = result.get("message", {}) if isinstance(result.get("message"), dict) else {}
            return {"draft": True, "id": result.get("id"), "messageId": message.get("id"),
                    "threadId": message.get("threadId"), "summary": f"Draft {result.get('id')} created"}
        result = api.post_json("/gmail/v1/users/me/messages/send", {"raw": raw})
        return {"draft": False, "id": None, "messageId": result.get("id"), "threadId": result.get("threadId"),
                "summary": f"Sent message {result.get('id')} (to {', '.join(outgoing.to)})"}


def read_body(env: Environment, body: str | None, body_file: str | None) -> str:
    from pathlib import Path

    if (body is None) == (body_file is None):
        raise UsageError("give the message text with exactly one of --body or --body-file",
                         hint="e.g. --body 'Hello' or --body-file message.txt")
    if body is not None:
        return body
    if body_file == "-":
        return env.stdin.read()
    try:
        return Path(str(body_file)).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read --body-file {body_file} ({type(exc).__name__})", hint="check the path") from None
