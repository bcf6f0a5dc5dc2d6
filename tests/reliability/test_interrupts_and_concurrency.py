"""Ctrl-C leaves every file valid and the next run continues; eight intcli processes at once lose nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from servers import SlowGitHub

from fake_github import TOKEN, FakeGitHub, make_issues
from intcli.base.env import Environment
from intcli.storage.state import load_state


def intcli(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.Popen:
    """intcli as its own process; with ``stdin`` the text is written and closed at once (stdout is dropped)."""
    process = subprocess.Popen([sys.executable, "-m", "intcli", *args], env=env, text=True,
                               stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                               stdout=subprocess.PIPE if stdin is None else subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    if stdin is not None:
        process.stdin.write(stdin)
        process.stdin.close()
        process.stdin = None
    return process


@pytest.fixture
def slow_github(isolated):
    server = SlowGitHub(FakeGitHub(make_issues(1100, pull_requests_every=11)), delay=0.3)
    yield server
    server.stop()


def process_env(server: SlowGitHub) -> dict[str, str]:
    return {**os.environ, "GH_TOKEN": TOKEN, "GITHUB_API_URL": server.api_url}


def all_json_files_valid(root: Path) -> None:
    for path in root.rglob("*.json"):
        json.loads(path.read_text())  # raises if any file is torn


def copied_ids(repo: str = "acme/api") -> list[int]:
    """The issue ids in the sync copy (read-only, as another process would)."""
    import sqlite3

    paths = list((Environment().cache_dir / "sync" / "github").glob("*.sqlite3"))
    if not paths:
        return []
    db = sqlite3.connect(f"file:{paths[0]}?mode=ro", uri=True, timeout=30)
    try:
        return [key for (key,) in db.execute("SELECT id FROM issues WHERE repo = ?", (repo,))]
    except sqlite3.OperationalError:  # the tables are not there yet
        return []
    finally:
        db.close()


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_a_first_sync_interrupted_mid_way_resumes_and_lists_every_issue_once(slow_github, isolated, how):
    env = process_env(slow_github)
    process = intcli("fetch", "github.issues", "--repo", "acme/api", "--sync", "--state", "all", env=env)
    deadline = time.monotonic() + 30
    while not copied_ids() and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until the first page is committed
    time.sleep(0.2)
    process.send_signal(how)
    _, stderr = process.communicate(timeout=30)
    if how == signal.SIGINT:
        assert process.returncode == 130, stderr
        assert "interrupted" in stderr and "Traceback" not in stderr
    all_json_files_valid(isolated)
    partial = copied_ids()
    assert 0 < len(partial) < 500 and len(partial) == len(set(partial))

    again = intcli("fetch", "github.issues", "--repo", "acme/api", "--sync", "--state", "all", "-f", "json", env=env)
    stdout, stderr = again.communicate(timeout=60)
    assert again.returncode == 0, stderr
    ids = [issue["id"] for issue in json.loads(stdout)["issues"]]
    expected = {i["id"] for i in slow_github.fake.issues if i["repository_url"].endswith("acme/api")
                and "pull_request" not in i}
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert sorted(copied_ids()) == sorted(expected)


def test_ctrl_c_during_a_fetch_prints_nothing_and_breaks_nothing(slow_github, isolated):
    env = process_env(slow_github)
    process = intcli("fetch", "github.user_issues", "-f", "json", env=env)
    deadline = time.monotonic() + 30
    while not slow_github.fake.requests and time.monotonic() < deadline:
        time.sleep(0.02)  # page 1 is on its way
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert stdout == ""
    all_json_files_valid(isolated)
    complete = intcli("fetch", "github.user_issues", "-f", "json", env=env)
    stdout, _ = complete.communicate(timeout=60)
    assert complete.returncode == 0 and len(json.loads(stdout)["issues"]) == 1000


def test_eight_processes_at_once_leave_everything_valid_and_consistent(slow_github, isolated, config_dir):
    slow_github.delay = 0.0
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text("".join(f'[apps.app{i}]\nname = "App {i}"\n' for i in range(8)))
    env = {**process_env(slow_github), "GH_TOKEN": ""}
    env_token = {**env, "GH_TOKEN": TOKEN}
    rounds = [
        [("apps", "disable", f"app{i}") for i in range(8)],
        [("connect", "github", "--with-token", "--insecure-storage"), ("disconnect", "github"),
         ("connect", "github", "--with-token", "--insecure-storage"), ("status", "--json"),
         ("apps", "enable", "app1"), ("apps", "disable", "ai-admin-assistant", "-c", "github.user_issues"),
         ("disconnect", "github"), ("connect", "github", "--with-token", "--insecure-storage")],
        [("fetch", "github.issues", "--repo", "acme/api", "--sync")] * 4 + [("status",)] * 2
        + [("fetch", "github.user_issues", "--limit", "150")] * 2,
    ]
    for commands in rounds:
        processes = [intcli(*args, env=env_token if args[0] == "fetch" else env,
                            stdin=TOKEN if "--with-token" in args else None) for args in commands]
        for process, args in zip(processes, commands, strict=True):
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, (args, stderr)
    all_json_files_valid(isolated)
    config = tomllib.loads((config_dir / "config.toml").read_text())
    settings = config["app_settings"]
    assert {f"app{i}" for i in range(8)} <= set(settings)  # no switch was lost
    assert settings["app1"]["enabled"] is True
    assert all(settings[f"app{i}"]["enabled"] is False for i in range(8) if i != 1)
    assert settings["ai-admin-assistant"]["disabled_capabilities"] == ["github.user_issues"]
    state = load_state(Environment())
    secrets_file = Environment().state_dir / "secrets.json"
    secrets = json.loads(secrets_file.read_text()) if secrets_file.exists() else {}
    assert ("github" in state.connections) == ("github" in secrets)  # never a connection without its secret
    assert "github" in state.last_used
    assert len(copied_ids()) == len(set(copied_ids())) == 500


def test_a_reader_that_goes_away_ends_intcli_like_a_unix_tool(slow_github):
    slow_github.delay = 0.0
    process = intcli("fetch", "github.user_issues", "-f", "ndjson", env=process_env(slow_github))
    first = process.stdout.readline()
    process.stdout.close()  # like `| head -1`
    stderr = process.stderr.read()
    process.wait(timeout=60)
    assert json.loads(first)["number"] == 1
    assert process.returncode == 141  # what a shell shows for a tool ended by SIGPIPE
    assert stderr == ""


def test_help_into_a_closed_pipe_is_quiet(isolated):
    process = subprocess.Popen([sys.executable, "-m", "intcli", "--help"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "80"})
    process.stdout.close()  # like `intcli --help | true`
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) in (0, 141)  # 0 when the text fitted in the pipe before it closed
    assert stderr == ""


def test_ctrl_c_during_a_summary_does_not_wait_for_requests_in_flight(slow_github, config_dir):
    slow_github.delay = 20.0  # far longer than the test waits
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text('[apps.mine]\nname = "Mine"\n[[apps.mine.requires]]\n'
                                            'capability = "github.user_issues"\npurpose = "Issues."\n')
    process = intcli("summary", "--app", "mine", "-f", "json", env=process_env(slow_github))
    time.sleep(2.0)  # the section's request is now waiting on the server
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)  # not 20 s: the request in flight is abandoned
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
