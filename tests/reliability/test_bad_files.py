"""Damaged config, state, secrets and cache files: one line naming the file and the fix, exit 5, file untouched."""

from __future__ import annotations

import json
import os

import pytest

from fake_github import TOKEN, FakeGitHub, make_issues
from intcli.base.env import Environment

CONTENTS = {
    "empty-state": b"",
    "binary": b"\x00\xff\xfe\x80binary",
    "not-json": b"{\"connections\": ",
    "wrong-shape": b"[1, 2, 3]",
}


def assert_one_line_exit_5(result, path) -> None:
    assert result.exit_code == 5, result.stderr
    assert str(path) in result.stderr
    assert result.stderr.startswith("intcli: error: ") and result.stderr.count("\n") == 1
    assert " — " in result.stderr  # the fix follows the dash
    assert "Traceback" not in result.stderr


COMMANDS = [("status",), ("apps", "disable", "github-timeline"), ("fetch", "github.user_issues"),
            ("disconnect", "github"), ("summary",)]


@pytest.mark.parametrize("content", [b"[apps\n", b"\xff\xfe\x00\x01", b"apps = 3\n", b"[apps.x]\nname = 1\n"])
@pytest.mark.parametrize("command", COMMANDS)
def test_damaged_config(run, config_dir, content, command):
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "config.toml"
    path.write_bytes(content)
    assert_one_line_exit_5(run(*command, extra_env={"GH_TOKEN": TOKEN}), path)
    assert path.read_bytes() == content


@pytest.mark.parametrize("content", list(CONTENTS.values()), ids=list(CONTENTS))
@pytest.mark.parametrize("command", [c for c in COMMANDS if c[0] != "apps"])  # apps never reads the state
def test_damaged_state(run, state_dir, content, command):
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "state.json"
    path.write_bytes(content)
    assert_one_line_exit_5(run(*command, extra_env={"GH_TOKEN": TOKEN}), path)
    assert path.read_bytes() == content


def test_an_empty_state_file_is_reported(run, state_dir):
    state_dir.mkdir(parents=True)
    (state_dir / "state.json").write_bytes(b"")
    assert_one_line_exit_5(run("status"), state_dir / "state.json")


def test_huge_config_is_refused_without_reading_it(run, config_dir):
    config_dir.mkdir(parents=True)
    path = config_dir / "config.toml"
    with path.open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    assert_one_line_exit_5(run("status"), path)
    assert path.stat().st_size == 17 * 1024 * 1024


@pytest.mark.parametrize(("name", "command"), [("config/config.toml", ("apps", "disable", "github-timeline")),
                                               ("state/state.json", ("status",))])
def test_a_directory_where_a_file_should_be(run, isolated, name, command):
    path = isolated / name
    path.mkdir(parents=True)
    assert_one_line_exit_5(run(*command), path)
    assert path.is_dir()


def test_a_file_where_the_state_directory_should_be(run, isolated, monkeypatch):
    blocker = isolated / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("INTCLI_STATE_DIR", str(blocker))
    result = run("connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN,
                 extra_env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "GITHUB_API_URL":
                            "http://127.0.0.1:9/api/v3"})
    assert result.exit_code in (3, 5)  # the unreachable API may be noticed first; nothing is written either way
    assert blocker.read_text() == "x"


def test_secrets_file_readable_by_others_is_refused(run, state_dir, httpserver, monkeypatch):
    FakeGitHub(make_issues(3)).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    assert run("connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN).exit_code == 0
    secrets = state_dir / "secrets.json"
    os.chmod(secrets, 0o644)
    before = secrets.read_bytes()
    result = run("fetch", "github.user_issues")
    assert_one_line_exit_5(result, secrets)
    assert "chmod 600" in result.stderr and secrets.read_bytes() == before


@pytest.mark.parametrize("content", [b"", b"{", b"\x00\x01", json.dumps({"url": 1}).encode()])
def test_damaged_http_cache_is_discarded_with_a_warning(run, cache_dir, httpserver, monkeypatch, content):
    FakeGitHub(make_issues(3)).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    first = run("fetch", "github.user_issues", "-f", "json")
    entries = list((cache_dir / "http").rglob("*.json"))
    assert len(entries) == 1
    entries[0].write_bytes(content)
    again = run("fetch", "github.user_issues", "-f", "json")
    assert again.exit_code == 0 and again.stdout == first.stdout
    assert "damaged cache entry" in again.stderr
    json.loads(entries[0].read_text())  # replaced by the fresh answer


def test_damaged_validation_cache_is_discarded_with_a_warning(run, cache_dir, config_dir):
    config_dir.mkdir(parents=True)  # a user config: its validation is what the cache remembers
    (config_dir / "config.toml").write_text('[apps.x]\nname = "X"\n')
    run("status")
    (cache_dir / "validated.json").write_bytes(b"\xff garbage")
    result = run("status")
    assert result.exit_code == 0 and "discarded" in result.stderr
    assert json.loads((cache_dir / "validated.json").read_text())
    assert Environment().cache_dir == cache_dir
