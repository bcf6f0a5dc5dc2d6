"""``fetch github.issues --sync``: a local copy of a repository's issues (``intcli.providers.github.store``).

**First sync**, at network speed: page 1 of every issue (``state=all``), most recently updated first, tells how
many pages there are; the rest are fetched concurrently by number (``GitHubAPI.iter_pages``) and committed in
order, one transaction each. In that order an issue edited or created meanwhile moves to the front, so the pages
answered after it shift back by one. Answered in order, the pages then overlap (an issue comes twice and is stored
once, by id). But concurrent requests overtake each other (and replicas lag): if page 2 is answered after the shift
and page 3 before it, the issue at the end of the old page 2 is on neither. So each join of two pages is noted with
the pages, as a **seam**: the update times between which an issue may be missing (and the end of the list, when the
last page holds no issue older than the sync). The edited issues themselves are then fetched by a **catch-up** from
the sync's start time (the server's clock, less a margin), and from there on the copy has a cursor. Last, the
seams: issues not updated since the sync started keep their times and their order, so a seam is checked by asking
for what was updated since its lower time, oldest first, up to its upper time. A seam can hide an issue only if the
list moved while the pages were fetched (or the server ordered issues updated in the same second differently for
two pages), and that shows: an issue comes on two pages (a page answered after the move repeats one from a page
answered before it, somewhere between page 1, answered before any other is sent, and the late page; a reordering
that drops an issue repeats another), or an issue updated after page 1 was answered (less LAG_ALLOWANCE, for
lagging replicas) is seen on a page or by the catch-up. If nothing shows, the seams are dropped unchecked, and a
quiet first sync costs no request more. Until its seams are checked, the copy is incomplete (``--offline`` says
so).

**Later syncs** (and the catch-up) ask for everything updated since the cursor, oldest first, and commit the
issues and the advanced cursor after every page. ``since`` is inclusive, so issues at the cursor come again and
are merged by id. Pages are asked for by ``since=<cursor>`` again after every page that moves the cursor, not by
number: in that order an issue edited during the sync jumps to the end, which would shift a numbered page and
skip its neighbour. Only while the cursor stands still (many issues updated in the same second) does the page
number advance.

An interrupted first sync resumes after its last committed numbered page; its first page then has a seam with
the last page committed before (the copy keeps that page's oldest time, the *anchor*), and every seam is checked
(what the earlier run's pages showed is not known). Seams left by a sync interrupted after its numbered pages are
all checked by the next. An interrupted later sync resumes from its last committed cursor. Either way every issue
is in the copy exactly once. (Not so for an issue deleted or transferred while the numbered pages are fetched,
with nothing updated meanwhile: the pages after it shift forward, and the issue at one join may be missed.
Deletions are not seen.)

Every entry's ``updated_at`` and ``id`` are checked (pull requests' too: they hold places in the list), so a
wrong one is exit 3 rather than a cursor or a seam that skips issues.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from intcli.providers.github.issues import (
    MAX_PAGES,
    PER_PAGE,
    check_repo,
    has_next,
    items_of,
    last_page,
    next_link,
    raw_items,
)
from intcli.providers.github.store import IssueStore, SyncState, database_path
from intcli.sdk import ConfigError, UpstreamError

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator
    from pathlib import Path

    from intcli.providers.github.api import GitHubAPI, Page
    from intcli.sdk import Environment

CATCH_UP_MARGIN = timedelta(minutes=2)  # clock steps and replication lag between GitHub's servers
# An issue updated this long before page 1 was answered is in place for every numbered page (replicas caught up).
LAG_ALLOWANCE = timedelta(seconds=30)
_TIME = "%Y-%m-%dT%H:%M:%SZ"
SEAM_PAGE = 20  # the first page asked for each seam: it hides a few issues at most
# Pages in a row with nothing new: normal when many issues moved to the front meanwhile (a bot closing 250 stale
# issues shifts the list back by 2.5 pages); a server sending the same page over and over stops here.
MAX_STALE_PAGES = 10
NUMBERED: dict[str, str | int] = {"state": "all", "sort": "updated", "direction": "desc", "per_page": PER_PAGE}
ASCENDING: dict[str, str | int] = {"state": "all", "sort": "updated", "direction": "asc", "per_page": PER_PAGE}


def open_store(env: Environment, host: str) -> IssueStore:
    return IssueStore(env, database_path(env, host))


def sync_repository(env: Environment, api: GitHubAPI, store: IssueStore, repo: str) -> str:
    """Bring the copy of ``repo`` up to date; returns a note saying what changed."""
    check_repo(repo)
    import_json_copy(env, store, api.where.host, repo)
    state = store.state(repo)
    changed = 0
    moves = _Moves(None)  # a sync that resumes after its numbered pages cannot tell: every seam is checked
    if state is None or state.cursor is None:
        numbered, moves = _numbered_pages(api, store, repo, state)
        changed += numbered
    changed += _changes_since_cursor(api, store, repo, moves)
    changed += _check_seams(api, store, repo, moves)
    return f"synced {repo}: {changed} issue{'s' if changed != 1 else ''} changed in the local copy"


class _Moves:
    """Whether the list may have moved while the numbered pages were fetched: two of them overlap (one answered
    after a move, the one before it before), or an issue was seen (on them or by the catch-up) updated after
    page 1 was answered, less LAG_ALLOWANCE (an issue updated earlier was in place for every page). A sync that
    resumed cannot tell what the earlier run's pages saw: it is taken to have seen moves."""

    def __init__(self, started_at: str | None, resumed: bool = True) -> None:
        self.seen = resumed
        self.after = started_at or ""
        if started_at is not None:
            with contextlib.suppress(ValueError):
                since = datetime.strptime(started_at, _TIME).replace(tzinfo=UTC) + CATCH_UP_MARGIN - LAG_ALLOWANCE
                self.after = since.strftime(_TIME)

    def note(self, stamps: list[tuple[str, int]]) -> None:
        self.seen = self.seen or any(time >= self.after for time, _ in stamps)


def _numbered_pages(api: GitHubAPI, store: IssueStore, repo: str, state: SyncState | None) -> tuple[int, _Moves]:
    path = f"/repos/{repo}/issues"
    number = (state.pages_done if state else 0) + 1
    if state and state.next_url:  # a list GitHub pages by cursor: go on from the link of the last page committed
        first = api.follow(state.next_url)
    else:
        first = api.get(path, {**NUMBERED, "page": number}, remember=False)
    started_at = state.started_at if state else None
    fresh = started_at is None  # the copy has nothing of the repository: no need to compare before writing
    if started_at is None:
        started_at = _start_time(first)
        store.begin_first_sync(repo, started_at)
    last = last_page(first.headers.get("link", ""))
    if last > MAX_PAGES:
        raise UpstreamError(f"GitHub announced {last} pages of issues for {repo}, more than intcli believes "
                            f"({MAX_PAGES})", hint="check --host or GITHUB_API_URL")
    following = range(number + 1, max(last, number) + 1)
    pages: Generator[Page, None, None] = api.iter_pages(path, NUMBERED, following, remember=False)
    moves = _Moves(started_at, resumed=number > 1)
    # Page 1 has nothing before it. A resumed sync's first page joins the last page committed before.
    before = None if number == 1 else _Run.upper_end(state.anchor if state and state.anchor else started_at)
    try:
        changed = _commit_numbered(api, store, repo, first, pages, number, moves, before, started_at,
                                   compare=not fresh, by_link=bool(state and state.next_url))
    finally:
        pages.close()  # pages not yet started are dropped
    store.finish_numbered_pages(repo, started_at)  # the seams stay until checked (or found needless)
    return changed, moves


class _Run:
    """What a numbered page holds of the issues not updated since the sync started: in the list, most recently
    updated first, those stay in one order, so each page holds a run of them."""

    def __init__(self, stamps: list[tuple[str, int]], started_at: str) -> None:
        old = [(time, id_) for time, id_ in stamps if time < started_at]
        self.ids = {id_ for _, id_ in old}
        self.newest = max(old)[0] if old else ""
        self.oldest = min(old)[0] if old else ""

    @classmethod
    def upper_end(cls, time: str) -> _Run:
        """A run known only by its oldest time: a page before this sync's first, or pages of recent issues only
        (then everything older than the sync's start may be missing before the next run)."""
        run = cls([], "")
        run.oldest = time
        return run

    def seam_after(self, before: _Run) -> tuple[str, str] | None:
        """Between the run before (newer) and this one: issues updated between ``(low, high)`` may have been
        skipped (see the module's note). None when this run reaches above the one before (a page answered
        later, after moves): the two overlap, and nothing can be between them."""
        return None if self.newest > before.oldest else (self.newest, before.oldest)


def _commit_numbered(api: GitHubAPI, store: IssueStore, repo: str, first: Page, pages: Iterator[Page],
                     number: int, moves: _Moves, before: _Run | None, started_at: str, compare: bool,
                     by_link: bool) -> int:
    path = f"/repos/{repo}/issues"
    changed = 0
    seen: set[int] = set()
    stale = 0
    page = first
    while True:
        stamps = _stamps(page, repo)
        ids = {id_ for _, id_ in stamps}
        stale = stale + 1 if stamps and ids <= seen else 0
        if stale >= MAX_STALE_PAGES:
            raise UpstreamError(f"GitHub sent {stale} pages of {repo} in a row with nothing new (up to page {number})",
                                hint="what was fetched is kept; retry later")
        # An issue on two pages: one of them was answered after the list moved (or ordered a tie otherwise).
        moves.seen = moves.seen or bool(ids & seen)
        seen |= ids
        moves.note(stamps)
        run = _Run(stamps, started_at)
        # A numbered page may end the list announced before issues were created; a page reached by a link ends it
        final = not has_next(page.headers.get("link", "")) and (len(stamps) < PER_PAGE or by_link)
        if run.ids:
            seam = run.seam_after(before) if before is not None else None
        else:  # a last page answered before the list grew may end early: what is older may be on no page
            seam = ("", before.oldest) if final and before is not None and before.oldest else None
        link = next_link(page.headers.get("link", ""))
        changed += store.commit_page(repo, items_of(page, repo), page_done=number, compare=compare, seam=seam,
                                     anchor=run.oldest or None, next_url=link if link and "after=" in link else None)
        before = run if run.ids else before or _Run.upper_end(started_at)
        if final:
            return changed
        number += 1
        if number > MAX_PAGES:
            raise UpstreamError(f"{repo} has more than {MAX_PAGES} pages of issues; stopped there",
                                hint="what was fetched is kept: run the same --sync again to continue")
        page, by_link = _following(api, path, pages, link, number)


def _following(api: GitHubAPI, path: str, pages: Iterator[Page], link: str | None,
               number: int) -> tuple[Page, bool]:
    """The next page: fetched ahead by number while GitHub announced how many there are; then (issues created
    meanwhile push the end of the list beyond the announced last page, and a large list is paged by cursor
    links, with numbered pages refused beyond some depth) by the page's own link to the next one."""
    from intcli.providers.github.api import PageLimit

    try:
        ahead = next(pages, None)
    except PageLimit:
        if link is None:
            raise UpstreamError(f"GitHub refuses page {number} of {path} by number and sent no link to the next one",
                                hint="what was fetched is kept; retry later") from None
        ahead = None  # the pages fetched ahead end here (their generator is done); the links go on
    if ahead is not None:
        return ahead, False
    if link is not None:
        return api.follow(link), True
    return api.get(path, {**NUMBERED, "page": number}, remember=False), False


def _stamps(page: Page, repo: str) -> list[tuple[str, int]]:
    """``(updated_at, id)`` of every entry of a page (pull requests included: they hold places in the list)."""
    stamps = [(raw.get("updated_at"), raw.get("id")) for raw in raw_items(page, repo)]
    if not all(type(time) is str and time and type(id_) is int for time, id_ in stamps):
        raise UpstreamError(f"unexpected answer from GitHub for {repo}: an issue lacks its update time or id",
                            hint="check --host or GITHUB_API_URL")
    return stamps  # type: ignore[return-value]  # checked just above


def _check_seams(api: GitHubAPI, store: IssueStore, repo: str, moves: _Moves) -> int:
    """Fetch what the numbered pages may have skipped: the issues between each seam's update times. Only needed
    if the list may have moved while they were fetched; otherwise the pages join exactly."""
    seams = store.seams(repo)
    if not seams:
        return 0
    if not moves.seen:
        store.drop_seams(repo)
        return 0

    def between(seam: tuple[str, str]) -> Page:
        since = {"since": seam[0]} if seam[0] else {}  # a seam at the end of the list has no lower time
        return api.get(f"/repos/{repo}/issues", {**ASCENDING, "per_page": SEAM_PAGE, **since}, remember=False)

    changed, more = 0, 0
    from intcli.providers.github.api import in_order

    for (low, high), page in zip(seams, in_order(between, seams), strict=True):
        changed += store.commit_page(repo, items_of(page, repo))
        newest = max((time for time, _ in _stamps(page, repo)), default="")
        if newest <= high and has_next(page.headers.get("link", "")):
            for following in _ascending(api, repo, max(low, newest), until=high, remember=False):
                more += 1
                if more > MAX_PAGES:  # all the seams together: a server that never gets past them stops here
                    raise UpstreamError(f"GitHub sent more than {MAX_PAGES} pages of {repo} for the joins of its "
                                        "first sync", hint="what was fetched is kept; retry later")
                changed += store.commit_page(repo, items_of(following, repo))
        store.seam_checked(repo, (low, high))
    return changed


def _start_time(page: Page) -> str:
    """When the first page was answered, by the server's clock (or this one's, if it sent no Date), less the
    margin: the catch-up asks for everything changed since then."""
    now = datetime.now(UTC)
    try:
        said = parsedate_to_datetime(page.headers.get("date", ""))
        moment = min(now, said.astimezone(UTC)) if said.tzinfo else now
    except (TypeError, ValueError, IndexError):
        moment = now
    return (moment - CATCH_UP_MARGIN).strftime(_TIME)


def _changes_since_cursor(api: GitHubAPI, store: IssueStore, repo: str, moves: _Moves) -> int:
    state = store.state(repo)
    changed = 0
    for page in _ascending(api, repo, state.cursor if state else None):
        stamps = _stamps(page, repo)
        moves.note(stamps)
        newest = max((time for time, _ in stamps), default="")
        changed += store.commit_page(repo, items_of(page, repo), cursor=newest or None)
    return changed


def _ascending(api: GitHubAPI, repo: str, since: str | None, *, until: str | None = None, per_page: int = PER_PAGE,
               remember: bool = True) -> Iterator[Page]:
    """The pages of issues updated since ``since``, oldest first (up to the first issue updated after ``until``)."""
    number = 1
    seen: set[int] = set()
    stale_pages = 0  # consecutive pages that brought no issue this walk had not seen
    for _ in range(MAX_PAGES):
        query = {**ASCENDING, "per_page": per_page, "page": number, **({"since": since} if since else {})}
        page = api.get(f"/repos/{repo}/issues", query, remember=remember)
        yield page
        stamps = _stamps(page, repo)
        newest = max((time for time, _ in stamps), default="")
        if not has_next(page.headers.get("link", "")) or (until is not None and newest > until):
            return
        ids = {id_ for _, id_ in stamps}
        # One page of issues already seen is normal (the issues at the cursor come again); two in a row
        # means the server keeps sending the same page.
        stale_pages = stale_pages + 1 if ids <= seen else 0
        if stale_pages >= 2:
            raise UpstreamError(f"GitHub keeps sending the same issues for {repo} (page {number})",
                                hint="what was fetched is kept; retry later")
        seen |= ids
        # Asked again from the newest issue seen, not by page number (see the module's note).
        number = 1 if newest > (since or "") else number + 1
        since = max(since or "", newest)
    raise UpstreamError(f"{repo} has more than {MAX_PAGES} pages of changes; stopped there",
                        hint="what was fetched is kept: run the same --sync again to continue")


# -- the JSON copy of intcli before 0.x: imported once, then removed ---------------------------------------------
def json_copy_path(env: Environment, host: str, repo: str) -> Path:
    owner, name = check_repo(repo).split("/")
    return database_path(env, host).with_suffix("") / owner / f"{name}.json"


def import_json_copy(env: Environment, store: IssueStore, host: str, repo: str) -> None:
    """An earlier intcli kept the copy as one JSON file per repository: its issues and cursor move into the
    database (when it has nothing for the repository yet), and the file is removed. A damaged file is dropped
    with a warning: the sync then fetches the repository in full."""
    path = json_copy_path(env, host, repo)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(f"cannot read the old sync copy {path}: {exc.strerror}", hint="check the file") from None
    items, cursor = _parse_json_copy(raw)
    if items is None:
        env.warn(f"the old sync copy {path} was damaged; removed it and fetching {repo} again in full")
    elif store.state(repo) is None and cursor is not None:
        store.import_copy(repo, items, cursor)
    for leftover in (path, path.with_name(path.name + ".lock")):
        leftover.unlink(missing_ok=True)


def _parse_json_copy(raw: bytes) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The old copy's issues and cursor, or (None, None) when anything in it is not what intcli wrote: every field
    is checked as ``to_item`` checks GitHub's (and must be storable text), so a damaged file is dropped whole."""
    try:
        data = json.loads(raw.decode("utf-8"))
        issues, cursor = data["issues"], data.get("cursor")
        if data.get("version") != 1 or not isinstance(issues, dict) or not (cursor is None or isinstance(cursor, str)):
            return None, None
        items = [{key: item[key] for key in ("id", "number", "title", "repository", "url", "updatedAt", "labels",
                                             "state")} for item in issues.values()]
        for item in items:
            texts = [item["title"], item["repository"], item["updatedAt"], *item["labels"]]
            if (type(item["id"]) is not int or type(item["number"]) is not int or type(item["labels"]) is not list
                    or not all(type(text) is str for text in texts)
                    or not (item["url"] is None or type(item["url"]) is str)
                    or item["state"] not in ("open", "closed", None)):
                return None, None
            for text in [*texts, item["url"] or ""]:
                text.encode("utf-8")  # a lone surrogate cannot be stored
        return items, cursor
    except (ValueError, AttributeError, KeyError, TypeError):  # UnicodeError is a ValueError
        return None, None
