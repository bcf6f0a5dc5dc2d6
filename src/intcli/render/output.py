"""Item lists in the formats scripts and people want: table, json, ndjson, csv, markdown.

JSON is the whole document (``{"issues": [...], "total": N, ...}``); NDJSON and CSV carry only the items, one per
line; the table (``intcli.render.tables``) is for a terminal and Markdown for reports. Lists inside items (labels)
become ``;``-joined text in CSV and ``, ``-joined text in tables and Markdown.
"""

from __future__ import annotations

import csv
import enum
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intcli.base.errors import UsageError

if TYPE_CHECKING:
    from intcli.base.env import Environment


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"
    MARKDOWN = "markdown"


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
    text_fields: tuple[str, ...] = ()  # free text (title, subject): cut with "…" in a narrow table, never others
    optional_fields: tuple[str, ...] = ()  # default columns a narrow table leaves out, the first one first

    def document(self) -> dict[str, Any]:
        return {self.key: self.items, "total": self.total, "truncated": self.truncated}


@dataclass
class TextResult:
    """One document's text (e.g. a Drive file's content): raw text on a terminal, a JSON object otherwise."""

    text: str
    meta: dict[str, Any]
    notes: list[str] = field(default_factory=list)


ALIASES = {"rich": Format.TABLE}  # summary's former name for its terminal view


def choose_format(env: Environment, requested: str | None, *, json_flag: bool = False, jq: str | None = None,
                  allowed: tuple[Format, ...] = tuple(Format)) -> Format:
    """The one output model of every command: ``--format`` (table on a terminal, json otherwise), ``--json`` as
    a shortcut for ``--format json``, and ``--jq`` (which filters the JSON document, so implies it)."""
    names = ", ".join(allowed)
    fmt: Format | None = None
    if requested is not None:
        fmt = ALIASES.get(requested.lower()) or next((f for f in allowed if f == requested.lower()), None)
        if fmt is None or fmt not in allowed:
            raise UsageError(f"--format {requested[:40]!r} is not one of {names}", hint="e.g. --format json")
    for flag, given in (("--json", json_flag), ("--jq", jq is not None)):
        if given and fmt not in (None, Format.JSON):
            raise UsageError(f"{flag} and --format {fmt} disagree", hint="keep one of them")
        if given:
            fmt = Format.JSON
    if fmt is None:
        fmt = Format.TABLE if env.stdout_isatty else Format.JSON
    return fmt


def write_json(env: Environment, document: Any, jq: str | None = None, indent: int | None = 2) -> None:
    """The JSON document on stdout or, with ``jq``, what the jq program makes of it: each result on its own
    line, strings as plain text (as gh's ``--jq`` does) — made inert when stdout is a terminal. jq can read the
    environment (``$ENV``): the caller has remembered the credential variables first, so that none comes out."""
    if jq is None:
        env.stdout.write(dumps(document, indent=indent) + "\n")
        return
    from intcli.base.safety import hide_secrets, terminal_text

    for result in jq_results(jq, document):
        if isinstance(result, str):
            text = hide_secrets(result)
            env.stdout.write((terminal_text(text) if env.stdout_isatty else text) + "\n")
        else:
            env.stdout.write(dumps(result, indent=None) + "\n")


def check_jq(expression: str | None) -> None:
    """Compile ``--jq`` before any request is made, so a typo costs nothing (exit 2 naming the expression)."""
    if expression is not None:
        _compile_jq(expression)


def jq_results(expression: str, document: Any) -> Iterator[Any]:
    """The results of the jq program, one at a time (an endless program streams rather than fills memory).
    jq runs in C and holds the interpreter, so while it runs Ctrl-C has its default effect and ends the process
    at once (as it ends jq itself)."""
    import signal
    import threading

    program = _compile_jq(expression)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_DFL) if main else None
    try:
        yield from program.input_value(document)
    except ValueError as exc:
        raise UsageError(f"--jq {expression[:80]!r} failed on the output: {_jq_message(exc)}",
                         hint="check the expression against the output of --format json") from None
    finally:
        if main and previous is not None:
            signal.signal(signal.SIGINT, previous)


def _compile_jq(expression: str) -> Any:
    if len(expression) > 4096:
        raise UsageError(f"--jq is {len(expression)} characters long, more than 4096", hint="shorten --jq")
    try:
        import jq
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise UsageError("--jq needs the jq package", hint="pip install jq") from None
    try:
        return jq.compile(expression)
    except ValueError as exc:
        raise UsageError(f"--jq {expression[:80]!r} is not a valid jq expression: {_jq_message(exc)}",
                         hint="see https://jqlang.org/manual/ — e.g. --jq '.issues[].title'") from None


def _jq_message(exc: ValueError) -> str:
    from intcli.base.safety import terminal_text

    first = str(exc).strip().splitlines()[0] if str(exc).strip() else "error"
    return terminal_text(first.removeprefix("jq: error: ").rstrip(": "), one_line=True)[:200]


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
    escaped, and no credential this process uses (``intcli.base.safety``)."""
    from intcli.base.safety import hide_secrets, json_text

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
    from intcli.base.safety import hide_secrets, json_text

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
                title: str = "", csv_raw: bool = False, layout: ItemList | None = None) -> None:
    """The items of ``document[key]`` with ``fields``; CSV cells that could run as spreadsheet formulas get a
    leading ``'`` unless ``csv_raw``. ``layout`` says which fields are free text and which may be left out of a
    narrow table (only when the fields are the default ones)."""
    from intcli.base.safety import csv_cell, hide_secrets

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
    elif fmt == Format.MARKDOWN:  # people's views: the first free-text field links to the item's url
        env.stdout.write(_markdown(document[key], fields, title, layout.text_fields if layout else ()))
    else:
        _table(env, document[key], fields, title, layout)


def _link(name: str, fields: list[str], text_fields: tuple[str, ...]) -> bool:
    """Is ``name`` the column that carries the item's link (the first free-text one, when url is not shown)?"""
    return "url" not in fields and name == next((f for f in fields if f in text_fields), None)


def _table(env: Environment, items: list[dict[str, Any]], fields: list[str], title: str,
           layout: ItemList | None) -> None:
    from intcli.render.tables import Column, render

    text = layout.text_fields if layout else ()
    optional = list(layout.optional_fields) if layout and tuple(fields) == layout.table_fields else []
    columns = [Column(name, text=name in text, drop=optional.index(name) + 1 if name in optional else 0)
               for name in fields]
    rows = [[(item.get(name), item.get("url")) if _link(name, fields, text) else item.get(name) for name in fields]
            for item in items]
    render(env.console, columns, rows, title=title)


def _markdown(items: list[dict[str, Any]], fields: list[str], title: str, text: tuple[str, ...]) -> str:
    from intcli.render.markdown import md_link, md_table, md_text

    linked = next((name for name in fields if name in text), None)  # the first free-text field links to the item
    rows = [[md_link(item.get(name), item.get("url")) if name == linked else md_text(item.get(name))
             for name in fields] for item in items]
    lines = [f"**{md_text(title)}**", ""] if title else []
    return "\n".join([*lines, *md_table([md_text(name) for name in fields], rows)]) + "\n"
