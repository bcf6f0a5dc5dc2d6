"""Google Workspace as intcli sees it: Drive and Gmail, their options and handlers (imported only when used)."""

from __future__ import annotations

from intcli.sdk import CapabilitySpec, Option, ProviderSpec

FILE_FIELDS = ("id", "name", "mimeType", "modifiedTime", "url", "owners", "size")
MESSAGE_FIELDS = ("id", "threadId", "from", "to", "subject", "date", "snippet", "labels")

PROVIDER = ProviderSpec(
    id="google",
    connect="intcli.providers.google.connect:connect",
    connect_options=(
        Option("client_secrets", ("--client-secrets",), "OAuth client JSON (Desktop app) from the Google Cloud "
               "console [default: INTCLI_GOOGLE_CLIENT_SECRETS]", local_file=True),
        Option("no_browser", ("--no-browser",), "Print the URL and paste back the address the browser is sent to "
               "(for SSH sessions; automatic without a display)", type=bool, default=False),
        Option("scopes", ("--scopes",), "Ask for these scopes instead of those of the registered google "
               "capabilities (repeatable)", multiple=True),
        Option("service_account", ("--service-account",), "Use this service account key file (JSON) instead of "
               "OAuth; intcli keeps its path, not a copy", local_file=True),
        Option("subject", ("--subject",), "With --service-account: the user to act as (domain-wide delegation)"),
        Option("insecure_storage", ("--insecure-storage",), "Store the refresh token in a 0600 file in the state dir "
               "instead of the keyring (status shows it). Only for machines without a keyring.", type=bool,
               default=False),
    ),
    connect_help="""Connect Google Workspace (Drive, Gmail) by OAuth 2.0 with PKCE in your browser, or a service
    account.

    Asks for offline access with consent, so a refresh token is stored (in the keyring) and access tokens are
    refreshed as needed. At run time GOOGLE_APPLICATION_CREDENTIALS, when set, is used instead.""",
    connect_examples=(
        "intcli connect google --client-secrets client_secret.json",
        "intcli connect google --no-browser            # over SSH",
        "intcli connect google --service-account key.json --subject ada@example.com",
    ),
    verify="intcli.providers.google.auth:verify",
    environment_host="intcli.providers.google:environment_host",
    capabilities=(
        CapabilitySpec(
            id="google.drive",
            help="Recent Drive files (never trashed ones), newest first; --content FILE_ID prints a document's text.",
            fetch="intcli.providers.google.drive:fetch_files",
            fields=FILE_FIELDS,
            options=(
                Option("query", ("--query", "-q"), "A Drive query, e.g. \"name contains 'plan'\"", metavar="QUERY",
                       max_length=2048),
                Option("since", ("--since",), "Only files modified since then: an ISO 8601 time or an age (24h, 7d)",
                       metavar="WHEN", max_length=64),
                Option("content", ("--content",), "Print the text of this file (Google Docs as plain text)",
                       metavar="FILE_ID", max_length=256, document=True),
            ),
            examples=("intcli fetch google.drive --since 2026-11-01", "intcli fetch google.drive --content FILE_ID"),
            summary="intcli.providers.google.summary:drive_section",
            summary_title="Recent documents",
        ),
        CapabilitySpec(
            id="google.gmail",
            help="Messages matching a Gmail search (default: unread in the inbox), newest first.",
            fetch="intcli.providers.google.gmail:fetch_messages",
            fields=MESSAGE_FIELDS,
            options=(
                Option("query", ("--query", "-q"), "A Gmail search [default: is:unread in:inbox]", metavar="QUERY",
                       max_length=2048),
            ),
            examples=('intcli fetch google.gmail -q "from:boss is:unread"',),
            send="intcli.providers.google.gmail:send",
            send_help="Send an email (or create a draft with --draft).",
            send_examples=("intcli send google.gmail --to bob@example.com --subject Hi --body-file msg.txt --draft",
                           "echo 'Done.' | intcli send google.gmail --to bob@example.com --subject Done "
                           "--body-file - --yes"),
            draft_option="draft",
            send_options=(
                Option("to", ("--to",), "Recipient (repeatable)", multiple=True, metavar="ADDRESS", max_length=1000),
                Option("cc", ("--cc",), "Copy to (repeatable)", multiple=True, metavar="ADDRESS", max_length=1000),
                Option("subject", ("--subject", "-s"), "Subject line", default="", metavar="TEXT", max_length=998),
                Option("body", ("--body",), "The message text", metavar="TEXT", max_length=1_000_000),
                Option("body_file", ("--body-file",), "Read the message text from this file (- for standard input)",
                       metavar="FILE", max_length=4096, local_file=True),
                Option("draft", ("--draft",), "Create a draft instead of sending", type=bool, default=False),
            ),
            summary="intcli.providers.google.summary:gmail_section",
            summary_title="Unread mail",
        ),
    ),
)
