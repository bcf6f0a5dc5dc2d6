"""``intcli fetch CAPABILITY``: query what a connected account gives, for people or scripts."""

from __future__ import annotations

from typing import Annotated

import typer

from intcli.cli import app
from intcli.cli.common import OnBehalfOption, complete_capabilities, get_env
from intcli.output import Format

DEFAULT_COLUMNS = {"table": ["number", "title", "repository", "updatedAt", "labels"]}


@app.command()
def fetch(
    ctx: typer.Context,
    capability: Annotated[str, typer.Argument(help="What to fetch, e.g. github.user_issues (see `intcli registry`).",
                                              autocompletion=complete_capabilities, show_default=False)],
    app_id: OnBehalfOption = None,
    output_format: Annotated[Format | None, typer.Option(
        "--format", "-f", help="Output format [default: table on a terminal, json otherwise]",
        show_default=False)] = None,
    fields: Annotated[str | None, typer.Option(
        "--fields", help="Comma-separated fields to output, e.g. number,title,url", show_default=False)] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="At most this many items [default: all]",
                                              show_default=False)] = None,
    repo: Annotated[list[str] | None, typer.Option("--repo", "-R", help="OWNER/NAME (repeatable)",
                                                   show_default=False)] = None,
    label: Annotated[list[str] | None, typer.Option("--label", "-l", help="Only issues with this label (repeatable: "
                                                    "all must match)", show_default=False)] = None,
    state: Annotated[str | None, typer.Option("--state", help="open, closed or all [default: open]",
                                              show_default=False)] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", help="Login whose issues to fetch [default: @me, "
                                                 "the connected user]", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only issues updated at or after this ISO 8601 time",
                                              show_default=False)] = None,
    sync: Annotated[bool, typer.Option("--sync", help="github.issues: keep a local copy and fetch only what changed "
                                       "since the last sync")] = False,
    max_wait: Annotated[float, typer.Option("--max-wait", min=0, help="Longest wait (seconds) for a rate limit to "
                                            "reset before giving up with exit 3")] = 60.0,
) -> None:
    """Fetch items of a capability: issues assigned to you (github.user_issues) or a repository's (github.issues).

    Examples: intcli fetch github.user_issues --format json; intcli fetch github.issues -R owner/name --sync

    Output goes to stdout; notes, warnings and progress go to stderr.

    Exits 4 when not connected or when the app may not use the capability, 3 when GitHub fails after retries.
    """
    from intcli.fetch import FetchOptions, run_fetch
    from intcli.output import choose_format, parse_fields, write_items
    from intcli.providers.github.issues import ISSUE_FIELDS

    env = get_env(ctx)
    fmt = choose_format(env, output_format)
    chosen = parse_fields(fields, ISSUE_FIELDS) or DEFAULT_COLUMNS.get(str(fmt), list(ISSUE_FIELDS))
    if state is not None and state not in ("open", "closed", "all"):
        from intcli.errors import UsageError

        raise UsageError(f"--state {state!r} is not open, closed or all", hint="e.g. --state closed")
    options = FetchOptions(capability, app_id, limit, list(repo or []), list(label or []), state, assignee,
                           _check_since(since), sync, max_wait)
    with _progress(env) as on_page:
        options.on_page = on_page
        result = run_fetch(env, options)
    for note in result.notes:
        env.message(f"intcli: {note}")
    write_items(env, fmt, result.document(), "issues", chosen,
                title=f"{capability}: {len(result.issues)} of {result.total}")


def _check_since(since: str | None) -> str | None:
    if since is None:
        return None
    from datetime import UTC, datetime

    from intcli.errors import UsageError

    try:
        moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since {since!r} is not an ISO 8601 time",
                         hint="e.g. --since 2026-11-01T00:00:00Z") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
