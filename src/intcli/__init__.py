"""intcli: connect work accounts and query the capabilities they give.

The Python API (``from intcli import IntegrationClient``) is loaded on first use, so that ``import intcli`` — which
every command does — stays as light as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intcli.base.version import __version__

# The public names and the modules that define them (stable: see the README's "Python API").
_PUBLIC = {
    "IntegrationClient": "intcli.client", "Items": "intcli.client", "Document": "intcli.client",
    "SendResult": "intcli.client", "CapabilityInfo": "intcli.client",
    "Availability": "intcli.core.status", "Reason": "intcli.core.status", "StatusReport": "intcli.core.status",
    "AppStatus": "intcli.core.status", "Summary": "intcli.core.summary",
    "IntcliError": "intcli.base.errors", "UsageError": "intcli.base.errors", "UpstreamError": "intcli.base.errors",
    "AuthError": "intcli.base.errors", "ConfigError": "intcli.base.errors", "ExitStatus": "intcli.base.errors",
}
__all__ = [
    "__version__", "IntegrationClient", "Items", "Document", "SendResult", "CapabilityInfo", "Availability", "Reason",
    "StatusReport", "AppStatus", "Summary", "IntcliError", "UsageError", "UpstreamError", "AuthError", "ConfigError",
    "ExitStatus",
]

if TYPE_CHECKING:
    from intcli.base.errors import AuthError, ConfigError, ExitStatus, IntcliError, UpstreamError, UsageError
    from intcli.client import CapabilityInfo, Document, IntegrationClient, Items, SendResult
    from intcli.core.status import AppStatus, Availability, Reason, StatusReport
    from intcli.core.summary import Summary


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'intcli' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
