"""Jira Cloud: the site's API base, Basic auth from an e-mail and an API token, and the token check.

A site is ``SITE.atlassian.net`` (https), or any https host; plain http only on loopback (test servers).
In CI no ``connect`` is needed: ``JIRA_API_TOKEN`` with ``JIRA_EMAIL`` and ``JIRA_SITE``.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from intcli.sdk import ConfigError, UsageError

if TYPE_CHECKING:
    from intcli.sdk import Environment

PROVIDER = "jira"
SITE_VARIABLE, EMAIL_VARIABLE = "JIRA_SITE", "JIRA_EMAIL"
_EMAIL = re.compile(r"[^@\s]{1,200}@[^@\s]{1,200}")


@dataclass(frozen=True)
class Site:
    url: str  # e.g. https://acme.atlassian.net
    host: str  # e.g. acme.atlassian.net

    def browse(self, key: str) -> str:
        return f"{self.url}/browse/{key}"


def site(text: str, origin: str) -> Site:
    """``acme.atlassian.net``, ``https://acme.atlassian.net/`` or a loopback ``http://127.0.0.1:PORT``."""
    from urllib.parse import urlsplit

    from intcli.sdk import check_base_url

    text = text.strip().rstrip("/")
    if not text:
        raise (UsageError if origin.startswith("--") else ConfigError)(
            f"{origin} is empty", hint="e.g. --site acme.atlassian.net")
    url = check_base_url(text if "://" in text else f"https://{text}", origin)
    parts = urlsplit(url)
    if parts.path or parts.query or parts.fragment or "?" in url or "#" in url:
        raise (UsageError if origin.startswith("--") else ConfigError)(
            f"{origin} {text[:100]!r} is not a site", hint="give the host only, e.g. acme.atlassian.net")
    return Site(url, parts.netloc)


def check_email(email: str, origin: str) -> str:
    email = email.strip()
    if not _EMAIL.fullmatch(email):
        raise (UsageError if origin.startswith("--") else ConfigError)(
            f"{origin} {email[:100]!r} is not an e-mail address", hint="the address of your Atlassian account")
    return email


def basic_auth(email: str, token: str) -> str:
    """The Authorization header; the encoded form is remembered as a secret too (a server may echo it)."""
    from intcli.sdk import remember_secret

    encoded = base64.b64encode(f"{email}:{token}".encode()).decode("ascii")
    remember_secret(encoded)
    return f"Basic {encoded}"


def check_token_shape(token: str) -> str:
    token = token.strip()
    if not token or any(c.isspace() or not c.isprintable() or not c.isascii() for c in token):
        raise UsageError("the API token is empty or contains spaces or unprintable characters",
                         hint="create one at https://id.atlassian.com/manage-profile/security/api-tokens")
    return token


def account_of(env: Environment, where: Site, email: str, token: str) -> str:
    """One ``GET /rest/api/3/myself``: who the token belongs to. 401/403 → AuthError (exit 4)."""
    from intcli.providers.jira.api import JiraAPI

    fix = ("check --email and create a new API token at "
           "https://id.atlassian.com/manage-profile/security/api-tokens")
    with JiraAPI(env, where, email, token, max_wait=10.0, fix_auth=fix,
                 fix_usage="check --site: is it your Jira Cloud site?") as api:
        me = api.get_json("/rest/api/3/myself")
    name = me.get("emailAddress") or me.get("displayName") or email
    return str(name)[:200]
