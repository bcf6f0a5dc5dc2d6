"""``status``: availability reasons, app states per fallback, the JSON document and ``--check``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from conftest import write_config
from intcli.base.env import Environment
from intcli.storage.state import Connection, SecretStorage, mark_used, save_connection

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
GOOGLE_SCOPES = [
    "https://www.googleapis.com/auth/drive.readonly",
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.compose",
]


def connect(provider: str, scopes: list[str] | None, expires_at: datetime | None = None,
            storage: SecretStorage = SecretStorage.KEYRING) -> None:
    save_connection(Environment(), provider, Connection(
        auth="token" if provider == "github" else "oauth2", host="github.com" if provider == "github" else "google",
        account="octocat", scopes=scopes, connected_at=NOW - timedelta(days=1), expires_at=expires_at,
        secret_storage=storage))


def status_json(run, *args: str, **kwargs) -> dict:
    result = run("status", "--json", *args, **kwargs)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def requirement(document: dict, app: str, capability: str) -> dict:
    app_doc = next(a for a in document["apps"] if a["id"] == app)
    return next(r for r in app_doc["requirements"] if r["capability"] == capability)


def app_state(document: dict, app: str) -> str:
    return next(a for a in document["apps"] if a["id"] == app)["state"]


def test_nothing_connected(run):
    document = status_json(run)
    assert document["schemaVersion"] == 2
    assert app_state(document, "github-timeline") == "blocked"
    assert app_state(document, "ai-admin-assistant") == "blocked"
    issues = requirement(document, "github-timeline", "github.issues")
    assert issues == {
        "capability": "github.issues", "kind": "required", "purpose": issues["purpose"], "fallback": "disable",
        "provider": "github", "available": False, "reason": "not_configured",
        "detail": "GitHub is not connected", "fix": "intcli connect github", "lastUsed": None,
    }
    assert document["connections"]["github"]["connected"] is False


def test_github_connected_makes_timeline_ready_and_assistant_still_blocked(run):
    connect("github", ["repo", "read:user"])
    document = status_json(run)
    assert app_state(document, "github-timeline") == "ready"
    assert requirement(document, "ai-admin-assistant", "github.user_issues")["available"] is True
    assert app_state(document, "ai-admin-assistant") == "blocked"
    github = document["connections"]["github"]
    assert (github["account"], github["source"], github["scopes"]) == ("octocat", "keyring", ["repo", "read:user"])


def test_google_without_github_is_limited(run):
    connect("google", GOOGLE_SCOPES)
    document = status_json(run)
    assert app_state(document, "ai-admin-assistant") == "limited"


def test_everything_connected_is_ready(run):  # --check (online) is tested in test_output_model.py
    connect("github", ["repo"])
    connect("google", GOOGLE_SCOPES)
    connect("jira", None)
    document = status_json(run)
    states = {a["id"]: a["state"] for a in document["apps"]}
    assert states == {"ai-admin-assistant": "ready", "github-timeline": "ready"}


def test_expired_connection(run):
    connect("github", ["repo"], expires_at=datetime.now(UTC) - timedelta(minutes=1))
    document = status_json(run)
    issues = requirement(document, "github-timeline", "github.issues")
    assert (issues["available"], issues["reason"]) == (False, "expired")
    assert document["connections"]["github"]["expired"] is True
    assert run("status", "--check", "--app", "github-timeline").exit_code == 4


def test_missing_scope_is_not_configured_and_named(run):
    connect("google", ["https://www.googleapis.com/auth/drive.readonly"])
    document = status_json(run)
    gmail = requirement(document, "ai-admin-assistant", "google.gmail")
    assert gmail["reason"] == "not_configured" and "gmail.readonly" in gmail["detail"]
    assert requirement(document, "ai-admin-assistant", "google.drive")["available"] is True


def test_unknown_scopes_are_not_held_against_the_connection(run):
    connect("github", None)  # fine-grained tokens report no scopes
    assert app_state(status_json(run), "github-timeline") == "ready"


@pytest.mark.parametrize("variable", ["INTCLI_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"])
def test_token_from_environment(run, variable):
    document = status_json(run, extra_env={variable: "not-a-real-token"})
    assert document["connections"]["github"]["source"] == f"env:{variable}"
    assert app_state(document, "github-timeline") == "ready"


def test_environment_precedence(run):
    document = status_json(run, extra_env={"GITHUB_TOKEN": "a", "GH_TOKEN": "b", "INTCLI_GITHUB_TOKEN": "c"})
    assert document["connections"]["github"]["source"] == "env:INTCLI_GITHUB_TOKEN"


def test_last_used_is_shown(run):
    connect("github", ["repo"])
    mark_used(Environment(), "github")
    document = status_json(run)
    assert requirement(document, "github-timeline", "github.issues")["lastUsed"].endswith("Z")
    assert requirement(document, "github-timeline", "github.issues")["lastUsed"] in run("status", "-f", "table").stdout


def test_insecure_storage_is_visible(run):
    connect("github", ["repo"], storage=SecretStorage.FILE)
    assert "insecure" in run("status", "-f", "table").stdout
    assert status_json(run)["connections"]["github"]["source"] == "file"


CHAIN = """
[apps.timeline-digest]
name = "Timeline digest"

[[apps.timeline-digest.requires]]
capability = "timeline.events"
purpose = "The events to digest."
"""


def test_provided_capability_follows_the_providing_app(run, config_dir):
    write_config(config_dir, CHAIN)
    document = status_json(run)
    events = requirement(document, "timeline-digest", "timeline.events")
    assert (events["available"], events["reason"], events["fix"]) == (False, "not_configured", "intcli connect github")
    assert app_state(document, "timeline-digest") == "blocked"

    connect("github", ["repo"])
    document = status_json(run)
    assert requirement(document, "timeline-digest", "timeline.events")["available"] is True
    assert app_state(document, "timeline-digest") == "ready"

    assert run("apps", "disable", "github-timeline").exit_code == 0
    document = status_json(run)
    events = requirement(document, "timeline-digest", "timeline.events")
    assert (events["available"], events["reason"]) == (False, "switched_off")
    assert events["fix"] == "intcli apps enable github-timeline"
    assert run("status", "--check").exit_code == 4  # timeline-digest is enabled and lacks it
    assert run("status", "--check", "--app", "github-timeline").exit_code == 0  # switched off: not checked


FALLBACKS = """
[providers.acme]
name = "Acme"
auth = ["token"]
status = "{status}"

[capabilities."acme.things"]
provider = "acme"
name = "Things"
operations = ["read"]

[apps.consumer]
name = "Consumer"

[[apps.consumer.{section}]]
capability = "{capability}"
purpose = "Use things."
fallback = "{fallback}"
"""


@pytest.mark.parametrize(("section", "fallback", "state"), [
    ("requires", "disable", "blocked"), ("requires", "limited", "limited"), ("requires", "error", "error"),
    ("optional", "disable", "ready"), ("optional", "limited", "limited"), ("optional", "error", "error"),
])
def test_app_state_follows_the_fallback(run, config_dir, section, fallback, state):
    write_config(config_dir, FALLBACKS.format(status="active", section=section, fallback=fallback,
                                              capability="acme.things"))
    assert app_state(status_json(run), "consumer") == state


def test_unknown_capability_is_capability_not_found(run, config_dir):
    write_config(config_dir, FALLBACKS.format(status="active", section="requires", fallback="disable",
                                              capability="acme.unheard_of"))
    document = status_json(run)
    item = requirement(document, "consumer", "acme.unheard_of")
    assert (item["available"], item["reason"], item["provider"]) == (False, "capability_not_found", None)
    assert "capability_not_found" in run("status", "-f", "table").stdout


@pytest.mark.parametrize(("status", "reason", "available"), [
    ("maintenance", "provider_maintenance", False), ("deprecated", "provider_deprecated", True),
])
def test_provider_status(run, config_dir, status, reason, available):
    write_config(config_dir, FALLBACKS.format(status=status, section="requires", fallback="disable",
                                              capability="acme.things"))
    document = status_json(run)
    item = requirement(document, "consumer", "acme.things")
    if status == "deprecated":  # deprecated still needs a connection to be available
        assert item["reason"] == "not_configured"
        connect_acme = {"connections": {"acme": {
            "auth": "token", "host": "acme", "connected_at": "2026-11-01T00:00:00+00:00"}}}
        Environment().state_dir.mkdir(parents=True, exist_ok=True)
        (Environment().state_dir / "state.json").write_text(json.dumps(connect_acme))
        item = requirement(status_json(run), "consumer", "acme.things")
    assert (item["reason"], item["available"]) == (reason, available)


def test_switched_off_optional_integration(run):
    connect("github", ["repo"])
    connect("google", GOOGLE_SCOPES)
    assert run("apps", "disable", "ai-admin-assistant", "--capability", "github.user_issues").exit_code == 0
    document = status_json(run)
    item = requirement(document, "ai-admin-assistant", "github.user_issues")
    assert (item["available"], item["reason"]) == (False, "switched_off")
    assert app_state(document, "ai-admin-assistant") == "limited"


def test_switched_off_app(run):
    run("apps", "disable", "github-timeline")
    document = status_json(run)
    timeline = next(a for a in document["apps"] if a["id"] == "github-timeline")
    assert (timeline["enabled"], timeline["state"]) == (False, "off")
    assert "GitHub Timeline: off" in run("status", "-f", "table").stdout


def test_status_for_one_app(run):
    document = status_json(run, "--app", "github-timeline")
    assert [a["id"] for a in document["apps"]] == ["github-timeline"]
    table = run("status", "--app", "github-timeline", "-f", "table").stdout
    assert "github-timeline" in table and "ai-admin-assistant" not in table


def test_table_output_names_the_fix(run):
    result = run("status", "-f", "table")
    assert "intcli connect github" in result.stdout and "intcli connect google" in result.stdout
    assert "not_configured" in result.stdout and "required" in result.stdout and "optional" in result.stdout
    tty = run("status", tty=True)
    assert "\x1b[" in tty.stdout  # colour on a terminal
    assert "\x1b[" not in result.stdout


def test_corrupt_state_is_reported_and_kept(run, state_dir):
    state_dir.mkdir(parents=True)
    path = state_dir / "state.json"
    for content in ("{", "[]", '{"version": 2}', '{"connections": {"github": {"host": "x"}}}'):
        path.write_text(content)
        result = run("status")
        assert result.exit_code == 5, content
        assert str(path) in result.stderr and "mv " in result.stderr
        assert path.read_text() == content
