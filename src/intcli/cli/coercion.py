"""Option values converted without pydantic.

Typer (0.29) converts every option value with a pydantic ``TypeAdapter`` built on first use: importing pydantic
and building those adapters costs ~150 ms, more than the rest of a fetch's start-up before its first request.
intcli's options are all simple — text, flags, whole or decimal numbers (with min/max), enums, lists of text — so
``install()`` has Typer convert those here, by the same rules, and leaves everything else (paths, files, dates,
custom parsers) to Typer.

The hook uses Typer internals (``typer.core.build_runtime_param``, ``typer._coercion.RuntimeParam``), so
pyproject.toml pins Typer to the tested minor range, and ``tests/test_coercion.py`` fails loudly when the pinned
Typer changes what is hooked. At run time, any failure of the hook falls back to Typer's own conversion: if the
internals are missing, nothing is installed; if building or running a converter fails unexpectedly, Typer's own
parameter converts that value.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any, get_args, get_origin


def install() -> None:
    import typer.core

    original = getattr(typer.core, "build_runtime_param", None)
    try:
        from typer._coercion import RuntimeParam
        from typer._param_types import coerce_cli_choice
    except ImportError:
        return
    if original is None or getattr(original, "intcli", False):
        return

    from dataclasses import dataclass

    from typer._click.exceptions import BadParameter

    @dataclass(frozen=True)
    class SimpleParam(RuntimeParam):
        convert: Callable[[Any], Any]
        typer_param: Callable[[], Any]  # Typer's own parameter for this option, built only if ever needed

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return self.convert(value)
            except ValueError as exc:
                raise BadParameter(str(exc), ctx=ctx, param=param) from None
            except Exception:  # noqa: BLE001 - a converter that fails otherwise leaves the value to Typer
                return self.typer_param()._coerce_value(value, param, ctx)

    def build(descriptor: Any) -> Any:
        try:
            info = descriptor.parameter_info
            convert = None
            if descriptor.file_annotation is None and info.parser is None and not getattr(info, "path_type", None):
                convert = converter(descriptor.annotation, info, coerce_cli_choice)
            if convert is None:
                return original(descriptor)
            fallback = functools.cache(lambda: original(descriptor))
            return SimpleParam(parameter_info=info, annotation=descriptor.annotation, convert=convert,
                               typer_param=fallback)
        except Exception:  # noqa: BLE001 - Typer's internals changed shape: Typer converts as it would
            return original(descriptor)

    build.intcli = True  # type: ignore[attr-defined]
    setattr(typer.core, "build_runtime_param", build)  # noqa: B010 - not a public attribute of Typer


def converter(annotation: Any, info: Any, choose: Callable[..., Any]) -> Callable[[Any], Any] | None:
    """How to convert a command-line value to ``annotation``, or None when intcli leaves it to Typer."""
    if get_origin(annotation) is list:
        (item_type,) = get_args(annotation) or (str,)
        one = converter(item_type, info, choose)
        if one is None:
            return None
        return lambda values: [one(value) for value in (values if isinstance(values, list | tuple) else [values])]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        choices = list(annotation)
        return lambda value: choose(value, choices=choices, case_sensitive=info.case_sensitive)
    if annotation is str:
        return _text
    if annotation is bool:
        return _boolean
    if annotation in (int, float):
        return _number(annotation, info.min, info.max, bool(info.clamp))
    return None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"", "0", "false", "f", "no", "n", "off"}


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(f"{str(value)[:40]!r} is not a valid boolean.")


def _number(kind: type[int] | type[float], low: float | None, high: float | None,
            clamp: bool) -> Callable[[Any], Any]:
    name = "integer" if kind is int else "number"

    def convert(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a valid {name}.")
        try:
            number = kind(value) if not isinstance(value, kind) else value
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{str(value)[:40]!r} is not a valid {name}.") from None
        if kind is int and isinstance(value, float) and value != number:
            raise ValueError(f"{value!r} is not a valid {name}.")
        if number != number:  # NaN passes every comparison below
            raise ValueError(f"{str(value)[:40]!r} is not a number.")
        if low is not None and number < low:
            if clamp:
                return kind(low)
            raise ValueError(f"{number} is smaller than the minimum {low}.")
        if high is not None and number > high:
            if clamp:
                return kind(high)
            raise ValueError(f"{number} is larger than the maximum {high}.")
        return number

    return convert
