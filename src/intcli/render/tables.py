"""The one table layout of every command (fetch, status, registry, apps, summary): one line per row, and no value
ever split or changed.

Each column is either a *key* (ids, numbers, keys, dates, names, states: shown whole, always) or *text* (a title,
subject or description: cut with ``…`` when the width is short). When the terminal is too narrow for every
column, the layout, in this order:

1. cuts the text columns, down to ``TEXT_FLOOR`` characters each;
2. leaves out optional columns, in the order the table gives (``Column.drop``: 1 goes first, then 2, …);
3. cuts the text columns further, down to ``TEXT_MIN`` characters;
4. and if the key columns alone are still wider than the terminal, prints the lines wider than the terminal
   (the terminal wraps them) rather than split a value.

A cell is text or ``(text, url)``; the url makes the text a hyperlink (OSC 8) where the terminal supports it.
Values are shown through ``intcli.base.safety.terminal_text`` (one line, control characters inert, no credential)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

TEXT_FLOOR = 20  # text columns are cut this far before an optional column is left out
TEXT_MIN = 8  # …and no further
GAP = 2  # spaces between columns

Cell = str | tuple[str, str | None]


@dataclass(frozen=True)
class Column:
    header: str
    text: bool = False  # free text: may be cut with "…"; otherwise a key, shown whole
    drop: int = 0  # 0: always shown; otherwise left out when the width is short, lowest number first
    style: str = ""  # a Rich style for the whole column (e.g. "dim")


def cell_text(value: Any) -> str:
    """A value as the one line a table shows: lists joined by ", ", None as "", inert for a terminal."""
    from intcli.base.safety import hide_secrets, terminal_text

    if isinstance(value, list | tuple):
        value = ", ".join("" if v is None else str(v) for v in value)
    return terminal_text(hide_secrets("" if value is None else str(value)), one_line=True)


def fit(columns: Sequence[Column], natural: Sequence[int], width: int) -> list[int | None]:
    """The width of each column for a table ``width`` cells wide (None: the column is left out).

    ``natural`` is each column's widest cell (header included). Pure, so tests check the layout rule directly."""
    from rich.cells import cell_len

    headers = [cell_len(column.header) for column in columns]
    shown = [True] * len(columns)

    def total(text_width: int | None) -> int:
        widths = [_width(i, text_width) for i in range(len(columns)) if shown[i]]
        return sum(widths) + GAP * (len(widths) - 1)

    def _width(index: int, text_width: int | None) -> int:
        if text_width is None or not columns[index].text:
            return natural[index]
        return max(min(natural[index], text_width), headers[index])

    def text_room() -> int:  # the widest text width that fits, if any text column is shown
        keys = sum(natural[i] for i in range(len(columns)) if shown[i] and not columns[i].text)
        texts = [i for i in range(len(columns)) if shown[i] and columns[i].text]
        gaps = GAP * (sum(shown) - 1)
        return (width - keys - gaps) // len(texts) if texts else 0

    if total(None) > width:
        for level in sorted({c.drop for c in columns if c.drop}):
            if total(TEXT_FLOOR) <= width:
                break
            for index in reversed(range(len(columns))):
                if columns[index].drop == level and total(TEXT_FLOOR) > width:
                    shown[index] = False
    result: list[int | None] = []
    room = max(text_room(), TEXT_MIN) if total(None) > width else None
    for index in range(len(columns)):
        result.append(_width(index, room) if shown[index] else None)
    return result


def truncate(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, ending in "…" when it was cut."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    room, kept = max(width - 1, 0), 0  # cut between characters: a wide one that does not fit is left out whole
    for index, character in enumerate(text):
        kept += cell_len(character)
        if kept > room:
            return text[:index] + "…"
    return text + "…"


def render(console: Console, columns: Sequence[Column], rows: Sequence[Sequence[Any]], title: str = "",
           width: int | None = None) -> None:
    """Print a table: a bold header line, then one line per row (see the module docstring for the layout)."""
    from rich.cells import cell_len
    from rich.style import Style
    from rich.text import Text

    from intcli.base.safety import link_target

    cells = [[_split(value) for value in row] for row in rows]
    natural = [max([cell_len(column.header), *(cell_len(row[i][0]) for row in cells)]) for i, column in
               enumerate(columns)]
    widths = fit(columns, natural, width or console.width)
    shown = [i for i, w in enumerate(widths) if w is not None]
    if title:
        console.print(Text(title, style="bold"), crop=False, soft_wrap=True)
    header = Text()
    for position, index in enumerate(shown):
        _append(header, columns[index].header, widths[index] or 0, position == len(shown) - 1, "bold")
    console.print(header, crop=False, soft_wrap=True)
    for row in cells:
        line = Text()
        for position, index in enumerate(shown):
            text, url = row[index]
            target = link_target(url) if url else None
            style = Style.parse(columns[index].style) if columns[index].style else Style()
            if target:
                style += Style(link=target)
            cut = truncate(text, widths[index] or 0) if columns[index].text else text
            _append(line, cut, widths[index] or 0, position == len(shown) - 1, style)
        line.rstrip()
        console.print(line, crop=False, soft_wrap=True)


def _split(value: Any) -> tuple[str, str | None]:
    if isinstance(value, tuple):
        text, url = value
        return cell_text(text), url
    return cell_text(value), None


def _append(line: Any, text: str, width: int, last: bool, style: Any) -> None:
    from rich.cells import cell_len

    line.append(text, style=style)
    if not last:
        line.append(" " * (max(width - cell_len(text), 0) + GAP))
