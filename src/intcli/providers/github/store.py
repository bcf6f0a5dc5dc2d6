"""The local copy of ``--sync`` as a SQLite database: one file per GitHub host, one row per issue.

``<cache dir>/sync/github/<host>.sqlite3`` (0600, WAL) holds, per repository, every issue seen (keyed by id, the
intcli item as compact JSON plus the columns queries filter on) and a sync row: the ``cursor`` (every change
before it is in the copy) or, while a first sync is under way, its start time and how many numbered pages are
committed. Each page is written in one transaction, and only the issues that differ from the copy: an
interrupted sync keeps every committed page, and a sync that changed nothing writes nothing.
A damaged database (corrupt, not a database, another layout) is moved aside (never overwritten) with a warning,
and the copy is rebuilt; one that is busy (another sync holds it for more than 30 s) or cannot be opened is exit 5
and is left alone. No credential this process knows is ever written into it (``intcli.base.safety.hide_secrets``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from intcli.providers.github.spec import ISSUE_FIELDS
from intcli.sdk import ConfigError, ensure_dir

if TYPE_CHECKING:
    from intcli.sdk import Environment

_encode_text = json.encoder.encode_basestring  # json's own string encoder (C)
SCHEMA_VERSION = 2
# Version 2 added ``seams``, the joins between a first sync's numbered pages that may hide issues, and
# ``syncs.anchor``, the oldest update time on its last committed page with issues older than the sync, and
# ``syncs.next_url``, that page's link to the next one (GitHub's cursor pages) (sync.py).
_SEAMS = "CREATE TABLE IF NOT EXISTS seams (repo TEXT NOT NULL, low TEXT NOT NULL, high TEXT NOT NULL, " \
         "PRIMARY KEY (repo, low, high));"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS issues (
    id INTEGER PRIMARY KEY, repo TEXT NOT NULL, updated_at TEXT NOT NULL, state TEXT, item TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS issues_by_time ON issues (repo, updated_at);
CREATE TABLE IF NOT EXISTS syncs (
    repo TEXT PRIMARY KEY, cursor TEXT, started_at TEXT, pages_done INTEGER NOT NULL DEFAULT 0, anchor TEXT,
    next_url TEXT);
""" + _SEAMS
# Version 1 kept no seams: a first sync it left unfinished starts its numbered pages over.
_FROM_1 = ("ALTER TABLE syncs ADD COLUMN anchor TEXT; ALTER TABLE syncs ADD COLUMN next_url TEXT; "
           "UPDATE syncs SET pages_done = 0 WHERE cursor IS NULL;" + _SEAMS)


class LayoutError(sqlite3.DatabaseError):
    """The file is an SQLite database, but not one of intcli's copies (another layout or version)."""


_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
MAX_LIMIT = 2**62  # SQLite's LIMIT is a 64-bit integer
_UPSERT = ("INSERT INTO issues (id, repo, updated_at, state, item) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
           "SET repo = excluded.repo, updated_at = excluded.updated_at, state = excluded.state, item = excluded.item")


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    return isinstance(exc, LayoutError) or getattr(exc, "sqlite_errorcode", None) in _DAMAGED


def unusable(path: Path, exc: sqlite3.DatabaseError) -> ConfigError:
    """The error for a copy that is not damaged but cannot be used now (busy, read-only, I/O): exit 5."""
    if getattr(exc, "sqlite_errorcode", None) in _BUSY:
        return ConfigError(f"the sync copy {path} is in use by another intcli (waited 30 s)",
                           hint="retry once the other sync has finished")
    return ConfigError(f"cannot use the sync copy {path} ({exc})",
                       hint="check the file and the permissions of the cache directory")


def _without_secrets(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A credential this process uses never goes to disk, even when a server echoes it in a title: rows whose
    item text holds one get it replaced. The page is looked at as a whole first (almost always there is none)."""
    from intcli.sdk import hide_secrets

    whole = "\n".join(row[-1] for row in rows)
    if hide_secrets(whole) == whole:
        return rows
    return [(*row[:-1], hide_secrets(row[-1])) for row in rows]


def set_aside(env: Environment, path: Path, exc: sqlite3.DatabaseError) -> None:
    """Move a damaged copy (and its -wal/-shm files) to a new ``.damaged`` name, never over an earlier one."""
    aside = path.with_name(path.name + ".damaged")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.damaged-{number}")
    try:
        path.replace(aside)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                path.with_name(path.name + suffix).replace(aside.with_name(aside.name + suffix))
    except OSError:
        raise ConfigError(f"sync copy {path} is damaged ({exc}) and cannot be moved aside",
                          hint=f"delete it (rm {path}); the next --sync fetches again") from None
    env.warn(f"the sync copy {path} was damaged ({exc}); moved it to {aside.name} and fetching again in full")


@dataclass(frozen=True)
class SyncState:
    cursor: str | None  # every change before this time is in the copy (None: no complete sync yet)
    started_at: str | None  # a first sync under way: when it started (its catch-up asks since then)
    pages_done: int  # ...and how many of its numbered pages are committed
    anchor: str | None = None  # ...and the oldest update time on the last of them with issues older than it
    next_url: str | None = None  # ...and the link to the page after the last of them (a cursor on large lists)


def encode_item(item: dict[str, Any]) -> str:
    """An issue as compact JSON, exactly as ``json.dumps(item, ensure_ascii=False, separators=(",", ":"))`` would
    write it (fields in ``ISSUE_FIELDS`` order), at a fraction of the cost: a first sync encodes every issue."""
    text = _encode_text
    state = item["state"]
    return (f'{{"id":{int(item["id"])},"number":{int(item["number"])},"title":{text(item["title"])},'
            f'"repository":{text(item["repository"])},"url":{text(item["url"])},'
            f'"updatedAt":{text(item["updatedAt"])},"labels":[{",".join(map(text, item["labels"]))}],'
            f'"state":{"null" if state is None else text(state)}}}')


def database_path(env: Environment, host: str) -> Path:
    """The host's database; whatever the host name, it stays inside the sync folder."""
    root = env.cache_dir / "sync" / "github"
    name = host.replace(":", "_")
    if not re.fullmatch(r"[A-Za-z0-9._\-\[\]]{1,255}", name) or name.strip(".") == "":
        raise ConfigError(f"cannot keep a local copy for the host {host[:100]!r}",
                          hint="check --host or GITHUB_API_URL")
    path = root / f"{name}.sqlite3"
    if not path.resolve().is_relative_to(root.resolve()):
        raise ConfigError(f"the local copy for {host[:100]!r} would leave {root}", hint="check --host")
    return path


class IssueStore:
    """One host's copy. Use as a context manager; every write method is one transaction."""

    def __init__(self, env: Environment, path: Path, *, create: bool = True) -> None:
        self.env = env
        self.path = path
        self.db = self._open(create)

    def __enter__(self) -> IssueStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.db.close()

    # -- opening ---------------------------------------------------------------------------------------------------
    def _open(self, create: bool) -> sqlite3.Connection:
        try:
            return self._connect(create)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise unusable(self.path, exc) from None
            set_aside(self.env, self.path, exc)
            try:
                return self._connect(create)
            except sqlite3.DatabaseError as again:
                raise unusable(self.path, again) from None

    def _connect(self, create: bool) -> sqlite3.Connection:
        if create:
            ensure_dir(self.path.parent)
            try:  # created private before SQLite opens it; its -wal and -shm files take the same mode
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            except OSError as exc:
                raise ConfigError(f"cannot create the sync copy {self.path}: {exc.strerror}",
                                  hint="check the cache directory") from None
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: a power cut may lose the last pages, never tear the copy
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, 1, SCHEMA_VERSION):
                raise LayoutError(f"unknown layout version {version}")
            if version != SCHEMA_VERSION:  # a new copy, or one of version 1 (which lacks only the seams)
                change = _FROM_1 if version == 1 else _SCHEMA
                db.executescript(f"BEGIN IMMEDIATE; {change} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
            try:
                db.execute("SELECT id, repo, updated_at, state, item FROM issues LIMIT 1").fetchall()
                db.execute("SELECT repo, cursor, started_at, pages_done, anchor, next_url FROM syncs LIMIT 1")
                db.execute("SELECT repo, low, high FROM seams LIMIT 1").fetchall()
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_ERROR:  # no such table or column
                    raise LayoutError(str(exc)) from None
                raise
            for suffix in ("", "-wal", "-shm"):  # private, whoever made the files
                with contextlib.suppress(FileNotFoundError):
                    os.chmod(self.path.with_name(self.path.name + suffix), 0o600)
        except BaseException:
            db.close()
            raise
        return db

    # -- sync state ------------------------------------------------------------------------------------------------
    def state(self, repo: str) -> SyncState | None:
        row = self.db.execute("SELECT cursor, started_at, pages_done, anchor, next_url FROM syncs WHERE repo = ?",
                              (repo,)).fetchone()
        return SyncState(*row) if row else None

    def begin_first_sync(self, repo: str, started_at: str) -> None:
        with self._transaction():
            self.db.execute("INSERT INTO syncs (repo, cursor, started_at, pages_done) VALUES (?, NULL, ?, 0) "
                            "ON CONFLICT (repo) DO UPDATE SET started_at = excluded.started_at, pages_done = 0, "
                            "anchor = NULL, next_url = NULL",
                            (repo, started_at))
            self.db.execute("DELETE FROM seams WHERE repo = ?", (repo,))

    def finish_numbered_pages(self, repo: str, cursor: str) -> None:
        """The numbered pages are all in: from now on the copy is complete up to ``cursor`` (once its seams are
        checked)."""
        with self._transaction():
            self.db.execute("UPDATE syncs SET cursor = ?, started_at = NULL, pages_done = 0, anchor = NULL, "
                            "next_url = NULL WHERE repo = ?", (cursor, repo))

    def drop_seams(self, repo: str) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM seams WHERE repo = ?", (repo,))

    def seams(self, repo: str) -> list[tuple[str, str]]:
        """The joins of the first sync's numbered pages still to check: ``(low, high)`` update times between
        which issues may be missing."""
        return self.db.execute("SELECT low, high FROM seams WHERE repo = ? ORDER BY high DESC", (repo,)).fetchall()

    def seam_checked(self, repo: str, seam: tuple[str, str]) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM seams WHERE repo = ? AND low = ? AND high = ?", (repo, *seam))

    def import_copy(self, repo: str, items: list[dict[str, Any]], cursor: str) -> None:
        """An old JSON copy's issues and cursor, in one transaction (all of it, or nothing)."""
        with self._transaction():
            self.db.executemany(_UPSERT, _without_secrets([(item["id"], repo, item["updatedAt"], item["state"],
                                                            encode_item(item)) for item in items]))
            self.db.execute("INSERT INTO syncs (repo, cursor, started_at, pages_done) VALUES (?, ?, NULL, 0)",
                            (repo, cursor))

    # -- writing ---------------------------------------------------------------------------------------------------
    def commit_page(self, repo: str, items: list[dict[str, Any]], *, cursor: str | None = None,
                    page_done: int | None = None, seam: tuple[str, str] | None = None, anchor: str | None = None,
                    next_url: str | None = None, compare: bool = True) -> int:
        """Store one page's issues and advance the cursor or the numbered-page count (noting the page's ``seam``
        with the one before, if it may hide issues, its ``anchor`` and its link to the next page), in one
        transaction.
        With ``compare``, only the issues that differ from the copy are written, and nothing at all when nothing
        changed (a first sync into an empty copy skips the comparison). Returns how many issues were written."""
        encoded = [(item["id"], repo, item["updatedAt"], item["state"], encode_item(item)) for item in items]
        encoded = _without_secrets(encoded)
        if compare:
            stored = dict(self._stored_items([row[0] for row in encoded]))
            encoded = [row for row in encoded if stored.get(row[0]) != row[4]]
            if not encoded and seam is None and not self._moves(repo, cursor, page_done):
                return 0
        with self._transaction():
            if encoded:
                self.db.executemany(_UPSERT, encoded)
            if cursor is not None:
                self.db.execute("UPDATE syncs SET cursor = ? WHERE repo = ? AND (cursor IS NULL OR cursor < ?)",
                                (cursor, repo, cursor))
            if page_done is not None:
                self.db.execute("UPDATE syncs SET pages_done = ?, anchor = coalesce(?, anchor), next_url = ? "
                                "WHERE repo = ? AND pages_done < ?", (page_done, anchor, next_url, repo, page_done))
            if seam is not None:
                self.db.execute("INSERT OR IGNORE INTO seams (repo, low, high) VALUES (?, ?, ?)", (repo, *seam))
        return len(encoded)

    def _moves(self, repo: str, cursor: str | None, page_done: int | None) -> bool:
        state = self.state(repo)
        return state is not None and (cursor is not None and (state.cursor is None or cursor > state.cursor)
                                      or page_done is not None and page_done > state.pages_done)

    def _stored_items(self, ids: list[int]) -> Iterable[tuple[int, str]]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self.db.execute(f"SELECT id, item FROM issues WHERE id IN ({marks})", ids).fetchall()  # noqa: S608

    @contextlib.contextmanager
    def _transaction(self) -> Any:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- reading ---------------------------------------------------------------------------------------------------
    def issues(self, repos: list[str], *, state: str = "all", labels: list[str] | tuple[str, ...] = (),
               since: str | None = None, limit: int | None = None) -> EncodedItems:
        """The copy's issues of ``repos``, most recently updated first, filtered in SQL."""
        where = [f"repo IN ({','.join('?' * len(repos))})"]
        args: list[Any] = list(repos)
        if state != "all":
            where.append("state = ?")
            args.append(state)
        if since is not None:
            where.append("updated_at >= ?")
            args.append(since)
        for label in labels:
            where.append("EXISTS (SELECT 1 FROM json_each(item, '$.labels') WHERE value = ?)")
            args.append(label)
        query = f"SELECT item FROM issues WHERE {' AND '.join(where)} ORDER BY updated_at DESC, id DESC"  # noqa: S608
        if limit is not None:
            query += " LIMIT ?"
            args.append(min(limit, MAX_LIMIT))
        return EncodedItems([text for (text,) in self.db.execute(query, args)], ISSUE_FIELDS)


class EncodedItems(Sequence[dict[str, Any]]):
    """Items kept as their compact JSON (with ``encoded_fields``, in that order), decoded only when read: output
    as JSON or NDJSON writes the texts as they are (``intcli.render.output``), which is most of a large sync's
    answer."""

    def __init__(self, encoded: list[str], fields: tuple[str, ...]) -> None:
        self.encoded = encoded
        self.encoded_fields = fields

    def __len__(self) -> int:
        return len(self.encoded)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> EncodedItems: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | EncodedItems:
        if isinstance(index, slice):
            return EncodedItems(self.encoded[index], self.encoded_fields)
        value: dict[str, Any] = json.loads(self.encoded[index])
        return value

    def __add__(self, other: EncodedItems) -> EncodedItems:
        return EncodedItems(self.encoded + other.encoded, self.encoded_fields)
