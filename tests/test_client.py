"""The Python API, through its public names only (``from intcli import ...``), against loopback servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import intcli
from fake_github import TOKEN, FakeGitHub, make_issues
from fake_google import connect
from intcli import (
    AuthError,
    Document,
    IntcliError,
    IntegrationClient,
    Items,
    Reason,
    UsageError,
)

APP = "ai-admin-assistant"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "daily_summary.py"


@pytest.fixture
def github(httpserver, monkeypatch):
    fake = FakeGitHub(make_issues(240)).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    return fake


def test_get_data_gives_the_items_and_total_of_fetch_json(run, github, capfd):
    client = IntegrationClient(app=APP)
    result = client.get_data("github.user_issues")
    assert isinstance(result, Items)
    expected = json.loads(run("fetch", "github.user_issues", "--app", APP, "--format", "json").stdout)
    assert result.document() == expected
    assert github.not_modified == 3  # the CLI's run after the client's was served from the same HTTP cache
    assert result.key == "issues" and result.total == 240 and len(result) == 240
    assert [issue["id"] for issue in result] == [issue["id"] for issue in expected["issues"]]
    some = client.get_data("github.user_issues", limit=3, repo="acme/api", state="all")
    assert len(some.items) == 3 and {i["repository"] for i in some.items} == {"acme/api"}
    assert github.requests[-1].args["q"] == "type:issue assignee:@me repo:acme/api"
    assert capfd.readouterr() == ("", "")  # it never prints


def test_errors_are_the_intcli_family_with_the_fix(github, monkeypatch, capfd):
    client = IntegrationClient(app=APP)
    with pytest.raises(AuthError) as undeclared:
        client.get_data("github.issues", repo=["acme/api"])
    assert undeclared.value.exit_status == 4 and "does not declare github.issues" in undeclared.value.message
    with pytest.raises(UsageError) as choice:
        client.get_data("github.user_issues", state="merged")
    assert choice.value.exit_status == 2 and "state 'merged' is not one of open, closed, all" in str(choice.value)
    with pytest.raises(UsageError, match="unknown option colour"):
        client.get_data("github.user_issues", colour="red")
    with pytest.raises(UsageError, match="repo must be text, not int"):
        client.get_data("github.user_issues", repo=[42])
    with pytest.raises(UsageError, match="limit 0"):
        client.get_data("github.user_issues", limit=0)
    with pytest.raises(UsageError, match="label holds an empty value"):
        client.get_data("github.user_issues", label=[None])
    with pytest.raises(UsageError, match="since must be text"):
        client.summary(since=5)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="unknown capability"):
        client.get_data("github.isues")
    with pytest.raises(UsageError, match="unknown app 'nope'"):
        IntegrationClient(app="nope")
    monkeypatch.delenv("GH_TOKEN")
    with pytest.raises(AuthError) as not_connected:
        client.get_data("github.user_issues")  # variables are read at each call, as each CLI run does
    assert "intcli connect github" in str(not_connected.value.hint)
    assert isinstance(not_connected.value, IntcliError)
    assert capfd.readouterr() == ("", "")


def test_availability_and_status(run, github):
    client = IntegrationClient(app=APP)
    assert client.is_capability_available("github.user_issues")
    drive = client.availability("google.drive")
    assert not drive.available and drive.reason == Reason.NOT_CONFIGURED and drive.fix == "intcli connect google"
    undeclared = client.availability("github.issues")
    assert not undeclared.available and undeclared.reason == Reason.NOT_DECLARED
    infos = {info.capability: info for info in client.capabilities()}
    assert list(infos) == ["google.drive", "google.gmail", "github.user_issues", "jira.user_issues"]
    assert infos["google.gmail"].required and infos["google.gmail"].can_send
    assert infos["github.user_issues"].available and not infos["github.user_issues"].required
    report = client.status()
    cli = json.loads(run("status", "--app", APP, "--json").stdout)
    document = report.document()
    assert {**document, "generatedAt": None} == {**cli, "generatedAt": None}
    assert report.apps[0].app_id == APP and report.apps[0].state == "blocked"
    assert run("apps", "disable", APP, "--capability", "github.user_issues").exit_code == 0
    switched_off = client.availability("github.user_issues")
    assert not switched_off.available
    assert switched_off.fix == f"intcli apps enable {APP} --capability github.user_issues"
    assert run("apps", "disable", APP).exit_code == 0
    assert client.availability("google.drive").fix == f"intcli apps enable {APP}"


def test_one_client_from_several_threads(github):
    client = IntegrationClient(app=APP)
    results: list[object] = []

    def work(state: str) -> None:
        try:
            results.append((state, client.get_data("github.user_issues", state=state, limit=150).document()))
        except BaseException as exc:  # noqa: BLE001 - reported below
            results.append(exc)

    threads = [threading.Thread(target=work, args=(state,)) for state in ("open", "all") * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 8 and all(isinstance(r, tuple) for r in results), results
    by_state = {state: [d for s, d in results if s == state] for state in ("open", "all")}
    for documents in by_state.values():
        assert len(documents) == 4 and all(d == documents[0] for d in documents)
        assert len(documents[0]["issues"]) == 150


@pytest.fixture
def connected(run, google, no_keyring):
    assert connect(run, google, "--insecure-storage").exit_code == 0
    return google


def test_summary_send_and_documents_with_google(connected, capfd):
    client = IntegrationClient(app=APP)
    summary = client.summary(top=3)
    sections = summary.document()["sections"]
    assert sections["google.drive"]["status"] == "ok" and sections["github.user_issues"]["status"] == "unavailable"
    assert sections["github.user_issues"]["fix"] == "intcli connect github" and summary.failed_required == []
    document = client.get_document("google.drive", content="file7")
    with pytest.raises(UsageError, match="use get_document"):
        client.get_data("google.drive", content="file7")
    assert isinstance(document, Document) and document.text == "Text of file7\n"
    assert document.document()["name"] == "Doc 7"
    draft = client.send("google.gmail", to="bob@example.com", subject="Hi", body="Hello", draft=True)
    assert draft.draft and draft.summary.startswith("Draft") and len(connected.drafts) == 1 and not connected.sent
    sent = client.send("google.gmail", to=["bob@example.com"], subject="Hi", body="Hello")
    assert not sent.draft and len(connected.sent) == 1
    with pytest.raises(UsageError, match="read-only"):
        client.send("google.drive", to=["bob@example.com"], body="x")
    with pytest.raises(UsageError, match="top 0"):
        client.summary(top=0)
    assert capfd.readouterr() == ("", "")


def test_public_names_typing_and_a_light_import():
    for name in intcli.__all__:
        assert getattr(intcli, name) is not None
    assert (Path(intcli.__file__).parent / "py.typed").is_file()
    probe = ("import sys, intcli; heavy = [m for m in ('intcli.client', 'intcli.config.registry', 'httpx', 'keyring', "
             "'mcp', 'pydantic') if m in sys.modules]; print(heavy)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def run_example(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(EXAMPLE), *extra], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ))


def test_the_daily_summary_example(github, monkeypatch):
    result = run_example()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6 and lines[-1] == "240 open issues assigned to you"
    assert lines[0] == "acme/web#1  Issue 1"  # the most recently updated first
    monkeypatch.delenv("GH_TOKEN")
    disconnected = run_example()
    assert disconnected.returncode == 4 and disconnected.stdout == ""
    assert "intcli connect github" in disconnected.stderr and "Traceback" not in disconnected.stderr
