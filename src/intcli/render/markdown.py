"""Markdown from data (``fetch --format markdown``, ``summary --format markdown`` for $GITHUB_STEP_SUMMARY): text
is made inert — control characters shown, Markdown specials escaped, HTML neutralised — and links are
percent-encoded (``intcli.base.safety.link_target``), so a title can never end a cell, a link or a line."""

from __future__ import annotations

import re

from intcli.base.safety import hide_secrets, link_target, terminal_text

# Characters with a meaning inside a line (text never starts a line here, so list and quote markers are safe).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#|~])")


def md_text(value: object) -> str:
    """Plain text made inert in Markdown: control characters shown, specials escaped, HTML neutralised, one line."""
    if isinstance(value, list | tuple):
        value = ", ".join("" if v is None else str(v) for v in value)
    text = " ".join(terminal_text(hide_secrets(str(value if value is not None else "")), one_line=True).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def md_link(title: object, url: object) -> str:
    """A Markdown link whose URL is percent-encoded (``link_target``): it cannot end the link, cell or line."""
    target = link_target(url)
    return f"[{md_text(title)}]({target})" if target else md_text(title)


def md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A GitHub-flavoured Markdown table from cells already made inert (``md_text``/``md_link``)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines
