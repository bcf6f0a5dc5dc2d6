"""The provider as intcli sees it. Kept small and import-light: intcli reads it for --help, completion and status,
and imports the handler modules only when a command uses them."""

from __future__ import annotations

from intcli.sdk import CapabilitySpec, Option, ProviderSpec

# Registry data, in the format of intcli's config.toml: the provider, its capability, and an app that uses it.
REGISTRY = """
[providers.calendar]
name = "Calendar file"
description = "Events from a local iCalendar (.ics) file."
auth = ["none"]
credential_env = ["INTCLI_CALENDAR_FILE"]

[capabilities."calendar.events"]
provider = "calendar"
name = "Calendar events"
description = "Events of the connected .ics file, soonest first."
operations = ["read"]
data_types = ["event"]

[apps.day-planner]
name = "Day planner"
description = "Today's events and the issues assigned to you."

[[apps.day-planner.requires]]
capability = "calendar.events"
purpose = "Show today's events."

[[apps.day-planner.optional]]
capability = "github.user_issues"
purpose = "Show the issues assigned to you."
"""

PROVIDER = ProviderSpec(
    id="calendar",
    registry=REGISTRY,
    connect="intcli_calendar.connect:connect",
    connect_options=(
        Option("file", ("--file",), "The .ics file to read", metavar="PATH", required=True, local_file=True),
    ),
    connect_help="Connect a local iCalendar file; intcli reads it at each fetch and keeps only its path.",
    capabilities=(
        CapabilitySpec(
            id="calendar.events",
            help="Events of the connected .ics file (or INTCLI_CALENDAR_FILE), soonest first.",
            fetch="intcli_calendar.events:fetch_events",
            options=(
                Option("days", ("--days",), "Only events starting within this many days from now [default: all]",
                       type=int, metavar="N"),
            ),
            examples=("intcli fetch calendar.events --days 1",),
            summary="intcli_calendar.events:today_section",
            summary_title="Today's events",
        ),
    ),
)
