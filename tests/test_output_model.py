"""Issue 13: one output model for every command (--format, --json, --jq), tables that never lose or change data at
80 and 60 columns, one-line usage errors, global flags anywhere, and an honest `status` (--verify, --check)."""

from __future__ import annotations

import json

import pytest

from conftest import write_config
from fake_github import TOKEN, FakeGitHub, make_issues, serve_user
from intcli.render.tables import TEXT_MIN, Column, fit, truncate

LONG = "A title long enough that no narrow terminal can show it whole: " + "word " * 30


@pytest.fixture
def github(httpserver, monkeypatch):
    issues = make_issues(12, repos=("octo-organisation/a-repository-with-a-long-name", "acme/web"))
    for index, issue in enumerate(issues):
        issue["title"] = f"{index} {LONG}" if index % 2 else f"short {index}"
        issue["labels"] = [{"name": "good first issue"}, {"name": "needs-triage"}] if index % 3 == 0 else []
    fake = FakeGitHub(issues).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    return fake


def table_lines(run, *args: str, columns: int) -> list[str]:
    result = run(*args, "--format", "table", extra_env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


def row_cells(line: str, header: str, names: list[str]) -> dict[str, str]:
    """Cut a table line into its cells by the header's column starts (columns are left-aligned)."""
    starts = [header.index(name) for name in names]
    ends = [*starts[1:], None]
    return {name: line[start:end].rstrip() for name, start, end in zip(names, starts, ends, strict=True)}


@pytest.mark.parametrize("columns", [80, 60])
def test_fetch_table_keeps_every_key_whole_and_only_cuts_the_title(run, github, columns):
    document = json.loads(run("fetch", "github.user_issues", "--format", "json").stdout)
    lines = table_lines(run, "fetch", "github.user_issues", columns=columns)
    assert lines[0] == "github.user_issues: 12 issues"
    header, rows = lines[1], lines[2:]
    names = header.split()
    assert names[:2] == ["number", "title"] and "labels" not in names  # the optional column went first
    assert len(rows) == len(document["issues"])
    titles = []
    for line, issue in zip(rows, document["issues"], strict=True):
        assert len(line) <= columns, line
        cells = row_cells(line, header, names)
        assert cells["number"] == str(issue["number"])
        for name in set(names) - {"number", "title"}:
            assert cells[name] == issue[name], (name, line)  # keys, names and dates are whole and unchanged
        title = cells["title"]
        titles.append(title)
        assert title == issue["title"] or (title.endswith("…") and issue["title"].startswith(title[:-1]))
    assert any(title.endswith("…") for title in titles)  # the long titles were cut, not wrapped
    if columns == 80:
        assert "repository" in names


def test_a_wide_terminal_shows_every_default_column(run, github):
    lines = table_lines(run, "fetch", "github.user_issues", columns=250)
    assert lines[1].split() == ["number", "title", "repository", "updatedAt", "labels"]
    assert "good first issue, needs-triage" in "\n".join(lines)


def test_explicit_fields_are_never_left_out(run, github):
    lines = table_lines(run, "fetch", "github.user_issues", "--fields", "number,labels,repository,title", columns=60)
    assert lines[1].split() == ["number", "labels", "repository", "title"]


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("command", [("status",), ("registry",), ("apps",), ("config", "path")])
def test_every_table_keeps_ids_whole_on_one_line(run, github, command, columns):
    document = json.loads(run(*command, "--format", "json").stdout)
    text = "\n".join(table_lines(run, *command, columns=columns))
    ids: list[str] = []
    if command == ("status",):
        ids = [r["capability"] for app in document["apps"] for r in app["requirements"]]
        ids += [app["id"] for app in document["apps"]] + list(document["connections"])
    elif command == ("registry",):
        ids = [c["id"] for c in document["capabilities"]] + [p["id"] for p in document["providers"]]
    elif command == ("apps",):
        ids = [app["id"] for app in document["apps"]]
        ids += [r["capability"] for app in document["apps"] for r in app["requires"] + app["optional"]]
    else:
        ids = list(document.values())
    for value in ids:
        assert any(value in line.split() for line in text.splitlines()), (value, text)
    if command != ("config", "path"):  # a path is a key longer than the terminal: printed whole, never cut
        assert all(len(line) <= columns for line in text.splitlines()), text  # one line per row, none wider


def test_fit_drops_optional_columns_before_cutting_text_below_the_floor():
    columns = [Column("id"), Column("title", text=True), Column("extra", drop=1), Column("when", drop=2)]
    assert fit(columns, [5, 50, 10, 20], 200) == [5, 50, 10, 20]
    widths = fit(columns, [5, 50, 10, 20], 60)
    assert widths[0] == 5 and widths[2] is None and widths[3] == 20 and widths[1] == 60 - 5 - 20 - 4
    narrow = fit(columns, [5, 50, 10, 20], 20)
    assert narrow == [5, 20 - 5 - 2, None, None]
    assert fit(columns, [5, 50, 10, 20], 8)[1] == TEXT_MIN  # keys never shrink: the line gets wider instead
    assert truncate("abcdef", 4) == "abc…" and truncate("abc", 4) == "abc"
    assert truncate("日本語のタイトル", 6) == "日本…"  # a wide character that does not fit is left out, not padded


def test_table_cells_are_inert_and_not_rewritten(run, httpserver, monkeypatch):
    issues = make_issues(1)
    issues[0]["title"] = "a; b \x1b]0;owned\x07 [bold]x[/bold] :smile:"
    FakeGitHub(issues).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    out = "\n".join(table_lines(run, "fetch", "github.user_issues", columns=200))
    assert "a; b ^[]0;owned^G [bold]x[/bold] :smile:" in out
    assert "\x1b" not in out and "\x07" not in out


# -- one output model ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command, expression, expected", [
    (("status",), ".schemaVersion", "2"),
    (("registry",), "[.providers[].id] | join(\",\")", "github,google,jira"),
    (("apps",), ".apps[0].id", "ai-admin-assistant"),
    (("config", "path"), ".state | endswith(\"state\")", "true"),
    (("fetch", "github.user_issues"), ".issues | length", "12"),
    (("fetch", "github.user_issues"), ".issues[0].title", "short 0"),
])
def test_every_command_takes_jq(run, github, command, expression, expected):
    result = run(*command, "--jq", expression)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected + "\n"


def test_summary_takes_format_json_and_jq(run, github, config_dir):
    write_config(config_dir, '[app_settings.github-timeline.options]\nrepositories = ["acme/web"]\n')
    result = run("summary", "--app", "github-timeline", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["app"] == "github-timeline"
    assert run("summary", "--app", "github-timeline", "--jq", ".app").stdout == "github-timeline\n"
    assert run("summary", "--app", "github-timeline", "--format", "rich", "--jq", ".app").exit_code == 2


@pytest.mark.parametrize("command", [("status",), ("registry",), ("apps",), ("config", "path"),
                                     ("fetch", "github.user_issues")])
def test_json_is_a_shortcut_for_format_json(run, github, command):
    assert json.loads(run(*command, "--json").stdout) == json.loads(run(*command, "--format", "json").stdout) or \
        command == ("status",)  # status carries its generation time


def test_a_bad_jq_expression_is_a_usage_error_before_any_request(run, github):
    result = run("fetch", "github.user_issues", "--jq", ".issues[")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("intcli: error: --jq '.issues[' is not a valid jq expression")
    assert len(result.stderr.strip().splitlines()) == 1
    assert github.requests == []
    failing = run("status", "--jq", ".apps | tonumber")
    assert failing.exit_code == 2 and "failed on the output" in failing.stderr


def test_format_names_what_the_command_can_write(run):
    result = run("status", "--format", "csv")
    assert result.exit_code == 2
    assert result.stderr.strip() == "intcli: error: --format 'csv' is not one of table, json — e.g. --format json"


def test_fetch_markdown_escapes_and_links(run, github):
    result = run("fetch", "github.user_issues", "--format", "markdown", "--limit", "2")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "**github.user\\_issues: 2 of 12**"
    assert lines[2].startswith("| number | title | repository |")
    assert "[short 0](https://github.example/" in result.stdout


# -- usage errors and global flags -----------------------------------------------------------------------------------
@pytest.mark.parametrize("args, start", [
    (("status", "--bogus"), "intcli: error: no such option: --bogus"),
    (("status", "--chek"), "intcli: error: no such option: --chek — did you mean --check?"),
    (("fetch", "github.user_issues", "--limit", "x"), "intcli: error: invalid value for '--limit'"),
    (("apps", "enable"), "intcli: error: missing argument 'APP'"),
    (("bogus",), "intcli: error: no such command 'bogus'"),
])
def test_usage_errors_are_one_line(run, args, start):
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(start), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "╭" not in result.stderr


def test_usage_errors_from_the_installed_command(run_process):
    result = run_process("fetch", "github.user_issues", "--limit", "x")
    assert result.returncode == 2
    assert result.stderr.startswith("intcli: error: invalid value for '--limit'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_global_flags_go_anywhere(run):
    late = run("status", "--bogus", "--debug")
    assert late.exit_code == 2 and "Traceback" in late.stderr  # --debug after the subcommand still counts
    assert run("status", "--json", "--verbose").exit_code == 0
    assert run("status", "-v", "--json").exit_code == 0


def test_help_reads_as_words(run):
    text = run("fetch", "github.user_issues", "--help").stdout
    assert "<str>" not in text and "<bool>" not in text and "list[str]" not in text and "\\[" not in text
    assert "-a, --app APP" in text and "-n, --limit N" in text and "-R, --repo OWNER/NAME" in text
    assert "Examples:" in text and "intcli fetch github.user_issues -R acme/api --label bug" in text
    for command in (("status",), ("registry",), ("apps",), ("summary",), ("send", "google.gmail"),
                    ("connect", "github"), ("connect", "jira"), ("connect", "google"), ("config", "path"),
                    ("mcp",), ("disconnect",), ("apps", "enable"), ("apps", "disable")):
        assert "Examples:" in run(*command, "--help").stdout, command


# -- words -----------------------------------------------------------------------------------------------------------
def test_app_states_never_reuse_the_switch_words(run):
    document = json.loads(run("status", "--json").stdout)
    assert {app["id"]: app["state"] for app in document["apps"]} == {"ai-admin-assistant": "blocked",
                                                                     "github-timeline": "blocked"}
    assert run("apps", "disable", "github-timeline").stderr == "app github-timeline switched off\n"
    assert json.loads(run("status", "--json", "--app", "github-timeline").stdout)["apps"][0]["state"] == "off"
    enabled = run("apps", "enable", "github-timeline")
    assert enabled.stderr.splitlines() == [
        "app github-timeline switched on",
        "intcli: note: github-timeline is blocked: github.issues (GitHub is not connected) unavailable — run "
        "`intcli connect github`"]


# -- honest status ---------------------------------------------------------------------------------------------------
def test_an_environment_token_is_marked_unchecked_offline(run, httpserver, monkeypatch):
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    github = json.loads(run("status", "--json").stdout)["connections"]["github"]
    assert github["host"] == f"127.0.0.1:{httpserver.port}"
    assert (github["expiryKnown"], github["checked"], github["valid"]) == (False, False, None)
    table = run("status", "--format", "table", extra_env={"COLUMNS": "200"}).stdout
    github_line = next(line for line in table.splitlines() if line.startswith("github "))
    assert "not checked" in github_line and "unknown" in github_line and f"127.0.0.1:{httpserver.port}" in github_line
    assert httpserver.log == []  # offline by default


def test_check_rejects_a_variable_that_holds_no_token(run):
    result = run("status", "--check", extra_env={"GH_TOKEN": "not a token"})
    assert result.exit_code == 4
    assert "GH_TOKEN" in result.stderr and result.stderr.startswith("intcli: error: github:")


def test_check_rejects_a_revoked_token_and_passes_a_good_one(run, httpserver, monkeypatch):
    serve_user(httpserver, token=TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    write_off = run("apps", "disable", "ai-admin-assistant")  # it needs Google, which is not connected here
    assert write_off.exit_code == 0
    monkeypatch.setenv("GH_TOKEN", "ghp_revokedTOKEN0123456789abcdefghijklmn")
    revoked = run("status", "--check")
    assert revoked.exit_code == 4
    assert "GH_TOKEN" in revoked.stderr and "rejected the token" in revoked.stderr
    assert "ghp_revoked" not in revoked.stderr + revoked.stdout
    document = json.loads(run("status", "--verify", "--json").stdout)
    assert document["connections"]["github"]["valid"] is False
    requirement = document["apps"][1]["requirements"][0]
    assert (requirement["available"], requirement["reason"]) == (False, "rejected")
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    good = run("status", "--check", "--json")
    assert good.exit_code == 0, good.stderr
    github = json.loads(good.stdout)["connections"]["github"]
    assert (github["valid"], github["account"], github["scopes"]) == (True, "octocat", ["repo", "read:user"])


def test_check_says_when_a_service_cannot_be_reached(run, monkeypatch):
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9/api/v3")  # discard port: nothing listens
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    run("apps", "disable", "ai-admin-assistant")
    result = run("status", "--check")
    assert result.exit_code == 3
    assert "could not be checked" in result.stderr


# -- progress that informs -------------------------------------------------------------------------------------------
def test_retries_report_themselves_on_the_progress_line():
    from intcli.base.env import Environment
    from intcli.base.errors import UpstreamError
    from intcli.net.http import RETRY_ATTEMPTS, Retryable, with_retries

    said: list[str] = []
    env = Environment(environ={}, progress=said.append)
    answers = iter([Retryable("503", UpstreamError("gave up")), Retryable("ConnectError", UpstreamError("gave up"))])

    def send() -> str:
        failure = next(answers, None)
        if failure is not None:
            raise failure
        return "ok"

    assert with_retries(env, "GET /search/issues", send) == "ok"
    assert said == [f"retrying GET /search/issues after 503 (2 of {RETRY_ATTEMPTS})",
                    f"retrying GET /search/issues after ConnectError (3 of {RETRY_ATTEMPTS})"]


def test_titles_are_links_on_a_terminal(run, github):
    result = run("fetch", "github.user_issues", "--limit", "1", tty=True, extra_env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    assert "\x1b]8;" in result.stdout and "https://github.example/" in result.stdout


def test_jq_cannot_read_a_credential_from_the_environment(run, monkeypatch):
    token = "ghp_" + "e" * 36
    monkeypatch.setenv("GH_TOKEN", token)  # jq reads the process environment itself
    monkeypatch.setenv("JIRA_API_TOKEN", "j" * 24)
    for command in (("status",), ("registry",), ("apps",), ("config", "path")):
        result = run(*command, "--jq", "$ENV.GH_TOKEN")
        assert result.exit_code == 0 and result.stdout == "[redacted]\n", command
        everything = run(*command, "--jq", "env")
        assert token not in everything.stdout and "j" * 24 not in everything.stdout


def test_jq_results_stream(run):
    result = run("status", "--jq", "limit(3; repeat(1))")
    assert result.stdout == "1\n1\n1\n"


def test_check_fails_an_app_in_error_and_passes_a_provider_without_an_online_check(run, config_dir):
    write_config(config_dir, """
[apps.digest]
name = "Digest"

[[apps.digest.optional]]
capability = "jira.user_issues"
purpose = "Mine."
fallback = "error"
""")
    result = run("status", "--check", "--app", "digest")
    assert result.exit_code == 4 and "digest lacks a required capability" in result.stderr


def test_check_rejects_a_missing_service_account_key(run, tmp_path):
    result = run("status", "--check", "--app", "ai-admin-assistant",
                 extra_env={"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing.json")})
    assert result.exit_code == 4 and "GOOGLE_APPLICATION_CREDENTIALS" in result.stderr
    assert json.loads(result.stdout)["connections"]["google"]["valid"] is False


def test_a_wrong_field_is_refused_before_any_request(run, github):
    result = run("fetch", "github.user_issues", "--fields", "number,colour")
    assert result.exit_code == 2 and "unknown field colour for --fields" in result.stderr
    assert "choose from: id, number, title" in result.stderr
    assert github.requests == []
