"""Help, version, and the exit status of every kind of failure (the mapping lives in intcli.cli.main)."""

from __future__ import annotations

import pytest
import typer

import intcli.core.status
from intcli import __version__
from intcli.base.errors import ExitStatus, UpstreamError
from intcli.cli import COMMAND_MODULES, load_commands
from intcli.cli.app import app


def _commands(group: typer.Typer, prefix: tuple[str, ...] = ()):
    """(command path, help text) for every command and group."""
    for info in group.registered_commands:
        yield (*prefix, info.name or info.callback.__name__), info.help or info.callback.__doc__
    for sub in group.registered_groups:
        callback = sub.typer_instance.registered_callback
        text = sub.help or sub.typer_instance.info.help or (callback and callback.callback.__doc__)
        yield (*prefix, sub.name), text
        yield from _commands(sub.typer_instance, (*prefix, sub.name))


def test_every_command_has_help_text(run):
    load_commands()
    commands = dict(_commands(app))
    assert {("status",), ("registry",), ("apps",), ("apps", "enable"), ("connect", "github"),
            ("disconnect",)} <= set(commands)
    for path, text in commands.items():
        assert isinstance(text, str) and text.strip(), f"{' '.join(path)} has no help text"
        result = run(*path, "--help")
        assert result.exit_code == 0, result.stderr
        assert text.strip().split()[0] in result.stdout


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"intcli {__version__}"


def test_no_arguments_shows_help(run):
    result = run()
    assert "Usage" in result.stdout and result.exit_code == 0
    fetch = run("fetch")
    assert fetch.exit_code == 0 and "github.user_issues" in fetch.stdout and "jira.user_issues" in fetch.stdout
    assert run("--verbose", "connect").exit_code == 0


def test_unknown_command_is_a_usage_error(run):
    result = run("sttaus")
    assert result.exit_code == ExitStatus.USAGE
    assert "sttaus" in result.stderr


def test_unknown_option_is_a_usage_error(run):
    assert run("status", "--bogus").exit_code == ExitStatus.USAGE


def test_exit_0_ok(run):
    assert run("status").exit_code == ExitStatus.OK


def test_exit_1_unexpected_error_is_one_line_without_traceback(run, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("internal invariant broken")

    monkeypatch.setattr(intcli.core.status, "build_status", boom)
    result = run("status")
    assert result.exit_code == ExitStatus.ERROR
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "RuntimeError" in result.stderr and "--debug" in result.stderr
    assert "internal invariant broken" not in result.stderr  # the message is shown only with --debug


@pytest.mark.parametrize("how", [("--debug",), ()])
def test_debug_shows_traceback(run, monkeypatch, how):
    def boom(*args, **kwargs):
        raise RuntimeError("internal invariant broken")

    monkeypatch.setattr(intcli.core.status, "build_status", boom)
    extra = {} if how else {"INTCLI_DEBUG": "1"}
    result = run(*how, "status", extra_env=extra)
    assert result.exit_code == ExitStatus.ERROR
    assert "Traceback" in result.stderr


def test_exit_2_unknown_app_suggests(run):
    result = run("status", "--app", "github-timelin")
    assert result.exit_code == ExitStatus.USAGE
    assert "did you mean 'github-timeline'" in result.stderr
    assert "Traceback" not in result.stderr


def test_exit_3_upstream_error(run, monkeypatch):
    def unreachable(*args, **kwargs):
        raise UpstreamError("api.example.test did not answer after 3 attempts", hint="retry later")

    monkeypatch.setattr(intcli.core.status, "build_status", unreachable)
    result = run("status")
    assert result.exit_code == ExitStatus.UPSTREAM
    assert result.stderr == "intcli: error: api.example.test did not answer after 3 attempts — retry later\n"


def test_exit_4_check_fails_without_connections(run):
    result = run("status", "--check")
    assert result.exit_code == ExitStatus.AUTH
    assert "check failed" in result.stderr


def test_exit_5_corrupt_config(run, config_dir):
    (config_dir).mkdir(parents=True)
    (config_dir / "config.toml").write_text("[apps\n")
    result = run("status")
    assert result.exit_code == ExitStatus.CONFIG
    assert "invalid TOML" in result.stderr


def test_exit_130_interrupted(run, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(intcli.core.status, "build_status", interrupted)
    result = run("status")
    assert result.exit_code == ExitStatus.INTERRUPTED
    assert "interrupted" in result.stderr


def test_every_command_is_listed_for_lazy_loading():
    load_commands()
    names = {info.name or info.callback.__name__ for info in app.registered_commands}
    names |= {group.name for group in app.registered_groups}
    assert names == set(COMMAND_MODULES)


def test_only_the_invoked_command_module_is_imported():
    import subprocess
    import sys

    script = ("import sys; from intcli.cli import main; main(['status', '--json']); "
              "print(sorted(m for m in sys.modules if m.startswith('intcli.cli.')), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    expected = ["intcli.cli.app", "intcli.cli.coercion", "intcli.cli.common", "intcli.cli.status"]
    assert result.stderr.strip() == str(expected)


@pytest.mark.parametrize("stdout", ["full disk", "closed"])
def test_output_that_cannot_be_written_is_one_line_and_exit_1(stdout):
    import os
    import subprocess
    import sys

    redirect = "> /dev/full" if stdout == "full disk" else ">&-"
    for unbuffered in ("", "1"):
        result = subprocess.run(["sh", "-c", f"{sys.executable} -m intcli registry --json {redirect}"],
                                capture_output=True, text=True, timeout=60,
                                env={**os.environ, "PYTHONUNBUFFERED": unbuffered})
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith("intcli: error: could not write the output") and \
            result.stderr.count("\n") == 1, result.stderr


def test_an_argument_that_is_not_utf8_is_a_usage_error(run):
    result = run("fetch", "github.issues", "-R", "acme/api", "--label", "caf\udce9")  # b"caf\xe9" in Latin-1
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "is not valid UTF-8 text" in result.stderr and "Traceback" not in result.stderr
