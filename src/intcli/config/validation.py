"""Validate a document once per content: pydantic on first sight, a cheap trusted rebuild afterwards.

The digest of every document that passed validation (per kind: builtin, config, state) is kept in
``<cache dir>/validated.json``. A document whose digest matches is rebuilt with the model's ``from_trusted``;
anything else — a hand edit, a new intcli version, a lost cache — goes through pydantic again. The cache
holds digests only, never content, and losing it costs one validation.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from intcli.base.errors import ConfigError
from intcli.base.files import atomic_write

if TYPE_CHECKING:
    from pathlib import Path

    from pydantic import ValidationError

    from intcli.base.env import Environment

TRUST_FILE_NAME = "validated.json"
_T = TypeVar("_T", bound="Trustable")


class Trustable(Protocol):
    @classmethod
    def from_trusted(cls: type[_T], data: dict[str, Any]) -> _T: ...


def load_validated(env: Environment, kind: str, model: type[_T], text: str, document: dict[str, Any],
                   origin: str) -> _T:
    """``document`` (parsed from ``text``) as a ``model`` instance, or a ConfigError naming ``origin``."""
    digest = _digest(kind, text)
    if _read_trusted(env, _trust_file(env, kind)).get(kind) == digest:
        return model.from_trusted(document)
    result = validate(model, document, origin)
    remember_valid(env, kind, text)
    return result


def remember_valid(env: Environment, kind: str, text: str) -> None:
    """Record that ``text`` is a valid ``kind`` document (writers call this for what they wrote)."""
    from intcli.base.files import locked

    path = _trust_file(env, kind)
    try:
        with locked(path):  # parallel runs would otherwise drop each other's entries
            trusted = _read_trusted(env, path)
            trusted[kind] = _digest(kind, text)
            atomic_write(path, json.dumps(trusted).encode(), mode=0o600, durable=False)
    except ConfigError:
        pass  # an unwritable cache only costs a validation next time


def validate(model: type[_T], document: dict[str, Any], origin: str) -> _T:
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(model).validate_python(document)
    except ValidationError as exc:
        message = describe_validation_error(exc, origin)
        raise ConfigError(message, hint="fix the file; intcli left it unchanged") from None


def describe_validation_error(exc: ValidationError, origin: str) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    location = format_location(first["loc"])
    if first["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        detail = "unknown key"
    elif first["type"] == "missing":
        detail = "missing required key"
    else:
        detail = first["msg"]
        shown = first.get("input")
        if isinstance(shown, str | int | float | bool) and len(repr(shown)) <= 60:
            detail += f" (got {shown!r})"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{origin}: {location or '(top level)'}: {detail}{more}"


def format_location(loc: Iterable[int | str]) -> str:
    """A key path as a user would write it: ``apps.my-app.requires[0].fallback``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = f'"{part}"' if ("." in part or not part or " " in part) else part
            text += f".{name}" if text else name
    return text


# The modules whose model definitions decide what is valid: a remembered validation holds only while they are
# unchanged (an edited model, in a release or a working copy, validates every document again).
MODEL_SOURCES = ("config/models.py", "storage/state.py")


@functools.cache
def schema_digest() -> str:
    """A digest of the model definitions' source text: read once per process, a few kilobytes."""
    from importlib import resources

    package = resources.files("intcli")
    return hashlib.sha256(b"\0".join(package.joinpath(name).read_bytes() for name in MODEL_SOURCES)).hexdigest()


def _digest(kind: str, text: str) -> str:
    return hashlib.sha256(f"{schema_digest()}\0{kind}\0{text}".encode()).hexdigest()


def _trust_file(env: Environment, kind: str) -> Path:
    """The state file's digest is kept in the state folder, next to it (only intcli writes that file, so with an
    emptied cache it would otherwise be validated again on every run); the others' in the cache folder."""
    return (env.state_dir if kind == "state" else env.cache_dir) / TRUST_FILE_NAME


def _read_trusted(env: Environment, path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        env.warn(f"discarded the unreadable cache file {path} (it only speeds up start-up)")
        return {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        env.warn(f"discarded the malformed cache file {path} (it only speeds up start-up)")
        return {}
    return data
