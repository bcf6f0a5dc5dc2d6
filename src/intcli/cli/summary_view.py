"""The summary as a terminal view (Rich) or as Markdown fit for $GITHUB_STEP_SUMMARY.

Each section renders from its ``Section`` (headline, columns, rows of cells): nothing here knows a capability."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intcli.render.markdown import md_link, md_table, md_text

if TYPE_CHECKING:
    from intcli.base.env import Environment
    from intcli.core.spec import Section
    from intcli.core.summary import Summary

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
        lines += md_table([md_text(c) for c in view.columns], [[_markdown_cell(c) for c in row] for row in view.rows]
                        ) if view.rows else [md_text(view.empty)]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_rich(env: Environment, summary: Summary) -> None:
    """The terminal view: a heading, then per section its title, notes and a table (``intcli.render.tables``: the first
    column is the section's free text — title, subject or name — and the only one ever cut)."""
    from rich.text import Text

    from intcli.render.tables import Column, cell_text, render

    document = summary.document()
    console = env.console
    console.print(Text.assemble((f"Daily summary — {cell_text(document['name'])}", "bold"), "  ",
                                (f"since {cell_text(document['since'])}", "dim")), soft_wrap=True)
    for capability, section in document["sections"].items():
        title = cell_text(summary.titles.get(capability, capability))
        view: Section | None = summary.views.get(capability)
        console.print()
        if view is None:
            why, fix = _unavailable(section)
            console.print(Text(title, style="bold"), soft_wrap=True)
            console.print(Text("  " + cell_text(why), style="red" if section["status"] == "error" else "yellow"),
                          soft_wrap=True)
            if fix:
                console.print(Text.assemble("  Enable it with: ", (cell_text(fix), "bold")), soft_wrap=True)
            continue
        console.print(Text(title + (f" ({cell_text(view.badge)})" if view.badge else ""), style="bold"),
                      soft_wrap=True)
        for name, note in view.groups.items():
            console.print(Text(f"  {cell_text(name)}: {cell_text(note)}", style="yellow"), soft_wrap=True)
        if view.headline:
            console.print(Text(cell_text(view.headline)), soft_wrap=True)
        if not view.rows:
            console.print(Text("  " + cell_text(view.empty), style="dim"), soft_wrap=True)
            continue
        columns = [Column(name, text=index == view.text_column) for index, name in enumerate(view.columns)]
        render(console, columns, view.rows)
