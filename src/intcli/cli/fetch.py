"""``intcli fetch CAPABILITY``: query what a connected account gives, for people or scripts."""

from __future__ import annotations

from typing import Annotated

import typer

from intcli.cli import app
from intcli.cli.common import OnBehalfOption, bounded, complete_fetchable, get_env, print_json
from intcli.errors import UsageError
from intcli.output import Format


@app.command()
def fetch(
    ctx: typer.Context,
    capability: Annotated[str, typer.Argument(help="What to fetch, e.g. github.user_issues (see `intcli registry`).",
                                              autocompletion=complete_fetchable, show_default=False)],
    app_id: OnBehalfOption = None,
    output_format: Annotated[Format | None, typer.Option(
        "--format", "-f", help="Output format \\[default: table on a terminal, json otherwise]",
        show_default=False)] = None,
    fields: Annotated[str | None, typer.Option(
        "--fields", help="Comma-separated fields to output, e.g. number,title,url", show_default=False)] = None,
    csv_raw: Annotated[bool, typer.Option("--csv-raw", help="CSV: write cells exactly as received (by default a "
                                          "cell starting with = + - @ gets a leading ' so spreadsheets never run "
                                          "it as a formula)")] = False,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="At most this many items \\[default: all]",
                                              show_default=False)] = None,
    repo: Annotated[list[str] | None, typer.Option("--repo", "-R", help="OWNER/NAME (repeatable)",
                                                   show_default=False)] = None,
    label: Annotated[list[str] | None, typer.Option("--label", "-l", help="Only issues with this label (repeatable: "
                                                    "all must match)", show_default=False)] = None,
    state: Annotated[str | None, typer.Option("--state", help="open, closed or all \\[default: open]",
                                              show_default=False)] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", help="Login whose issues to fetch \\[default: @me, "
                                                 "the connected user]", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only items changed since then: an ISO 8601 time "
                                              "or an age (24h, 7d)",
                                              show_default=False)] = None,
    sync: Annotated[bool, typer.Option("--sync", help="github.issues: keep a local copy and fetch only what changed "
                                       "since the last sync")] = False,
    max_wait: Annotated[float, typer.Option("--max-wait", min=0, help="Longest wait (seconds) for a rate limit to "
                                            "reset before giving up with exit 3")] = 60.0,
    query: Annotated[str | None, typer.Option("--query", "-q", help="google.drive: a Drive query (name contains "
                                              "'x'); google.gmail: a Gmail search \\[default: is:unread in:inbox]",
                                              show_default=False)] = None,
    content: Annotated[str | None, typer.Option("--content", help="google.drive: print the text of this file id "
                                                "(Google Docs as plain text)", show_default=False)] = None,
) -> None:
    """Fetch items of a capability: issues (github.user_issues, github.issues), Drive files, Gmail messages.

    Examples: intcli fetch github.user_issues --format json; intcli fetch github.issues -R owner/name --sync;
    intcli fetch google.drive --since 2026-11-01; intcli fetch google.gmail -q "from:boss is:unread"

    Output goes to stdout; notes, warnings and progress go to stderr.

    Exits 4 when not connected or when the app may not use the capability, 3 when the service fails after retries.
    """
    from intcli.fetch import FetchOptions, run_fetch
    from intcli.output import TextResult, choose_format, parse_fields, write_items

    env = get_env(ctx)
    for option, value, limit_chars in (("--repo", repo, 140), ("--label", label, 256), ("--assignee", assignee, 64),
                                       ("--since", since, 64), ("--query", query, 2048), ("--fields", fields, 1024),
                                       ("--content", content, 256), ("--state", state, 16)):
        bounded(option, value, limit_chars)
    fmt = choose_format(env, output_format)
    if state is not None and state not in ("open", "closed", "all"):
        raise UsageError(f"--state {state!r} is not open, closed or all", hint="e.g. --state closed")
    options = FetchOptions(capability, app_id, limit, list(repo or []), list(label or []), state, assignee,
                           _check_since(env, since), sync, max_wait, query=query, content=content)
    with _progress(env) as on_page:
        options.on_page = on_page
        result = run_fetch(env, options)
    for note in result.notes:
        env.message(f"intcli: {note}")
    if isinstance(result, TextResult):
        if fields:
            raise UsageError("--fields does not apply to --content", hint="drop --fields")
        if output_format == Format.JSON:
            print_json(env, {**result.meta, "content": result.text})
        elif output_format == Format.NDJSON:
            print_json(env, {**result.meta, "content": result.text}, indent=None)
        elif fmt == Format.CSV:
            raise UsageError("--content prints a document, not a table", hint="use --format json or table")
        else:
            text = result.text
            if env.stdout_isatty:  # a document's text may hold escape sequences too; redirected, it stays exact
                from intcli.safety import terminal_text

                text = terminal_text(text)
            env.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        return
    chosen = parse_fields(fields, result.fields) or (
        list(result.table_fields) if fmt == Format.TABLE else list(result.fields))
    write_items(env, fmt, result.document(), result.key, chosen,
                title=f"{capability}: {len(result.items)} of {result.total}", csv_raw=csv_raw)


def _check_since(env, since: str | None) -> str | None:  # noqa: ANN001 - Environment
    from intcli.when import iso_z, parse_when

    return iso_z(parse_when(since, env.now())) if since is not None else None


class _progress:
    """A transient page counter on stderr when it is a terminal; nothing otherwise."""

    def __init__(self, env) -> None:  # noqa: ANN001 - Environment
        self.env = env
        self.status = None
        self.pages = 0

    def __enter__(self):  # noqa: ANN204
        if not self.env.stderr_isatty:
            return None
        self.status = self.env.err_console.status("fetching…")
        self.status.start()
        return self.tick

    def tick(self) -> None:
        self.pages += 1
        self.status.update(f"fetching… {self.pages} page{'s' if self.pages != 1 else ''}")

    def __exit__(self, *exc_info: object) -> None:
        if self.status is not None:
            self.status.stop()
