"""A loopback Google: OAuth 2.0 authorization server (PKCE checked) plus Drive v3 and Gmail v1, just enough."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from werkzeug import Request, Response

CLIENT_ID = "intcli-test.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-intcliTestClientSecret"
EMAIL = "ada@example.com"
ALL_SCOPES = ["https://www.googleapis.com/auth/drive.readonly", "https://www.googleapis.com/auth/gmail.readonly",
              "https://www.googleapis.com/auth/gmail.compose"]


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")


class FakeGoogle:
    def __init__(self) -> None:
        self.codes: dict[str, dict] = {}
        self.refresh_tokens: dict[str, list[str]] = {}
        self.access_tokens: dict[str, float] = {}
        self.revoked = False
        self.grant_scopes: list[str] | None = None  # None: grant what was asked
        self.token_requests: list[dict] = []
        self.api_requests: list[Request] = []
        self.service_account_keys: dict[str, object] = {}  # client_email -> public key PEM
        self.files = [{"id": f"file{n}", "name": f"Doc {n}", "mimeType": "application/vnd.google-apps.document",
                       "modifiedTime": f"2026-11-{28 - n // 10:02d}T10:{59 - n % 60:02d}:00.000Z",
                       "webViewLink": f"https://docs.example/d/file{n}", "owners": [{"emailAddress": EMAIL}]}
                      for n in range(250)]
        self.files.append({"id": "notes", "name": "notes.txt", "mimeType": "text/plain",
                           "modifiedTime": "2026-10-01T00:00:00.000Z", "owners": [], "size": "11"})
        self.files.append({"id": "photo", "name": "photo.png", "mimeType": "image/png",
                           "modifiedTime": "2026-10-01T00:00:00.000Z", "owners": []})
        self.trashed = {"file3"}
        self.messages = [{"id": f"m{n}", "threadId": f"t{n}", "snippet": f"Hello {n}", "labelIds": ["INBOX", "UNREAD"],
                          "headers": {"From": f"sender{n}@example.com", "To": EMAIL, "Subject": f"Subject {n}",
                                      "Date": "Sat, 28 Nov 2026 10:00:00 +0000"}} for n in range(130)]
        self.sent: list[bytes] = []
        self.drafts: list[bytes] = []

    def install(self, server) -> FakeGoogle:
        self.base = server.url_for("").rstrip("/")
        server.expect_request(re.compile(".*")).respond_with_handler(self.handle)
        return self

    def client_secrets(self) -> dict:
        return {"installed": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "project_id": "intcli-test",
                              "auth_uri": f"{self.base}/o/oauth2/auth", "token_uri": f"{self.base}/token",
                              "redirect_uris": ["http://localhost"]}}

    # -- dispatch --------------------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.path == "/o/oauth2/auth":
            return self.authorize(request)
        if request.path == "/token":
            return self.token(request)
        self.api_requests.append(request)
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.access_tokens.get(bearer, 0) < time.time():
            return _json({"error": {"code": 401, "message": "Invalid Credentials"}}, 401)
        routes = [
            (r"/gmail/v1/users/me/profile", self.profile), (r"/drive/v3/about", self.about),
            (r"/drive/v3/files", self.list_files), (r"/drive/v3/files/([^/]+)/export", self.export),
            (r"/drive/v3/files/([^/]+)", self.get_file), (r"/gmail/v1/users/me/messages", self.list_messages),
            (r"/gmail/v1/users/me/messages/send", self.send), (r"/gmail/v1/users/me/drafts", self.draft),
            (r"/gmail/v1/users/me/messages/([^/]+)", self.get_message),
        ]
        for pattern, handler in routes:
            match = re.fullmatch(pattern, request.path)
            if match:
                return handler(request, *match.groups())
        return _json({"error": {"code": 404, "message": "Not Found"}}, 404)

    # -- OAuth -----------------------------------------------------------------------------------------------------
    def authorize(self, request: Request) -> Response:
        args = request.args
        problems = [name for name, ok in (
            ("response_type", args.get("response_type") == "code"), ("client_id", args.get("client_id") == CLIENT_ID),
            ("redirect_uri", re.fullmatch(r"http://127\.0\.0\.1:\d+/", args.get("redirect_uri", "")) is not None),
            ("code_challenge_method", args.get("code_challenge_method") == "S256"),
            ("code_challenge", len(args.get("code_challenge", "")) >= 43), ("state", bool(args.get("state"))),
            ("access_type", args.get("access_type") == "offline"), ("prompt", args.get("prompt") == "consent"),
            ("scope", bool(args.get("scope")))) if not ok]
        if problems:
            return Response(f"bad authorization request: {problems}", 400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": args["code_challenge"], "redirect_uri": args["redirect_uri"],
                            "scopes": args["scope"].split()}
        location = f"{args['redirect_uri']}?{urlencode({'state': args['state'], 'code': code, 'scope': args['scope']})}"
        return Response(status=302, headers={"Location": location})

    def _issue(self, scopes: list[str], refresh_token: str | None = None) -> dict:
        access = "ya29." + secrets.token_urlsafe(24)
        self.access_tokens[access] = time.time() + 3600
        answer = {"access_token": access, "expires_in": 3599, "token_type": "Bearer", "scope": " ".join(scopes)}
        if refresh_token:
            answer["refresh_token"] = refresh_token
        return answer

    def token(self, request: Request) -> Response:
        form = request.form.to_dict()
        if request.authorization and request.authorization.username:  # client credentials by HTTP Basic auth
            form.setdefault("client_id", request.authorization.username)
            form.setdefault("client_secret", request.authorization.password)
        self.token_requests.append(form)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            pending = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if (pending is None or pending["challenge"] != challenge or form.get("redirect_uri") !=
                    pending["redirect_uri"] or form.get("client_id") != CLIENT_ID):
                return _json({"error": "invalid_grant", "error_description": "Bad code or PKCE verifier"}, 400)
            scopes = self.grant_scopes if self.grant_scopes is not None else pending["scopes"]
            refresh = "1//" + secrets.token_urlsafe(30)
            self.refresh_tokens[refresh] = scopes
            return _json(self._issue(scopes, refresh))
        if grant == "refresh_token":
            scopes = self.refresh_tokens.get(form.get("refresh_token", ""))
            if self.revoked or scopes is None or form.get("client_secret") != CLIENT_SECRET:
                return _json({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, 400)
            return _json(self._issue(scopes))
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            from google.auth import jwt

            claims = jwt.decode(form["assertion"], verify=False)
            public_key = self.service_account_keys.get(claims.get("iss"))
            if public_key is None:
                return _json({"error": "invalid_grant", "error_description": "unknown service account"}, 400)
            # Checks the signature. google-auth always addresses the assertion to Google's token endpoint, whatever
            # token_uri says, and Google expects exactly that.
            jwt.decode(form["assertion"], certs=public_key, audience="https://oauth2.googleapis.com/token")
            return _json(self._issue(claims.get("scope", "").split()))
        return _json({"error": "unsupported_grant_type"}, 400)

    # -- Drive -----------------------------------------------------------------------------------------------------
    def about(self, request: Request) -> Response:
        return _json({"user": {"emailAddress": EMAIL}})

    def list_files(self, request: Request) -> Response:
        query = request.args.get("q", "")
        if "trashed = false" not in query or "files(" not in request.args.get("fields", ""):
            return _json({"error": {"code": 400, "message": "test server: trashed=false and fields are required"}}, 400)
        since = re.search(r"modifiedTime > '([^']+)'", query)
        name = re.search(r"name contains '([^']+)'", query)
        files = [f for f in self.files if f["id"] not in self.trashed
                 and (not since or f["modifiedTime"] > since.group(1)) and (not name or name.group(1) in f["name"])]
        files.sort(key=lambda f: f["modifiedTime"], reverse=True)
        start, size = int(request.args.get("pageToken", 0)), int(request.args.get("pageSize", 100))
        body = {"files": files[start:start + size]}
        if start + size < len(files):
            body["nextPageToken"] = str(start + size)
        return _json(body)

    def get_file(self, request: Request, file_id: str) -> Response:
        file = next((f for f in self.files if f["id"] == file_id), None)
        if file is None:
            return _json({"error": {"code": 404, "message": f"File not found: {file_id}."}}, 404)
        if request.args.get("alt") == "media":
            return Response("hello notes", 200, content_type=file["mimeType"])
        return _json({k: file[k] for k in ("id", "name", "mimeType")})

    def export(self, request: Request, file_id: str) -> Response:
        if request.args.get("mimeType") != "text/plain":
            return _json({"error": {"code": 400, "message": "bad export type"}}, 400)
        return Response(f"Text of {file_id}\n", 200, content_type="text/plain")

    # -- Gmail -----------------------------------------------------------------------------------------------------
    def profile(self, request: Request) -> Response:
        return _json({"emailAddress": EMAIL, "messagesTotal": len(self.messages)})

    def list_messages(self, request: Request) -> Response:
        if self.messages is None:
            return _json({"error": {"code": 500, "message": "Backend Error"}}, 500)
        start, size = int(request.args.get("pageToken", 0)), int(request.args.get("maxResults", 100))
        window = self.messages[start:start + size]
        body = {"messages": [{"id": m["id"], "threadId": m["threadId"]} for m in window],
                "resultSizeEstimate": len(self.messages)}
        if start + size < len(self.messages):
            body["nextPageToken"] = str(start + size)
        return _json(body)

    def get_message(self, request: Request, message_id: str) -> Response:
        message = next((m for m in self.messages if m["id"] == message_id), None)
        if message is None or request.args.get("format") != "metadata":
            return _json({"error": {"code": 404, "message": "Not Found"}}, 404)
        wanted = request.args.getlist("metadataHeaders")
        headers = [{"name": k, "value": v} for k, v in message["headers"].items() if k in wanted]
        return _json({"id": message["id"], "threadId": message["threadId"], "snippet": message["snippet"],
                      "labelIds": message["labelIds"], "payload": {"headers": headers}})

    def send(self, request: Request) -> Response:
        raw = base64.urlsafe_b64decode(request.get_json()["raw"])
        self.sent.append(raw)
        return _json({"id": f"sent{len(self.sent)}", "threadId": "t-sent", "labelIds": ["SENT"]})

    def draft(self, request: Request) -> Response:
        raw = base64.urlsafe_b64decode(request.get_json()["message"]["raw"])
        self.drafts.append(raw)
        return _json({"id": f"r{len(self.drafts)}", "message": {"id": f"dm{len(self.drafts)}", "threadId": "t-d"}})


def follow_authorization(url: str, ca_file: str) -> str:
    """What a browser does: open the authorization URL, get redirected; return the redirect target URL."""
    import ssl

    import httpx

    answer = httpx.get(url, verify=ssl.create_default_context(cafile=ca_file), follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class Browser(io.StringIO):
    """Standard input that answers the paste-back prompt: it opens the URL intcli printed, as a person would."""

    def __init__(self, stderr: io.StringIO, ca_file: str, tamper=None) -> None:
        super().__init__()
        self.stderr, self.ca_file, self.tamper = stderr, ca_file, tamper
        self.authorization_url = ""

    def readline(self, *args) -> str:
        self.authorization_url = next(line for line in self.stderr.getvalue().splitlines() if "/o/oauth2/auth?" in line)
        redirected = follow_authorization(self.authorization_url.strip(), self.ca_file)
        return (self.tamper(redirected) if self.tamper else redirected) + "\n"


def connect(run, google, *flags: str, tamper=None):
    browser = {}

    def stdin(err):
        browser["it"] = Browser(err, google.ca_file, tamper)
        return browser["it"]

    result = run("--debug", "connect", "google", "--no-browser", *flags, stdin=stdin)
    result.authorization_url = browser["it"].authorization_url if "it" in browser else ""
    return result
