"""``intcli send CAPABILITY``: one subcommand per capability a provider can write to, with its own options."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from intcli.cli import app
from intcli.cli.common import OnBehalfOption, capability_command, get_env, print_json
from intcli.cli.fetch import _CapabilityGroup


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
]
_registered: set[str] = set()


def register(wanted: str | None = None) -> None:
    from intcli.providers import capability_spec, capability_specs

    specs = capability_specs().values() if wanted is None else filter(None, [capability_spec(wanted)])
    for spec in sorted(specs, key=lambda spec: spec.id):
        if spec.send and (wanted is None or spec.id == wanted) and spec.id not in _registered:
            _registered.add(spec.id)
            send_app.command(spec.id)(capability_command(spec.id, spec.send_help, COMMON, spec.send_options,
                                                         _run(spec.id)))


def _run(capability: str) -> Any:
    def body(ctx: typer.Context, common: dict[str, Any], options: dict[str, Any]) -> None:
        from intcli.providers.base import SendRequest
        from intcli.sending import run_send

        env = get_env(ctx)
        result = run_send(env, SendRequest(capability, common["app_id"], options), common["yes"])
        summary = result.pop("summary", None)
        if env.stdout_isatty:
            env.message(f"{summary or 'Done'}.")
        else:
            print_json(env, result)

    return body
