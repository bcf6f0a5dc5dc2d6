"""intcli: connect work accounts and query the capabilities they give.

The Python API (``from intcli import IntegrationClient``) is loaded on first use, so that ``import intcli`` — which
every command does — stays as light as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The public names and the modules that define them (stable: see the README's "Python API").
_PUBLIC = {
    "IntegrationClient": "intcli.client", "Items": "intcli.client", "Document": "intcli.client",
    "SendResult": "intcli.client", "CapabilityInfo": "intcli.client",
    "Availability": "intcli.status", "Reason": "intcli.status", "StatusReport": "intcli.status",
    "AppStatus": "intcli.status", "Summary": "intcli.summary",
    "IntcliError": "intcli.errors", "UsageError": "intcli.errors", "UpstreamError": "intcli.errors",
    "AuthError": "intcli.errors", "ConfigError": "intcli.errors", "ExitStatus": "intcli.errors",
}
__all__ = [
    "__version__", "IntegrationClient", "Items", "Document", "SendResult", "CapabilityInfo", "Availability", "Reason",
    "StatusReport", "AppStatus", "Summary", "IntcliError", "UsageError", "UpstreamError", "AuthError", "ConfigError",
    "ExitStatus",
]

if TYPE_CHECKING:
    from intcli.client import CapabilityInfo, Document, IntegrationClient, Items, SendResult
    from intcli.errors import AuthError, ConfigError, ExitStatus, IntcliError, UpstreamError, UsageError
    from intcli.status import AppStatus, Availability, Reason, StatusReport
    from intcli.summary import Summary


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'intcli' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
