"""``intcli config path``: where intcli keeps its configuration, its state and its caches."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from intcli.cli.app import app
from intcli.cli.common import JqOption, JsonOption, examples, format_option, get_env, print_json

if TYPE_CHECKING:
    from intcli.base.env import Environment

config_app = typer.Typer(help="Where intcli keeps its files.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("path", epilog=examples("intcli config path", "intcli config path --jq .config"))
def path(
    ctx: typer.Context,
    output_format: format_option("table", "json") = None,  # type: ignore[valid-type]
    json_output: JsonOption = False,
    jq: JqOption = None,
) -> None:
    """Show the config file, the state directory and the cache directory, and the variables that move them."""
    from intcli.render.output import Format, check_jq, choose_format
    from intcli.render.tables import Column, render

    env = get_env(ctx)
    fmt = choose_format(env, output_format, json_flag=json_output, jq=jq, allowed=(Format.TABLE, Format.JSON))
    check_jq(jq)
    document = locations(env)
    if fmt == Format.JSON:
        print_json(env, {key: value["path"] for key, value in document.items()}, jq=jq)
        return
    render(env.console, [Column("What"), Column("Path"), Column("Set by", drop=1)],
           [[key, value["path"], value["variable"]] for key, value in document.items()])


def locations(env: Environment) -> dict[str, dict[str, str]]:
    """Paths only: nothing is created or checked (so this works even when a directory is refused)."""
    from intcli.base.env import DIRECTORY_VARIABLES
    from intcli.config.registry import CONFIG_FILE_NAME

    paths = {kind: env.location(kind) for kind in DIRECTORY_VARIABLES}
    paths["config"] = paths["config"] / CONFIG_FILE_NAME
    return {kind: {"path": str(path), "variable": DIRECTORY_VARIABLES[kind]} for kind, path in paths.items()}
