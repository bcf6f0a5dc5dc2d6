"""The token vault: the OS keyring, or — only when asked with ``--insecure-storage`` — a 0600 file.

Every keyring call (including choosing the backend, which may talk to D-Bus) runs in a daemon thread bounded
by a timeout, so a locked or hung keyring gives a clear error (exit 5) instead of a hang. There is no silent
plaintext fallback: with no usable keyring, storing refuses and names ``--insecure-storage``.
Secrets never appear in messages or exceptions raised from here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from intcli.base.errors import ConfigError
from intcli.base.files import atomic_write, locked, read_text
from intcli.storage.state import SecretStorage

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from intcli.base.env import Environment

SERVICE = "intcli"
DEFAULT_TIMEOUT_SECONDS = 10.0
SECRETS_FILE_NAME = "secrets.json"
# Backends that would store the secret in plain text or nowhere: never used as "the keyring".
_REFUSED_BACKENDS = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt.file.PlaintextKeyring")
_T = TypeVar("_T")


class KeyringUnavailable(ConfigError):
    pass


def keyring_timeout(env: Environment) -> float:
    return env.seconds("INTCLI_KEYRING_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)


def _bounded(env: Environment, action: str, call: Callable[[], _T]) -> _T:
    """Run a keyring call in a daemon thread (a hung call cannot keep intcli alive) and wait at most the timeout."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # re-raised below in the calling thread
            outcome["error"] = exc

    timeout = keyring_timeout(env)
    worker = threading.Thread(target=target, name=f"keyring-{action}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise ConfigError(f"the system keyring did not answer within {timeout:g}s while trying to {action}",
                          hint="unlock it (or check that its service runs) and retry, or use --insecure-storage")
    if "error" in outcome:
        raise _keyring_error(action, outcome["error"]) from None  # type: ignore[arg-type]
    return outcome["value"]  # type: ignore[return-value]


def _keyring_error(action: str, exc: BaseException) -> BaseException:
    if isinstance(exc, ConfigError | KeyboardInterrupt):
        return exc
    from keyring.errors import KeyringLocked

    if isinstance(exc, KeyringLocked):
        return ConfigError(f"the system keyring is locked (could not {action})", hint="unlock it and retry")
    # The backend's own message may describe the call; it never contains the secret we pass as an argument,
    # but to be safe only the exception type is shown.
    return ConfigError(f"the system keyring failed to {action} ({type(exc).__name__})",
                       hint="check the keyring service, or use --insecure-storage")


def _backend(env: Environment, storing: bool = False) -> KeyringBackend:
    def detect() -> KeyringBackend:
        import keyring.core

        name = env.environ.get("PYTHON_KEYRING_BACKEND")
        return keyring.core.load_keyring(name) if name else keyring.core.init_backend() or keyring.get_keyring()

    backend = _bounded(env, "find a keyring", detect)
    kind = f"{type(backend).__module__}.{type(backend).__name__}"
    if kind.startswith(_REFUSED_BACKENDS) or _priority(backend) <= 0:
        if storing:
            raise KeyringUnavailable(
                "no usable system keyring to store the secret in (on Linux, a Secret Service such as gnome-keyring)",
                hint="start or unlock one, or pass --insecure-storage to keep it in a 0600 file instead")
        raise KeyringUnavailable(
            "no usable system keyring to read the stored secret from (on Linux, a Secret Service such as "
            "gnome-keyring)", hint="start or unlock it, or connect again with --insecure-storage")
    return backend


def _priority(backend: object) -> float:
    try:
        return float(backend.priority)  # type: ignore[attr-defined]
    except Exception:  # a backend that cannot say is not one we can rely on
        return 0.0


# -- the vault -----------------------------------------------------------------------------------------------------
def ensure_keyring(env: Environment) -> None:
    """Fail now (exit 5, naming --insecure-storage) if there is no usable keyring, before any other work."""
    _backend(env, storing=True)


def store_secret(env: Environment, provider: str, secret: str, insecure: bool) -> SecretStorage:
    if insecure:
        _file_update(env, lambda secrets: {**secrets, provider: secret})
        return SecretStorage.FILE
    backend = _backend(env, storing=True)
    _bounded(env, "store the secret", lambda: backend.set_password(SERVICE, provider, secret))
    _file_update(env, lambda secrets: {k: v for k, v in secrets.items() if k != provider}, only_if_exists=True)
    return SecretStorage.KEYRING


def read_secret(env: Environment, provider: str, storage: SecretStorage) -> str | None:
    """The stored secret; from here on no message of this process can show it (``intcli.base.safety``)."""
    from intcli.base.safety import remember_secret

    secret: str | None = None
    if storage == SecretStorage.FILE:
        secret = _file_read(env).get(provider)
    elif storage == SecretStorage.KEYRING:
        backend = _backend(env)
        secret = _bounded(env, "read the secret", lambda: backend.get_password(SERVICE, provider))
    if secret:
        remember_secret(secret)
    return secret


def delete_secret(env: Environment, provider: str, storage: SecretStorage) -> None:
    if storage == SecretStorage.FILE:
        _file_update(env, lambda secrets: {k: v for k, v in secrets.items() if k != provider}, only_if_exists=True)
    elif storage == SecretStorage.KEYRING:
        backend = _backend(env)

        def delete() -> None:
            from keyring.errors import PasswordDeleteError

            try:
                backend.delete_password(SERVICE, provider)
            except PasswordDeleteError:
                pass  # already gone: disconnect is idempotent

        _bounded(env, "delete the secret", delete)


# -- the insecure file ---------------------------------------------------------------------------------------------
def secrets_path(env: Environment) -> Path:
    return env.state_dir / SECRETS_FILE_NAME


def _file_read(env: Environment) -> dict[str, str]:
    import stat

    path = secrets_path(env)
    text = read_text(path, "secrets file")
    if text is None:
        return {}
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"secrets file {path} can be read by others (mode {mode:04o})",
                          hint=f"restrict it with chmod 600 {path}, or reconnect")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigError(f"secrets file {path} is damaged",
                          hint=f"remove it (rm {path}) and connect again; intcli left it unchanged")
    return data


def _file_update(env: Environment, change: Callable[[dict[str, str]], dict[str, str]],
                 only_if_exists: bool = False) -> None:
    path = secrets_path(env)
    if only_if_exists and not path.exists():
        return
    with locked(path):
        secrets = change(_file_read(env))
        if secrets or not only_if_exists:
            atomic_write(path, json.dumps(secrets, indent=2).encode("utf-8"), mode=0o600)
        else:
            path.unlink(missing_ok=True)
