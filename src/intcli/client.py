"""The Python API: ``IntegrationClient``, the original design's client, for programs that act on behalf of an app.

It runs the very functions the command line runs (``run_fetch``, ``run_send``, ``build_status``,
``build_summary``, the option check of ``intcli.core.options``), so the app access rule, fallbacks, retries, caching and
credential sources are the CLI's. It never prints: each call gets its own ``Environment`` whose streams are
buffers; warnings and notes end up in ``IntegrationClient.messages``. Failures are the ``IntcliError`` family
(``exit_status``, ``message``, ``hint``). A fresh environment per call, with the variables read at call time,
makes it safe to share one client between threads.

Result types are plain frozen dataclasses; their ``document()`` is the JSON the matching command prints.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intcli.base.errors import UsageError

if TYPE_CHECKING:
    from intcli.base.env import Environment
    from intcli.core.status import Availability, StatusReport
    from intcli.core.summary import Summary

MAX_MESSAGES = 200


@dataclass(frozen=True)
class Items:
    """A fetched list: the same items and total as ``intcli fetch CAPABILITY --format json``."""

    capability: str
    key: str  # the list's name in the JSON document: "issues", "files", "messages", ...
    items: list[dict[str, Any]]
    total: int  # the service's count, which may exceed len(items) (limits, the search cap)
    truncated: bool = False
    fields: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.items)

    def document(self) -> dict[str, Any]:
        return {self.key: self.items, "total": self.total, "truncated": self.truncated}


@dataclass(frozen=True)
class Document:
    """One document's text (a capability that can return a file's content) and what it is."""

    capability: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def document(self) -> dict[str, Any]:
        return {**self.meta, "content": self.text}


@dataclass(frozen=True)
class SendResult:
    capability: str
    draft: bool
    summary: str  # e.g. "Draft r-123 created"
    details: dict[str, Any]  # the JSON `intcli send` prints

    def document(self) -> dict[str, Any]:
        return dict(self.details)


@dataclass(frozen=True)
class CapabilityInfo:
    """One capability the app declares: what it is for, what can be done with it, and whether it can now."""

    capability: str
    required: bool
    purpose: str
    fallback: str  # disable, limited or error
    can_fetch: bool
    can_send: bool
    availability: Availability

    @property
    def available(self) -> bool:
        return self.availability.available


class IntegrationClient:
    """Use the connected accounts on behalf of ``app`` (an app id from ``intcli apps``).

    ``environ`` replaces the process environment (credential variables, ``INTCLI_*_DIR``, ...); by default
    ``os.environ`` is read at each call. ``max_wait`` is the longest wait, in all, for rate limits per call.
    """

    def __init__(self, app: str, *, environ: Mapping[str, str] | None = None, max_wait: float = 60.0) -> None:
        if not isinstance(max_wait, int | float) or not math.isfinite(max_wait) or not 0 <= max_wait <= 3600:
            raise UsageError(f"max_wait {max_wait!r} is not a number of seconds from 0 to 3600",
                             hint="e.g. max_wait=120")
        self.app = app
        self.max_wait = float(max_wait)
        self._environ = None if environ is None else dict(environ)
        self._messages: list[str] = []
        self._lock = threading.Lock()
        from intcli.core.plugins import load_registry

        with self._environment() as env:
            load_registry(env).app(app)  # unknown → UsageError with suggestions

    # -- reading -----------------------------------------------------------------------------------------------
    def get_data(self, capability: str, *, limit: int | None = None, **options: Any) -> Items:
        """Fetch ``capability``'s items with its options by name (the options ``intcli fetch CAPABILITY --help``
        lists, without dashes; a repeatable one takes a list) and at most ``limit`` items (default: all)."""
        result = self.fetch(capability, limit=limit, **options)
        if isinstance(result, Document):
            raise UsageError(f"{capability} with these options gives one document's text, not items",
                             hint="use get_document() for it")
        return result

    def get_document(self, capability: str, **options: Any) -> Document:
        """One document's text, e.g. ``get_document("google.drive", content=FILE_ID)``."""
        result = self.fetch(capability, **options)
        if isinstance(result, Items):
            raise UsageError(f"{capability} with these options lists items, not a document",
                             hint="use get_data() for items, or pass the option that names one document")
        return result

    def fetch(self, capability: str, *, limit: int | None = None, **options: Any) -> Items | Document:
        """``get_data`` or ``get_document``, whichever the options ask for (e.g. for a generic caller)."""
        from intcli.core.fetch import run_fetch
        from intcli.core.options import check_option_values, name_label
        from intcli.core.plugins import capability_spec
        from intcli.core.spec import FetchRequest
        from intcli.render.output import TextResult

        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
            raise UsageError(f"limit {limit!r} is not a whole number of at least 1", hint="e.g. limit=10")
        spec = capability_spec(capability)
        # Without a fetch handler there are no options to check: run_fetch explains what is missing.
        values = check_option_values(spec.options, options, name_label) if spec and spec.fetch else {}
        with self._environment() as env:
            result = run_fetch(env, FetchRequest(capability, self.app, limit, self.max_wait, values))
        notes = tuple(result.notes)
        if isinstance(result, TextResult):
            return Document(capability, result.text, dict(result.meta), notes)
        return Items(capability, result.key, result.items, result.total, result.truncated, tuple(result.fields),
                     notes)

    def availability(self, capability: str) -> Availability:
        """Whether this app may use ``capability`` now, and if not why (``reason``, ``detail``) and the ``fix``."""
        from intcli.core.status import current_resolver

        with self._environment() as env:
            return current_resolver(env).for_app(self.app, capability)

    def is_capability_available(self, capability: str) -> bool:
        return self.availability(capability).available

    def capabilities(self) -> list[CapabilityInfo]:
        """Every capability the app declares (required first, as in the registry), each with its availability."""
        from intcli.core.plugins import capability_spec
        from intcli.core.status import current_resolver

        with self._environment() as env:
            resolver = current_resolver(env)
            found = []
            for requirement in resolver.registry.requirements(self.app):
                spec = capability_spec(requirement.capability)
                found.append(CapabilityInfo(
                    requirement.capability, requirement.required, requirement.purpose, str(requirement.fallback),
                    bool(spec and spec.fetch), bool(spec and spec.send),
                    resolver.for_app(self.app, requirement.capability)))
            return found

    def status(self) -> StatusReport:
        """The app's status: connections, and per declared capability whether it is available and the fix;
        ``.document()`` is ``intcli status --app APP --json``."""
        from intcli.core.status import build_status

        with self._environment() as env:
            return build_status(env, self.app)

    def summary(self, *, top: int = 5, since: str | None = None) -> Summary:
        """The app's daily summary (``intcli summary --app APP``; ``.document()`` is its JSON). A required section
        that failed is listed in ``failed_required``; a missing required capability raises AuthError."""
        from intcli.core.summary import build_summary

        if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= 100:
            raise UsageError(f"top {top!r} is not a whole number from 1 to 100", hint="e.g. top=5")
        if since is not None and not isinstance(since, str):
            raise UsageError(f"since must be text (an ISO time or an age), not {type(since).__name__}",
                             hint="e.g. since=\"24h\"")
        with self._environment() as env:
            return build_summary(env, self.app, top, since)

    # -- writing -----------------------------------------------------------------------------------------------
    def send(self, capability: str, **options: Any) -> SendResult:
        """Write through ``capability`` with its send options by name (``intcli send CAPABILITY --help``); the call
        itself is the confirmation. A write is never retried."""
        from intcli.core.options import check_option_values, name_label
        from intcli.core.plugins import capability_spec
        from intcli.core.sending import run_send
        from intcli.core.spec import SendRequest

        spec = capability_spec(capability)
        values = check_option_values(spec.send_options, options, name_label) if spec and spec.send else {}
        with self._environment() as env:
            details = run_send(env, SendRequest(capability, self.app, values), True)
        summary = str(details.pop("summary", None) or "Done")
        draft = bool(spec and spec.draft_option and values.get(spec.draft_option))
        return SendResult(capability, draft, summary, details)

    # -- messages ----------------------------------------------------------------------------------------------
    @property
    def messages(self) -> list[str]:
        """Warnings and notes of the calls so far (the lines the command line prints on stderr), oldest first."""
        with self._lock:
            return list(self._messages)

    @contextlib.contextmanager
    def _environment(self) -> Iterator[Environment]:
        from intcli.base.env import Environment

        stderr = io.StringIO()
        environ = dict(os.environ) if self._environ is None else self._environ
        env = Environment(environ=environ, stdin=io.StringIO(""), stdout=io.StringIO(), stderr=stderr,
                          stdin_isatty=False, stdout_isatty=False, stderr_isatty=False)
        try:
            yield env
        finally:
            lines = [line for line in stderr.getvalue().splitlines() if line.strip()]
            with self._lock:
                self._messages = (self._messages + lines)[-MAX_MESSAGES:]
