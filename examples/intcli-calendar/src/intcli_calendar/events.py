"""Reading events from an .ics file: just VEVENTs with UID, SUMMARY, LOCATION, DTSTART and DTEND."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intcli.sdk import AuthError, ConfigError, ItemList, Section, UsageError

if TYPE_CHECKING:
    from intcli.sdk import Environment, FetchRequest, Registry, SectionContext

EVENT_FIELDS = ("id", "title", "start", "end", "location")
MAX_BYTES = 8 * 2**20


def calendar_file(env: Environment) -> Path:
    """INTCLI_CALENDAR_FILE, else the file `intcli connect calendar --file` recorded."""
    from intcli.sdk import load_state

    variable = env.environ.get("INTCLI_CALENDAR_FILE", "").strip()
    if variable:
        return Path(variable).expanduser()
    connection = load_state(env).connections.get("calendar")
    if connection is None:
        raise AuthError("no calendar file is connected",
                        hint="run `intcli connect calendar --file PATH` (or set INTCLI_CALENDAR_FILE)")
    return Path(connection.details["path"])


def read_events(path: Path) -> list[dict[str, Any]]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{path} is larger than {MAX_BYTES // 2**20} MiB", hint="use a smaller calendar file")
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the calendar file {path} ({type(exc).__name__})",
                          hint="check the path, or connect another file") from None
    lines: list[str] = []
    for line in text.splitlines():
        if line[:1] in (" ", "\t") and lines:  # RFC 5545 folding: a continuation of the previous line
            lines[-1] += line[1:]
        else:
            lines.append(line)
    if not lines or lines[0].strip() != "BEGIN:VCALENDAR":
        raise ConfigError(f"{path} is not an iCalendar file (no BEGIN:VCALENDAR)", hint="connect an .ics file")
    events, current = [], None
    for line in lines:
        name, _, value = line.partition(":")
        key = name.split(";", 1)[0].upper()
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT" and current is not None:
            if "DTSTART" in current:
                events.append(_event(current, path))
            current = None
        elif current is not None:
            current[key] = value.replace("\\n", " ").replace("\\,", ",").replace("\\;", ";")
    return sorted(events, key=lambda event: event["start"])


def _event(fields: dict[str, str], path: Path) -> dict[str, Any]:
    start = _moment(fields["DTSTART"], path)
    end = _moment(fields["DTEND"], path) if "DTEND" in fields else start
    return {"id": fields.get("UID", ""), "title": fields.get("SUMMARY", ""), "start": start, "end": end,
            "location": fields.get("LOCATION", "")}


def _moment(value: str, path: Path) -> str:
    """DTSTART/DTEND as ISO 8601: UTC times end in Z, floating times stay local, dates stay dates."""
    try:
        if len(value) == 8:
            return date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
        moment = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError:
        raise ConfigError(f"{path}: {value[:40]!r} is not an iCalendar time", hint="check the file") from None
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if value.endswith("Z") else "")


def upcoming(env: Environment, days: int | None) -> list[dict[str, Any]]:
    events = read_events(calendar_file(env))
    if days is None:
        return events
    if days < 0:
        raise UsageError("--days must be 0 or more", hint="e.g. --days 1")
    now = env.now().astimezone(UTC)
    until = (now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")
    today = now.strftime("%Y-%m-%d")
    return [e for e in events if today <= e["start"] and e["start"][:19] <= until]


def fetch_events(env: Environment, registry: Registry, request: FetchRequest) -> ItemList:
    events = upcoming(env, request.get("days"))
    if request.limit is not None:
        events = events[: request.limit]
    return ItemList(events, len(events), key="events", fields=EVENT_FIELDS,
                    table_fields=("start", "end", "title", "location"), text_fields=("title", "location"),
                    optional_fields=("location", "end"))


def today_section(env: Environment, registry: Registry, context: SectionContext) -> Section:
    events = upcoming(env, 1)[: context.top]
    return Section(headline=f"{len(events)} events in the next 24 hours:", columns=["Start", "End", "Event", "Where"],
                   rows=[[e["start"], e["end"], e["title"], e["location"]] for e in events],
                   document={"events": events}, empty="Nothing planned.", badge=f"{len(events)} events",
                   text_column=2)
