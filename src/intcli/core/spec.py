"""The Provider interface: everything intcli's core knows about a provider comes through these objects.

A provider is a ``ProviderSpec``: its id, its registry data (the same TOML format as ``config.toml``), its
``connect`` handler and options, and one ``CapabilitySpec`` per capability it implements — the options ``fetch``
offers for it, its fetch handler, its send handler where it writes, and its daily-summary section. Handlers are named as
``"module:function"`` strings and imported only when used, so that describing a provider (for ``--help``,
completion, ``status``) never imports an HTTP stack.

Built-in providers are listed in ``intcli.core.plugins.BUILTIN``; third-party ones register a ``ProviderSpec``
under the ``intcli.providers`` entry-point group (see the README's "Writing a provider"). Providers import these
types, and everything else of intcli they use, from ``intcli.sdk``.

Handler signatures (``env`` is an ``intcli.base.env.Environment``, ``registry`` an ``intcli.config.registry.Registry``):

- fetch: ``(env, registry, request: FetchRequest) -> ItemList | TextResult`` (``intcli.render.output``)
- send: ``(env, registry, request: SendRequest, confirm) -> dict`` (the JSON ``send`` prints); ``confirm(question)``
  returns when the user agreed (or ``--yes``), and raises otherwise
- summary: ``(env, registry, context: SectionContext) -> Section``
- connect: ``(env, registry, request: ConnectRequest) -> None``: ``intcli connect <provider id>``, its options
  ``connect_options``; it tells the user what it did with ``env.message``
- verify: ``(env, registry) -> Verified``: one request proving the credential in use works (``status --check``,
  ``status --verify``); raises ``AuthError`` naming the fix when the service rejects it
- environment_host: ``(env) -> str | None``: the host a credential from the environment goes to (for ``status``,
  without any request)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Option:
    """One command-line option of a capability; ``name`` is the key in ``FetchRequest.options``."""

    name: str
    flags: tuple[str, ...]
    help: str
    type: type = str  # str, int, float or bool
    default: Any = None
    multiple: bool = False  # repeatable; the value is a list
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    max_length: int = 1024  # longer values are a usage error
    required: bool = False  # the command line asks for it (a usage error without it)
    local_file: bool = False  # the value names a file on this machine (or - for stdin): never offered over MCP
    document: bool = False  # given, the fetch returns one document's text (a TextResult): no item limit applies


@dataclass(frozen=True)
class CapabilitySpec:
    id: str
    fetch: str | None = None  # "module:function"
    options: tuple[Option, ...] = ()
    help: str = ""
    examples: tuple[str, ...] = ()
    send: str | None = None  # "module:function" for capabilities whose operations include write
    send_options: tuple[Option, ...] = ()
    send_help: str = ""
    send_examples: tuple[str, ...] = ()
    draft_option: str | None = None  # the bool send option that makes a write only a draft (MCP without --allow-send)
    summary: str | None = None  # "module:function"
    summary_title: str = ""
    summary_unavailable_extra: dict[str, Any] = field(default_factory=dict)  # ``Section.extra`` when not ok
    fields: tuple[str, ...] = ()  # the item fields `fetch --fields` may name, checked before any request


@dataclass(frozen=True)
class ProviderSpec:
    id: str
    capabilities: tuple[CapabilitySpec, ...] = ()
    connect: str | None = None  # "module:function", see the module docstring
    connect_options: tuple[Option, ...] = ()
    connect_help: str = ""  # the help of `intcli connect <id>`: its first line is the summary
    connect_examples: tuple[str, ...] = ()
    registry: str = ""  # TOML in config.toml's format: [providers.<id>], [capabilities."<id>.x"], apps
    source: str = "built-in"  # shown by `intcli registry`: "built-in" or "plugin <distribution>"
    verify: str | None = None  # "module:function", see the module docstring
    environment_host: str | None = None  # "module:function"

    def capability(self, capability_id: str) -> CapabilitySpec | None:
        return next((spec for spec in self.capabilities if spec.id == capability_id), None)


@dataclass(frozen=True)
class Verified:
    """What a ``verify`` handler learnt from the service about the credential in use."""

    account: str | None = None
    host: str | None = None
    scopes: tuple[str, ...] | None = None  # None: the service does not say
    expires_at: datetime | None = None


@dataclass
class FetchRequest:
    """What ``fetch`` asks of a handler: common settings, and the capability's own options by name."""

    capability: str
    app: str | None = None
    limit: int | None = None
    max_wait: float = 60.0
    options: dict[str, Any] = field(default_factory=dict)
    on_page: Callable[[], None] | None = None

    def get(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value is None else value


@dataclass
class SendRequest:
    """What ``send`` asks of a handler: the capability's send options by name (already confirmed)."""

    capability: str
    app: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConnectRequest:
    """What ``connect`` asks of a handler: the provider's connect options by name (checked)."""

    provider: str
    options: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value is None else value


@dataclass(frozen=True)
class SectionContext:
    """What a summary section is built from: the app's options (config.toml), how many items, since when."""

    app: str
    options: dict[str, Any]
    top: int
    since: datetime


@dataclass
class Section:
    """A daily-summary section that renders itself: the renderers (Rich, Markdown) hold no capability ids.

    ``rows`` are lists of cells; a cell is text, or ``(text, url)`` for a link. ``document`` is the section's part
    of ``summary --format json``; ``extra`` adds top-level keys to that document (schema compatibility)."""

    headline: str
    columns: list[str]
    rows: list[list[str | tuple[str, str | None]]]
    document: dict[str, Any]
    empty: str = "Nothing new."
    badge: str = ""  # a few words for the section's title, e.g. "130 unread"
    groups: dict[str, str] = field(default_factory=dict)  # notes shown above the table (e.g. per-repository errors)
    extra: dict[str, Any] = field(default_factory=dict)
    text_column: int = 0  # the free-text column (title, subject, name): the one a narrow terminal cuts with "…"


def load_handler(target: str) -> Any:
    """Import ``"module:function"`` when it is first needed."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)
