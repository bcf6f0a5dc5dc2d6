"""Item lists in the formats scripts and people want: table, json, ndjson, csv.

JSON is the whole document (``{"issues": [...], "total": N, ...}``); NDJSON and CSV carry only the items, one per
line; the table is for a terminal. Lists inside items (labels) become ``;``-joined text in CSV.
"""

from __future__ import annotations

import csv
import enum
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intcli.errors import UsageError
from intcli.safety import safe_link, safe_markup

if TYPE_CHECKING:
    from intcli.env import Environment


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"


@dataclass
class ItemList:
    """What a fetch handler returns: items (all with ``fields``), a total, and notes for stderr. ``items`` may be
    a lazy sequence that also carries its items' compact JSON (see ``_chunks``)."""

    items: Sequence[dict[str, Any]]
    total: int
    notes: list[str] = field(default_factory=list)
    truncated: bool = False
    key: str = "items"  # the JSON document's list key: "issues", "files", "messages"
    fields: tuple[str, ...] = ()
    table_fields: tuple[str, ...] = ()  # the default columns on a terminal

    def document(self) -> dict[str, Any]:
        return {self.key: self.items, "total": self.total, "truncated": self.truncated}


@dataclass
class TextResult:
    """One document's text (e.g. a Drive file's content): raw text on a terminal, a JSON object otherwise."""

    text: str
    meta: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def choose_format(env: Environment, requested: Format | None) -> Format:
    if requested is not None:
        return requested
    return Format.TABLE if env.stdout_isatty else Format.JSON


def parse_fields(text: str | None, available: tuple[str, ...]) -> list[str] | None:
    if not text:
        return None
    fields = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in fields if name not in available]
    if unknown or not fields:
        raise UsageError(f"unknown field {', '.join(unknown) or '(none)'} for --fields",
                         hint=f"choose from: {', '.join(available)}")
    return fields


COMPACT = (",", ":")


def dumps(document: Any, *, indent: int | None = 2, separators: tuple[str, str] | None = None) -> str:
    """JSON for stdout: exact values, no NaN/Infinity (a bug if one ever gets here), C1 and bidi controls
    escaped, and no credential this process uses (``intcli.safety``)."""
    from intcli.safety import hide_secrets, json_text

    return json_text(hide_secrets(json.dumps(document, indent=indent, ensure_ascii=False, allow_nan=False,
                                             separators=separators, default=_as_list)))


def _as_list(value: object) -> list[Any]:
    """A lazy item sequence (``ItemList.items`` need not be a list) is written as the list it reads as."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _write_json(env: Environment, document: dict[str, Any], key: str, items: Any, fields: list[str]) -> None:
    """The JSON document: indented on a terminal; compact into a pipe or file, written a thousand items at a time
    (never one string of them all). Items that carry their own compact JSON (``encoded``, with ``encoded_fields``)
    are written as they are."""
    if env.stdout_isatty:
        env.stdout.write(dumps({**document, key: [_pick(item, fields) for item in items]}) + "\n")
        return
    rest = {name: value for name, value in document.items() if name != key}
    env.stdout.write("{" + dumps(key, indent=None) + ":[")
    for number, chunk in enumerate(_chunks(items, fields)):
        env.stdout.write(("," if number else "") + chunk)
    env.stdout.write("]" + ("," + dumps(rest, indent=None, separators=COMPACT)[1:] if rest else "}") + "\n")


def _chunks(items: Any, fields: list[str], size: int = 1000) -> Iterator[str]:
    """The items' compact JSON, joined by commas, ``size`` items a piece."""
    from intcli.safety import hide_secrets, json_text

    encoded = getattr(items, "encoded", None) if list(getattr(items, "encoded_fields", ())) == fields else None
    for start in range(0, len(items), size):
        if encoded is not None:
            yield json_text(hide_secrets(",".join(encoded[start:start + size])))
        else:
            yield dumps([_pick(item, fields) for item in items[start:start + size]], indent=None,
                        separators=COMPACT)[1:-1]


def _pick(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {name: item.get(name) for name in fields}


def _joined(value: Any, separator: str) -> str:
    if isinstance(value, list):
        return separator.join(str(v) for v in value)
    return "" if value is None else str(value)


def write_items(env: Environment, fmt: Format, document: dict[str, Any], key: str, fields: list[str],
                title: str = "", csv_raw: bool = False) -> None:
    """The items of ``document[key]`` with ``fields``; CSV cells that could run as spreadsheet formulas get a
    leading ``'`` unless ``csv_raw``."""
    from intcli.safety import csv_cell, hide_secrets

    if fmt == Format.JSON:
        _write_json(env, document, key, document[key], fields)
        return
    if fmt == Format.NDJSON:
        for chunk in _chunks(document[key], fields, size=1):
            env.stdout.write(chunk + "\n")
        return
    items = [_pick(item, fields) for item in document[key]]
    if fmt == Format.CSV:
        writer = csv.writer(env.stdout, lineterminator="\n")
        writer.writerow(fields)
        for item in items:
            cells = [hide_secrets(_joined(item.get(name), ";")) for name in fields]
            writer.writerow(cells if csv_raw else [csv_cell(cell) for cell in cells])
    else:
        _table(env, items, fields, title)


def _table(env: Environment, items: list[dict[str, Any]], fields: list[str], title: str) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title=safe_markup(title) or None, title_justify="left", box=box.SIMPLE_HEAD)
    for name in fields:
        table.add_column(name, overflow="fold", no_wrap=name in ("number", "id", "updatedAt"),
                         ratio=3 if name == "title" else None)
    for item in items:
        cells = []
        for name in fields:
            if name == "title" and "url" not in fields:
                cells.append(safe_link(item.get(name), item.get("url")))
            else:
                cells.append(safe_markup(item.get(name)))
        table.add_row(*cells)
    env.console.print(table)
