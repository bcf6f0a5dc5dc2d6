"""The Typer app every command module adds its commands to, and the global options."""

from __future__ import annotations

from typing import Annotated

import typer

from intcli.base.env import Environment
from intcli.base.version import __version__

app = typer.Typer(
    name="intcli",
    help="Connect work accounts (GitHub, Google Workspace, Jira Cloud, and providers from plugins) and query the "
    "capabilities they give.\n\n"
    "Data goes to stdout, messages to stderr. Exit codes: 0 ok, 1 unexpected error, 2 usage error, "
    "3 upstream/network error, 4 auth (not connected, expired, access not granted), 5 config/state/vault "
    "problem, 130 interrupted.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help (gh-like): no boxes, no Python types as metavars
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
)


def _version(value: bool) -> None:
    if value:
        print(f"intcli {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors (or set INTCLI_DEBUG=1).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say more on stderr (retries, cache use).")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    env: Environment = ctx.ensure_object(Environment)
    env.debug = env.debug or debug
    env.verbose = env.verbose or verbose
