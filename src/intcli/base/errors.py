"""Exit statuses and the exceptions that carry them.

Every failure a user can cause or meet is an ``IntcliError`` subclass; ``intcli.cli.main`` is the one place
that turns them (and interrupts, and bugs) into a one-line message and an exit status.
Messages must never contain a secret: build them from names, paths and ids only.
"""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    UPSTREAM = 3
    AUTH = 4
    CONFIG = 5
    INTERRUPTED = 130


class IntcliError(Exception):
    """A failure with a message for the user and, where there is one, the fix."""

    exit_status = ExitStatus.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class UsageError(IntcliError):
    """Bad command-line input: unknown names, conflicting options."""

    exit_status = ExitStatus.USAGE


class UpstreamError(IntcliError):
    """The remote service or the network failed, after retries."""

    exit_status = ExitStatus.UPSTREAM


class AuthError(IntcliError):
    """Not connected, expired, revoked, or access not granted to the requesting app."""

    exit_status = ExitStatus.AUTH


class ConfigError(IntcliError):
    """A config, state, cache or vault problem, including a corrupt file."""

    exit_status = ExitStatus.CONFIG
