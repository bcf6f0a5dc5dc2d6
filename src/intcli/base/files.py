"""Files that are read carefully and written atomically under a lock.

Readers report a damaged file (unreadable, not text, too large, a directory) as a ConfigError that names the
file and leave it untouched. Writers replace a file atomically (temp file in the same directory, fsync,
``os.replace``) while holding a lock file beside it, so parallel intcli runs never lose an update.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from intcli.base.errors import ConfigError

MAX_FILE_BYTES = 16 * 1024 * 1024
LOCK_TIMEOUT_SECONDS = 30.0


def read_text(path: Path, what: str) -> str | None:
    """Return the file's text, ``None`` when it does not exist, or raise ConfigError naming the problem."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ConfigError(f"{what} {path} is a directory", hint="remove it or point intcli elsewhere")
        if size > MAX_FILE_BYTES:
            raise ConfigError(
                f"{what} {path} is {size} bytes, larger than the {MAX_FILE_BYTES} intcli reads",
                hint="check the file; it was left unchanged",
            )
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except PermissionError:
        raise ConfigError(
            f"cannot read {what} {path}: permission denied", hint=f"fix its permissions, e.g. chmod u+rw {path}"
        ) from None
    except NotADirectoryError:
        raise ConfigError(f"{what} {path}: a parent of it is not a directory", hint="fix the path") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}", hint="check the file") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{what} {path} is not UTF-8 text", hint="fix or move the file aside; it was left unchanged"
        ) from None


def check_private_dir(path: Path, what: str, variable: str) -> Path:
    """Refuse (exit 5) a directory that another user owns or that others may write to, as ssh does: anyone who
    can write there could plant a cache entry or state that intcli would trust. A missing one is created 0700."""
    import stat

    try:
        info = path.stat()
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise ConfigError(f"cannot use the {what} {path}: {exc.strerror}", hint="check the path") from None
    if not stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"the {what} {path} is not a directory", hint=f"move it aside, or set {variable}")
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise ConfigError(f"the {what} {path} belongs to another user (uid {info.st_uid})",
                          hint=f"set {variable} to a directory of your own")
    if info.st_mode & 0o022:
        raise ConfigError(f"the {what} {path} is writable by others (mode {stat.S_IMODE(info.st_mode):04o})",
                          hint=f"run `chmod go-w {path}`, or set {variable} to a private directory")
    return path


def ensure_dir(path: Path, mode: int = 0o700) -> None:
    """``path`` and any missing parent, each created with ``mode`` (``mkdir(parents=True)`` would give the parents
    the umask's mode: a cache dir first created as the parent of its sync folder would be 0755)."""
    missing = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=mode, exist_ok=True)
        if not path.is_dir():
            raise FileExistsError
    except FileExistsError:
        raise ConfigError(f"{path} exists and is not a directory", hint="move it aside") from None
    except OSError as exc:
        raise ConfigError(f"cannot create directory {path}: {exc.strerror}", hint="check its parent") from None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold ``<path>.lock`` (an OS-level lock, released even if the process dies)."""
    from filelock import FileLock, Timeout

    ensure_dir(path.parent)
    lock_path = path.with_name(path.name + ".lock")
    lock = FileLock(lock_path, timeout=LOCK_TIMEOUT_SECONDS, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise ConfigError(
            f"{path} is locked by another intcli process (waited {LOCK_TIMEOUT_SECONDS:.0f}s)",
            hint="wait for it to finish and retry",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot lock {lock_path}: {exc.strerror}", hint="check the directory") from None
    try:
        yield
    finally:
        lock.release()


def atomic_write(path: Path, data: bytes, mode: int = 0o600, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never a torn one.

    ``durable=False`` skips the fsync: for caches, where a file lost in a power cut is merely refetched.
    """
    ensure_dir(path.parent)
    if path.is_dir():
        raise ConfigError(f"{path} is a directory", hint="remove it so intcli can write its file there")
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            os.fchmod(tmp.fileno(), mode)
            tmp.write(data)
            tmp.flush()
            if durable:
                os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise ConfigError(f"cannot write {path}: {exc.strerror}", hint="check the directory") from None
        raise
