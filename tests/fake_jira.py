"""A Jira Cloud-compatible REST endpoint on a loopback pytest-httpserver, shaped as the real API answers:
``/rest/api/3/myself``, ``/rest/api/3/search/jql`` (``nextPageToken`` paging, explicit ``fields``) and
``/rest/api/3/search/approximate-count``, Basic auth, JQL errors as ``errorMessages``, 429 with Retry-After."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

from werkzeug import Request, Response

EMAIL = "ada@example.com"
TOKEN = "ATATT3xFfGF0jiraTESTtoken0123456789abcdef"
NOW = datetime.now(UTC).replace(microsecond=0)
PAGE_CAP = 40  # like Jira, the server may return fewer than maxResults


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status, headers=headers, content_type="application/json")


class FakeJira:
    def __init__(self) -> None:
        self.issues = []
        for n in range(1, 261):
            project = "OPS" if n <= 200 else "WEB"
            self.issues.append({
                "id": str(10000 + n), "key": f"{project}-{n}", "project": project,
                "summary": f"Issue {n}: fix the thing", "mine": n % 2 == 0, "done": n % 5 == 0,
                "status": "Done" if n % 5 == 0 else ("In Progress" if n % 3 == 0 else "To Do"),
                "priority": ["High", "Medium", "Low"][n % 3], "labels": ["backend"] if n % 4 == 0 else [],
                "updated": NOW - timedelta(minutes=7 * n)})
        self.requests: list[Request] = []
        self.throttle_next = 0  # answer this many requests with 429 first
        self.retry_after = "1"

    def install(self, server) -> FakeJira:
        self.site = server.url_for("").rstrip("/")  # http://127.0.0.1:PORT
        server.expect_request(re.compile("^/rest/.*")).respond_with_handler(self.handle)
        return self

    def expected(self, predicate=lambda issue: issue["mine"] and not issue["done"]) -> list[str]:
        """Keys a correct client lists for ``predicate``, newest update first."""
        return [i["key"] for i in sorted(self.issues, key=lambda i: i["updated"], reverse=True) if predicate(i)]

    # -- handling ----------------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        self.requests.append(request)
        expected = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return _json({"errorMessages": ["Client must be authenticated to access this resource."]}, 401)
        if self.throttle_next:
            self.throttle_next -= 1
            return _json({"errorMessages": ["Rate limit exceeded."]}, 429, {"Retry-After": self.retry_after})
        if request.path == "/rest/api/3/myself":
            return _json({"accountId": "5b10ac8d82e05b22cc7d4ef5", "emailAddress": EMAIL, "displayName": "Ada"})
        if request.path == "/rest/api/3/search/jql" and request.method == "GET":
            return self.search(request)
        if request.path == "/rest/api/3/search/approximate-count" and request.method == "POST":
            try:
                matches = self.select(json.loads(request.data)["jql"])
            except ValueError as exc:
                return _json({"errorMessages": [str(exc)]}, 400)
            return _json({"count": len(matches)})
        return _json({"errorMessages": ["Not found"]}, 404)

    def search(self, request: Request) -> Response:
        args = request.args
        if not args.get("fields"):
            return _json({"errorMessages": ["search/jql returns only ids without fields"]}, 400)
        try:
            matches = self.select(args.get("jql", ""))
        except ValueError as exc:
            return _json({"errorMessages": [str(exc)], "errors": {}}, 400)
        start = int(base64.b64decode(args["nextPageToken"]).decode()) if args.get("nextPageToken") else 0
        size = min(int(args.get("maxResults", 50)), PAGE_CAP)
        page = matches[start:start + size]
        answer: dict = {"issues": [self.render(i, args["fields"].split(",")) for i in page],
                        "isLast": start + size >= len(matches)}
        if not answer["isLast"]:
            answer["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
        return _json(answer)

    def render(self, issue: dict, fields: list[str]) -> dict:
        everything = {
            "summary": issue["summary"], "labels": issue["labels"],
            "status": {"name": issue["status"], "statusCategory": {"key": "done" if issue["done"] else "new"}},
            "priority": {"name": issue["priority"]}, "project": {"key": issue["project"], "name": issue["project"]},
            "updated": issue["updated"].strftime("%Y-%m-%dT%H:%M:%S.000+0000")}
        return {"id": issue["id"], "key": issue["key"], "self": f"{self.site}/rest/api/3/issue/{issue['id']}",
                "fields": {name: everything[name] for name in fields if name in everything}}

    def select(self, jql: str) -> list[dict]:
        """The few JQL forms intcli and the tests use; anything else is an error, as Jira would say."""
        where, _, order = jql.partition(" ORDER BY ")
        chosen = list(self.issues)
        for condition in filter(None, (c.strip() for c in where.split(" AND "))):
            if condition == "assignee = currentUser()":
                chosen = [i for i in chosen if i["mine"]]
            elif condition == "statusCategory != Done":
                chosen = [i for i in chosen if not i["done"]]
            elif match := re.fullmatch(r'project = "?([A-Z]+)"?', condition):
                chosen = [i for i in chosen if i["project"] == match.group(1)]
            elif match := re.fullmatch(r'updated >= "-(\d+)m"', condition):
                cutoff = NOW - timedelta(minutes=int(match.group(1)))
                chosen = [i for i in chosen if i["updated"] >= cutoff]
            elif match := re.fullmatch(r'priority = "?(\w+)"?', condition):
                chosen = [i for i in chosen if i["priority"] == match.group(1)]
            else:
                raise ValueError(f"Error in the JQL Query: the condition '{condition}' is not understood.")
        if order.strip() == "updated DESC":
            chosen.sort(key=lambda i: i["updated"], reverse=True)
        return chosen
