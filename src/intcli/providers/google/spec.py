"""Google Workspace as intcli sees it: Drive and Gmail, their options and handlers (imported only when used)."""

from __future__ import annotations

from intcli.core.spec import CapabilitySpec, Option, ProviderSpec

FILE_FIELDS = ("id", "name", "mimeType", "modifiedTime", "url", "owners", "size")
MESSAGE_FIELDS = ("id", "threadId", "from", "to", "subject", "date", "snippet", "labels")

PROVIDER = ProviderSpec(
    id="google",
    connect="intcli.providers.google.connect:connect_command",
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
