"""The summary document as a terminal view (Rich) or as Markdown fit for $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from intcli.output import safe_link, safe_markup
from intcli.safety import hide_secrets, link_target, terminal_text

if TYPE_CHECKING:
    from intcli.env import Environment

TITLES = {"github.user_issues": "GitHub issues assigned to you", "github.issues": "Repository activity",
          "google.drive": "Recent documents", "google.gmail": "Unread mail"}
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


def render_markdown(document: dict[str, Any]) -> str:
    lines = [f"# Daily summary — {md_text(document['name'])}", "",
             f"Generated {md_text(document['generatedAt'])}, covering changes since {md_text(document['since'])}.", ""]
    for capability, section in document["sections"].items():
        lines += [f"## {TITLES.get(capability, md_text(capability))}", ""]
        if section["status"] != "ok":
            why, fix = _unavailable(section)
            lines += [md_text(why) + (f" Enable it with `{fix.replace('`', '')}`." if fix else ""), ""]
            continue
        if capability == "github.user_issues":
            lines += [f"{section['totalActiveIssues']} active issues; the {len(section['issues'])} most recently "
                      "updated:", ""]
            lines += _table(["Issue", "Repository", "Updated", "Labels"], [
                [md_link(f"#{i['number']} {i['title']}", i["url"]), md_text(i["repository"]), md_text(i["updatedAt"]),
                 md_text(", ".join(i["labels"]))] for i in section["issues"]])
        elif capability == "github.issues":
            for repo, error in section.get("errors", {}).items():
                lines += [f"**{md_text(repo)}**: unavailable ({md_text(error)})", ""]
            for repo, issues in section["repositories"].items():
                lines += [f"**{md_text(repo)}**", ""]
                lines += _table(["Issue", "State", "Updated"], [
                    [md_link(f"#{i['number']} {i['title']}", i["url"]), md_text(i["state"]), md_text(i["updatedAt"])]
                    for i in issues]) if issues else ["No activity."]
                lines.append("")
        elif capability == "google.drive":
            lines += _table(["Document", "Type", "Modified"], [
                [md_link(f["name"], f["url"]), md_text(f["mimeType"]), md_text(f["modifiedTime"])]
                for f in section["files"]]) if section["files"] else ["No documents changed."]
        elif capability == "google.gmail":
            lines += [f"{section['unreadCount']} unread.", ""]
            lines += _table(["From", "Subject", "Date"], [
                [md_text(m["from"]), md_text(m["subject"]), md_text(m["date"])] for m in section["messages"]])
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_rich(env: Environment, document: dict[str, Any]) -> None:
    from rich import box
    from rich.panel import Panel
    from rich.table import Table

    console = env.console
    escape, link = safe_markup, safe_link  # every value below is data: shown as text, never as markup
    console.print(f"[bold]Daily summary — {escape(document['name'])}[/]  [dim]since {escape(document['since'])}[/]")

    for capability, section in document["sections"].items():
        title = TITLES.get(capability, escape(capability))
        if section["status"] != "ok":
            style = "red" if section["status"] == "error" else "yellow"
            why, fix = _unavailable(section)
            body = f"[{style}]{escape(why)}[/]" + (f"\nEnable it with: [bold]{escape(fix)}[/]" if fix else "")
            console.print(Panel(body, title=title, title_align="left"))
            continue
        table = Table(box=box.SIMPLE_HEAD, expand=True)
        if capability == "github.user_issues":
            title += f" ({len(section['issues'])} of {section['totalActiveIssues']} active)"
            for column in ("Issue", "Repository", "Updated", "Labels"):
                table.add_column(column, overflow="fold", ratio=1 if column == "Issue" else None,
                                 no_wrap=column == "Updated")
            for i in section["issues"]:
                table.add_row(link(f"#{i['number']} {i['title']}", i["url"]), escape(i["repository"]),
                              escape(i["updatedAt"]), escape(", ".join(i["labels"])))
        elif capability == "github.issues":
            for column in ("Repository", "Issue", "State", "Updated"):
                table.add_column(column, overflow="fold")
            for repo, issues in section["repositories"].items():
                for i in issues:
                    table.add_row(escape(repo), link(f"#{i['number']} {i['title']}", i["url"]), escape(str(i["state"])),
                                  escape(i["updatedAt"]))
        elif capability == "google.drive":
            for column in ("Document", "Type", "Modified"):
                table.add_column(column, overflow="fold")
            for f in section["files"]:
                table.add_row(link(f["name"], f["url"]), escape(f["mimeType"]), escape(str(f["modifiedTime"])))
        elif capability == "google.gmail":
            title += f" ({section['unreadCount']} unread)"
            for column in ("From", "Subject", "Date"):
                table.add_column(column, overflow="fold")
            for m in section["messages"]:
                table.add_row(escape(m["from"]), escape(m["subject"]), escape(m["date"]))
        console.print(Panel(table, title=title, title_align="left"))
