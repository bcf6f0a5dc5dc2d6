"""The environment a command runs in: streams, TTY flags, variables, directories, the clock and the HTTP transport.

Commands receive one ``Environment`` instead of reaching for ``sys``/``os`` themselves, so tests can swap any
part of it (httpie's model). Rich consoles are built lazily, on first use, from these streams.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import httpx
    from rich.console import Console

TRUTHY = {"1", "true", "yes", "on"}
DIRECTORY_VARIABLES = {"config": "INTCLI_CONFIG_DIR", "state": "INTCLI_STATE_DIR", "cache": "INTCLI_CACHE_DIR"}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class Environment:
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool | None = None
    stdout_isatty: bool | None = None
    stderr_isatty: bool | None = None
    clock: Callable[[], datetime] = _utcnow
    debug: bool = False
    verbose: bool = False
    retries: bool = True  # False: one attempt per request (a quick online check, not a fetch)
    # A terminal's progress line (set by a command while it shows one): retries report themselves there.
    progress: Callable[[str], None] | None = None
    # Objects shared by everything one command run does (e.g. the Google session, refreshed once per process).
    shared: dict[str, object] = field(default_factory=dict)
    # What every HTTP client sends its requests through, instead of the network (tests: ``httpx.MockTransport``).
    http_transport: httpx.BaseTransport | None = None

    def __post_init__(self) -> None:
        if self.stdin_isatty is None:
            self.stdin_isatty = _isatty(self.stdin)
        if self.stdout_isatty is None:
            self.stdout_isatty = _isatty(self.stdout)
        if self.stderr_isatty is None:
            self.stderr_isatty = _isatty(self.stderr)
        if self.environ.get("INTCLI_DEBUG", "").strip().lower() in TRUTHY:
            self.debug = True

    # -- directories -------------------------------------------------------------------------------------------
    def location(self, kind: str) -> Path:
        """The ``config``, ``state`` or ``cache`` directory: its variable (``DIRECTORY_VARIABLES``), else the
        platform's default; nothing is created or checked."""
        override = self.environ.get(DIRECTORY_VARIABLES[kind])
        if override:
            return Path(override).expanduser()
        import platformdirs

        default = {"config": platformdirs.user_config_dir, "state": platformdirs.user_state_dir,
                   "cache": platformdirs.user_cache_dir}[kind]
        return Path(default("intcli", appauthor=False))

    @cached_property
    def config_dir(self) -> Path:
        return self.location("config")

    @cached_property
    def state_dir(self) -> Path:
        """Connection state and the insecure-storage secrets file: refused when others can write to it."""
        from intcli.base.files import check_private_dir

        return check_private_dir(self.location("state"), "state directory", DIRECTORY_VARIABLES["state"])

    @cached_property
    def cache_dir(self) -> Path:
        """Caches intcli trusts (validated config digests, HTTP answers, sync copies): refused when others can
        write to it."""
        from intcli.base.files import check_private_dir

        return check_private_dir(self.location("cache"), "cache directory", DIRECTORY_VARIABLES["cache"])

    # -- output ------------------------------------------------------------------------------------------------
    @cached_property
    def console(self) -> Console:
        """Rich console for data on stdout."""
        from rich.console import Console

        return Console(file=self.stdout, force_terminal=self.stdout_isatty or None, highlight=False, emoji=False,
                       width=self.columns)

    @cached_property
    def err_console(self) -> Console:
        """Rich console for messages on stderr."""
        from rich.console import Console

        return Console(file=self.stderr, force_terminal=self.stderr_isatty or None, highlight=False, emoji=False,
                       width=self.columns)

    @property
    def columns(self) -> int | None:
        """``COLUMNS`` when set (a pipe or a test says how wide the table may be), else the terminal's width."""
        value = self.environ.get("COLUMNS", "").strip()
        return int(value) if value.isdigit() and 0 < int(value) < 10_000 else None

    def message(self, text: str, one_line: bool = False) -> None:
        """A plain message for the user, on stderr (never data); one write, so threads do not interleave.

        Messages quote data (names, titles, servers' errors), so each goes through the sanitising rule and
        the secrets filter of ``intcli.base.safety``."""
        from intcli.base.safety import hide_secrets, terminal_text

        self.stderr.write(terminal_text(hide_secrets(text), one_line=one_line) + "\n")
        self.stderr.flush()

    def warn(self, text: str) -> None:
        self.message(f"intcli: warning: {text}")

    def now(self) -> datetime:
        return self.clock()

    def seconds(self, variable: str, default: float) -> float:
        """A positive, finite number of seconds from an environment variable, or a config error naming it."""
        import math

        text = self.environ.get(variable, "").strip()
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            from intcli.base.errors import ConfigError

            raise ConfigError(f"{variable}={text!r} is not a positive number of seconds", hint=f"e.g. {variable}=30")
        return value
