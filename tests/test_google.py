"""Google: connect (browser, headless, service account), refresh, Drive, Gmail and send, all on loopback TLS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import secret_tool_lookup
from fake_google import ALL_SCOPES, CLIENT_SECRET, EMAIL, FakeGoogle, connect, query_of
from intcli.base.env import Environment
from intcli.storage.state import load_state

TESTS = Path(__file__).resolve().parent


def test_headless_connect_with_pkce_then_status(run, google, no_keyring, state_dir):
    result = connect(run, google, "--insecure-storage")
    assert result.exit_code == 0, result.stderr
    assert f"Connected to Google as {EMAIL}" in result.stderr
    auth = query_of(result.authorization_url)
    assert auth["code_challenge_method"] == "S256" and auth["access_type"] == "offline" and auth["prompt"] == "consent"
    assert auth["scope"].split() == ALL_SCOPES
    exchange = google.token_requests[0]
    assert exchange["grant_type"] == "authorization_code" and len(exchange["code_verifier"]) >= 43
    connection = load_state(Environment()).connections["google"]
    assert (connection.account, connection.scopes, connection.auth) == (EMAIL, ALL_SCOPES, "oauth2")
    assert connection.details["token_uri"] == f"{google.base}/token"
    assert "access_token_expires_at" in connection.details
    stored = json.loads((state_dir / "secrets.json").read_text())["google"]
    assert set(json.loads(stored)) == {"refresh_token", "client_secret"}  # not the whole credential
    status = json.loads(run("status", "--json").stdout)
    assert status["connections"]["google"]["account"] == EMAIL
    assert next(a for a in status["apps"] if a["id"] == "ai-admin-assistant")["state"] == "limited"  # no github
    ready = json.loads(run("status", "--json", extra_env={"GH_TOKEN": "x", "JIRA_API_TOKEN": "y"}).stdout)
    assert next(a for a in ready["apps"] if a["id"] == "ai-admin-assistant")["state"] == "ready"


@pytest.mark.keyring
def test_connect_stores_the_refresh_token_in_the_secret_service(run, google, keyring_env, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", google.ca_file)  # the other CA variable works as well
    result = connect(run, google)
    assert result.exit_code == 0, result.stderr
    secret = json.loads(secret_tool_lookup(keyring_env, "google"))
    assert secret["client_secret"] == CLIENT_SECRET and secret["refresh_token"].startswith("1//")
    assert run("fetch", "google.gmail", "--limit", "1").exit_code == 0
    assert run("disconnect", "google").exit_code == 0
    assert secret_tool_lookup(keyring_env, "google") == ""


def test_browser_flow_on_a_loopback_redirect(google, no_keyring, isolated, tmp_path):
    log = tmp_path / "browser.log"
    env = {**os.environ, "BROWSER": f"{sys.executable} {TESTS / 'fake_browser.py'} %s", "FAKE_BROWSER_LOG": str(log)}
    result = subprocess.run([sys.executable, "-m", "intcli", "connect", "google", "--insecure-storage"], env=env,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # the library's prompt went to stderr
    authorization_url, redirect = log.read_text().splitlines()[:2]
    assert query_of(authorization_url)["code_challenge_method"] == "S256"
    assert redirect.startswith("http://127.0.0.1:")
    assert query_of(redirect)["state"] == query_of(authorization_url)["state"]
    assert load_state(Environment()).connections["google"].account == EMAIL


def test_pasted_url_from_another_attempt_is_refused(run, google, no_keyring):
    result = connect(run, google, "--insecure-storage", tamper=lambda url: url.replace("state=", "state=x"))
    assert result.exit_code == 2
    assert "state does not match" in result.stderr
    assert "google" not in load_state(Environment()).connections


def test_denied_consent_is_exit_4(run, google, no_keyring):
    result = connect(run, google, "--insecure-storage",
                     tamper=lambda url: url.split("?")[0] + "?error=access_denied&state=s")
    assert result.exit_code == 4 and "access_denied" in result.stderr


@pytest.mark.parametrize(("content", "message"), [(None, "does not exist"), ("nope", "is not JSON"),
                                                  ('{"other": {}}', "lacks an 'installed' client")])
def test_bad_client_secrets_are_usage_errors(run, google, no_keyring, tmp_path, content, message):
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    result = run("connect", "google", "--client-secrets", str(path), "--insecure-storage")
    assert result.exit_code == 2 and message in result.stderr


def test_missing_client_secrets_names_the_option(run, google, monkeypatch, no_keyring):
    monkeypatch.delenv("INTCLI_GOOGLE_CLIENT_SECRETS")
    result = run("connect", "google", "--insecure-storage")
    assert result.exit_code == 2 and "--client-secrets" in result.stderr


def test_fewer_scopes_granted_makes_gmail_not_configured(run, google, no_keyring):
    google.grant_scopes = ALL_SCOPES[:1]
    result = connect(run, google, "--insecure-storage")
    assert result.exit_code == 0
    assert "google.gmail needs scope" in result.stderr
    status = json.loads(run("status", "--json").stdout)
    assistant = next(a for a in status["apps"] if a["id"] == "ai-admin-assistant")
    gmail = next(r for r in assistant["requirements"] if r["capability"] == "google.gmail")
    assert gmail["reason"] == "not_configured" and "gmail.readonly" in gmail["detail"]
    assert assistant["state"] == "blocked"


@pytest.fixture
def connected(run, google, no_keyring) -> FakeGoogle:
    assert connect(run, google, "--insecure-storage").exit_code == 0
    google.token_requests.clear()
    google.api_requests.clear()
    return google


def test_drive_recent_files(run, connected):
    result = run("fetch", "google.drive", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    names = [f["name"] for f in document["files"]]
    assert len(names) == 251 and "Doc 3" not in names  # trashed files never show
    times = [f["modifiedTime"] for f in document["files"]]
    assert times == sorted(times, reverse=True)
    assert document["files"][0]["url"].startswith("https://docs.example/")
    listing = [r for r in connected.api_requests if r.path == "/drive/v3/files"]
    assert len(listing) == 3 and listing[0].args["orderBy"] == "modifiedTime desc"
    assert [r.args.get("pageToken") for r in listing] == [None, "100", "200"]


def test_drive_limit_since_and_query(run, connected):
    limited = json.loads(run("fetch", "google.drive", "--limit", "5", "--format", "json").stdout)
    assert len(limited["files"]) == 5 and connected.api_requests[-1].args["pageSize"] == "5"
    since = json.loads(run("fetch", "google.drive", "--since", "2026-11-28T00:00:00Z", "-f", "json").stdout)
    assert since["files"] and all(f["modifiedTime"] > "2026-11-28" for f in since["files"])
    assert "modifiedTime > '2026-11-28T00:00:00Z'" in connected.api_requests[-1].args["q"]
    query = json.loads(run("fetch", "google.drive", "--query", "name contains 'Doc 24'", "-f", "json").stdout)
    assert sorted(f["name"] for f in query["files"]) == ["Doc 24"] + [f"Doc {n}" for n in range(240, 250)]
    table = run("fetch", "google.drive", "--limit", "2", tty=True)
    assert "Doc 0" in table.stdout


def test_drive_content(run, connected):
    doc = run("fetch", "google.drive", "--content", "file7", "-f", "json")
    assert doc.exit_code == 0 and json.loads(doc.stdout) == {
        "id": "file7", "name": "Doc 7", "mimeType": "application/vnd.google-apps.document",
        "content": "Text of file7\n"}
    assert run("fetch", "google.drive", "--content", "file7", tty=True).stdout == "Text of file7\n"
    assert run("fetch", "google.drive", "--content", "file7").stdout == "Text of file7\n"  # `> doc.txt` gets the text
    one_line = run("fetch", "google.drive", "--content", "file7", "-f", "ndjson").stdout
    assert one_line.count("\n") == 1 and json.loads(one_line)["content"] == "Text of file7\n"
    plain = run("fetch", "google.drive", "--content", "notes", "-f", "table")
    assert plain.stdout == "hello notes\n"
    refused = run("fetch", "google.drive", "--content", "photo")
    assert refused.exit_code == 2 and "image/png" in refused.stderr
    missing = run("fetch", "google.drive", "--content", "gone")
    assert missing.exit_code == 4


def test_gmail_messages_with_concurrent_metadata_and_one_refresh(run, connected):
    result = run("fetch", "google.gmail", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [m["id"] for m in document["messages"]] == [f"m{n}" for n in range(130)]
    assert document["messages"][0] == {"id": "m0", "threadId": "t0", "from": "sender0@example.com", "to": EMAIL,
                                       "subject": "Subject 0", "date": "2026-11-28T10:00:00Z",
                                       "snippet": "Hello 0", "labels": ["INBOX", "UNREAD"]}
    assert connected.api_requests[0].args["q"] == "is:unread in:inbox"
    gets = [r for r in connected.api_requests if r.path.startswith("/gmail/v1/users/me/messages/m")]
    assert len(gets) == 130 and gets[0].args.getlist("metadataHeaders") == ["From", "To", "Subject", "Date"]
    refreshes = [t for t in connected.token_requests if t["grant_type"] == "refresh_token"]
    assert len(refreshes) == 1  # once per process, although 130 requests ran on 8 threads
    assert refreshes[0]["client_id"].startswith("intcli-test")


def test_gmail_limit_and_query(run, connected):
    document = json.loads(run("fetch", "google.gmail", "--limit", "3", "-q", "from:boss", "-f", "json").stdout)
    assert len(document["messages"]) == 3
    assert connected.api_requests[0].args["q"] == "from:boss"


def test_revoked_refresh_token_marks_the_connection_expired(run, connected):
    connected.revoked = True
    result = run("fetch", "google.drive")
    assert result.exit_code == 4
    assert "invalid_grant" in result.stderr and "intcli connect google" in result.stderr
    status = json.loads(run("status", "--json").stdout)
    assert status["connections"]["google"]["expired"] is True
    drive = next(r for a in status["apps"] for r in a["requirements"] if r["capability"] == "google.drive")
    assert drive["reason"] == "expired"
    again = run("fetch", "google.drive")
    assert again.exit_code == 4 and "expired or was revoked" in again.stderr


def test_send_and_draft(run, connected):
    draft = run("send", "google.gmail", "--to", "Bob <bob@example.com>", "--subject", "Hi", "--body", "Hello",
                "--draft")
    assert draft.exit_code == 0, draft.stderr
    assert json.loads(draft.stdout)["draft"] is True
    raw = connected.drafts[0].decode()
    assert "To: Bob <bob@example.com>" in raw and "Subject: Hi" in raw and "Hello" in raw and f"From: {EMAIL}" in raw
    jq = run("send", "google.gmail", "--to", "bob@example.com", "--body", "x", "--draft", "--jq", ".draft")
    assert (jq.exit_code, jq.stdout) == (0, "true\n")
    refused = run("send", "google.gmail", "--to", "bob@example.com", "--subject", "Hi", "--body", "x")
    assert refused.exit_code == 2 and "--yes" in refused.stderr and connected.sent == []
    sent = run("send", "google.gmail", "--to", "bob@example.com", "--cc", "carol@example.com", "--subject", "Hi",
               "--body-file", "-", "--yes", stdin="From stdin\n")
    assert sent.exit_code == 0, sent.stderr
    assert json.loads(sent.stdout)["messageId"] == "sent1"
    assert "Cc: carol@example.com" in connected.sent[0].decode() and "From stdin" in connected.sent[0].decode()
    assert "google" in load_state(Environment()).last_used


def test_send_on_a_terminal_asks_first(run, connected):
    declined = run("send", "google.gmail", "--to", "bob@example.com", "--body", "x", stdin="n\n", tty=True)
    assert declined.exit_code == 2 and connected.sent == []
    accepted = run("send", "google.gmail", "--to", "bob@example.com", "--body", "x", stdin="y\n", tty=True)
    assert accepted.exit_code == 0 and len(connected.sent) == 1 and "Sent message" in accepted.stderr


@pytest.mark.parametrize(("args", "code", "message"), [
    (("send", "google.drive", "--to", "a@b.c", "--body", "x", "--yes"), 2, "read-only"),
    (("send", "github.issues", "--to", "a@b.c", "--body", "x", "--yes"), 2, "read-only"),
    (("send", "google.gmail", "--to", "a@b.c", "--yes"), 2, "exactly one of --body"),
    (("send", "google.gmail", "--to", "not an address", "--body", "x", "--yes"), 2, "not an email address"),
    (("send", "google.gmail", "--body", "x", "--yes"), 2, "no recipient"),
    (("send", "google.gmail", "--to", "a@b.c", "--subject", "Hi\nBcc: eve@x.y", "--body", "x", "--yes"), 2,
     "one line"),
    (("send", "google.gmail", "--to", "a@b.c", "--body", "x", "--yes", "--app", "github-timeline"), 4,
     "does not declare"),
])
def test_send_refusals(run, connected, args, code, message):
    result = run(*args)
    assert result.exit_code == code, result.stderr
    assert message in result.stderr
    assert connected.sent == []


def test_requests_match_the_discovery_documents(run, connected):
    """Every query parameter intcli sends is one the Drive v3 / Gmail v1 discovery documents define."""
    import googleapiclient

    documents = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
    drive = json.loads((documents / "drive.v3.json").read_text())
    gmail = json.loads((documents / "gmail.v1.json").read_text())
    run("fetch", "google.drive", "--limit", "150", "--since", "2026-01-01T00:00:00Z", "-f", "json")
    run("fetch", "google.drive", "--content", "file1")
    run("fetch", "google.drive", "--content", "notes")
    run("fetch", "google.gmail", "--limit", "120", "-f", "json")
    methods = {
        "/drive/v3/files": drive["resources"]["files"]["methods"]["list"],
        "/drive/v3/files/file1": drive["resources"]["files"]["methods"]["get"],
        "/drive/v3/files/notes": drive["resources"]["files"]["methods"]["get"],
        "/drive/v3/files/file1/export": drive["resources"]["files"]["methods"]["export"],
        "/gmail/v1/users/me/messages": gmail["resources"]["users"]["resources"]["messages"]["methods"]["list"],
        "/gmail/v1/users/me/profile": gmail["resources"]["users"]["methods"]["getProfile"],
    }
    get_message = gmail["resources"]["users"]["resources"]["messages"]["methods"]["get"]
    checked = 0
    for request in connected.api_requests:
        method = methods.get(request.path) or (get_message if "/messages/m" in request.path else None)
        assert method is not None, request.path
        common = drive["parameters"] if request.path.startswith("/drive") else gmail["parameters"]
        for name in request.args:
            assert name in method.get("parameters", {}) or name in common, f"{request.path}: {name}"
            checked += 1
        if "format" in request.args:
            assert request.args["format"] in method["parameters"]["format"]["enum"]
    assert checked > 10


def test_service_account_connect_and_fetch(run, google, service_account_key):
    result = run("connect", "google", "--service-account", str(service_account_key), "--subject", EMAIL)
    assert result.exit_code == 0, result.stderr
    connection = load_state(Environment()).connections["google"]
    assert (connection.auth, connection.account, str(connection.secret_storage)) == ("service_account", EMAIL, "none")
    assert run("fetch", "google.gmail", "--limit", "2").exit_code == 0
    grants = [t["grant_type"] for t in google.token_requests]
    assert set(grants) == {"urn:ietf:params:oauth:grant-type:jwt-bearer"}
    assert run("connect", "google", "--service-account", str(service_account_key), "--no-browser").exit_code == 2


def test_google_application_credentials_needs_no_connect(run, google, service_account_key, monkeypatch):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_key))
    document = json.loads(run("fetch", "google.drive", "--limit", "1", "-f", "json").stdout)
    assert len(document["files"]) == 1
    status = json.loads(run("status", "--json").stdout)
    assert status["connections"]["google"]["source"] == "env:GOOGLE_APPLICATION_CREDENTIALS"


def test_not_connected_is_exit_4(run, google):
    result = run("fetch", "google.gmail")
    assert result.exit_code == 4 and "intcli connect google" in result.stderr


def test_secrets_never_leak(run, google, no_keyring, isolated):
    outputs = [connect(run, google, "--insecure-storage"), run("status"), run("--debug", "fetch", "google.gmail",
               "--limit", "2"), run("status", "--json")]
    google.revoked = True
    outputs.append(run("--debug", "fetch", "google.drive"))
    assert [r.exit_code for r in outputs] == [0, 0, 0, 0, 4]
    assert google.refresh_tokens and google.access_tokens  # there really are secrets to look for
    refresh_tokens = list(google.refresh_tokens)
    access_tokens = list(google.access_tokens)
    secrets_file = Environment().state_dir / "secrets.json"
    for result in outputs:
        for secret in [*refresh_tokens, *access_tokens, CLIENT_SECRET]:
            assert secret not in result.stdout and secret not in result.stderr
    for path in isolated.rglob("*"):
        if path.is_file() and path != secrets_file and path.name != "client_secret.json":
            data = path.read_bytes()
            for secret in [*refresh_tokens, *access_tokens]:
                assert secret.encode() not in data, path


def test_several_recipients_in_one_option_are_all_kept(run, connected):
    result = run("send", "google.gmail", "--to", "a@example.com, Eve <eve@example.com>", "--body", "x", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "To: a@example.com, Eve <eve@example.com>" in connected.sent[0].decode()


def test_a_failed_send_is_not_retried(run, connected):
    from werkzeug import Response

    calls = []
    original = connected.send
    connected.send = lambda request: calls.append(1) or Response("unavailable", 503)
    result = run("send", "google.gmail", "--to", "a@example.com", "--body", "x", "--yes")
    connected.send = original
    assert result.exit_code == 3 and "may or may not have gone through" in result.stderr
    assert len(calls) == 1  # one POST: a retry could have sent the mail twice


def test_line_breaks_in_addresses_are_refused_before_anything_is_asked(run, connected):
    sneaky = run("send", "google.gmail", "--to", "bob@example.com\nBcc: evil@example.com", "--body", "x", "--yes")
    assert sneaky.exit_code == 2 and "line breaks" in sneaky.stderr and connected.sent == []
    bad = run("send", "google.gmail", "--to", "bob", "--body", "x", stdin="y\n", tty=True)
    assert bad.exit_code == 2 and "[y/N]" not in bad.stderr  # refused before the question


def test_quoted_display_names_with_commas_are_kept(run, connected):
    result = run("send", "google.gmail", "--to", '"Smith, Bob" <bob@example.com>', "--body", "x", "--yes")
    assert result.exit_code == 0, result.stderr
    assert 'To: "Smith, Bob" <bob@example.com>' in connected.sent[0].decode()


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("capability, key", [("google.drive", "files"), ("google.gmail", "messages")])
def test_tables_keep_ids_and_times_whole(run, connected, capability, key, columns):
    connected.files[0]["id"] = "1" + "x" * 43  # Drive ids are 33-44 characters long
    connected.files[0]["name"] = "A document name far too long for any narrow terminal to show it all at once"
    document = json.loads(run("fetch", capability, "--limit", "20", "-f", "json").stdout)
    table = run("fetch", capability, "--limit", "20", "-f", "table", extra_env={"COLUMNS": str(columns)})
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == f"{capability}: 20 of {document['total']}" or lines[0] == f"{capability}: 20 {key}"
    header, rows = lines[1].split(), lines[2:]
    assert len(rows) == 20
    keep = {"google.drive": ["id", "modifiedTime"], "google.gmail": ["date"]}[capability]  # a sender is free text
    for line, item in zip(rows, document[key], strict=True):
        assert len(line) <= columns, line
        words = line.split()
        for name in keep:
            if name in header:
                assert item[name] in words, (name, line)
    assert "id" in header if capability == "google.drive" else "from" in header
    if capability == "google.drive":
        assert document["files"][0]["modifiedTime"].endswith(":00Z")  # one time format: no ".000Z"
