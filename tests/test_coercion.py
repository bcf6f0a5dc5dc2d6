"""The option-conversion hook (``intcli.cli.coercion``) against the pinned Typer: the internals it hooks exist, it
converts exactly as Typer does, and it falls back to Typer's own conversion when a converter fails."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# A small app with every kind of option intcli's commands have; it prints what Typer handed the command.
APP = textwrap.dedent("""
    import enum, json, sys
    from typing import Annotated, Optional
    import typer
    from typer.testing import CliRunner
    if sys.argv[1] == "hooked":
        from intcli.cli import coercion
        coercion.install()
        assert getattr(typer.core.build_runtime_param, "intcli", False), "the hook was not installed"

    class Shape(str, enum.Enum):
        round = "round"
        square = "square"

    app = typer.Typer()

    @app.command()
    def main(
        text: Annotated[Optional[str], typer.Option()] = None,
        count: Annotated[Optional[int], typer.Option(min=1, max=10)] = None,
        clamped: Annotated[Optional[int], typer.Option(min=1, max=10, clamp=True)] = None,
        ratio: Annotated[Optional[float], typer.Option(min=0)] = None,
        flag: Annotated[bool, typer.Option()] = False,
        shape: Annotated[Optional[Shape], typer.Option()] = None,
        tags: Annotated[Optional[list[str]], typer.Option("--tag")] = None,
    ) -> None:
        print(json.dumps({"text": text, "count": count, "clamped": clamped, "ratio": ratio, "flag": flag,
                          "shape": shape.value if shape else None, "tags": tags}))

    results = []
    for line in json.loads(sys.argv[2]):
        outcome = CliRunner().invoke(app, line)
        results.append([outcome.exit_code, outcome.output.strip().splitlines()[-1:] if outcome.exit_code == 0
                        else outcome.exit_code])
    print(json.dumps(results))
""")

LINES = [
    ["--text", "héllo", "--count", "7", "--ratio", "2.5", "--flag", "--shape", "square", "--tag", "a", "--tag", "b"],
    ["--clamped", "99"], ["--clamped", "-4"], ["--count", "0"], ["--count", "11"], ["--count", "1.5"],
    ["--count", "x"], ["--ratio", "-1"], ["--ratio", "nan"], ["--shape", "oval"], ["--text", ""], [],
]


def _converted(mode: str) -> list[object]:
    result = subprocess.run([sys.executable, "-c", APP, mode, json.dumps(LINES)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout.splitlines()[-1]))


def test_the_pinned_typer_still_has_what_the_hook_replaces():
    """If this fails, Typer changed the internals ``intcli.cli.coercion`` hooks: update the hook (or drop it) and
    the pin in pyproject.toml together."""
    import typer.core
    from typer._coercion import RuntimeParam
    from typer._param_types import coerce_cli_choice

    assert callable(getattr(typer.core, "build_runtime_param", None))
    assert callable(getattr(RuntimeParam, "_coerce_value", None))
    assert callable(coerce_cli_choice)
    assert {"parameter_info", "annotation"} <= set(RuntimeParam.__dataclass_fields__)


def test_the_hook_converts_every_value_as_typer_does():
    hooked, plain = _converted("hooked"), _converted("plain")
    assert hooked == plain
    assert hooked[0][0] == 0 and json.loads(hooked[0][1][0])["tags"] == ["a", "b"]  # the line was really parsed


def test_a_converter_that_fails_unexpectedly_leaves_the_value_to_typer(monkeypatch):
    import typer
    from typer.testing import CliRunner

    from intcli.cli import coercion

    calls = []

    def broken(*args: object) -> object:
        def convert(value: object) -> object:
            calls.append(value)
            raise RuntimeError("a converter bug")

        return convert

    monkeypatch.setattr(coercion, "converter", broken)
    import typer.core

    monkeypatch.setattr(typer.core, "build_runtime_param", typer.core.build_runtime_param)  # restored afterwards
    coercion.install()
    app = typer.Typer()

    @app.command()
    def main(count: int = typer.Option(1)) -> None:
        print(count * 2)

    result = CliRunner().invoke(app, ["--count", "21"])
    assert (result.exit_code, result.output.strip()) == (0, "42")
    assert calls == ["21"]  # the hook ran, failed, and Typer converted the value


@pytest.mark.parametrize("annotation", [dict, bytes])
def test_types_the_hook_does_not_know_are_left_to_typer(annotation):
    from typer._param_types import coerce_cli_choice

    from intcli.cli.coercion import converter

    class Info:
        min = max = None
        clamp = case_sensitive = False

    assert converter(annotation, Info, coerce_cli_choice) is None
