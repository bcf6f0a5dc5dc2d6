"""Jira Cloud as intcli sees it: capabilities, their options and handlers (imported only when used)."""

from __future__ import annotations

from intcli.sdk import CapabilitySpec, Option, ProviderSpec

PROJECT = Option("project", ("--project", "-p"), "A project key, e.g. OPS", metavar="KEY", max_length=255)

ISSUE_FIELDS = ("id", "key", "title", "project", "status", "priority", "url", "updatedAt", "labels")

PROVIDER = ProviderSpec(
    id="jira",
    connect="intcli.providers.jira.connect:connect",
    connect_options=(
        Option("site", ("--site",), "Your Jira Cloud site, e.g. acme.atlassian.net", metavar="SITE", required=True,
               max_length=255),
        Option("email", ("--email",), "The e-mail address of your Atlassian account", metavar="EMAIL",
               required=True, max_length=320),
        Option("with_token", ("--with-token",), "Read the API token from standard input (scripts, CI)", type=bool,
               default=False),
        Option("insecure_storage", ("--insecure-storage",), "Store the token in a 0600 file in the state dir instead "
               "of the keyring (status shows it). Only for machines without a keyring.", type=bool, default=False),
    ),
    connect_help="""Connect a Jira Cloud site with your e-mail and an API token, checked with one API call before it
    is stored.

    Create the token at https://id.atlassian.com/manage-profile/security/api-tokens. At run time
    JIRA_API_TOKEN (with JIRA_EMAIL and JIRA_SITE), when set, is used instead of the stored token.""",
    connect_examples=(
        "intcli connect jira --site acme.atlassian.net --email ada@example.com",
        "echo \"$JIRA_API_TOKEN\" | intcli connect jira --site acme.atlassian.net --email ada@example.com --with-token",
    ),
    verify="intcli.providers.jira.fetch:verify",
    environment_host="intcli.providers.jira.fetch:environment_host",
    capabilities=(
        CapabilitySpec(
            id="jira.user_issues",
            help="Unresolved Jira issues assigned to you, most recently updated first "
                 "(JQL: assignee = currentUser() AND statusCategory != Done ORDER BY updated DESC).",
            fetch="intcli.providers.jira.fetch:fetch_user_issues",
            fields=ISSUE_FIELDS,
            options=(
                PROJECT,
                Option("jql", ("--jql",), "Your own JQL instead of the default query", metavar="JQL",
                       max_length=4096),
            ),
            examples=("intcli fetch jira.user_issues --format json", "intcli fetch jira.user_issues --project OPS",
                      "intcli fetch jira.user_issues --jql 'project = OPS AND priority = High ORDER BY updated DESC'"),
            summary="intcli.providers.jira.summary:assigned_section",
            summary_title="Jira issues assigned to you",
        ),
        CapabilitySpec(
            id="jira.issues",
            help="A Jira project's issues, most recently updated first.",
            fetch="intcli.providers.jira.fetch:fetch_project_issues",
            fields=ISSUE_FIELDS,
            options=(
                PROJECT,
                Option("since", ("--since",), "Only issues updated since then: an ISO 8601 time or an age (24h, 7d)",
                       metavar="WHEN", max_length=64),
            ),
            examples=("intcli fetch jira.issues --project OPS --since 7d",),
        ),
    ),
)
