"""``intcli fetch CAPABILITY``: one subcommand per capability a provider can fetch, with that capability's options
(built from the provider's spec) plus the output options every listing shares."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core

from intcli.base.errors import UsageError
from intcli.cli.app import app
from intcli.cli.common import (
    JqOption,
    JsonOption,
    OnBehalfOption,
    bounded,
    capability_command,
    examples,
    format_option,
    get_env,
    print_json,
    register_capability_commands,
)
from intcli.render.output import Format

if TYPE_CHECKING:
    from rich.status import Status

    from intcli.base.env import Environment
    from intcli.core.spec import CapabilitySpec
    from intcli.render.output import ItemList


class _CapabilityGroup(typer.core.TyperGroup):
    """Names a capability that is not there the way intcli names every mistake: one line, with the fix."""

    verb = "fetch"

    def get_command(self, ctx: Any, name: str) -> Any:
        command = super().get_command(ctx, name)
        if command is None and not name.startswith("-"):
            from intcli.core.fetch import explain_missing

            # Not this group's commands: only the capability asked for is registered (the fast path), and in a
            # process that runs several commands (the tests', a client's) that is whichever came first.
            explain_missing(get_env(ctx), self.verb, name, [])
        return command


fetch_app = typer.Typer(cls=_CapabilityGroup, no_args_is_help=True, help="""Fetch the items of a capability: \
issues, files, messages, events... One subcommand per capability (see `intcli registry`).

Output goes to stdout (a table on a terminal, JSON otherwise); notes, warnings and progress go to stderr.
Exits 4 when not connected or when the app may not use the capability, 3 when the service fails after retries.""")
app.add_typer(fetch_app, name="fetch")

COMMON = [
    inspect.Parameter("app_id", inspect.Parameter.KEYWORD_ONLY, annotation=OnBehalfOption, default=None),
    inspect.Parameter("output_format", inspect.Parameter.KEYWORD_ONLY, default=None,
                      annotation=format_option("table", "json", "ndjson", "csv", "markdown")),
    inspect.Parameter("json_output", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=JsonOption),
    inspect.Parameter("jq", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=JqOption),
    inspect.Parameter("fields", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[
        str | None, typer.Option("--fields", help="Comma-separated fields to output, e.g. number,title,url",
                                 metavar="FIELD,...", show_default=False)]),
    inspect.Parameter("limit", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[
        int | None, typer.Option("--limit", "-n", min=1, help="At most this many items [default: all]",
                                 metavar="N", show_default=False)]),
    inspect.Parameter("max_wait", inspect.Parameter.KEYWORD_ONLY, default=60.0, annotation=Annotated[
        float, typer.Option("--max-wait", min=0, max=3600, metavar="SECONDS", help="Longest wait, in all, for "
                            "rate limits to reset before giving up with exit 3")]),
    inspect.Parameter("csv_raw", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
        bool, typer.Option("--csv-raw", help="CSV: write cells exactly as received (by default a cell starting "
                           "with = + - @ gets a leading ' so spreadsheets never run it as a formula)")]),
]


_registered: set[str] = set()


def register(wanted: str | None = None) -> None:
    """Add the subcommand of ``wanted`` (the capability on the command line), or of every fetchable capability."""

    def make(spec: CapabilitySpec) -> Callable[..., None] | None:
        if not spec.fetch:
            return None
        doc = spec.help + ("\n\n" + examples(*spec.examples) if spec.examples else "")
        return capability_command(spec.id, doc, COMMON, spec.options, _run(spec.id))

    register_capability_commands(fetch_app, _registered, wanted, make)


def _run(capability: str) -> Any:
    def body(ctx: typer.Context, common: dict[str, Any], options: dict[str, Any]) -> None:
        run_command(ctx, capability, options, **common)

    return body


def run_command(ctx: typer.Context, capability: str, options: dict[str, Any], *, app_id: str | None,
                output_format: str | None, json_output: bool, jq: str | None, fields: str | None, limit: int | None,
                max_wait: float, csv_raw: bool) -> None:
    from intcli.core.fetch import run_fetch
    from intcli.core.spec import FetchRequest
    from intcli.render.output import TextResult, check_jq, choose_format, parse_fields, write_items

    env = get_env(ctx)
    fmt = choose_format(env, output_format, json_flag=json_output, jq=jq)
    requested = None if output_format is None and not json_output and jq is None else fmt
    check_jq(jq)
    bounded("--fields", fields, 1024)
    from intcli.core.plugins import capability_spec

    spec = capability_spec(capability)
    if spec is not None and spec.fields:
        parse_fields(fields, spec.fields)  # a wrong field name costs no request
    if not math.isfinite(max_wait):
        raise UsageError(f"--max-wait {max_wait} is not a number of seconds", hint="e.g. --max-wait 120")
    request = FetchRequest(capability, app_id, limit, max_wait, options)
    with _progress(env) as on_page:
        request.on_page = on_page
        result = run_fetch(env, request)
    for note in result.notes:
        env.message(f"intcli: {note}")
    if isinstance(result, TextResult):
        if fields:
            raise UsageError("--fields does not apply to a document", hint="drop --fields")
        if requested == Format.JSON:
            print_json(env, {**result.meta, "content": result.text}, jq=jq)
        elif requested == Format.NDJSON:
            print_json(env, {**result.meta, "content": result.text}, indent=None)
        elif requested in (Format.CSV, Format.MARKDOWN):
            raise UsageError("a document is not a table", hint="use --format json or table")
        else:
            text = result.text
            if env.stdout_isatty:  # a document's text may hold escape sequences too; redirected, it stays exact
                from intcli.base.safety import terminal_text

                text = terminal_text(text)
            env.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        return
    chosen = parse_fields(fields, result.fields) or (
        list(result.table_fields) if fmt in (Format.TABLE, Format.MARKDOWN) else list(result.fields))
    if jq is not None:
        document = result.document()
        print_json(env, {**document, result.key: [{name: item.get(name) for name in chosen} for item in result.items]},
                   jq=jq)
        return
    write_items(env, fmt, result.document(), result.key, chosen, title=_title(capability, result),
                csv_raw=csv_raw, layout=result)


def _title(capability: str, result: ItemList) -> str:
    """``github.user_issues: 30 of 224`` — or, when ``total`` only counts what was listed, ``3 files``."""
    shown = len(result.items)
    if result.total > shown:
        return f"{capability}: {shown} of {result.total}"
    return f"{capability}: {shown} {result.key if shown != 1 else result.key.removesuffix('s')}"


class _progress:
    """A transient page counter on stderr when it is a terminal; nothing otherwise."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.status: Status | None = None
        self.pages = 0

    def __enter__(self) -> Callable[[], None] | None:
        if not self.env.stderr_isatty:
            return None
        self.status = self.env.err_console.status("fetching…")
        self.status.start()
        self.env.progress = self.say
        return self.tick

    def tick(self) -> None:
        self.pages += 1
        self.say(f"fetching… {self.pages} page{'s' if self.pages != 1 else ''}")

    def say(self, text: str) -> None:
        """Show ``text`` (a page count, or a retry in progress: a server's reason is data, so made inert)."""
        from rich.text import Text

        from intcli.render.tables import cell_text

        assert self.status is not None  # handed out only once the status is shown
        self.status.update(Text(cell_text(text)))

    def __exit__(self, *exc_info: object) -> None:
        if self.status is not None:
            self.status.stop()
            self.env.progress = None
