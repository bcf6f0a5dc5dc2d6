"""A GitHub-compatible REST endpoint on a loopback pytest-httpserver: just what the tests need."""

from __future__ import annotations

import json

from werkzeug import Request, Response

TOKEN = "ghp_intcliTEST0123456789abcdefghijklmnopq"
OTHER_TOKEN = "ghp_intcliOTHER9876543210zyxwvutsrqponmlk"


def serve_user(server, token: str = TOKEN, login: str = "octocat", scopes: str | None = "repo, read:user",
               expiration: str | None = None, prefix: str = "/api/v3") -> list[Request]:
    """Answer ``GET {prefix}/user`` like GitHub; return the list that collects the requests seen."""
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        if request.headers.get("Authorization") != f"Bearer {token}":
            return Response(json.dumps({"message": "Bad credentials"}), 401, content_type="application/json")
        headers = {"X-GitHub-Api-Version-Seen": request.headers.get("X-GitHub-Api-Version", "")}
        if scopes is not None:
            headers["X-OAuth-Scopes"] = scopes
        if expiration is not None:
            headers["GitHub-Authentication-Token-Expiration"] = expiration
        return Response(json.dumps({"login": login, "id": 1}), 200, headers=headers, content_type="application/json")

    server.expect_request(f"{prefix}/user").respond_with_handler(handler)
    return seen


class FakeGitHub:
    """A loopback GitHub REST API with search and repository issues, Link pagination, the 1000-result search cap,
    ETag/304, rate-limit headers, injected faults and token revocation."""

    def __init__(self, issues: list[dict], token: str = TOKEN, login: str = "octocat") -> None:
        self.issues = issues
        self.token = token
        self.login = login
        self.requests: list[Request] = []
        self.not_modified = 0
        self.faults: dict[int, Response] = {}  # request number (1-based) -> response to send instead
        self.revoke_after: int | None = None
        self.on_request = None  # called with the request number after each answer is built
        self.rate_remaining = 5000

    def install(self, server, prefix: str = "/api/v3") -> FakeGitHub:
        import re

        self.prefix = prefix
        self.base = server.url_for("")  # e.g. http://127.0.0.1:PORT/
        server.expect_request(re.compile(f"^{prefix}/.*")).respond_with_handler(self.handle)
        return self

    # -- request handling ------------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        self.requests.append(request)
        number = len(self.requests)
        if number in self.faults:
            return self.faults[number]
        if request.headers.get("Authorization") not in (f"Bearer {self.token}", f"token {self.token}") or (
                self.revoke_after is not None and number > self.revoke_after):
            return Response(json.dumps({"message": "Bad credentials"}), 401, content_type="application/json")
        path = request.path[len(self.prefix):]
        if path == "/user":
            body, headers = {"login": self.login, "id": 1}, {"X-OAuth-Scopes": "repo, read:user"}
        elif path == "/search/issues":
            body, headers = self.search(request)
        elif path.startswith("/repos/") and path.endswith("/issues"):
            body, headers = self.repository(request, path[len("/repos/"):-len("/issues")])
        else:
            return Response(json.dumps({"message": "Not Found"}), 404, content_type="application/json")
        if isinstance(body, Response):
            return body
        answer = self.answer(request, body, headers)
        if self.on_request is not None:
            self.on_request(number)
        return answer

    def answer(self, request: Request, body, headers: dict) -> Response:
        import hashlib

        text = self.encode(body)
        etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
        self.rate_remaining -= 1
        limits = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": str(self.rate_remaining),
                  "x-ratelimit-reset": "4102444800", "ETag": etag}
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            self.rate_remaining += 1  # a 304 costs no primary rate units
            return Response(status=304, headers={**limits, **headers})
        return Response(text, 200, headers={**limits, **headers}, content_type="application/json; charset=utf-8")

    def encode(self, body) -> str:
        return json.dumps(body)

    @staticmethod
    def _page(request: Request) -> tuple[int, int]:
        return int(request.args.get("page", 1)), min(int(request.args.get("per_page", 30)), 100)

    def search(self, request: Request):
        query = request.args.get("q", "")
        terms = dict(term.split(":", 1) for term in _split_query(query) if ":" in term)
        repos = [t.split(":", 1)[1] for t in _split_query(query) if t.startswith("repo:")]
        labels = [t.split(":", 1)[1].strip('"') for t in _split_query(query) if t.startswith("label:")]
        assignee = terms.get("assignee", "@me")
        assignee = self.login if assignee == "@me" else assignee
        matches = [i for i in self.issues
                   if (terms.get("type") != "issue" or "pull_request" not in i)
                   and assignee in [a["login"] for a in i.get("assignees", [])]
                   and i["state"] == terms.get("is", terms.get("state", i["state"]))
                   and (not repos or _repo_of(i) in repos)
                   and all(label in [x["name"] for x in i["labels"]] for label in labels)]
        matches.sort(key=lambda i: i["updated_at"], reverse=True)
        page, per_page = self._page(request)
        if page * per_page > 1000 and (page - 1) * per_page >= 1000:
            return Response(json.dumps({"message": "Only the first 1000 search results are available"}), 422,
                            content_type="application/json"), {}
        start = (page - 1) * per_page
        capped = matches[:1000]
        window = capped[start:start + per_page]
        body = {"total_count": len(matches), "incomplete_results": False, "items": window}
        return body, self._links(request, page, max(1, -(-len(capped) // per_page)))

    def _links(self, request: Request, page: int, last: int) -> dict[str, str]:
        from urllib.parse import urlencode

        base = f"{self.base.rstrip('/')}{request.path}"
        args = {k: v for k, v in request.args.items() if k != "page"}
        links = []
        if page < last:
            links.append(f'<{base}?{urlencode({**args, "page": page + 1})}>; rel="next"')
            links.append(f'<{base}?{urlencode({**args, "page": last})}>; rel="last"')
        return {"Link": ", ".join(links)} if links else {}

    def repository(self, request: Request, repo: str):
        state = request.args.get("state", "open")
        since = request.args.get("since")
        labels = [label for label in request.args.get("labels", "").split(",") if label]
        matches = [i for i in self.issues if _repo_of(i) == repo and (state == "all" or i["state"] == state)
                   and (since is None or i["updated_at"] >= since)
                   and all(label in [x["name"] for x in i["labels"]] for label in labels)]
        if not any(_repo_of(i) == repo for i in self.issues):
            return Response(json.dumps({"message": "Not Found"}), 404, content_type="application/json"), {}
        matches.sort(key=lambda i: i["updated_at"], reverse=request.args.get("direction", "desc") == "desc")
        page, per_page = self._page(request)
        last = max(1, -(-len(matches) // per_page))
        return matches[(page - 1) * per_page: page * per_page], self._links(request, page, last)


def _split_query(query: str) -> list[str]:
    import shlex

    return shlex.split(query)


def _repo_of(issue: dict) -> str:
    return issue["repository_url"].split("/repos/", 1)[1]


def make_issues(count: int, login: str = "octocat", repos: tuple[str, ...] = ("acme/api", "acme/web"),
                pull_requests_every: int = 0, start: int = 1) -> list[dict]:
    """``count`` issues with distinct, decreasing update times; every Nth one a pull request if asked."""
    from datetime import UTC, datetime, timedelta

    newest = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    issues = []
    for n in range(start, start + count):
        repo = repos[n % len(repos)]
        issue = {
            "id": 10_000 + n, "number": n, "title": f"Issue {n}", "state": "open",
            "html_url": f"https://github.example/{repo}/issues/{n}",
            "repository_url": f"https://api.github.example/repos/{repo}",
            "updated_at": (newest - timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "labels": [{"name": "bug"}] if n % 3 == 0 else [],
            "assignees": [{"login": login}],
        }
        if pull_requests_every and n % pull_requests_every == 0:
            issue["pull_request"] = {"url": "…"}
        issues.append(issue)
    return issues
