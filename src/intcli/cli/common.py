"""Options, completion callbacks and small output helpers shared by the command modules."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from intcli.base.env import Environment

if TYPE_CHECKING:
    from intcli.core.spec import CapabilitySpec, Option

if TYPE_CHECKING:

    from intcli.config.registry import Registry


def get_env(ctx: typer.Context) -> Environment:
    return ctx.ensure_object(Environment)


def bounded(option: str, values: str | list[str] | None, limit: int) -> None:
    """Option values have sane lengths: a usage error (exit 2) names the option instead of sending a megabyte."""
    from intcli.base.errors import UsageError

    for value in [values] if isinstance(values, str) else values or []:
        if len(value) > limit:
            raise UsageError(f"{option} is {len(value)} characters long, more than {limit}", hint=f"shorten {option}")


def complete_apps(incomplete: str) -> list[tuple[str, str]]:
    registry = _registry_for_completion()
    return [(k, a.name) for k, a in sorted(registry.apps.items()) if k.startswith(incomplete)] if registry else []


def complete_capabilities(incomplete: str) -> list[tuple[str, str]]:
    registry = _registry_for_completion()
    if registry is None:
        return []
    names = {k: c.name for k, c in registry.capabilities.items()}
    names.update({k: f"provided by app {a}" for k, a in registry.provided_by.items()})
    return [(k, v) for k, v in sorted(names.items()) if k.startswith(incomplete)]


def _registry_for_completion() -> Registry | None:  # None when the config is broken
    from intcli.base.errors import IntcliError
    from intcli.core.plugins import load_registry

    try:
        return load_registry(Environment())
    except IntcliError:
        return None


AppOption = Annotated[
    str | None,
    typer.Option("--app", "-a", help="Only this app.", autocompletion=complete_apps, show_default=False,
                 metavar="APP"),
]
OnBehalfOption = Annotated[
    str | None,
    typer.Option("--app", "-a", help="Make the request on behalf of this app: it must be enabled and declare the "
                 "capability.", autocompletion=complete_apps, show_default=False, metavar="APP"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="The same as --format json.")]
JqOption = Annotated[str | None, typer.Option(
    "--jq", metavar="EXPR", show_default=False,
    help="Filter the JSON output with a jq expression and print each result (strings as plain text).")]


def examples(*lines: str) -> str:
    """An EXAMPLES section for a command's help, kept exactly as written (Click's ``\\b`` marker)."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


def format_option(*formats: str) -> Any:
    """The ``--format`` option of a command that can write ``formats`` (the first is the terminal's view)."""
    return Annotated[str | None, typer.Option(
        "--format", "-f", metavar="FORMAT", show_default=False, autocompletion=lambda: list(formats),
        help=f"One of {', '.join(formats)} [default: {formats[0]} on a terminal, json otherwise].")]


def print_json(env: Environment, document: Any, indent: int | None = 2, jq: str | None = None) -> None:
    from intcli.render.output import write_json

    if jq is not None:
        _hide_credential_variables(env)
    write_json(env, document, jq, indent)


def _hide_credential_variables(env: Environment) -> None:
    """jq can read the environment (``$ENV``, ``env``): no credential variable's value may come out of it."""
    from intcli.base.errors import IntcliError
    from intcli.core.plugins import load_registry
    from intcli.storage.credentials import remember_environment_credentials

    try:
        registry = load_registry(env)
    except IntcliError:  # the registry was read before the output was made; nothing new can fail here
        return
    remember_environment_credentials(env, registry)


def register_capability_commands(group: typer.Typer, registered: set[str], wanted: str | None,
                                 make: Callable[[CapabilitySpec], Callable[..., None] | None]) -> None:
    """Add to ``group`` the subcommand of ``wanted`` (the capability on the command line), or of every capability
    ``make`` builds a command for (it returns None for those the group does not serve); each one once."""
    from intcli.core.plugins import capability_spec, capability_specs

    specs = capability_specs().values() if wanted is None else filter(None, [capability_spec(wanted)])
    for spec in sorted(specs, key=lambda spec: spec.id):
        command = make(spec) if spec.id not in registered else None
        if command is not None:
            registered.add(spec.id)
            group.command(spec.id)(command)


def capability_command(name: str, doc: str, common: list[inspect.Parameter], options: tuple[Option, ...],
                       body: Callable[[typer.Context, dict[str, Any], dict[str, Any]], None]) -> Callable[..., None]:
    """A Typer command for one capability, its options built from the provider's ``Option`` specs (so no option
    that means nothing for the capability is offered or accepted). ``body(ctx, common_values, option_values)``
    runs it; option values are checked first (``intcli.core.options``, as for the Python API and MCP)."""
    parameters = [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context), *common]
    parameters += [inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(option),
                                     default=_default(option)) for option in options]

    def command(**values: Any) -> None:
        from intcli.core.options import check_option_values

        ctx = values.pop("ctx")
        shared = {parameter.name: values.pop(parameter.name) for parameter in common}
        body(ctx, shared, check_option_values(options, values))

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    command.__doc__ = doc
    command.__name__ = name.replace(".", "_")
    return command


def _default(option: Option) -> Any:
    if option.required:
        return inspect.Parameter.empty
    return None if option.multiple else option.default


def _annotation(option: Option) -> Any:
    if option.type is bool:
        return Annotated[bool, typer.Option(*option.flags, help=option.help)]
    kind: Any = list[option.type] if option.multiple else option.type  # type: ignore[name-defined]
    if option.required:
        return Annotated[kind, typer.Option(*option.flags, help=option.help, metavar=option.metavar,
                                            show_default=False)]
    return Annotated[kind | None, typer.Option(*option.flags, help=option.help, metavar=option.metavar,
                                               show_default=False)]
