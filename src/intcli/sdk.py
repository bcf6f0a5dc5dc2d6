"""The one module a provider imports: everything of intcli a provider package needs, under stable names.

Built-in providers (``intcli.providers.*``) and third-party plugins use the same names; the layers contract in
``pyproject.toml`` forbids a provider to import any other part of intcli. What a provider may rely on:

- describing itself: ``ProviderSpec``, ``CapabilitySpec``, ``Option``, and the requests its handlers receive
  (``FetchRequest``, ``SendRequest``, ``ConnectRequest``, ``SectionContext``), what they return (``ItemList``,
  ``TextResult``, ``Section``, ``Verified``), the ``Environment`` and ``Registry`` they are called with;
- errors, each with its exit status: ``IntcliError``, ``UsageError``, ``UpstreamError``, ``AuthError``,
  ``ConfigError``;
- HTTP: ``client`` (intcli's policy: deadline, body cap, loopback-only plain http, redaction) and its helpers;
  ``ConditionalCache`` for answers that ``If-None-Match`` can revalidate;
- secrets and accounts: ``resolve`` (the credential in use), ``read_token``, ``replace_connection``,
  ``Connection``, ``remember_secret``/``redact``/``hide_secrets`` (a secret never reaches output);
- dates: ``parse_when``, ``iso_z``, ``normal_time``, ``since_option``.

``Response`` (``httpx.Response``) and ``TransportError`` (``httpx.RequestError``) are imported on first use only: a
provider's spec module imports this one, and describing a provider must not load httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intcli.base.dates import iso_z, normal_time, parse_when, since_option
from intcli.base.env import Environment
from intcli.base.errors import AuthError, ConfigError, ExitStatus, IntcliError, UpstreamError, UsageError
from intcli.base.files import ensure_dir
from intcli.base.safety import hide_secrets, redact, remember_secret
from intcli.config.registry import Registry
from intcli.core.spec import (
    CapabilitySpec,
    ConnectRequest,
    FetchRequest,
    Option,
    ProviderSpec,
    Section,
    SectionContext,
    SendRequest,
    Verified,
)
from intcli.net.cache import CachedResponse, ConditionalCache
from intcli.net.http import (
    Retryable,
    WaitBudget,
    ca_bundle,
    check_base_url,
    client,
    decode_json,
    header_number,
    http_timeout,
    is_loopback,
    raise_for_status,
    send_once,
    token_pages,
    transport_error,
    with_retries,
)
from intcli.render.output import ItemList, TextResult
from intcli.storage.accounts import read_token, replace_connection, warn_missing_scopes
from intcli.storage.connections import as_utc, credential_variable
from intcli.storage.credentials import Credential, remember_environment_credentials, resolve
from intcli.storage.state import Connection, SecretStorage, StateDocument, load_state, update_state
from intcli.storage.vault import ensure_keyring, read_secret

if TYPE_CHECKING:
    from httpx import RequestError as TransportError
    from httpx import Response

# Names imported when first asked for, and the module that has them.
_ON_FIRST_USE = {"Response": ("httpx", "Response"), "TransportError": ("httpx", "RequestError")}

__all__ = [
    "AuthError", "CachedResponse", "CapabilitySpec", "ConditionalCache", "ConfigError", "Connection",
    "ConnectRequest", "Credential", "Environment", "ExitStatus", "FetchRequest", "IntcliError", "ItemList", "Option",
    "ProviderSpec", "Registry", "Response", "Retryable", "SecretStorage", "Section", "SectionContext", "SendRequest",
    "StateDocument", "TextResult", "TransportError", "UpstreamError", "UsageError", "Verified", "WaitBudget", "as_utc",
    "ca_bundle", "check_base_url", "client", "credential_variable", "decode_json", "ensure_dir", "ensure_keyring",
    "header_number", "hide_secrets", "http_timeout", "is_loopback", "iso_z", "load_state", "normal_time",
    "parse_when", "raise_for_status", "read_secret", "read_token", "redact", "remember_environment_credentials",
    "remember_secret", "replace_connection", "resolve", "send_once", "since_option", "token_pages",
    "transport_error", "update_state", "warn_missing_scopes", "with_retries",
]


def __getattr__(name: str) -> Any:
    found = _ON_FIRST_USE.get(name)
    if found is None:
        raise AttributeError(f"module 'intcli.sdk' has no attribute {name!r}")
    import importlib

    module, attribute = found
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value
