"""``summary``: every fallback path, partial failure, the three formats and hostile text, on loopback servers."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime

import pytest
from werkzeug import Response

from conftest import write_config
from fake_github import TOKEN, FakeGitHub, make_issues
from fake_google import connect
from intcli.base.env import Environment
from intcli.cli.summary_view import render_markdown
from intcli.render.markdown import md_link, md_text
from intcli.storage.state import load_state


@pytest.fixture
def github(httpserver, monkeypatch) -> FakeGitHub:
    fake = FakeGitHub(make_issues(40)).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    return fake


@pytest.fixture
def google_connected(run, google, no_keyring):
    assert connect(run, google, "--insecure-storage").exit_code == 0
    return google


# The fixtures' GitHub issues, Drive files and mail are dated 2026-11-28 (up to 12:00 UTC): every summary here
# runs half an hour later, so that windows such as --since 7d hold the same data on any day.
FIXTURE_NOW = datetime(2026, 11, 28, 12, 30, tzinfo=UTC)


@pytest.fixture
def run(run):
    return functools.partial(run, clock=lambda: FIXTURE_NOW)


def summary_json(run, *args: str) -> tuple[int, dict, str]:
    result = run("summary", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


def test_everything_connected(run, github, google_connected, httpserver, monkeypatch):
    from fake_jira import EMAIL, TOKEN, FakeJira

    jira = FakeJira().install(httpserver)  # beside the fake GitHub: /rest/... and /api/v3/...
    for name, value in (("JIRA_API_TOKEN", TOKEN), ("JIRA_EMAIL", EMAIL), ("JIRA_SITE", jira.site)):
        monkeypatch.setenv(name, value)
    code, document, _ = summary_json(run, "--since", "7d")
    assert code == 0
    assert document["app"] == "ai-admin-assistant" and document["schemaVersion"] == 1
    assert list(document["sections"]) == ["google.drive", "google.gmail", "github.user_issues", "jira.user_issues"]
    assert [i["key"] for i in document["sections"]["jira.user_issues"]["issues"]] == jira.expected()[:5]
    assert all(s["status"] == "ok" for s in document["sections"].values())
    tasks = document["developmentTasks"]
    assert tasks["available"] is True and len(tasks["githubIssues"]) == 5
    assert tasks["totalActiveIssues"] == 40  # GitHub's total, not the length of the list shown
    assert [i["number"] for i in tasks["githubIssues"]] == [1, 2, 3, 4, 5]
    assert document["sections"]["google.gmail"]["unreadCount"] == 130
    assert len(document["sections"]["google.drive"]["files"]) == 5
    used = load_state(Environment()).last_used
    assert {"github", "google"} <= set(used)


def test_top_and_the_other_formats(run, github, google_connected):
    code, document, _ = summary_json(run, "--top", "2")
    assert len(document["developmentTasks"]["githubIssues"]) == 2
    markdown = run("summary", "--format", "markdown")
    assert markdown.exit_code == 0
    text = markdown.stdout
    assert text.startswith("# Daily summary — AI Admin Assistant")
    assert "## GitHub issues assigned to you" in text and "40 active issues" in text
    assert "[\\#1 Issue 1](https://github.example/acme/web/issues/1)" in text
    assert "| Issue | Repository | Updated | Labels |" in text
    rich = run("summary", tty=True)
    assert rich.exit_code == 0 and "Daily summary" in rich.stdout and "Unread mail (130 unread)" in rich.stdout
    assert "\x1b]8;" in rich.stdout  # clickable links on a terminal that supports them


def test_limited_without_github(run, google_connected):
    code, document, _ = summary_json(run)
    assert code == 0
    section = document["sections"]["github.user_issues"]
    assert section == {"status": "unavailable", "reason": "not_configured", "detail": "GitHub is not connected",
                       "fix": "intcli connect github"}
    assert document["developmentTasks"] == {"available": False, "githubIssues": [], "totalActiveIssues": None}
    assert "Enable it with `intcli connect github`" in run("summary", "--format", "markdown").stdout
    assert "intcli connect github" in run("summary", tty=True).stdout


def test_refuses_without_google(run, github):
    result = run("summary")
    assert result.exit_code == 4
    assert "intcli connect google" in result.stderr and result.stdout == ""


def test_switched_off_optional_integration(run, github, google_connected):
    run("apps", "disable", "ai-admin-assistant", "--capability", "github.user_issues")
    code, document, _ = summary_json(run)
    assert code == 0 and document["sections"]["github.user_issues"]["status"] == "unavailable"
    assert github.requests == []


def test_fallback_error_stops_the_summary(run, config_dir, github):
    write_config(config_dir, """
[apps.strict]
name = "Strict"
[[apps.strict.optional]]
capability = "google.drive"
purpose = "Documents, or nothing."
fallback = "error"
[[apps.strict.optional]]
capability = "github.user_issues"
purpose = "Issues."
""")
    result = run("summary", "--app", "strict")
    assert result.exit_code == 4 and "google.drive is unavailable" in result.stderr


def test_a_failing_optional_section_does_not_hide_the_others(run, github, google_connected):
    github.faults = {n: Response("down", 503) for n in range(1, 50)}
    code, document, _ = summary_json(run)
    assert code == 0
    assert document["sections"]["github.user_issues"]["status"] == "error"
    assert "503" in document["sections"]["github.user_issues"]["error"]
    assert document["sections"]["google.drive"]["status"] == "ok"


def test_a_failing_required_section_exits_3_after_rendering_the_rest(run, github, google_connected):
    google_connected.messages = None  # Gmail breaks: listing messages fails with a server error
    result = run("summary", "--format", "json")
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert document["sections"]["google.gmail"]["status"] == "error"
    assert document["sections"]["google.drive"]["status"] == "ok"
    assert document["sections"]["github.user_issues"]["status"] == "ok"
    assert "a required section failed" in result.stderr


def watch_repositories(config_dir, repositories: list[str]) -> None:
    """A user app whose summary covers recent activity in ``repositories``."""
    write_config(config_dir, f"""
[apps.repo-watch]
name = "Repo watch"
[[apps.repo-watch.requires]]
capability = "github.issues"
purpose = "Recent activity."
[app_settings.repo-watch.options]
repositories = {json.dumps(repositories)}
""")


def test_user_app_with_repository_activity(run, config_dir, github):
    watch_repositories(config_dir, ["acme/api"])
    code, document, stderr = summary_json(run, "--app", "repo-watch", "--since", "2026-11-28T11:45:00Z")
    assert code == 0, stderr
    activity = document["sections"]["github.issues"]["repositories"]["acme/api"]
    assert [i["number"] for i in activity] == [2, 4, 6, 8, 10]
    assert github.requests[0].args["since"] == "2026-11-28T11:45:00Z"


def test_app_rules(run, github):
    assert run("summary", "--app", "nope").exit_code == 2
    run("apps", "disable", "github-timeline")
    result = run("summary", "--app", "github-timeline")
    assert result.exit_code == 4 and "switched off" in result.stderr
    assert run("summary", "--since", "yesterday").exit_code == 2


HOSTILE = ["a | b", "<script>alert(1)</script>", "`rm -rf`", "**bold** _it_ [x](javascript:alert(1))", "# heading"]


@pytest.mark.parametrize("title", HOSTILE)
def test_markdown_escapes_hostile_text(title):
    from datetime import UTC, datetime

    from intcli.core.spec import Section
    from intcli.core.summary import Summary

    section = Section("1 active issue:", ["Issue", "Repository", "Updated", "Labels"],
                      [[(f"#7 {title}", "https://github.example/a/b/issues/7"), "a/b", "2026-11-28T00:00:00Z", "x|y"]],
                      {})
    now = datetime.now(UTC)
    text = render_markdown(Summary("app", "N", now, now, sections={"github.user_issues": {"status": "ok"}},
                                   views={"github.user_issues": section}))
    row = next(line for line in text.splitlines() if "issues/7" in line)
    assert row.count(" | ") == 3  # the title's pipe cannot open a column
    assert "<script>" not in text
    if "<" in title:
        assert "&lt;script&gt;" in text
    assert "`rm" not in text.replace("\\`rm", "")
    assert "](javascript:" not in text


def test_markdown_links_only_for_http_urls():
    assert md_link("x", "javascript:alert(1)") == "x"
    assert md_link("a (b)", "https://e.x/p (1)") == "[a \\(b\\)](https://e.x/p%20%281%29)"
    assert md_text("line\nbreak|pipe") == "line break\\|pipe"


def test_since_with_an_offset_means_the_same_moment_in_utc(run, github, google_connected):
    _, offset, _ = summary_json(run, "--top", "100", "--since", "2026-11-28T12:56:00+02:00")
    _, utc, _ = summary_json(run, "--top", "100", "--since", "2026-11-28T10:56:00Z")
    assert offset["since"] == utc["since"] == "2026-11-28T10:56:00Z"
    assert offset["sections"]["google.drive"]["files"] == utc["sections"]["google.drive"]["files"]
    drive_queries = [r.args["q"] for r in google_connected.api_requests if r.path == "/drive/v3/files"]
    assert drive_queries[-2:] == ["trashed = false and modifiedTime > '2026-11-28T10:56:00Z'"] * 2


def test_one_unreadable_repository_does_not_hide_the_others(run, config_dir, github):
    watch_repositories(config_dir, ["acme/api", "acme/nope"])
    code, document, stderr = summary_json(run, "--app", "repo-watch", "--since", "30d")
    assert code == 0, stderr
    section = document["sections"]["github.issues"]
    assert section["repositories"]["acme/api"] and "not found" in section["errors"]["acme/nope"]
    assert "?" not in section["errors"]["acme/nope"]  # the path, not the whole query string
