"""The design's daily-summary example, on intcli's Python API only: the issues assigned to you, top 5 and total.

    python3 examples/daily_summary.py [APP]

GitHub must be connected (`intcli connect github`, or GH_TOKEN in CI); otherwise it says how and exits 4.
"""

from __future__ import annotations

import sys

from intcli import IntcliError, IntegrationClient


def shown(text: object) -> str:
    """Titles are third-party text: never let one send escape sequences to the terminal."""
    return "".join(c if c.isprintable() else "?" for c in str(text))


def main(app: str = "ai-admin-assistant") -> int:
    try:
        client = IntegrationClient(app=app)  # an unknown app is a UsageError naming the known ones
        issues = client.get_data("github.user_issues", limit=5)
    except IntcliError as error:  # AuthError when GitHub is not connected: its hint names the fix
        print(f"daily_summary: {error.message} — {error.hint}", file=sys.stderr)
        return int(error.exit_status)
    for issue in issues:
        print(f"{shown(issue['repository'])}#{issue['number']}  {shown(issue['title'])}")
    print(f"{issues.total} open issues assigned to you")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
