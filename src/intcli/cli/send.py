"""``intcli send CAPABILITY``: one subcommand per capability a provider can write to, with its own options."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from intcli.cli.app import app
from intcli.cli.common import (
    JqOption,
    JsonOption,
    OnBehalfOption,
    capability_command,
    examples,
    format_option,
    get_env,
    print_json,
    register_capability_commands,
)
from intcli.cli.fetch import _CapabilityGroup

if TYPE_CHECKING:
    from intcli.core.spec import CapabilitySpec


class _SendGroup(_CapabilityGroup):
    verb = "send"


send_app = typer.Typer(cls=_SendGroup, no_args_is_help=True, help="""Write through a capability (send mail, \
create a draft...). One subcommand per capability whose operations include write.

Without a terminal, sending needs --yes, so a script never sends by accident; drafts need no confirmation.""")
app.add_typer(send_app, name="send")

COMMON = [
    inspect.Parameter("app_id", inspect.Parameter.KEYWORD_ONLY, annotation=OnBehalfOption, default=None),
    inspect.Parameter("yes", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
        bool, typer.Option("--yes", "-y", help="Send without asking (required without a terminal)")]),
    inspect.Parameter("output_format", inspect.Parameter.KEYWORD_ONLY, default=None,
                      annotation=format_option("table", "json")),
    inspect.Parameter("json_output", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=JsonOption),
    inspect.Parameter("jq", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=JqOption),
]
_registered: set[str] = set()


def register(wanted: str | None = None) -> None:
    def make(spec: CapabilitySpec) -> Callable[..., None] | None:
        if not spec.send:
            return None
        doc = spec.send_help + ("\n\n" + examples(*spec.send_examples) if spec.send_examples else "")
        return capability_command(spec.id, doc, COMMON, spec.send_options, _run(spec.id))

    register_capability_commands(send_app, _registered, wanted, make)


def _run(capability: str) -> Any:
    def body(ctx: typer.Context, common: dict[str, Any], options: dict[str, Any]) -> None:
        from intcli.core.sending import run_send
        from intcli.core.spec import SendRequest
        from intcli.render.output import Format, check_jq, choose_format

        env = get_env(ctx)
        fmt = choose_format(env, common["output_format"], json_flag=common["json_output"], jq=common["jq"],
                            allowed=(Format.TABLE, Format.JSON))
        check_jq(common["jq"])
        result = run_send(env, SendRequest(capability, common["app_id"], options), common["yes"])
        summary = result.pop("summary", None)
        if fmt == Format.TABLE:  # one line for a person: what was done (the JSON has the ids)
            env.message(f"{summary or 'Done'}.")
        else:
            print_json(env, result, jq=common["jq"])

    return body
