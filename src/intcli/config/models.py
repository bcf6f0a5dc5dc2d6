"""The registry file format (built-in data and user config share it) as plain dataclasses.

Pydantic validates these dataclasses (``intcli.config.validation``) whenever a file's content has not been seen
valid before; a document already known valid is rebuilt with ``from_trusted`` instead, which keeps pydantic
(~130 ms of imports and schema building) off the start-up path of ``status`` and friends.
Rules beyond types (ids, non-empty lists, duplicates, references) live in ``intcli.config.registry``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar


class _Strict:
    """pydantic's ``Strict()`` for a bool, through pydantic's schema hook: pydantic is imported only when a
    schema is built (on validation), never on the start-up path."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.bool_schema(strict=True)


# TOML has real booleans: do not let "yes" or 1 pass as one.
StrictBool = Annotated[bool, _Strict()]
Option = str | int | bool | list[str]
_FORBID_EXTRA: dict[str, Any] = {"extra": "forbid"}


class AuthType(enum.StrEnum):
    TOKEN = "token"
    OAUTH2 = "oauth2"
    SERVICE_ACCOUNT = "service_account"
    BASIC = "basic"  # a user name (e.g. an e-mail) and an API token, as HTTP Basic auth
    NONE = "none"  # nothing secret (e.g. a local file a plugin reads)


class ProviderStatus(enum.StrEnum):
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    DEPRECATED = "deprecated"


class Operation(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    SYNC = "sync"


class Fallback(enum.StrEnum):
    DISABLE = "disable"
    LIMITED = "limited"
    ERROR = "error"


@dataclass(frozen=True, kw_only=True)
class Provider:
    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID_EXTRA
    name: str
    auth: list[AuthType]
    description: str = ""
    scopes: list[str] = field(default_factory=list)
    status: ProviderStatus = ProviderStatus.ACTIVE
    version: str = "1"
    # Environment variables that supply a credential at use time, most specific first (CI needs no connect).
    credential_env: list[str] = field(default_factory=list)
    # Scopes that a granted scope includes (GitHub's "repo" includes "public_repo", ...).
    implied_scopes: dict[str, list[str]] = field(default_factory=dict)

    def effective_scopes(self, granted: list[str] | tuple[str, ...]) -> set[str]:
        effective = set(granted)
        for scope in granted:
            effective.update(self.implied_scopes.get(scope, ()))
        return effective

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> Provider:
        return cls(**{**data, "auth": [AuthType(a) for a in data["auth"]],
                      "status": ProviderStatus(data.get("status", ProviderStatus.ACTIVE))})


@dataclass(frozen=True, kw_only=True)
class Capability:
    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID_EXTRA
    provider: str
    name: str
    operations: list[Operation]
    description: str = ""
    data_types: list[str] = field(default_factory=list)
    # Provider scopes the connection must have granted for this capability to work.
    permissions: list[str] = field(default_factory=list)

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> Capability:
        return cls(**{**data, "operations": [Operation(o) for o in data["operations"]]})


@dataclass(frozen=True, kw_only=True)
class Requirement:
    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID_EXTRA
    capability: str
    purpose: str
    fallback: Fallback | None = None  # None: ``disable`` when required, ``limited`` when optional

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> Requirement:
        fallback = data.get("fallback")
        return cls(**{**data, "fallback": Fallback(fallback) if fallback is not None else None})


@dataclass(frozen=True, kw_only=True)
class App:
    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID_EXTRA
    name: str
    description: str = ""
    enabled: StrictBool = True
    provides: list[str] = field(default_factory=list)
    requires: list[Requirement] = field(default_factory=list)
    optional: list[Requirement] = field(default_factory=list)
    # Free-form per-app options (e.g. the repositories a summary covers); checked by the code that uses them.
    options: dict[str, Option] = field(default_factory=dict)

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> App:
        return cls(**{**data,
                      "requires": [Requirement.from_trusted(r) for r in data.get("requires", [])],
                      "optional": [Requirement.from_trusted(r) for r in data.get("optional", [])]})


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """A user's switches for one app: on/off, and optional integrations switched off."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID_EXTRA
    enabled: StrictBool | None = None
    disabled_capabilities: list[str] = field(default_factory=list)
    # Options for the app (e.g. the repositories its summary covers), over those the app itself declares.
    options: dict[str, Option] = field(default_factory=dict)

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> AppSettings:
        return cls(**data)


@dataclass(frozen=True, kw_only=True)
class UserConfig:
    """One registry document: the built-in data, or a user's config.toml (which may also hold app_settings)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _FORBID_EXTRA
    providers: dict[str, Provider] = field(default_factory=dict)
    capabilities: dict[str, Capability] = field(default_factory=dict)
    apps: dict[str, App] = field(default_factory=dict)
    app_settings: dict[str, AppSettings] = field(default_factory=dict)

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> UserConfig:
        return cls(
            providers={k: Provider.from_trusted(v) for k, v in data.get("providers", {}).items()},
            capabilities={k: Capability.from_trusted(v) for k, v in data.get("capabilities", {}).items()},
            apps={k: App.from_trusted(v) for k, v in data.get("apps", {}).items()},
            app_settings={k: AppSettings.from_trusted(v) for k, v in data.get("app_settings", {}).items()},
        )
