"""Options, completion callbacks and small output helpers shared by the command modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from intcli.env import Environment


def get_env(ctx: typer.Context) -> Environment:
    return ctx.ensure_object(Environment)


def bounded(option: str, values: str | list[str] | None, limit: int) -> None:
    """Option values have sane lengths: a usage error (exit 2) names the option instead of sending a megabyte."""
    from intcli.errors import UsageError

    for value in [values] if isinstance(values, str) else values or []:
        if len(value) > limit:
            raise UsageError(f"{option} is {len(value)} characters long, more than {limit}", hint=f"shorten {option}")


def complete_apps(incomplete: str) -> list[tuple[str, str]]:
    registry = _registry_for_completion()
    return [(k, a.name) for k, a in sorted(registry.apps.items()) if k.startswith(incomplete)] if registry else []


def complete_capabilities(incomplete: str) -> list[tuple[str, str]]:
    registry = _registry_for_completion()
    if registry is None:
        return []
    names = {k: c.name for k, c in registry.capabilities.items()}
    names.update({k: f"provided by app {a}" for k, a in registry.provided_by.items()})
    return [(k, v) for k, v in sorted(names.items()) if k.startswith(incomplete)]


def complete_fetchable(incomplete: str) -> list[str]:
    from intcli.fetch import HANDLERS

    return sorted(c for c in HANDLERS if c.startswith(incomplete))


def complete_sendable(incomplete: str) -> list[str]:
    from intcli.sending import SENDERS

    return sorted(c for c in SENDERS if c.startswith(incomplete))


def _registry_for_completion():  # noqa: ANN202 - a Registry, or None when the config is broken
    from intcli.errors import IntcliError
    from intcli.registry import load_registry

    try:
        return load_registry(Environment())
    except IntcliError:
        return None


AppOption = Annotated[
    str | None,
    typer.Option("--app", "-a", help="Only this app.", autocompletion=complete_apps, show_default=False),
]
OnBehalfOption = Annotated[
    str | None,
    typer.Option("--app", "-a", help="Make the request on behalf of this app: it must be enabled and declare the "
                 "capability.", autocompletion=complete_apps, show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON document (stable; see the README).")]


def titled_table(title: str, columns: tuple[str, ...]):  # noqa: ANN201 - a rich Table
    """The listing tables of ``registry`` and ``apps``: a left-aligned title, folding columns."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def warn_missing_scopes(env: Environment, missing: dict[str, list[str]], lacking: str) -> None:
    for capability, scopes in missing.items():
        env.warn(f"{capability} needs scope {', '.join(scopes)}, which {lacking}")


def print_json(env: Environment, document: Any, indent: int | None = 2) -> None:
    from intcli.output import dumps

    env.stdout.write(dumps(document, indent=indent) + "\n")


def human_time(moment: datetime | None, now: datetime, short: bool = False) -> str:
    """``2026-11-28 09:14 UTC (2h ago)``, or just ``2h ago`` when ``short``; ``-`` for never."""
    if moment is None:
        return "-"
    from intcli.connections import as_utc

    moment = as_utc(moment).astimezone(UTC)
    seconds = (now - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            amount = f"{int(seconds // size)}{unit}"
            break
    else:
        amount = "now"
    relative = amount if amount == "now" else (f"in {amount}" if future else f"{amount} ago")
    return relative if short else f"{moment:%Y-%m-%d %H:%M} UTC ({relative})"
