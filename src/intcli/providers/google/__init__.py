"""Google Workspace: client secrets, the scopes intcli asks for, and the API base."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intcli.sdk import UsageError, check_base_url

if TYPE_CHECKING:
    from intcli.sdk import Environment, Registry

PROVIDER = "google"
PUBLIC_API = "https://www.googleapis.com"
CLIENT_SECRETS_VARIABLE = "INTCLI_GOOGLE_CLIENT_SECRETS"


def api_base(env: Environment) -> str:
    """Drive (``/drive/v3``) and Gmail (``/gmail/v1``) live under one base; INTCLI_GOOGLE_API_URL replaces it."""
    override = env.environ.get("INTCLI_GOOGLE_API_URL", "").strip()
    return check_base_url(override, "INTCLI_GOOGLE_API_URL") if override else PUBLIC_API


def wanted_scopes(registry: Registry) -> list[str]:
    """The scopes of every registered google capability, in registry order, without repeats."""
    scopes: dict[str, None] = {}
    for capability in registry.capabilities.values():
        if capability.provider == PROVIDER:
            scopes.update(dict.fromkeys(capability.permissions))
    return list(scopes)


def load_json_file(path: str, what: str, flag: str) -> dict[str, Any]:
    file = Path(path).expanduser()
    try:
        data = json.loads(file.read_text("utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{what} {file} does not exist", hint=f"pass the right path with {flag}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {what} {file} ({type(exc).__name__})", hint="check the file") from None
    except ValueError:
        raise UsageError(f"{what} {file} is not JSON", hint="download it again from the Google Cloud console") from None
    if not isinstance(data, dict):
        raise UsageError(f"{what} {file} is not a JSON object", hint="download it again from the Google Cloud console")
    return data


def client_config(env: Environment, path: str | None) -> dict[str, Any]:
    """The OAuth client (``installed`` or ``web``) from --client-secrets or INTCLI_GOOGLE_CLIENT_SECRETS."""
    path = path or env.environ.get(CLIENT_SECRETS_VARIABLE)
    if not path:
        raise UsageError("no OAuth client given",
                         hint=f"pass --client-secrets FILE (a Desktop app client from the Google Cloud console) or "
                              f"set {CLIENT_SECRETS_VARIABLE}")
    data = load_json_file(path, "client secrets file", "--client-secrets")
    kind = "installed" if "installed" in data else "web" if "web" in data else None
    client = data.get(kind) if kind else None
    required = ("client_id", "client_secret", "auth_uri", "token_uri")
    if not isinstance(client, dict) or any(not isinstance(client.get(k), str) or not client[k] for k in required):
        raise UsageError(f"client secrets file {path} lacks an 'installed' client with {', '.join(required)}",
                         hint="download the JSON of an OAuth client of type Desktop app")
    for key in ("auth_uri", "token_uri"):
        check_base_url(client[key], f"{key} in {path}")
    assert kind is not None  # client is a dict only when kind is set
    return {kind: client}


_ID = re.compile(r"[A-Za-z0-9_-]{1,256}")


def check_id(value: object) -> str:
    """A Gmail or Drive id: it goes into a request path, so nothing but the characters ids are made of
    (a TypeError otherwise, which the callers turn into exit 2 or 3)."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise TypeError("not an id")
    return value


def environment_host(env: Environment) -> str | None:
    """The API host a service-account key from the environment is used against (for ``status``)."""
    from urllib.parse import urlsplit

    from intcli.sdk import IntcliError

    try:
        return urlsplit(api_base(env)).netloc
    except IntcliError:
        return None
