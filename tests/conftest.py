"""Shared fixtures: every test gets its own config, state and cache directories and no credential variables."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from intcli.cli import main
from intcli.env import Environment

CREDENTIAL_VARIABLES = ("INTCLI_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS",
                        "GITHUB_API_URL", "INTCLI_DEBUG", "INTCLI_GOOGLE_API_URL")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for kind in ("CONFIG", "STATE", "CACHE"):
        monkeypatch.setenv(f"INTCLI_{kind}_DIR", str(tmp_path / kind.lower()))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.fixture
def config_dir(isolated: Path) -> Path:
    return isolated / "config"


@pytest.fixture
def state_dir(isolated: Path) -> Path:
    return isolated / "state"


@pytest.fixture
def cache_dir(isolated: Path) -> Path:
    return isolated / "cache"


@pytest.fixture
def run():
    """Run intcli in this process, as a script would (no TTY unless asked), and capture everything."""

    def invoke(*args: str, stdin: str = "", tty: bool = False, extra_env: dict[str, str] | None = None) -> Result:
        out, err = io.StringIO(), io.StringIO()
        environ = {**os.environ, **(extra_env or {})}
        env = Environment(environ=environ, stdin=io.StringIO(stdin), stdout=out, stderr=err,
                          stdin_isatty=tty, stdout_isatty=tty, stderr_isatty=tty)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args), env=env)
        return Result(code, out.getvalue(), err.getvalue())

    return invoke


@pytest.fixture
def run_process():
    """Run the installed ``intcli`` entry point in a subprocess (start-up, completion and signal tests)."""

    def invoke(*args: str, extra_env: dict[str, str] | None = None, python_flags: tuple[str, ...] = (),
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
        environ = {**os.environ, **(extra_env or {})}
        return subprocess.run([sys.executable, *python_flags, "-m", "intcli", *args], capture_output=True,
                              text=True, env=environ, timeout=timeout, stdin=subprocess.DEVNULL)

    return invoke


def write_config(config_dir: Path, text: str) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "config.toml"
    path.write_text(text)
    return path
