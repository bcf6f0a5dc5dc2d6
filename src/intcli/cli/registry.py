"""``intcli registry``: the providers and capabilities intcli knows (built in, from plugins and from your config)."""

from __future__ import annotations

import typer

from intcli.cli.app import app
from intcli.cli.common import JqOption, JsonOption, examples, format_option, get_env, print_json


@app.command("registry", epilog=examples(
    "intcli registry",
    "intcli registry --jq '.capabilities[] | select(.operations | index(\"write\")) | .id'"))
def registry_command(
    ctx: typer.Context,
    output_format: format_option("table", "json") = None,  # type: ignore[valid-type]
    json_output: JsonOption = False,
    jq: JqOption = None,
) -> None:
    """List providers and capabilities, including capabilities that apps provide."""
    from intcli.config.registry import registry_document
    from intcli.core.plugins import load_registry
    from intcli.render.output import Format, check_jq, choose_format
    from intcli.render.tables import Column, render

    env = get_env(ctx)
    fmt = choose_format(env, output_format, json_flag=json_output, jq=jq, allowed=(Format.TABLE, Format.JSON))
    check_jq(jq)
    document = registry_document(load_registry(env))
    if fmt == Format.JSON:
        print_json(env, document, jq=jq)
        return
    render(env.console, [Column("Provider"), Column("Auth"), Column("Status"), Column("Version", drop=2),
                         Column("Source", drop=1), Column("Name", text=True), Column("Scopes", text=True, drop=3)],
           [[item["id"], item["auth"], item["status"], item["version"] or "-", item["source"], item["name"],
             item["scopes"] or "-"] for item in document["providers"]], title="Providers")
    env.console.print()
    render(env.console, [Column("Capability"), Column("From"), Column("Operations", drop=3),
                         Column("Data types", drop=2), Column("Source", drop=1), Column("Name", text=True)],
           [[item["id"], item["provider"] or item["providedBy"], item["operations"] or "-",
             item["dataTypes"] or "-", item["source"], item["name"]] for item in document["capabilities"]],
           title="Capabilities")
