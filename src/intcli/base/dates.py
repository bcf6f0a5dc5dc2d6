"""``--since WHEN``: an ISO 8601 time or an age (``90m``, ``24h``, ``7d``, ``2w``), as an aware UTC datetime."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from intcli.base.errors import UsageError

if TYPE_CHECKING:
    from intcli.base.env import Environment

_AGE = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(text: str, now: datetime) -> datetime:
    text = text.strip()
    try:
        match = _AGE.fullmatch(text)
        if match:
            moment = now - timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise UsageError(f"--since {text!r} is neither an ISO 8601 time nor an age",
                         hint="e.g. --since 24h, --since 7d or --since 2026-11-27T09:00:00Z") from None


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def normal_time(value: object) -> object:
    """A service's timestamp in intcli's one format (``2026-11-23T21:32:28Z``, UTC, whole seconds), so every
    table and document shows times alike; anything that is not an ISO 8601 time is left exactly as it came."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return iso_z(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def since_option(env: Environment, text: str | None) -> str | None:
    """A ``--since`` value (ISO time or age) as an ISO 8601 UTC time, or None when not given."""
    return iso_z(parse_when(text, env.now())) if text is not None else None
