"""``intcli registry``: the providers and capabilities intcli knows (built in and from your config)."""

from __future__ import annotations

import typer

from intcli.cli import app
from intcli.cli.common import JsonOption, get_env, print_json, titled_table


@app.command("registry")
def registry_command(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List providers and capabilities, including capabilities that apps provide."""
    from intcli.safety import safe_markup

    def multi_line(value: str) -> str:
        return safe_markup(value, one_line=False)

    from intcli.registry import load_registry, registry_document

    env = get_env(ctx)
    registry = load_registry(env)
    document = registry_document(registry)
    if json_output:
        print_json(env, document)
        return
    providers = titled_table("Providers", ("Provider", "Name", "Auth", "Status", "Version", "Scopes", "Source"))
    for item in document["providers"]:
        providers.add_row(*map(multi_line, (item["id"], item["name"], ", ".join(item["auth"]), item["status"],
                                        item["version"], "\n".join(item["scopes"]) or "-", item["source"])))
    capabilities = titled_table("Capabilities", ("Capability", "Provider", "Name", "Operations", "Data types",
                                                 "Source"))
    for item in document["capabilities"]:
        owner = item["provider"] or f"app {item['providedBy']}"
        capabilities.add_row(*map(multi_line, (item["id"], owner, item["name"], ", ".join(item["operations"]) or "-",
                                           ", ".join(item["dataTypes"]) or "-", item["source"])))
    env.console.print(providers)
    env.console.print()
    env.console.print(capabilities)
