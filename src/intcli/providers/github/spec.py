"""GitHub as intcli sees it: capabilities, their options and handlers (imported only when used)."""

from __future__ import annotations

from intcli.sdk import CapabilitySpec, Option, ProviderSpec

REPO = Option("repo", ("--repo", "-R"), "OWNER/NAME (repeatable)", multiple=True, metavar="OWNER/NAME",
              max_length=140)
STATE = Option("state", ("--state",), "open, closed or all [default: open]", choices=("open", "closed", "all"),
               metavar="STATE")
LABEL = Option("label", ("--label", "-l"), "Only issues with this label (repeatable: all must match)",
               multiple=True, metavar="LABEL", max_length=256)

ISSUE_FIELDS = ("id", "number", "title", "repository", "url", "updatedAt", "labels", "state")

PROVIDER = ProviderSpec(
    id="github",
    connect="intcli.providers.github.connect:connect",
    connect_options=(
        Option("with_token", ("--with-token",), "Read the token from standard input (scripts, CI): "
               "echo \"$T\" | intcli connect github --with-token", type=bool, default=False),
        Option("host", ("--host",), "GitHub Enterprise Server host, HOST or HOST:PORT [default: github.com, or "
               "GITHUB_API_URL]", metavar="HOST", max_length=255),
        Option("insecure_storage", ("--insecure-storage",), "Store the token in a 0600 file in the state dir instead "
               "of the keyring (status shows it). Only for machines without a keyring.", type=bool, default=False),
    ),
    connect_help="""Connect GitHub with a personal access token, checked with one API call before it is stored.

    Without --with-token, the token is asked for on the terminal (hidden). At run time INTCLI_GITHUB_TOKEN,
    GH_TOKEN or GITHUB_TOKEN, when set, are used instead of the stored token.""",
    connect_examples=("intcli connect github", "gh auth token | intcli connect github --with-token",
                      "intcli connect github --host ghe.example.com"),
    verify="intcli.providers.github.fetch:verify",
    environment_host="intcli.providers.github.fetch:environment_host",
    capabilities=(
        CapabilitySpec(
            id="github.user_issues",
            help="Open issues assigned to you (or --assignee) across repositories, most recently updated first.",
            fetch="intcli.providers.github.fetch:fetch_user_issues",
            fields=ISSUE_FIELDS,
            options=(
                REPO,
                LABEL,
                STATE,
                Option("assignee", ("--assignee",), "Login whose issues to fetch [default: @me, the connected user]",
                       metavar="LOGIN", max_length=64),
            ),
            examples=("intcli fetch github.user_issues --format json",
                      "intcli fetch github.user_issues -R acme/api --label bug --format csv"),
            summary="intcli.providers.github.summary:assigned_section",
            summary_title="GitHub issues assigned to you",
            # The design's summary document names these "developmentTasks" (schema version 1).
            summary_unavailable_extra={"developmentTasks": {"available": False, "githubIssues": [],
                                                            "totalActiveIssues": None}},
        ),
        CapabilitySpec(
            id="github.issues",
            help="A repository's issues (pull requests removed); --sync keeps a local copy and fetches only changes.",
            fetch="intcli.providers.github.fetch:fetch_repository_issues",
            fields=ISSUE_FIELDS,
            options=(
                REPO,
                STATE,
                Option("since", ("--since",), "Only issues changed since then: an ISO 8601 time or an age (24h, 7d)",
                       metavar="WHEN", max_length=64),
                LABEL,
                Option("sync", ("--sync",), "Keep a local copy and fetch only what changed since the last sync",
                       type=bool, default=False),
                Option("offline", ("--offline",), "Answer from the local copy of --sync, without the network",
                       type=bool, default=False),
            ),
            examples=("intcli fetch github.issues -R octocat/hello-world --since 7d",
                      "intcli fetch github.issues -R octocat/hello-world --sync --format ndjson",
                      "intcli fetch github.issues -R octocat/hello-world --offline --label bug"),
            summary="intcli.providers.github.summary:repositories_section",
            summary_title="Repository activity",
        ),
    ),
)
