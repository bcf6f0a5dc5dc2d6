"""``fetch github.user_issues`` and ``fetch github.issues`` against a loopback GitHub-compatible server."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from werkzeug import Response

from fake_github import TOKEN, FakeGitHub, make_issues
from intcli.base.env import Environment
from intcli.storage.state import load_state


@pytest.fixture
def github(httpserver, monkeypatch):
    """1000 assigned issues (plus 100 pull requests that must never show) behind GH_TOKEN + GITHUB_API_URL."""
    fake = FakeGitHub(make_issues(1100, pull_requests_every=11)).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    return fake


def expected_items(fake: FakeGitHub, **filters) -> list[dict]:
    items = [i for i in fake.issues if "pull_request" not in i]
    items.sort(key=lambda i: i["updated_at"], reverse=True)
    return items


def fetch_json(run, *args: str) -> dict:
    result = run("fetch", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_thousand_assigned_issues_exact_and_in_order(run, github):
    document = fetch_json(run, "github.user_issues")
    expected = expected_items(github)
    assert document["total"] == 1000 and document["truncated"] is False
    assert [i["id"] for i in document["issues"]] == [i["id"] for i in expected]
    first = document["issues"][0]
    assert first == {"id": 10_001, "number": 1, "title": "Issue 1", "repository": "acme/web",
                     "url": "https://github.example/acme/web/issues/1", "updatedAt": "2026-11-28T11:59:00Z",
                     "labels": [], "state": "open"}
    queries = [r.args for r in github.requests]
    assert len(queries) == 10
    assert queries[0]["q"] == "type:issue assignee:@me is:open"
    assert (queries[0]["sort"], queries[0]["order"], queries[0]["per_page"]) == ("updated", "desc", "100")
    assert sorted(int(q["page"]) for q in queries) == list(range(1, 11))
    assert all(r.headers["X-GitHub-Api-Version"] == "2022-11-28" for r in github.requests)


def test_more_than_the_search_cap_is_said(run, httpserver, monkeypatch):
    fake = FakeGitHub(make_issues(1234)).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    result = run("fetch", "github.user_issues", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert (len(document["issues"]), document["total"], document["truncated"]) == (1000, 1234, True)
    assert "at most 1000" in result.stderr
    assert len(fake.requests) == 10


@pytest.mark.parametrize(("limit", "requests"), [(5, 1), (150, 2), (1000, 10)])
def test_limit_fetches_only_what_is_needed(run, github, limit, requests):
    document = fetch_json(run, "github.user_issues", "--limit", str(limit))
    assert [i["id"] for i in document["issues"]] == [i["id"] for i in expected_items(github)][:limit]
    assert len(github.requests) == requests


def test_filters_become_search_qualifiers(run, github):
    github.issues[0]["state"] = "closed"
    github.issues[1]["assignees"] = [{"login": "hubot"}]
    document = fetch_json(run, "github.user_issues", "--repo", "acme/api", "--label", "bug", "--state", "all")
    assert github.requests[0].args["q"] == "type:issue assignee:@me repo:acme/api label:bug"
    assert document["issues"] and all(i["repository"] == "acme/api" and "bug" in i["labels"]
                                      for i in document["issues"])
    closed = fetch_json(run, "github.user_issues", "--state", "closed")
    assert [i["number"] for i in closed["issues"]] == [1]
    hubot = fetch_json(run, "github.user_issues", "--assignee", "hubot")
    assert [i["number"] for i in hubot["issues"]] == [2]


def test_formats(run, github):
    ndjson = run("fetch", "github.user_issues", "--limit", "3", "--format", "ndjson")
    lines = ndjson.stdout.splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["number"] == 1
    table = run("fetch", "github.user_issues", "--limit", "3", "--format", "csv", "--fields", "number,title,labels")
    rows = list(csv.reader(io.StringIO(table.stdout)))
    assert rows == [["number", "title", "labels"], ["1", "Issue 1", ""], ["2", "Issue 2", ""], ["3", "Issue 3", "bug"]]
    default = run("fetch", "github.user_issues", "--limit", "3")  # not a terminal: json
    assert json.loads(default.stdout)["total"] == 1000
    tty = run("fetch", "github.user_issues", "--limit", "3", tty=True)
    assert "Issue 1" in tty.stdout and "acme/web" in tty.stdout
    fields = fetch_json(run, "github.user_issues", "--limit", "2", "--fields", "url,number")
    assert fields["issues"][0] == {"url": "https://github.example/acme/web/issues/1", "number": 1}
    bad = run("fetch", "github.user_issues", "--fields", "number,nope")
    assert bad.exit_code == 2 and "nope" in bad.stderr


def test_repeat_fetch_is_served_by_304s_and_spends_no_rate_units(run, github, cache_dir):
    first = run("fetch", "github.user_issues", "--format", "json").stdout
    remaining = github.rate_remaining
    again = run("--verbose", "fetch", "github.user_issues", "--format", "json")
    assert again.exit_code == 0 and again.stdout == first
    assert github.not_modified == 10
    assert github.rate_remaining == remaining
    assert "304 Not Modified" in again.stderr
    for path in cache_dir.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes()
            assert oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("fault", [
    Response("bad gateway", 502), Response("unavailable", 503), Response("timeout", 504),
    Response('{"message": "slow down"}', 429, headers={"retry-after": "0"}),
    Response('{"message": "You have exceeded a secondary rate limit"}', 403, headers={"retry-after": "0"}),
])
def test_transient_failures_are_retried_visibly(run, github, fault):
    github.faults = {3: fault, 5: fault}
    result = run("--verbose", "fetch", "github.user_issues", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [i["id"] for i in json.loads(result.stdout)["issues"]] == [i["id"] for i in expected_items(github)]
    assert result.stderr.count("retrying GET /search/issues") == 2


def test_persistent_failure_is_exit_3(run, github):
    github.faults = {n: Response("unavailable", 503) for n in range(1, 20)}
    result = run("fetch", "github.user_issues")
    assert result.exit_code == 3
    assert "kept answering 503" in result.stderr and result.stdout == ""


def test_primary_rate_limit_waits_only_within_max_wait(run, github):
    reset = int(time.time()) + 1
    exhausted = Response('{"message": "API rate limit exceeded"}', 403,
                         headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})
    github.faults = {1: exhausted}
    waited = run("fetch", "github.user_issues", "--limit", "5")
    assert waited.exit_code == 0, waited.stderr
    github.requests.clear()
    far = int(time.time()) + 3600
    github.faults = {1: Response('{"message": "API rate limit exceeded"}', 403,
                                 headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(far)})}
    started = time.monotonic()
    result = run("fetch", "github.user_issues", "--max-wait", "30")
    assert time.monotonic() - started < 5
    assert result.exit_code == 3
    assert "rate limit exhausted" in result.stderr and "--max-wait" in result.stderr


def test_revoked_token_mid_run_is_exit_4_with_no_partial_output(run, github):
    github.revoke_after = 2
    result = run("fetch", "github.user_issues")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert "revoked" in result.stderr and "set GH_TOKEN to a valid token" in result.stderr  # where it came from


@pytest.mark.parametrize("body", ["{not json", '{"total_count": 1, "items": [{"id": 1}]}', "[]"])
def test_malformed_answers_are_exit_3(run, github, body):
    github.faults = {1: Response(body, 200, content_type="application/json")}
    result = run("fetch", "github.user_issues")
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_not_connected_is_exit_4(run, monkeypatch):
    monkeypatch.delenv("GH_TOKEN", raising=False)
    result = run("fetch", "github.user_issues")
    assert result.exit_code == 4
    assert "intcli connect github" in result.stderr


def test_unknown_capability_lists_known_ones(run):
    result = run("fetch", "github.isues")
    assert result.exit_code == 2
    assert "did you mean 'github.issues'" in result.stderr and "github.user_issues" in result.stderr


def test_options_that_do_not_apply_are_usage_errors(run, github):
    assert run("fetch", "github.user_issues", "--sync").exit_code == 2
    assert run("fetch", "github.issues", "--repo", "acme/api", "--sync", "--offline").exit_code == 2
    assert run("fetch", "github.issues", "--repo", "acme/api", "--label", "a,b").exit_code == 2
    assert run("fetch", "github.issues").exit_code == 2  # needs --repo
    assert run("fetch", "github.user_issues", "--state", "weird").exit_code == 2
    assert run("fetch", "github.user_issues", "--repo", "not a repo").exit_code == 2
    assert run("fetch", "github.issues", "--repo", "acme/api", "--since", "yesterday").exit_code == 2
    assert run("fetch", "github.user_issues", "--limit", "0").exit_code == 2


def test_app_access_rule(run, github):
    ok = run("fetch", "github.user_issues", "--app", "ai-admin-assistant", "--limit", "1")
    assert ok.exit_code == 0, ok.stderr
    undeclared = run("fetch", "github.user_issues", "--app", "github-timeline")
    assert undeclared.exit_code == 4 and "does not declare github.user_issues" in undeclared.stderr
    run("apps", "disable", "ai-admin-assistant", "--capability", "github.user_issues")
    switched = run("fetch", "github.user_issues", "--app", "ai-admin-assistant")
    assert switched.exit_code == 4 and "switched off for app ai-admin-assistant" in switched.stderr
    run("apps", "disable", "ai-admin-assistant")
    disabled = run("fetch", "github.user_issues", "--app", "ai-admin-assistant")
    assert disabled.exit_code == 4 and "app ai-admin-assistant is switched off" in disabled.stderr
    unknown = run("fetch", "github.user_issues", "--app", "nope")
    assert unknown.exit_code == 2


def test_use_updates_last_used(run, github):
    assert "github" not in load_state(Environment()).last_used
    run("fetch", "github.user_issues", "--limit", "1")
    assert "github" in load_state(Environment()).last_used
    status = json.loads(run("status", "--json").stdout)
    assert status["connections"]["github"]["lastUsed"] is not None


def test_stored_token_from_the_vault(run, httpserver, monkeypatch, no_keyring):
    fake = FakeGitHub(make_issues(3)).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    assert run("connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN).exit_code == 0
    monkeypatch.delenv("GITHUB_API_URL")  # the connection remembers its API
    document = fetch_json(run, "github.user_issues")
    assert len(document["issues"]) == 3
    assert fake.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"


# -- github.issues ---------------------------------------------------------------------------------------------------
def repo_items(fake: FakeGitHub, repo: str, state: str = "open") -> list[dict]:
    items = [i for i in fake.issues if i["repository_url"].endswith(repo) and "pull_request" not in i
             and (state == "all" or i["state"] == state)]
    return sorted(items, key=lambda i: i["updated_at"], reverse=True)


def test_repository_issues_follow_link_pagination_without_pull_requests(run, github):
    document = fetch_json(run, "github.issues", "--repo", "acme/api")
    assert [i["id"] for i in document["issues"]] == [i["id"] for i in repo_items(github, "acme/api")]
    assert document["total"] == len(document["issues"]) == 500
    assert len(github.requests) == 6  # 550 items incl. 50 pull requests: 6 pages of 100


def test_repository_issues_since_and_state(run, github):
    github.issues[1]["state"] = "closed"  # number 2, in acme/api
    document = fetch_json(run, "github.issues", "--repo", "acme/api", "--since", "2026-11-28T11:50:00Z",
                          "--state", "all")
    assert [i["number"] for i in document["issues"]] == [2, 4, 6, 8, 10]
    assert github.requests[0].args["since"] == "2026-11-28T11:50:00Z"


def test_unknown_repository_is_exit_4(run, github):
    result = run("fetch", "github.issues", "--repo", "acme/nothing")
    assert result.exit_code == 4
    assert "not found" in result.stderr


def copy_rows(repo: str = "acme/api") -> dict[int, dict]:
    """The local copy's issues of ``repo``, read straight from its database."""
    import sqlite3

    (path,) = (Environment().cache_dir / "sync" / "github").glob("*.sqlite3")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, item FROM issues WHERE repo = ?", (repo,)).fetchall()
    return {key: json.loads(item) for key, item in rows}


def as_items(raws: list[dict]) -> list[dict]:
    from intcli.providers.github.issues import to_item

    return [to_item(raw) for raw in raws]


def now_iso(seconds: int = 0) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_sync_after_changes_and_closures_is_exact_and_a_quiet_sync_writes_nothing(run, github):
    first = fetch_json(run, "github.issues", "--repo", "acme/api", "--sync", "--state", "all")
    assert first["issues"] == as_items(repo_items(github, "acme/api", "all"))
    first_pages = [r for r in github.requests if "since" not in r.args]
    assert {r.args["direction"] for r in first_pages} == {"desc"} and len(first_pages) == 6  # 550 incl. PRs
    mine = repo_items(github, "acme/api", "all")
    for n, issue in enumerate(mine[100:150]):  # 50 changes, 5 of them closures
        issue.update(title=f"{issue['title']} (edited)", updated_at=now_iso(n),  # distinct times: the order is defined
                     labels=[{"name": "edited"}], state="closed" if n % 10 == 0 else "open")
    github.issues.append({**make_issues(1, start=2000)[0], "updated_at": now_iso(60),
                          "repository_url": "https://api.github.example/repos/acme/api"})
    github.requests.clear()
    second = run("fetch", "github.issues", "--repo", "acme/api", "--sync", "--state", "all", "-f", "json")
    assert second.exit_code == 0 and "51 issues changed" in second.stderr
    assert all(r.args["direction"] == "asc" and "since" in r.args for r in github.requests)
    expected = as_items(repo_items(github, "acme/api", "all"))
    assert json.loads(second.stdout)["issues"] == expected
    assert sorted(copy_rows().values(), key=lambda i: i["id"]) == sorted(expected, key=lambda i: i["id"])
    open_only = fetch_json(run, "github.issues", "--repo", "acme/api", "--sync")
    assert open_only["issues"] == as_items(repo_items(github, "acme/api", "open"))
    assert len(open_only["issues"]) == 501 - 5

    (database,) = (Environment().cache_dir / "sync" / "github").glob("*.sqlite3")
    before = (database.stat().st_mtime_ns, database.read_bytes())
    github.requests.clear()
    quiet = run("fetch", "github.issues", "--repo", "acme/api", "--sync", "--state", "all", "-f", "json")
    assert quiet.exit_code == 0 and "0 issues changed" in quiet.stderr
    assert json.loads(quiet.stdout)["issues"] == expected and len(github.requests) == 1
    assert (database.stat().st_mtime_ns, database.read_bytes()) == before  # nothing written


def test_interrupted_first_sync_resumes_and_lists_every_issue_once(run, github):
    github.faults = {n: Response("unavailable", 503) for n in range(4, 60)}  # pages 1-3 work, then GitHub fails
    failed = run("fetch", "github.issues", "--repo", "acme/api", "--sync", "--state", "all")
    assert failed.exit_code == 3 and failed.stdout == ""
    partial = copy_rows()
    newest_first = [i["id"] for i in repo_items(github, "acme/api", "all")]
    assert 0 < len(partial) < 500
    assert set(partial) == set(newest_first[:len(partial)])  # whole pages, in order: nothing else
    github.faults = {}
    github.requests.clear()
    resumed = fetch_json(run, "github.issues", "--repo", "acme/api", "--sync", "--state", "all")
    assert int(github.requests[0].args["page"]) > 1  # it went on from the last committed page
    assert [i["id"] for i in resumed["issues"]] == newest_first
    assert sorted(copy_rows()) == sorted(newest_first)


def test_damaged_sync_copy_is_moved_aside_and_fetched_again(run, github):
    first = fetch_json(run, "github.issues", "--repo", "acme/api", "--sync")
    (copy,) = (Environment().cache_dir / "sync" / "github").glob("*.sqlite3")
    copy.write_bytes(b"{broken" * 1000)
    result = run("fetch", "github.issues", "--repo", "acme/api", "--sync", "--format", "json")
    assert result.exit_code == 0 and "was damaged" in result.stderr
    assert json.loads(result.stdout) == first
    assert copy.with_name(copy.name + ".damaged").read_bytes() == b"{broken" * 1000  # kept, never overwritten


def test_an_issue_edited_during_a_first_sync_is_caught_up(run, github):
    """An edit moves an issue to the front while later pages are fetched: the catch-up from the start brings it."""
    def edit_the_oldest_issue(number: int) -> None:
        if number == 1:  # right after page 1 was served
            oldest = repo_items(github, "acme/api", "all")[-1]
            oldest.update(updated_at=now_iso(), title="edited during the sync")

    github.on_request = edit_the_oldest_issue
    document = fetch_json(run, "github.issues", "--repo", "acme/api", "--sync", "--state", "all")
    assert document["issues"] == as_items(repo_items(github, "acme/api", "all"))
    assert document["issues"][0]["title"] == "edited during the sync"


def test_an_old_json_copy_is_imported_once(run, github):
    from intcli.providers.github.sync import json_copy_path

    mine = as_items(repo_items(github, "acme/api", "all"))
    cursor = mine[0]["updatedAt"]
    old = json_copy_path(Environment(), github.base.split("/")[2], "acme/api")
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({"version": 1, "repository": "acme/api", "cursor": cursor,
                               "issues": {str(i["id"]): i for i in mine}}))
    document = fetch_json(run, "github.issues", "--repo", "acme/api", "--sync", "--state", "all")
    assert document["issues"] == mine
    assert [r.args.get("since") for r in github.requests] == [cursor]  # no first sync: the copy went on
    assert not old.exists()


def test_offline_answers_from_the_copy_without_the_network(run, github):
    missing = run("fetch", "github.issues", "--repo", "acme/api", "--offline")
    assert missing.exit_code == 5 and "--sync" in missing.stderr and missing.stderr.count("\n") == 1
    fetch_json(run, "github.issues", "--repo", "acme/api", "--sync")
    github.requests.clear()
    bugs = fetch_json(run, "github.issues", "--repo", "acme/api", "--offline", "--label", "bug",
                      "--since", "2026-11-28T10:00:00Z")
    expected = [i for i in as_items(repo_items(github, "acme/api")) if "bug" in i["labels"]
                and i["updatedAt"] >= "2026-11-28T10:00:00Z"]
    assert bugs["issues"] == expected and len(expected) > 5
    assert fetch_json(run, "github.issues", "--repo", "acme/api", "--offline", "--state", "closed")["issues"] == []
    assert github.requests == []
    other = run("fetch", "github.issues", "--repo", "acme/web", "--offline")
    assert other.exit_code == 5 and "--repo acme/web --sync" in other.stderr


def test_json_is_a_shortcut_for_format_json(run, httpserver, monkeypatch):
    FakeGitHub(make_issues(3)).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    shortcut = run("fetch", "github.user_issues", "--json")
    assert shortcut.exit_code == 0 and shortcut.stdout == run("fetch", "github.user_issues", "-f", "json").stdout
    clash = run("fetch", "github.user_issues", "--json", "--format", "csv")
    assert clash.exit_code == 2 and "--json and --format csv disagree" in clash.stderr
