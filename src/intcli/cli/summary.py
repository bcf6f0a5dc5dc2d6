"""``intcli summary``: an app's daily summary, one section per capability it declares."""

from __future__ import annotations

from typing import Annotated

import typer

from intcli.cli.app import app
from intcli.cli.common import JqOption, JsonOption, complete_apps, examples, format_option, get_env, print_json


@app.command(epilog=examples(
    "intcli summary",
    "intcli summary --format markdown >> \"$GITHUB_STEP_SUMMARY\"",
    "intcli summary --since 7d --top 10 --jq '.developmentTasks.totalActiveIssues'"))
def summary(
    ctx: typer.Context,
    app_id: Annotated[str | None, typer.Option("--app", "-a", help="The app whose summary to build "
                                               "[default: ai-admin-assistant]", autocompletion=complete_apps,
                                               show_default=False, metavar="APP")] = None,
    output_format: format_option("table", "json", "markdown") = None,  # type: ignore[valid-type]
    json_output: JsonOption = False,
    jq: JqOption = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, max=100, metavar="N", help="Items per section")] = 5,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN", help="Changes since this ISO time or age "
                                              "(24h, 7d) [default: 24h]", show_default=False)] = None,
) -> None:
    """Build an app's daily summary: one section per capability it declares, fetched at the same time.

    A missing required capability stops the summary (exit 4, naming the fix); a missing optional one leaves
    its section marked unavailable. A section that fails shows its error; exit 3 (or 4) only when it was required.
    Markdown is for reports such as $GITHUB_STEP_SUMMARY ("rich" is accepted for table).
    """
    from intcli.cli.summary_view import render_markdown, render_rich
    from intcli.core.summary import build_summary
    from intcli.render.output import Format, check_jq, choose_format

    env = get_env(ctx)
    fmt = choose_format(env, output_format, json_flag=json_output, jq=jq,
                        allowed=(Format.TABLE, Format.JSON, Format.MARKDOWN))
    check_jq(jq)
    result = build_summary(env, app_id, top, since)
    document = result.document()
    if fmt == Format.JSON:
        print_json(env, document, jq=jq)
    elif fmt == Format.MARKDOWN:
        env.stdout.write(render_markdown(result))
    else:
        render_rich(env, result)
    if result.failed_required:
        worst = max(result.failed_required, key=lambda e: int(e.exit_status))
        env.message(f"intcli: error: a required section failed: {worst}")
        raise typer.Exit(int(worst.exit_status))
