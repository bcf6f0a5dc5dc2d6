"""``connect github`` / ``status`` / ``disconnect`` against a loopback GitHub API and a real Secret Service."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from conftest import secret_tool_lookup
from fake_github import OTHER_TOKEN, TOKEN, serve_user
from intcli.base.env import Environment
from intcli.storage.state import load_state

TESTS = Path(__file__).resolve().parent


@pytest.fixture
def api(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    """Point intcli at the loopback server the way GitHub Actions does, with GITHUB_API_URL."""
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    return httpserver


def connection(provider: str = "github"):
    return load_state(Environment()).connections.get(provider)


@pytest.mark.keyring
def test_connect_status_disconnect_with_the_secret_service(run, api, keyring_env):
    seen = serve_user(api)
    result = run("connect", "github", "--with-token", stdin=TOKEN + "\n")
    assert result.exit_code == 0, result.stderr
    host = f"127.0.0.1:{api.port}"
    assert f"Connected to {host} as octocat" in result.stderr
    assert "system keyring" in result.stderr and result.stdout == ""
    assert len(seen) == 1 and seen[0].headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert secret_tool_lookup(keyring_env, "github") == TOKEN  # really in the Secret Service

    stored = connection()
    assert (stored.account, stored.host, stored.scopes, str(stored.secret_storage)) == (
        "octocat", host, ["repo", "read:user"], "keyring")
    status = json.loads(run("status", "--json").stdout)
    github = status["connections"]["github"]
    assert (github["connected"], github["source"], github["account"]) == (True, "keyring", "octocat")
    assert next(a for a in status["apps"] if a["id"] == "github-timeline")["state"] == "ready"
    assert "octocat" in run("status", "-f", "table").stdout

    result = run("disconnect", "github")
    assert (result.exit_code, result.stderr.strip()) == (0, "Disconnected github.")
    assert secret_tool_lookup(keyring_env, "github") == ""
    assert connection() is None
    again = run("disconnect", "github")
    assert (again.exit_code, again.stderr.strip()) == (0, "github was not connected.")


@pytest.mark.keyring
def test_connecting_again_replaces_token_and_scopes(run, api, keyring_env):
    serve_user(api)
    assert run("connect", "github", "--with-token", stdin=TOKEN).exit_code == 0
    api.clear()
    serve_user(api, token=OTHER_TOKEN, login="hubot", scopes="repo")
    assert run("connect", "github", "--with-token", stdin=OTHER_TOKEN).exit_code == 0
    assert (connection().account, connection().scopes) == ("hubot", ["repo"])
    assert secret_tool_lookup(keyring_env, "github") == OTHER_TOKEN
    run("disconnect", "github")


@pytest.mark.keyring
def test_host_option_with_tls_and_a_private_ca(run, tls_server, trust_ca, keyring_env):
    serve_user(tls_server)
    host = f"127.0.0.1:{tls_server.port}"
    result = run("connect", "github", "--with-token", "--host", host, stdin=TOKEN)
    assert result.exit_code == 0, result.stderr
    assert connection().host == host
    assert connection().details["api_url"] == f"https://{host}/api/v3"
    run("disconnect", "github")


def test_untrusted_certificate_is_exit_3_naming_ssl_cert_file(run, tls_server, no_keyring):
    serve_user(tls_server)
    result = run("connect", "github", "--with-token", "--insecure-storage", "--host",
                 f"127.0.0.1:{tls_server.port}", stdin=TOKEN)
    assert result.exit_code == 3
    assert "SSL_CERT_FILE" in result.stderr
    assert connection() is None


@pytest.mark.keyring
def test_rejected_token_is_exit_4_and_stores_nothing(run, api, keyring_env, state_dir):
    serve_user(api)
    result = run("connect", "github", "--with-token", stdin="ghp_wrong")
    assert result.exit_code == 4
    assert "rejected the token" in result.stderr and "settings/tokens" in result.stderr
    assert secret_tool_lookup(keyring_env, "github") == ""
    assert connection() is None


def test_no_keyring_refuses_before_any_request_then_insecure_storage_works(run, api, no_keyring, state_dir):
    seen = serve_user(api)
    refused = run("connect", "github", "--with-token", stdin=TOKEN)
    assert refused.exit_code == 5
    assert "--insecure-storage" in refused.stderr
    assert seen == [] and connection() is None

    result = run("connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN)
    assert result.exit_code == 0, result.stderr
    assert "insecure" in result.stderr
    secrets = state_dir / "secrets.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert json.loads(secrets.read_text()) == {"github": TOKEN}
    assert "insecure" in run("status", "-f", "table").stdout
    assert json.loads(run("status", "--json").stdout)["connections"]["github"]["source"] == "file"
    assert run("disconnect", "github").exit_code == 0
    assert not secrets.exists()


def test_no_tty_and_no_with_token_is_a_usage_error(run, api):
    result = run("connect", "github")
    assert result.exit_code == 2
    assert "--with-token" in result.stderr


@pytest.mark.parametrize("token", ["", "   \n", "two words"])
def test_malformed_token_is_a_usage_error(run, api, no_keyring, token):
    result = run("connect", "github", "--with-token", "--insecure-storage", stdin=token)
    assert result.exit_code == 2


def test_fine_grained_token_without_scopes(run, api, no_keyring):
    serve_user(api, scopes=None)
    result = run("connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN)
    assert result.exit_code == 0
    assert "fine-grained" in result.stderr
    assert connection().scopes is None
    assert json.loads(run("status", "--json").stdout)["connections"]["github"]["scopes"] is None


def test_missing_scope_is_warned_about(run, api, no_keyring):
    serve_user(api, scopes="read:user, gist")
    result = run("connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN)
    assert result.exit_code == 0
    assert "warning: github.issues needs scope repo" in result.stderr
    status = json.loads(run("status", "--json").stdout)
    timeline = next(a for a in status["apps"] if a["id"] == "github-timeline")
    assert timeline["requirements"][0]["detail"] == "missing scope: repo"


@pytest.mark.parametrize(("header", "expired"), [("2099-01-01 00:00:00 UTC", False),
                                                 ("2020-01-01 10:00:00 +0200", True)])
def test_token_expiry_is_recorded_and_shown(run, api, no_keyring, header, expired):
    serve_user(api, expiration=header)
    assert run("connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN).exit_code == 0
    assert connection().expires_at.year == (2020 if expired else 2099)
    status = json.loads(run("status", "--json").stdout)
    assert status["connections"]["github"]["expired"] is expired
    if expired:
        assert status["connections"]["github"]["expiresAt"] == "2020-01-01T08:00:00Z"
        assert "expired" in run("status", "-f", "table").stdout
        assert run("status", "--check", "--app", "github-timeline").exit_code == 4


def test_environment_token_wins_and_connect_says_so(run, api, no_keyring, monkeypatch):
    serve_user(api)
    monkeypatch.setenv("GH_TOKEN", "something-else")
    result = run("connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN)
    assert "GH_TOKEN is set" in result.stderr
    assert json.loads(run("status", "--json").stdout)["connections"]["github"]["source"] == "env:GH_TOKEN"
    assert "GH_TOKEN is still set" in run("disconnect", "github").stderr


@pytest.mark.parametrize(("variable", "value"), [("GITHUB_API_URL", "http://example.com/api/v3"),
                                                 ("GITHUB_API_URL", "ftp://127.0.0.1/api")])
def test_plain_http_is_refused_except_on_loopback(run, no_keyring, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    result = run("connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN)
    assert result.exit_code == 5  # a bad setting in the environment


def test_host_with_http_scheme_only_on_loopback(run, httpserver, no_keyring):
    serve_user(httpserver)
    ok = run("connect", "github", "--with-token", "--insecure-storage", "--host",
             f"http://127.0.0.1:{httpserver.port}", stdin=TOKEN)
    assert ok.exit_code == 0, ok.stderr
    refused = run("connect", "github", "--with-token", "--insecure-storage", "--host", "http://example.com",
                  stdin=TOKEN)
    assert refused.exit_code == 2 and "unencrypted" in refused.stderr


def test_unreachable_host_is_exit_3(run, no_keyring):
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("connect", "github", "--with-token", "--insecure-storage", "--host", f"http://127.0.0.1:{port}",
                 stdin=TOKEN)
    assert result.exit_code == 3
    assert "cannot reach" in result.stderr


@pytest.mark.parametrize(("backend", "message"), [("keyring_backends.HangingKeyring", "did not answer within"),
                                                  ("keyring_backends.LockedKeyring", "locked")])
def test_keyring_faults_are_clear_exit_5_within_the_timeout(run, api, monkeypatch, backend, message):
    serve_user(api)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    monkeypatch.setenv("INTCLI_KEYRING_TIMEOUT", "0.5")
    started = time.monotonic()
    result = run("connect", "github", "--with-token", stdin=TOKEN)
    assert time.monotonic() - started < 10
    assert result.exit_code == 5, result.stderr
    assert message in result.stderr
    assert connection() is None
    assert not (Environment().state_dir / "secrets.json").exists()  # no plaintext fallback


def test_hidden_prompt_on_a_terminal(api, no_keyring, isolated):
    """A real pseudo-terminal: the prompt is shown, the token is not echoed."""
    import pty

    serve_user(api)
    pid, fd = pty.fork()
    if pid == 0:  # the child: intcli on the terminal
        os.execvpe(sys.executable, [sys.executable, "-m", "intcli", "connect", "github", "--insecure-storage"],
                   os.environ)
    output = b""
    deadline = time.monotonic() + 30
    while b"hidden" not in output and time.monotonic() < deadline:
        output += os.read(fd, 1024)
    os.write(fd, TOKEN.encode() + b"\n")
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output
    assert b"Connected to" in output
    assert TOKEN.encode() not in output
    assert b"/settings/tokens/new?scopes=repo,read:user&description=intcli" in output  # where to make one
    assert b"gh auth token | intcli connect github --with-token" in output


def test_interrupt_while_connecting_exits_130(run_process, no_keyring, isolated):
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        process = subprocess.Popen(
            [sys.executable, "-m", "intcli", "connect", "github", "--with-token", "--insecure-storage", "--host",
             f"http://127.0.0.1:{silent.getsockname()[1]}"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        process.stdin.write(TOKEN)
        process.stdin.close()
        connection_, _ = silent.accept()  # intcli is now waiting for the answer
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 130
        connection_.close()
    assert "interrupted" in process.stderr.read()
    assert connection() is None


@pytest.mark.keyring
@pytest.mark.parametrize("debug", [False, True])
def test_the_token_never_leaks(run, api, keyring_env, isolated, debug):
    serve_user(api)
    flags = ("--debug",) if debug else ()
    outputs = [
        run(*flags, "connect", "github", "--with-token", stdin=TOKEN),
        run(*flags, "status"), run(*flags, "status", "--json"), run(*flags, "registry"),
        run(*flags, "connect", "github", "--with-token", stdin=TOKEN[:-1] + "X"),  # rejected: exit 4
        run(*flags, "connect", "github", "--with-token", "--host", "http://example.com", stdin=TOKEN),  # refused
        run(*flags, "disconnect", "github"),
        run(*flags, "connect", "github", "--with-token", "--insecure-storage", stdin=TOKEN),
        run(*flags, "status"),
        run(*flags, "disconnect", "github"),
    ]
    assert [r.exit_code for r in outputs] == [0, 0, 0, 0, 4, 2, 0, 0, 0, 0]
    rejected = TOKEN[:-1] + "X"
    for result in outputs:
        for secret in (TOKEN, rejected):
            assert secret not in result.stdout and secret not in result.stderr
    for path in isolated.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
