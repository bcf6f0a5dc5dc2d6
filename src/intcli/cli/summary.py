"""``intcli summary``: an app's daily summary, one section per capability it declares."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from intcli.cli import app
from intcli.cli.common import complete_apps, get_env, print_json


class SummaryFormat(enum.StrEnum):
    RICH = "rich"
    JSON = "json"
    MARKDOWN = "markdown"


@app.command()
def summary(
    ctx: typer.Context,
    app_id: Annotated[str | None, typer.Option("--app", "-a", help="The app whose summary to build "
                                               "\\[default: ai-admin-assistant]", autocompletion=complete_apps,
                                               show_default=False)] = None,
    output_format: Annotated[SummaryFormat | None, typer.Option(
        "--format", "-f", help="rich (a terminal), json (scripts) or markdown (e.g. >> $GITHUB_STEP_SUMMARY) "
        "\\[default: rich on a terminal, json otherwise]", show_default=False)] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, max=100, help="Items per section")] = 5,
    since: Annotated[str | None, typer.Option("--since", help="Changes since this ISO time or age (24h, 7d) "
                                              "\\[default: 24h]", show_default=False)] = None,
) -> None:
    """Build an app's daily summary: one section per capability it declares, fetched at the same time.

    A missing required capability stops the summary (exit 4, naming the fix); a missing optional one leaves
    its section marked unavailable. A section that fails shows its error; exit 3 (or 4) only when it was required.
    """
    from intcli.summary import build_summary
    from intcli.summary_render import render_markdown, render_rich

    env = get_env(ctx)
    fmt = output_format or (SummaryFormat.RICH if env.stdout_isatty else SummaryFormat.JSON)
    result = build_summary(env, app_id, top, since)
    document = result.document()
    if fmt == SummaryFormat.JSON:
        print_json(env, document)
    elif fmt == SummaryFormat.MARKDOWN:
        env.stdout.write(render_markdown(result))
    else:
        render_rich(env, result)
    if result.failed_required:
        worst = max(result.failed_required, key=lambda e: int(e.exit_status))
        env.message(f"intcli: error: a required section failed: {worst}")
        raise typer.Exit(int(worst.exit_status))
