"""The summary as a terminal view (Rich) or as Markdown fit for $GITHUB_STEP_SUMMARY.

Each section renders from its ``Section`` (headline, columns, rows of cells): nothing here knows a capability."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from intcli.safety import hide_secrets, link_target, safe_link, safe_markup, terminal_text

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.providers.base import Section
    from intcli.summary import Summary

# Characters with a meaning inside a line (text never starts a line here, so list and quote markers are safe).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#|~])")


def md_text(value: object) -> str:
    """Plain text made inert in Markdown: control characters shown, specials escaped, HTML neutralised, one line."""
    text = " ".join(terminal_text(hide_secrets(str(value if value is not None else "")), one_line=True).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def md_link(title: object, url: object) -> str:
    """A Markdown link whose URL is percent-encoded (``link_target``): it cannot end the link, cell or line."""
    target = link_target(url)
    return f"[{md_text(title)}]({target})" if target else md_text(title)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _unavailable(section: dict[str, Any]) -> tuple[str, str | None]:
    """(why the section is empty, the command that fixes it)."""
    if section["status"] == "error":
        return f"Unavailable: {section['error']}", None
    detail = section.get("detail") or section.get("reason")
    if section["status"] == "unavailable":
        return f"Unavailable ({detail}).", section.get("fix")
    return f"Switched off ({detail}).", section.get("fix")


def _markdown_cell(cell: str | tuple[str, str | None]) -> str:
    return md_link(*cell) if isinstance(cell, tuple) else md_text(cell)


def render_markdown(summary: Summary) -> str:
    document = summary.document()
    lines = [f"# Daily summary — {md_text(document['name'])}", "",
             f"Generated {md_text(document['generatedAt'])}, covering changes since {md_text(document['since'])}.", ""]
    for capability, section in document["sections"].items():
        lines += [f"## {md_text(summary.titles.get(capability, capability))}", ""]
        view = summary.views.get(capability)
        if view is None:
            why, fix = _unavailable(section)
            lines += [md_text(why) + (f" Enable it with `{fix.replace('`', '')}`." if fix else ""), ""]
            continue
        for name, note in view.groups.items():
            lines += [f"**{md_text(name)}**: {md_text(note)}", ""]
        lines += [md_text(view.headline), ""]
        lines += _table([md_text(c) for c in view.columns], [[_markdown_cell(c) for c in row] for row in view.rows]
                        ) if view.rows else [md_text(view.empty)]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _rich_cell(cell: str | tuple[str, str | None]) -> str:
    return safe_link(*cell) if isinstance(cell, tuple) else safe_markup(cell)


def render_rich(env: Environment, summary: Summary) -> None:
    from rich import box
    from rich.panel import Panel
    from rich.table import Table

    document = summary.document()
    console = env.console
    # every value below is data: shown as text (safe_markup), never as markup
    console.print(f"[bold]Daily summary — {safe_markup(document['name'])}[/]  "
                  f"[dim]since {safe_markup(document['since'])}[/]")
    for capability, section in document["sections"].items():
        title = safe_markup(summary.titles.get(capability, capability))
        view: Section | None = summary.views.get(capability)
        if view is None:
            style = "red" if section["status"] == "error" else "yellow"
            why, fix = _unavailable(section)
            body = f"[{style}]{safe_markup(why)}[/]" + (f"\nEnable it with: [bold]{safe_markup(fix)}[/]" if fix else "")
            console.print(Panel(body, title=title, title_align="left"))
            continue
        if view.badge:
            title += f" ({safe_markup(view.badge)})"
        table = Table(box=box.SIMPLE_HEAD, expand=True)
        for index, column in enumerate(view.columns):
            table.add_column(safe_markup(column), overflow="fold", ratio=1 if index == 0 else None)
        for row in view.rows:
            table.add_row(*map(_rich_cell, row))
        notes = "\n".join(f"[yellow]{safe_markup(name)}: {safe_markup(note)}[/]" for name, note in view.groups.items())
        if notes:
            console.print(notes)
        console.print(Panel(table if view.rows else safe_markup(view.empty), title=title, title_align="left"))
