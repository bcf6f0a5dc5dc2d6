"""``intcli connect PROVIDER`` and ``intcli disconnect PROVIDER``."""

from __future__ import annotations

from typing import Annotated

import typer

from intcli.cli import app
from intcli.cli.common import get_env, warn_missing_scopes

connect_app = typer.Typer(help="Connect an account; its secret goes to the system keyring.", no_args_is_help=True)
app.add_typer(connect_app, name="connect")

InsecureStorage = Annotated[bool, typer.Option(
    "--insecure-storage",
    help="Store the secret in a 0600 file in the state dir instead of the keyring (status shows it). "
         "Only for machines without a keyring.",
)]


def complete_providers(incomplete: str) -> list[str]:
    from intcli.cli.common import _registry_for_completion

    registry = _registry_for_completion()
    return sorted(p for p in registry.providers if p.startswith(incomplete)) if registry else []


@connect_app.command("github")
def connect_github(
    ctx: typer.Context,
    with_token: Annotated[bool, typer.Option(
        "--with-token", help="Read the token from standard input (scripts, CI): echo \"$T\" | intcli connect github "
                             "--with-token")] = False,
    host: Annotated[str | None, typer.Option(
        "--host", help="GitHub Enterprise Server host, HOST or HOST:PORT \\[default: github.com, or GITHUB_API_URL]",
        show_default=False)] = None,
    insecure_storage: InsecureStorage = False,
) -> None:
    """Connect GitHub with a personal access token, checked with one API call before it is stored.

    Without --with-token, the token is asked for on the terminal (hidden). At run time INTCLI_GITHUB_TOKEN,
    GH_TOKEN or GITHUB_TOKEN, when set, are used instead of the stored token.
    """
    from intcli.accounts import connect_github as run_connect
    from intcli.accounts import read_token

    env = get_env(ctx)
    token = read_token(env, with_token, "GitHub token", "echo \"$TOKEN\" | intcli connect github --with-token")
    result = run_connect(env, token, host, insecure_storage)
    info = result.info
    scopes = "not reported (fine-grained token; intcli cannot check them)" if info.scopes is None else (
        ", ".join(info.scopes) or "none")
    where = "the system keyring" if result.storage == "keyring" else "a 0600 file (insecure storage)"
    env.message(f"Connected to {result.host} as {info.login}; token stored in {where}.")
    env.message(f"  scopes: {scopes}")
    if info.expires_at:
        env.message(f"  expires: {info.expires_at:%Y-%m-%d %H:%M} UTC")
    warn_missing_scopes(env, result.missing, "this token lacks")
    if result.overriding_variable:
        env.warn(f"{result.overriding_variable} is set and is used instead of the stored token")


@connect_app.command("google")
def connect_google(
    ctx: typer.Context,
    client_secrets: Annotated[str | None, typer.Option(
        "--client-secrets", help="OAuth client JSON (Desktop app) from the Google Cloud console "
        "\\[default: INTCLI_GOOGLE_CLIENT_SECRETS]", show_default=False)] = None,
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
    insecure_storage: InsecureStorage = False,
) -> None:
    """Connect Google Workspace (Drive, Gmail) by OAuth 2.0 with PKCE in your browser, or a service account.

    Asks for offline access with consent, so a refresh token is stored (in the keyring) and access tokens are
    refreshed as needed. At run time GOOGLE_APPLICATION_CREDENTIALS, when set, is used instead.
    """
    from intcli.errors import UsageError
    from intcli.providers.google import auth
    from intcli.registry import load_registry

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


@app.command("disconnect")
def disconnect(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="The provider (see `intcli registry`).",
                                            autocompletion=complete_providers, show_default=False)],
) -> None:
    """Remove a provider's stored secret and connection state (safe to repeat)."""
    from intcli.accounts import disconnect as run_disconnect

    env = get_env(ctx)
    result = run_disconnect(env, provider)
    env.message(f"Disconnected {provider}." if result.was_connected else f"{provider} was not connected.")
    if result.overriding_variable:
        env.warn(f"{result.overriding_variable} is still set, so {provider} stays usable; unset it to stop that")
