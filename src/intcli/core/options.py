"""The one check of a capability's option values, whoever supplies them: the command line (``capability_command``),
the Python API (``intcli.client``) or an MCP tool call (``intcli.mcp.server``).

Values arrive as Python objects: typed by Typer on the command line, untyped from a program or a model. Every
problem is a ``UsageError`` (exit 2) naming the option as the caller knows it (``label``: ``--state`` or ``state``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from intcli.base.errors import UsageError

if TYPE_CHECKING:
    from intcli.core.spec import Option


def flag_label(option: Option) -> str:
    return option.flags[0]


def name_label(option: Option) -> str:
    return option.name


def check_option_values(options: tuple[Option, ...], values: Mapping[str, Any],
                        label: Callable[[Option], str] = flag_label) -> dict[str, Any]:
    """``values`` by option name, checked (names, types, choices, lengths) and completed with the defaults; a
    repeatable option always becomes a list (a lone value is a list of one)."""
    known = {option.name: option for option in options}
    unknown = sorted(set(values) - set(known))
    if unknown:
        names = ", ".join(label(option) for option in options) or "none"
        raise UsageError(f"unknown option {', '.join(unknown)}", hint=f"its options: {names}")
    checked: dict[str, Any] = {}
    for option in options:
        value = values.get(option.name)
        if option.multiple:
            value = [] if value is None else [value] if isinstance(value, str) else value
            if not isinstance(value, list | tuple):
                raise UsageError(f"{label(option)} takes a list of values", hint=f"e.g. {_example(option, label)}")
            value = list(value)
            if any(item is None for item in value):
                raise UsageError(f"{label(option)} holds an empty value", hint=f"e.g. {_example(option, label)}")
        elif value is None:
            value = option.default
        for item in value if isinstance(value, list) else [value]:
            _check_one(option, item, label)
        checked[option.name] = value
    return checked


def _check_one(option: Option, item: Any, label: Callable[[Option], str]) -> None:
    if item is None:
        return
    kind = option.type
    wrong = not isinstance(item, kind) or (kind is not bool and isinstance(item, bool))
    if kind is float and isinstance(item, int) and not isinstance(item, bool):
        wrong = False
    if wrong:
        raise UsageError(f"{label(option)} must be {_KIND_NAMES.get(kind, kind.__name__)}, not {type(item).__name__}",
                         hint=f"e.g. {_example(option, label)}")
    if isinstance(item, str) and len(item) > option.max_length:
        raise UsageError(f"{label(option)} is {len(item)} characters long, more than {option.max_length}",
                         hint=f"shorten {label(option)}")
    if option.choices and item not in option.choices:
        raise UsageError(f"{label(option)} {str(item)[:40]!r} is not one of {', '.join(option.choices)}",
                         hint=f"e.g. {label(option)} {option.choices[0]}")


_KIND_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def _example(option: Option, label: Callable[[Option], str]) -> str:
    sample = option.choices[0] if option.choices else (option.metavar or "VALUE")
    return f"{label(option)} {sample}"
