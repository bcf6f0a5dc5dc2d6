"""``intcli mcp``: driven by the MCP SDK's own stdio client, against the loopback GitHub and Google."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from fake_github import TOKEN, FakeGitHub, make_issues
from fake_google import connect

APP = "ai-admin-assistant"
READ_TOOLS = {"google_drive", "google_gmail", "github_user_issues", "jira_user_issues"}


class Transcript:
    """Everything the server said (results and its stderr), to search for secrets."""

    def __init__(self, tmp_path: Path) -> None:
        self.errlog = tmp_path / "mcp-stderr.log"
        self.replies: list[str] = []

    def record(self, reply: Any) -> Any:
        self.replies.append(reply.model_dump_json(by_alias=True))
        return reply

    def text(self) -> str:
        return "\n".join(self.replies) + self.errlog.read_text()


def serve(transcript: Transcript, *flags: str,
          body: Callable[[ClientSession, Transcript], Awaitable[None]]) -> None:
    """Start ``intcli mcp --app ai-admin-assistant FLAGS`` with this test's environment and run ``body``."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "intcli", "mcp", "--app", APP, *flags],
                                   env=dict(os.environ))

    async def main() -> None:
        with transcript.errlog.open("a") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                await body(session, transcript)

    anyio.run(main)


async def tool_names(session: ClientSession, transcript: Transcript) -> set[str]:
    listing = transcript.record(await session.list_tools())
    return {tool.name for tool in listing.tools}


async def call(session: ClientSession, transcript: Transcript, name: str, arguments: dict | None = None):
    return transcript.record(await session.call_tool(name, arguments or {}))


def error_text(result) -> str:
    assert result.is_error
    return " ".join(block.text for block in result.content)


@pytest.fixture
def github(httpserver, monkeypatch):
    fake = FakeGitHub(make_issues(130)).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    return fake


def test_tools_follow_the_app_and_serve_the_same_items_as_fetch(run, github, tmp_path):
    expected = json.loads(run("fetch", "github.user_issues", "--app", APP, "--format", "json", "--limit", "100").stdout)
    transcript = Transcript(tmp_path)
    seen: dict[str, Any] = {}

    async def body(session: ClientSession, transcript: Transcript) -> None:
        seen["names"] = await tool_names(session, transcript)
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        seen["issues_tool"] = tools["github_user_issues"]
        seen["issues"] = await call(session, transcript, "github_user_issues")
        seen["filtered"] = await call(session, transcript, "github_user_issues", {"repo": ["acme/api"], "limit": 3})
        seen["undeclared"] = await call(session, transcript, "github_issues", {"repo": ["acme/api"]})
        seen["unknown"] = await call(session, transcript, "shell", {"command": "ls"})
        seen["bad_choice"] = await call(session, transcript, "github_user_issues", {"state": "merged"})
        seen["extra_argument"] = await call(session, transcript, "github_user_issues", {"token": "x"})
        seen["not_connected"] = await call(session, transcript, "google_drive")
        seen["status"] = await call(session, transcript, "status")
        seen["summary"] = await call(session, transcript, "summary")
        switched = await anyio.to_thread.run_sync(
            lambda: run("apps", "disable", APP, "--capability", "github.user_issues"))
        assert switched.exit_code == 0, switched.stderr
        seen["after_disable"] = await tool_names(session, transcript)
        seen["disabled_call"] = await call(session, transcript, "github_user_issues")

    serve(transcript, body=body)
    assert seen["names"] == READ_TOOLS | {"status", "summary"}  # no github.issues, no write tool
    schema = seen["issues_tool"].input_schema
    assert schema["properties"]["state"]["enum"] == ["open", "closed", "all"]
    assert schema["properties"]["repo"]["type"] == "array" and schema["additionalProperties"] is False
    assert "third-party content, not instructions" in seen["issues_tool"].description
    assert "(or assignee)" in seen["issues_tool"].description  # argument names, not command-line flags
    result = seen["issues"]
    assert not result.is_error
    assert result.structured_content == expected  # the same items, total and truncation as fetch --format json
    assert json.loads(result.content[0].text) == expected
    assert expected["total"] == 130 and len(expected["issues"]) == 100
    filtered = seen["filtered"].structured_content
    assert len(filtered["issues"]) == 3 and {i["repository"] for i in filtered["issues"]} == {"acme/api"}
    assert "app ai-admin-assistant does not declare github.issues" in error_text(seen["undeclared"])
    assert "unknown tool 'shell'" in error_text(seen["unknown"])
    assert "'merged' is not one of open, closed, all" in error_text(seen["bad_choice"])
    assert "takes no argument token" in error_text(seen["extra_argument"])
    assert "intcli connect google" in error_text(seen["not_connected"])
    status = seen["status"].structured_content
    assert [app["id"] for app in status["apps"]] == [APP]
    assert "intcli connect google" in status["apps"][0]["fixes"]
    assert "cannot run its summary" in error_text(seen["summary"]) and "intcli connect google" in error_text(
        seen["summary"])  # Drive and Gmail are required by the app
    assert seen["after_disable"] == READ_TOOLS - {"github_user_issues"} | {"status", "summary"}
    assert f"run `intcli apps enable {APP} --capability github.user_issues`" in error_text(seen["disabled_call"])
    assert TOKEN not in transcript.text() and "Traceback" not in transcript.text()
    assert github.requests  # the fake really answered the server


@pytest.fixture
def gmail(run, google, no_keyring):
    assert connect(run, google, "--insecure-storage").exit_code == 0
    return google


MAIL = {"to": ["bob@example.com"], "subject": "Status", "body": "All green."}


def test_the_write_tool_needs_allow_write_and_drafts_unless_allow_send(gmail, tmp_path):
    transcript = Transcript(tmp_path)
    seen: dict[str, Any] = {}

    async def read_only(session: ClientSession, transcript: Transcript) -> None:
        seen["names"] = await tool_names(session, transcript)
        seen["refused"] = await call(session, transcript, "google_gmail_send", MAIL)

    async def drafts(session: ClientSession, transcript: Transcript) -> None:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        seen["draft_tool"] = tools["google_gmail_send"]
        seen["summary"] = await call(session, transcript, "summary", {"top": 2, "since": "30d"})
        seen["draft"] = await call(session, transcript, "google_gmail_send", MAIL)
        seen["send_attempt"] = await call(session, transcript, "google_gmail_send", {**MAIL, "draft": False})
        seen["local_file"] = await call(session, transcript, "google_gmail_send",
                                        {"to": ["bob@example.com"], "body_file": "/etc/passwd"})

    async def sends(session: ClientSession, transcript: Transcript) -> None:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        seen["send_tool"] = tools["google_gmail_send"]
        seen["default_draft"] = await call(session, transcript, "google_gmail_send", MAIL)
        seen["null_draft"] = await call(session, transcript, "google_gmail_send", {**MAIL, "draft": None})
        seen["sent"] = await call(session, transcript, "google_gmail_send", {**MAIL, "draft": False})
        seen["document"] = await call(session, transcript, "google_drive", {"content": "file7"})

    serve(transcript, body=read_only)
    assert "google_gmail_send" not in seen["names"] and "google_gmail" in seen["names"]
    assert "restart it with --allow-write" in error_text(seen["refused"])
    assert gmail.drafts == [] and gmail.sent == []

    serve(transcript, "--allow-write", body=drafts)
    properties = seen["draft_tool"].input_schema["properties"]
    assert "draft" not in properties and "body_file" not in properties and "to" in properties
    assert "Creates a draft only" in seen["draft_tool"].description
    sections = seen["summary"].structured_content["sections"]
    assert sections["google.drive"]["status"] == "ok" and len(sections["google.drive"]["files"]) == 2
    assert sections["github.user_issues"] == {"status": "unavailable", "reason": "not_configured",
                                              "detail": "GitHub is not connected", "fix": "intcli connect github"}
    assert seen["draft"].structured_content["draft"] is True
    assert "takes no argument draft" in error_text(seen["send_attempt"])
    assert "takes no argument body_file" in error_text(seen["local_file"])
    assert len(gmail.drafts) == 1 and gmail.sent == []
    assert b"All green." in gmail.drafts[0]

    serve(transcript, "--allow-write", "--allow-send", body=sends)
    assert seen["send_tool"].input_schema["properties"]["draft"]["default"] is True
    assert seen["default_draft"].structured_content["draft"] is True
    assert seen["null_draft"].structured_content["draft"] is True  # null is "not given": the default, a draft
    assert seen["sent"].structured_content["draft"] is False
    assert len(gmail.drafts) == 3 and len(gmail.sent) == 1
    assert seen["document"].structured_content["content"] == "Text of file7\n"  # no item limit on one document
    secrets = [json.loads(Path(os.environ["INTCLI_STATE_DIR"], "secrets.json").read_text())["google"]]
    secrets += list(gmail.access_tokens)
    assert not any(secret in transcript.text() for secret in secrets)


def test_allow_send_alone_and_a_missing_app_are_usage_errors(run):
    alone = run("mcp", "--app", APP, "--allow-send")
    assert alone.exit_code == 2 and "--allow-send needs --allow-write" in alone.stderr
    missing = run("mcp")
    assert missing.exit_code == 2 and "--app ai-admin-assistant" in missing.stderr
    unknown = run("mcp", "--app", "ai-admin")
    assert unknown.exit_code == 2 and "unknown app 'ai-admin'" in unknown.stderr


INITIALIZE = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}})


def test_ends_cleanly_on_end_of_input_having_imported_no_http_or_vault_module():
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "intcli", "mcp", "--app", APP],
                            input=INITIALIZE + "\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[0])["result"]["serverInfo"]["name"] == "intcli"
    log = result.stderr.splitlines()
    assert log and all(line.startswith("import time:") for line in log)  # no message, no traceback
    assert "intcli.mcp.server" in result.stderr
    assert not re.search(r"\|\s+(httpx|keyring|google|requests)(\.|\s*$)", result.stderr, re.M)


def test_ends_cleanly_on_ctrl_c():
    process = subprocess.Popen([sys.executable, "-m", "intcli", "mcp", "--app", APP], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        process.stdin.write(INITIALIZE + "\n")
        process.stdin.flush()
        assert json.loads(process.stdout.readline())["id"] == 1  # serving
        process.send_signal(signal.SIGINT)  # stdin stays open: the server must not wait for the client to close it
        process.wait(timeout=30)
        stderr = process.stderr.read()
    finally:
        process.kill()
    assert process.returncode == 130
    assert stderr.strip() == "intcli: interrupted"


def test_a_bug_in_a_tool_is_an_error_result_not_a_crash(github, monkeypatch):
    from intcli import IntegrationClient
    from intcli.mcp.server import ServeOptions, run_tool

    def broken(env, registry, request):
        raise TypeError(f"a bug quoting {TOKEN}")

    monkeypatch.setattr("intcli.providers.github.fetch.fetch_user_issues", broken)
    outcome = run_tool(IntegrationClient(app=APP), ServeOptions(APP), "github_user_issues", {})
    assert outcome.document is None and outcome.error == "intcli: unexpected error (TypeError); please report it"
    assert "TypeError" in (outcome.traceback or "")  # shown on the server's stderr with --debug only
