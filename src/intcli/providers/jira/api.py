"""The Jira Cloud REST client: intcli's bounded HTTP client, retries (429 with ``Retry-After``, 5xx), and Jira's
error shape (``errorMessages`` and ``errors``) mapped to intcli's exit codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from intcli.providers.jira import Site, basic_auth
from intcli.sdk import UpstreamError, WaitBudget, client, decode_json, raise_for_status, redact, send_once, with_retries

if TYPE_CHECKING:
    from intcli.sdk import Environment, Response

MAX_PAGES = 1000  # of 100 issues: far past any real JQL answer


class JiraAPI:
    def __init__(self, env: Environment, where: Site, email: str, token: str, max_wait: float = 60.0,
                 on_page: Callable[[], None] | None = None, fix_auth: str = "run `intcli connect jira`",
                 fix_usage: str = "check --jql and --project") -> None:
        self.env, self.where, self.max_wait, self.on_page, self.fix_auth = env, where, max_wait, on_page, fix_auth
        self.fix_usage = fix_usage
        self.budget = WaitBudget(max_wait)  # all the waits of this command together
        self._http = client(env, where.url, {"Authorization": basic_auth(email, token), "Accept": "application/json"},
                            host=where.host)

    def __enter__(self) -> JiraAPI:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._http.close()

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._call("GET", path, params=params)

    def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Only for reads that take a JSON body (the count); safe to retry."""
        return self._call("POST", path, json=body)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        what = f"{method} {path}"

        def send() -> Response:
            response = send_once(self._http, method, path, **kwargs)
            raise_for_status(response, self.where.host, what, _message(response), fix_auth=self.fix_auth,
                             fix_usage=self.fix_usage, retry_after_cap=self.max_wait)
            return response

        response = with_retries(self.env, what, send, self.budget)
        data = decode_json(response.content, self.where.host, what)
        if not isinstance(data, dict):
            raise UpstreamError(f"{self.where.host} sent an unexpected answer to {what}",
                                hint="check --site (is this a Jira Cloud site?)")
        if self.on_page and path.endswith("/search/jql"):
            self.on_page()
        return data


def _message(response: Response) -> str:
    """Jira's ``errorMessages`` and field ``errors``, redacted and cut (they may quote the query or a header)."""
    try:
        data = decode_json(response.content, "", "")
    except UpstreamError:
        return ""
    if not isinstance(data, dict):
        return ""
    listed = data.get("errorMessages")
    parts = [str(m) for m in listed] if isinstance(listed, list) else []
    fields = data.get("errors")
    if isinstance(fields, dict):
        parts += [f"{name}: {text}" for name, text in fields.items()]
    return redact("; ".join(parts))
