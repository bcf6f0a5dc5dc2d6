"""Jira Cloud, written only against the Provider interface, against a fake Jira Cloud on loopback."""

from __future__ import annotations

import base64
import csv
import io
import json

import pytest

from conftest import secret_tool_lookup, write_config
from fake_jira import EMAIL, TOKEN, FakeJira


@pytest.fixture
def jira(httpserver) -> FakeJira:
    return FakeJira().install(httpserver)


@pytest.fixture
def connected(run, jira, no_keyring) -> FakeJira:
    result = run("connect", "jira", "--site", jira.site, "--email", EMAIL, "--with-token", "--insecure-storage",
                 stdin=TOKEN + "\n")
    assert result.exit_code == 0, result.stderr
    assert f"as {EMAIL}" in result.stderr
    return jira


def searches(jira: FakeJira) -> list:
    return [r for r in jira.requests if r.path == "/rest/api/3/search/jql"]


def test_assigned_issues_across_pages_in_updated_order(run, connected):
    result = run("fetch", "jira.user_issues", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    keys = [issue["key"] for issue in document["issues"]]
    assert keys == connected.expected() and len(keys) == 104  # assigned to me, not done, newest first
    assert document["total"] == 104 and document["truncated"] is False
    pages = searches(connected)
    assert len(pages) == 3 and "nextPageToken" not in pages[0].args and pages[2].args["nextPageToken"]
    assert all(p.args["jql"] == "assignee = currentUser() AND statusCategory != Done ORDER BY updated DESC"
               and "summary" in p.args["fields"].split(",") for p in pages)
    first = document["issues"][0]
    assert set(first) == {"id", "key", "title", "project", "status", "priority", "url", "updatedAt", "labels"}
    assert first["url"] == f"{connected.site}/browse/{first['key']}" and first["updatedAt"].endswith("Z")
    assert first["status"] != "Done" and first["title"].startswith("Issue ")


def test_every_output_format(run, connected):
    expected = connected.expected()
    ndjson = run("fetch", "jira.user_issues", "--format", "ndjson").stdout.splitlines()
    assert [json.loads(line)["key"] for line in ndjson] == expected
    rows = list(csv.reader(io.StringIO(run("fetch", "jira.user_issues", "--format", "csv").stdout)))
    assert rows[0] == ["id", "key", "title", "project", "status", "priority", "url", "updatedAt", "labels"]
    assert [row[1] for row in rows[1:]] == expected
    table = run("fetch", "jira.user_issues", "--limit", "3", tty=True)
    assert table.exit_code == 0 and all(key in table.stdout for key in expected[:3])
    assert "jira.user_issues: 3 of 104" in table.stdout


def test_project_jql_and_limit(run, connected):
    web = json.loads(run("fetch", "jira.user_issues", "--project", "WEB", "-f", "json").stdout)
    assert [i["key"] for i in web["issues"]] == connected.expected(
        lambda i: i["mine"] and not i["done"] and i["project"] == "WEB")
    jql = "assignee = currentUser() AND priority = High ORDER BY updated DESC"
    mine_high = json.loads(run("fetch", "jira.user_issues", "--jql", jql, "-f", "json").stdout)
    assert [i["key"] for i in mine_high["issues"]] == connected.expected(
        lambda i: i["mine"] and i["priority"] == "High")
    limited = json.loads(run("fetch", "jira.user_issues", "--limit", "5", "-f", "json").stdout)
    assert [i["key"] for i in limited["issues"]] == connected.expected()[:5] and limited["total"] == 104


def test_project_issues_since(run, connected):
    result = run("fetch", "jira.issues", "--project", "OPS", "--since", "2h", "-f", "json")
    assert result.exit_code == 0, result.stderr
    keys = [i["key"] for i in json.loads(result.stdout)["issues"]]
    assert keys == [f"OPS-{n}" for n in range(1, 18)]  # updated 7, 14, ... 119 minutes ago
    assert run("fetch", "jira.issues").exit_code == 2


@pytest.mark.parametrize(("args", "message"), [
    (("--jql", "summary ~ nonsense"), "Error in the JQL Query"),
    (("--jql", "x", "--project", "OPS"), "--project does not apply"),
    (("--project", "no spaces please"), "is not a Jira project key"),
    (("--repo", "a/b"), "no such option: --repo"),
])
def test_bad_input_is_a_usage_error(run, connected, args, message):
    result = run("fetch", "jira.user_issues", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_a_rejected_token_stores_nothing(run, jira, no_keyring, isolated):
    result = run("connect", "jira", "--site", jira.site, "--email", EMAIL, "--with-token", "--insecure-storage",
                 stdin="wrong-token")
    assert result.exit_code == 4 and "rejected the credential" in result.stderr, result.stderr
    assert not (isolated / "state" / "secrets.json").exists()
    status = json.loads(run("status", "--json").stdout)
    assert status["connections"]["jira"]["connected"] is False


@pytest.mark.keyring
def test_connect_stores_the_token_in_the_secret_service(run, jira, keyring_env):
    result = run("connect", "jira", "--site", jira.site, "--email", EMAIL, "--with-token", stdin=TOKEN)
    assert result.exit_code == 0, result.stderr
    assert secret_tool_lookup(keyring_env, "jira") == TOKEN
    assert run("fetch", "jira.user_issues", "--limit", "1").exit_code == 0
    assert run("disconnect", "jira").exit_code == 0 and secret_tool_lookup(keyring_env, "jira") == ""


def test_ci_variables_need_no_connect(run, jira, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    missing = run("fetch", "jira.user_issues")
    assert missing.exit_code == 5 and "JIRA_SITE and JIRA_EMAIL" in missing.stderr
    monkeypatch.setenv("JIRA_SITE", jira.site)
    monkeypatch.setenv("JIRA_EMAIL", EMAIL)
    result = run("fetch", "jira.user_issues", "-f", "json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)["issues"]) == 104
    status = json.loads(run("status", "--json").stdout)
    assert status["connections"]["jira"]["source"] == "env:JIRA_API_TOKEN"
    monkeypatch.setenv("JIRA_API_TOKEN", "revoked")
    rejected = run("fetch", "jira.user_issues")
    assert rejected.exit_code == 4 and "set JIRA_API_TOKEN to a valid API token" in rejected.stderr


def test_rate_limits_are_waited_out(run, connected):
    connected.throttle_next = 1
    result = run("--verbose", "fetch", "jira.user_issues", "--limit", "2", "-f", "json")
    assert result.exit_code == 0 and "429" in result.stderr, result.stderr


def test_status_and_summary_include_jira(run, connected, config_dir):
    status = json.loads(run("status", "--json").stdout)
    assert status["connections"]["jira"]["connected"] is True
    assistant = next(a for a in status["apps"] if a["id"] == "ai-admin-assistant")
    optional = [r["capability"] for r in assistant["requirements"] if r["kind"] == "optional"]
    assert "jira.user_issues" in optional
    write_config(config_dir, '[apps.standup]\nname = "Standup"\n'
                             '[[apps.standup.requires]]\ncapability = "jira.user_issues"\npurpose = "My work."\n')
    markdown = run("summary", "--app", "standup", "--format", "markdown")
    assert markdown.exit_code == 0, markdown.stderr
    assert "## Jira issues assigned to you" in markdown.stdout and "104 unresolved issues" in markdown.stdout
    first = connected.expected()[0]
    assert f"[{first} Issue" in markdown.stdout and f"({connected.site}/browse/{first})" in markdown.stdout
    document = json.loads(run("summary", "--app", "standup", "--format", "json").stdout)
    assert document["sections"]["jira.user_issues"]["total"] == 104
    rich = run("summary", "--app", "standup", tty=True)
    assert rich.exit_code == 0 and "Jira issues assigned to you (5 of 104 unresolved)" in rich.stdout


def test_no_token_in_any_output_or_file(run, connected, isolated):
    encoded = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    results = [run(*args) for args in (("status",), ("status", "--json"), ("fetch", "jira.user_issues"),
                                       ("--debug", "fetch", "jira.user_issues", "--jql", "bad jql"),
                                       ("summary", "--format", "json"))]
    for result in results:
        assert TOKEN not in result.stdout + result.stderr and encoded not in result.stdout + result.stderr
    secrets = isolated / "state" / "secrets.json"
    for path in isolated.rglob("*"):
        if path.is_file() and path != secrets:
            assert TOKEN.encode() not in path.read_bytes() and encoded.encode() not in path.read_bytes(), path


def test_server_waits_share_one_max_wait_budget(run, connected):
    connected.retry_after = "2"
    connected.throttle_next = 20  # the count and the pages all meet 429s asking for 2 s: one wait fits in 3 s
    result = run("fetch", "jira.user_issues", "--max-wait", "3", "-f", "json")
    assert result.exit_code == 3 and "kept answering 429" in result.stderr, result.stderr
    assert 20 - connected.throttle_next <= 4  # one wait was spent, then both requests gave up
    connected.retry_after = "120"
    connected.throttle_next = 2  # the first page meets it (the count, sent alongside, may take the other)
    result = run("fetch", "jira.user_issues", "--max-wait", "3", "-f", "json")
    assert result.exit_code == 3 and "asks to wait 120s" in result.stderr and "--max-wait 121" in result.stderr


@pytest.mark.parametrize("suffix", ["#frag", "?", "/jira", "?x=1"])
def test_a_site_is_a_host_only(run, jira, no_keyring, suffix):
    result = run("connect", "jira", "--site", jira.site + suffix, "--email", EMAIL, "--with-token",
                 "--insecure-storage", stdin=TOKEN)
    assert result.exit_code == 2 and "is not a site" in result.stderr, result.stderr


def test_a_wrong_site_names_the_site(run, httpserver, no_keyring):
    import re

    httpserver.expect_request(re.compile(".*")).respond_with_data("Not a Jira site", status=404)
    result = run("connect", "jira", "--site", httpserver.url_for("").rstrip("/"), "--email", EMAIL,
                 "--with-token", "--insecure-storage", stdin=TOKEN)
    assert result.exit_code == 4 and "check --site" in result.stderr, result.stderr


def test_the_token_variable_alone_uses_the_stored_site_and_email(run, connected, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", TOKEN)
    result = run("fetch", "jira.user_issues", "--limit", "2", "-f", "json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)["issues"]) == 2, result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("fetch", "jira.user_issues", "--project", ""), "is not a Jira project key"),
    (("fetch", "jira.issues", "--project", "OPS", "--since", "2099-01-01T00:00:00Z"), "is in the future"),
])
def test_empty_and_impossible_options_are_refused(run, connected, args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
