"""The environment a command runs in: streams, TTY flags, variables, directories and the clock.

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
    from rich.console import Console

TRUTHY = {"1", "true", "yes", "on"}


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
    # Objects shared by everything one command run does (e.g. the Google session, refreshed once per process).
    shared: dict[str, object] = field(default_factory=dict)

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
    def _dir(self, variable: str, platform_default: Callable[[], str]) -> Path:
        override = self.environ.get(variable)
        return Path(override).expanduser() if override else Path(platform_default())

    @cached_property
    def config_dir(self) -> Path:
        import platformdirs

        return self._dir("INTCLI_CONFIG_DIR", lambda: platformdirs.user_config_dir("intcli", appauthor=False))

    @cached_property
    def state_dir(self) -> Path:
        """Connection state and the insecure-storage secrets file: refused when others can write to it."""
        import platformdirs

        from intcli.fsutil import check_private_dir

        path = self._dir("INTCLI_STATE_DIR", lambda: platformdirs.user_state_dir("intcli", appauthor=False))
        return check_private_dir(path, "state directory", "INTCLI_STATE_DIR")

    @cached_property
    def cache_dir(self) -> Path:
        """Caches intcli trusts (validated config digests, HTTP answers, sync copies): refused when others can
        write to it."""
        import platformdirs

        from intcli.fsutil import check_private_dir

        path = self._dir("INTCLI_CACHE_DIR", lambda: platformdirs.user_cache_dir("intcli", appauthor=False))
        return check_private_dir(path, "cache directory", "INTCLI_CACHE_DIR")

    # -- output ------------------------------------------------------------------------------------------------
    @cached_property
    def console(self) -> Console:
        """Rich console for data on stdout."""
        from rich.console import Console

        return Console(file=self.stdout, force_terminal=self.stdout_isatty or None, highlight=False, emoji=False)

    @cached_property
    def err_console(self) -> Console:
        """Rich console for messages on stderr."""
        from rich.console import Console

        return Console(file=self.stderr, force_terminal=self.stderr_isatty or None, highlight=False, emoji=False)

    def message(self, text: str, one_line: bool = False) -> None:
        """A plain message for the user, on stderr (never data); one write, so threads do not interleave.

        Messages quote data (names, titles, servers' errors), so each goes through the sanitising rule and
        the secrets filter of ``intcli.safety``."""
        from intcli.safety import hide_secrets, terminal_text

        self.stderr.write(terminal_text(hide_secrets(text), one_line=one_line) + "\n")
        self.stderr.flush()

    def warn(self, text: str) -> None:
        self.message(f"intcli: warning: {text}")

    def now(self) -> datetime:
        return self.clock()
