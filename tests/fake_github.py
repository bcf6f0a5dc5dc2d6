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
