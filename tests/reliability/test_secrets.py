"""Secrets stay secret: every command, with and without --debug, failures included; redirects; keyring faults."""

from __future__ import annotations

import json
import stat
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from fake_github import TOKEN, FakeGitHub, make_issues


@pytest.fixture
def github(httpserver, monkeypatch) -> FakeGitHub:
    fake = FakeGitHub(make_issues(250)).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return fake


COMMANDS = [
    ("connect", "github", "--with-token", "--insecure-storage"),
    ("status",), ("status", "--json"), ("registry",), ("apps",),
    ("fetch", "github.user_issues"), ("fetch", "github.user_issues", "-f", "csv"),
    ("fetch", "github.issues", "--repo", "acme/api", "--sync"),
    ("summary", "--app", "ai-admin-assistant", "-f", "markdown"),  # refused without Google: exit 4
    ("fetch", "github.user_issues", "--app", "github-timeline"),  # refused: exit 4
    ("send", "github.issues", "--to", "a@b.c", "--body", "x", "--yes"),  # refused: exit 2
    ("connect", "github", "--with-token"),  # no keyring: exit 5
    ("disconnect", "github"),
]


@pytest.mark.parametrize("debug", ["", "--debug", "INTCLI_DEBUG"])
def test_no_command_ever_shows_or_stores_the_token(run, github, isolated, debug):
    flags = ("--debug",) if debug == "--debug" else ()
    extra = {"INTCLI_DEBUG": "1"} if debug == "INTCLI_DEBUG" else {}
    results = [run(*flags, *args, stdin=TOKEN, extra_env=extra) for args in COMMANDS]
    assert [r.exit_code for r in results] == [0] * 8 + [4, 4, 2, 5, 0]
    github.revoke_after = len(github.requests) + 1  # the token is revoked in the middle of the next fetch
    run(*flags, "connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN, extra_env=extra)
    results.append(run(*flags, "fetch", "github.user_issues", extra_env=extra))
    assert results[-1].exit_code == 4
    github.faults = {len(github.requests) + 1: Response("{broken", 200, content_type="application/json")}
    github.revoke_after = None
    results.append(run(*flags, "fetch", "github.user_issues", extra_env={**extra, "GH_TOKEN": TOKEN}))
    assert results[-1].exit_code == 3
    if debug:
        assert any("Traceback" in r.stderr for r in results)  # --debug really showed tracebacks
    for result in results:
        assert TOKEN not in result.stdout and TOKEN not in result.stderr
    secrets = isolated / "state" / "secrets.json"
    for path in isolated.rglob("*"):
        if path.is_file() and path != secrets:
            assert TOKEN.encode() not in path.read_bytes(), path


def test_files_with_anything_sensitive_are_private(run, github, isolated):
    run("connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN)
    run("fetch", "github.user_issues")
    run("fetch", "github.issues", "--repo", "acme/api", "--sync")
    sensitive = [p for p in isolated.rglob("*") if p.is_file() and p.suffix in (".json", ".sqlite3")
                 and ("state" in p.parts or "cache" in p.parts)]
    assert {p.name for p in sensitive} >= {"secrets.json", "state.json"}
    assert [p.suffix for p in sensitive].count(".sqlite3") == 1
    for path in sensitive:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for directory in (isolated / "state", isolated / "cache"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


@pytest.mark.parametrize("url", ["http://example.com/api/v3", "http://10.0.0.1/api/v3", "ftp://127.0.0.1/x"])
def test_plain_http_is_refused_before_any_traffic(run, monkeypatch, url):
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", url)
    result = run("fetch", "github.user_issues")
    assert result.exit_code == 5 and "GITHUB_API_URL" in result.stderr  # a bad setting, not a bad command line


def test_the_token_is_not_sent_to_another_host_on_a_redirect(run, httpserver, monkeypatch):
    elsewhere = HTTPServer(host="127.0.0.1", port=0)
    elsewhere.start()
    try:
        seen = []
        elsewhere.expect_request("/moved").respond_with_handler(
            lambda request: seen.append(dict(request.headers)) or Response('{"login": "x"}', 401))
        target = f"http://localhost:{elsewhere.port}/moved"  # another origin: other host name and port
        httpserver.expect_request("/api/v3/search/issues").respond_with_response(
            Response(status=301, headers={"Location": target}))
        monkeypatch.setenv("GH_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
        result = run("fetch", "github.user_issues")
        assert seen, "the redirect was not followed"
        assert all("Authorization" not in headers for headers in seen)
        assert result.exit_code == 4
    finally:
        elsewhere.stop()


@pytest.mark.parametrize(("backend", "message"), [("keyring_backends.HangingKeyring", "did not answer within"),
                                                  ("keyring_backends.LockedKeyring", "locked")])
def test_keyring_faults_when_reading_the_token(run, github, isolated, monkeypatch, backend, message):
    state = isolated / "state"
    state.mkdir(parents=True)
    (state / "state.json").write_text(json.dumps({"version": 1, "connections": {"github": {
        "auth": "token", "host": "127.0.0.1", "account": "octocat", "connected_at": "2026-11-01T00:00:00+00:00",
        "secret_storage": "keyring", "details": {"api_url": github.base + "api/v3"}}}}))
    monkeypatch.delenv("GITHUB_API_URL")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    monkeypatch.setenv("INTCLI_KEYRING_TIMEOUT", "0.5")
    import keyring_backends

    keyring_backends.HangingKeyring.reads = 0
    started = time.monotonic()
    result = run("fetch", "github.user_issues")
    assert time.monotonic() - started < 10
    assert result.exit_code == 5 and message in result.stderr and result.stderr.count("\n") == 1
    if backend.endswith("HangingKeyring"):
        assert keyring_backends.HangingKeyring.reads == 1  # the head start's answer (a timeout) is the fetch's
    assert not (state / "secrets.json").exists()  # never a plaintext fallback
    assert github.requests == []
