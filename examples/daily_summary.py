"""The design's daily-summary example, on intcli's Python API only: the issues assigned to you, top 5 and total.

    python3 examples/daily_summary.py [APP]

GitHub must be connected (`intcli connect github`, or GH_TOKEN in CI); otherwise it says how and exits 4.
"""

from __future__ import annotations

import sys

from intcli import IntcliError, IntegrationClient


def main(app: str = "ai-admin-assistant") -> int:
    client = IntegrationClient(app=app)
    try:
        issues = client.get_data("github.user_issues", limit=5)
    except IntcliError as error:  # AuthError when GitHub is not connected: its hint names the fix
        print(f"daily_summary: {error.message} — {error.hint}", file=sys.stderr)
        return int(error.exit_status)
    for issue in issues:
        print(f"{issue['repository']}#{issue['number']}  {issue['title']}")
    print(f"{issues.total} open issues assigned to you")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
