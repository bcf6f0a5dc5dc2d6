"""The head start of ``fetch`` (``intcli.head_start``): the first request leaves before Typer parses the line, is
asked once only, and never changes what the command does or prints."""

from __future__ import annotations

import json

import pytest

from fake_github import TOKEN, FakeGitHub, make_issues
from intcli.env import Environment
from intcli.head_start import SHARED, plan
from intcli.providers import capability_spec


@pytest.fixture
def github(httpserver, monkeypatch, isolated):
    fake = FakeGitHub(make_issues(240, repos=("acme/api",))).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    return fake


@pytest.fixture
def starts(monkeypatch):
    """The requests sent ahead (``HTTP.start``), recorded on their way through."""
    from intcli.http import HTTP

    seen: list[str] = []
    original = HTTP.start

    def start(self, method, url, **kwargs):
        seen.append(url)
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(HTTP, "start", start)
    return seen


def pages_asked(fake: FakeGitHub) -> list[str]:
    return sorted(f"{request.path} page {request.args.get('page')}" for request in fake.requests)


@pytest.mark.parametrize("args", [
    ("fetch", "github.user_issues", "--format", "json"),
    ("fetch", "github.user_issues", "-n", "150", "--state=open", "--fields", "number,title", "--json"),
    ("fetch", "github.issues", "-R", "acme/api", "--label", "bug", "-f", "ndjson"),
])
def test_the_first_request_goes_ahead_once_and_changes_nothing(run, github, starts, monkeypatch, tmp_path, args):
    with_head_start = run(*args)
    assert with_head_start.exit_code == 0, with_head_start.stderr
    assert len(starts) == 1
    asked = pages_asked(github)
    assert len(asked) == len(set(asked)), "a page was asked twice"
    github.requests.clear()
    monkeypatch.setenv("INTCLI_HEAD_START", "0")
    monkeypatch.setenv("INTCLI_CACHE_DIR", str(tmp_path / "cold"))  # a cold cache again: the same requests
    without = run(*args)
    assert (without.exit_code, without.stdout, without.stderr) == (0, with_head_start.stdout, with_head_start.stderr)
    assert pages_asked(github) == asked and len(starts) == 1


def test_a_rejected_token_is_reported_once_by_the_fetch(run, github, starts, monkeypatch):
    monkeypatch.setenv("GH_TOKEN", "ghp_" + "r" * 36)  # not the fake's token: 401
    result = run("fetch", "github.user_issues")
    assert result.exit_code == 4 and result.stderr.count("\n") == 1 and "GH_TOKEN" in result.stderr, result.stderr
    assert len(starts) == 1 and len(github.requests) == 1  # the early request was the fetch's one request


@pytest.mark.parametrize("words", [
    ["--jq", ".issues"],  # checked before any request: no early one either
    ["--app", "daily-summary"], ["-a", "daily-summary"],
    ["--limit", "0"], ["-n", "x"], ["-n5"], ["--max-wait", "nan"], ["--max-wait", "4000"],
    ["--fields", "number,nope"], ["--format", "xml"], ["--json", "--format", "csv"],
    ["--state", "maybe"], ["--assignee", "-x"], ["--unknown"], ["extra"], ["--help"], ["-h"], ["--"],
    ["--state", "open", "--state", "closed"], ["--format", "json", "-f", "csv"], ["--repo"],
])
def test_a_line_it_does_not_fully_understand_gets_no_head_start(words):
    assert plan(Environment(environ={}), "github.user_issues", words) is None


def test_no_head_start_where_the_first_request_is_not_known_yet():
    env = Environment(environ={})
    assert plan(env, "google.drive", []) is None  # no head_start handler
    assert plan(env, "github.nothing", []) is None


@pytest.mark.parametrize("words", [
    ["--sync"], ["--offline"], ["--since", "7d"], ["--label", "a,b"],
])
def test_repository_issues_start_only_without_sync_offline_or_since(run, github, starts, words):
    result = run("fetch", "github.issues", "--repo", "acme/api", *words)
    assert starts == []
    assert result.exit_code in (0, 2, 5), result.stderr


@pytest.mark.parametrize(("capability", "words"), [
    ("github.user_issues", []),
    ("github.user_issues", ["-R", "acme/api", "--repo=acme/web", "-l", "bug", "--assignee", "octocat", "-n", "7",
                            "--max-wait", "5", "--csv-raw", "--format", "csv"]),
    ("github.issues", ["--repo", "acme/api", "--state", "all", "--limit=30", "--json"]),
])
def test_the_planned_request_is_the_one_the_command_builds(run, github, monkeypatch, capability, words):
    """Read by Typer and by the head start, the same line gives the same FetchRequest."""
    import intcli.fetch

    built = []

    def capture(env, request):
        built.append(request)
        raise SystemExit(0)

    monkeypatch.setattr(intcli.fetch, "run_fetch", capture)
    monkeypatch.setenv("INTCLI_HEAD_START", "0")
    run("fetch", capability, *words)
    planned = plan(Environment(environ={}), capability, words)
    assert planned is not None and len(built) == 1
    assert (planned.capability, planned.app, planned.limit, planned.max_wait, planned.options) == \
        (built[0].capability, built[0].app, built[0].limit, built[0].max_wait, built[0].options)


def test_the_head_start_knows_every_option_of_the_fetch_commands():
    """An option added to ``fetch`` must be known here too (or deliberately left out), or lines using it would
    silently lose their head start."""
    import typer.main

    from intcli.cli import load_commands
    from intcli.cli.app import app

    load_commands(["fetch"])
    group = typer.main.get_command(app).commands["fetch"]  # type: ignore[attr-defined]
    left_out = {"--app", "-a", "--jq", "--help", "-h"}
    for name in ("github.user_issues", "github.issues"):
        spec = capability_spec(name)
        assert spec is not None and spec.head_start
        own = {flag for option in spec.options for flag in option.flags}
        flags = {flag for param in group.commands[name].params for flag in (*param.opts, *param.secondary_opts)}
        assert flags - own - left_out == set(SHARED), name


def test_json_of_a_head_started_fetch_is_exact(run, github):
    result = run("fetch", "github.user_issues", "--format", "json")
    document = json.loads(result.stdout)
    assert len(document["issues"]) == 240 and document["total"] == 240


@pytest.mark.parametrize("args", [
    ("fetch", "github.issues", "-R", "acme/api", "-R", "not a repo"),
    ("fetch", "github.issues", "-R", "acme/api", "--sync", "--offline"),
    ("fetch", "github.issues", "-R", "acme/api", "--since", "yesterday-ish"),
    ("fetch", "github.user_issues", "--assignee", "not a login"),
    ("fetch", "github.user_issues", "--fields", "number,nope"),
])
def test_a_line_the_fetch_refuses_sends_nothing_early(run, github, starts, args):
    result = run(*args)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert starts == [] and github.requests == []


def test_warnings_about_broken_plugins_are_given_once_with_a_head_start(run, github, starts, monkeypatch):
    import intcli.providers

    monkeypatch.setattr(intcli.providers, "plugin_problems", [("broken (brokenplug)", "it failed to load: X")])
    result = run("fetch", "github.user_issues", "--format", "json")
    assert result.exit_code == 0 and len(starts) == 1
    assert result.stderr.count("ignored the provider plugin broken (brokenplug)") == 1, result.stderr


def test_a_debug_traceback_shows_the_fetch_not_the_head_start(run, github, monkeypatch):
    monkeypatch.setenv("GH_TOKEN", "ghp_" + "r" * 36)  # rejected: 401
    result = run("fetch", "github.user_issues", "--debug")
    assert result.exit_code == 4 and "Traceback" in result.stderr
    assert "head_start" not in result.stderr


@pytest.mark.parametrize("off", ["0", "false", "off", "No"])
def test_intcli_head_start_switches_it_off(run, github, starts, monkeypatch, off):
    monkeypatch.setenv("INTCLI_HEAD_START", off)
    assert run("fetch", "github.user_issues").exit_code == 0
    assert starts == []


def test_the_same_request_started_twice_is_sent_once(github):
    from intcli.http import client

    env = Environment(environ={"INTCLI_CACHE_DIR": "/nonexistent"})
    with client(env, github.base + "api/v3", {"Authorization": f"Bearer {TOKEN}"}) as http:
        http.start("GET", "/search/issues?q=assignee:@me")
        http.start("GET", "/search/issues?q=assignee:@me")
        assert json.loads(http.get("/search/issues?q=assignee:@me").content)["total_count"] == 240
    assert len(github.requests) == 1
