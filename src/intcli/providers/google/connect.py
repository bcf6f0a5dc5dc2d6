"""``intcli connect google``: OAuth 2.0 with PKCE in a browser (or pasted back), or a service account."""

from __future__ import annotations

from typing import Annotated

import typer


def connect_command(
    ctx: typer.Context,
    client_secrets: Annotated[str | None, typer.Option(
        "--client-secrets", help="OAuth client JSON (Desktop app) from the Google Cloud console "
        "[default: INTCLI_GOOGLE_CLIENT_SECRETS]", show_default=False)] = None,
    no_browser: Annotated[bool, typer.Option(
        "--no-browser", help="Print the URL and paste back the address the browser is sent to (for SSH sessions; "
        "automatic without a display)")] = False,
    scopes: Annotated[list[str] | None, typer.Option(
        "--scopes", help="Ask for these scopes instead of those of the registered google capabilities "
        "(repeatable)", show_default=False)] = None,
    service_account: Annotated[str | None, typer.Option(
        "--service-account", help="Use this service account key file (JSON) instead of OAuth; intcli keeps its "
        "path, not a copy", show_default=False)] = None,
    subject: Annotated[str | None, typer.Option(
        "--subject", help="With --service-account: the user to act as (domain-wide delegation)",
        show_default=False)] = None,
    insecure_storage: Annotated[bool, typer.Option(
        "--insecure-storage", help="Store the refresh token in a 0600 file in the state dir instead of the keyring "
        "(status shows it). Only for machines without a keyring.")] = False,
) -> None:
    """Connect Google Workspace (Drive, Gmail) by OAuth 2.0 with PKCE in your browser, or a service account.

    Asks for offline access with consent, so a refresh token is stored (in the keyring) and access tokens are
    refreshed as needed. At run time GOOGLE_APPLICATION_CREDENTIALS, when set, is used instead.

    Examples:

    \b
      intcli connect google --client-secrets client_secret.json
      intcli connect google --no-browser            # over SSH
      intcli connect google --service-account key.json --subject ada@example.com
    """
    from intcli.base.errors import UsageError
    from intcli.cli.common import get_env, warn_missing_scopes
    from intcli.config.registry import load_registry
    from intcli.providers.google import auth

    env = get_env(ctx)
    registry = load_registry(env)
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
