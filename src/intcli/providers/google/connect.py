"""``intcli connect google``: OAuth 2.0 with PKCE in a browser (or pasted back), or a service account."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intcli.sdk import ConnectRequest, Environment, Registry


def connect(env: Environment, registry: Registry, request: ConnectRequest) -> None:
    """``intcli connect google``: OAuth in a browser (or pasted back), or a service account key file."""
    from intcli.providers.google import auth
    from intcli.sdk import UsageError, warn_missing_scopes

    client_secrets, no_browser = request.get("client_secrets"), request.get("no_browser", False)
    scopes, service_account, subject = request.get("scopes", []), request.get("service_account"), request.get("subject")
    insecure_storage = request.get("insecure_storage", False)
    if service_account:
        if client_secrets or no_browser or scopes:
            raise UsageError("--service-account does not go with --client-secrets, --no-browser or --scopes",
                             hint="pick one way to connect")
        result = auth.connect_service_account(env, registry, service_account, subject)
        where = "its key file stays where it is (intcli keeps the path)"
    else:
        if subject:
            raise UsageError("--subject goes with --service-account", hint="drop --subject for OAuth")
        result = auth.connect_oauth(env, registry, client_secrets, no_browser, list(scopes or []),
                                    insecure_storage)
        where = ("refresh token stored in the system keyring" if result.storage == "keyring"
                 else "refresh token stored in a 0600 file (insecure storage)")
    env.message(f"Connected to Google as {result.account}; {where}.")
    env.message(f"  scopes: {', '.join(result.scopes) or 'none'}")
    if result.access_expires_at:
        env.message(f"  access token valid until {result.access_expires_at:%Y-%m-%d %H:%M} UTC (refreshed as needed)")
    warn_missing_scopes(env, result.missing, "was not granted")
