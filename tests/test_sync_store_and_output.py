"""The pieces under the fast paths: the sync copy's item encoding and queries, JSON output into a pipe or onto a
terminal, and option values converted without pydantic."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from fake_github import TOKEN, FakeGitHub, make_issues
from intcli.base.env import Environment
from intcli.providers.github.spec import ISSUE_FIELDS
from intcli.providers.github.store import EncodedItems, IssueStore, database_path, encode_item

HOSTILE_TEXTS = ['plain', 'quote " and \\ backslash', "\x00\x01\x1f controls \x7f\x85", "é ü 漢字 😀",
                 "\u2028\u2029 separators", "\ud800 lone surrogate", ""]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_an_item_is_encoded_exactly_as_json_would(text):
    for state in ("open", None):
        item = {"id": 2**40, "number": 7, "title": text, "repository": "o/r", "url": f"https://x/{text}",
                "updatedAt": "2026-11-28T11:59:00Z", "labels": [text, "bug"], "state": state}
        assert encode_item(item) == json.dumps(item, ensure_ascii=False, separators=(",", ":"))


def issue(n: int, **changes) -> dict:
    return {"id": n, "number": n, "title": f"Issue {n}", "repository": "o/r", "url": f"https://x/{n}",
            "updatedAt": f"2026-11-{n:02d}T00:00:00Z", "labels": ["bug"] if n % 2 else [], "state": "open",
            **changes}


def test_the_copy_writes_only_what_changed_and_answers_queries_in_sql(isolated):
    env = Environment()
    with IssueStore(env, database_path(env, "github.com")) as store:
        store.begin_first_sync("o/r", "2026-11-01T00:00:00Z")
        assert store.commit_page("o/r", [issue(n) for n in range(1, 11)], page_done=1, compare=False) == 10
        store.finish_numbered_pages("o/r", "2026-11-01T00:00:00Z")
        assert store.commit_page("o/r", [issue(n) for n in range(1, 11)], cursor="2026-11-01T00:00:00Z") == 0
        assert store.commit_page("o/r", [issue(3, state="closed"), issue(4)], cursor="2026-11-10T00:00:00Z") == 1
        assert store.state("o/r").cursor == "2026-11-10T00:00:00Z"
        assert [i["id"] for i in store.issues(["o/r"])] == list(range(10, 0, -1))
        assert [i["id"] for i in store.issues(["o/r"], state="open", labels=["bug"])] == [9, 7, 5, 1]
        assert [i["id"] for i in store.issues(["o/r"], since="2026-11-08T00:00:00Z", limit=2)] == [10, 9]
        assert len(store.issues(["other/repo"])) == 0


def test_encoded_items_read_like_a_list():
    items = EncodedItems([encode_item(issue(n)) for n in (1, 2, 3)], ISSUE_FIELDS)
    assert len(items) == 3 and items[1] == issue(2) and list(items[1:]) == [issue(2), issue(3)]
    assert [i["id"] for i in items + items[:1]] == [1, 2, 3, 1]
    from intcli.render.output import dumps

    assert json.loads(dumps({"issues": items})) == {"issues": [issue(1), issue(2), issue(3)]}  # any JSON writer


@pytest.fixture
def github(httpserver, monkeypatch):
    fake = FakeGitHub(make_issues(2500, repos=("acme/api",))).install(httpserver)
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("/api/v3"))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    return fake


@pytest.mark.parametrize("args", [("github.user_issues", "--limit", "1500"),
                                  ("github.issues", "--repo", "acme/api", "--sync", "--state", "all")])
def test_json_into_a_pipe_is_compact_and_the_same_document(run, github, args):
    piped = run("fetch", *args, "-f", "json")
    assert piped.exit_code == 0, piped.stderr
    assert piped.stdout.count("\n") == 1 and '{"issues":[{"id":' in piped.stdout
    document = json.loads(piped.stdout)
    assert len(document["issues"]) == (1000 if args[0] == "github.user_issues" else 2500)
    fields = run("fetch", *args, "-f", "json", "--fields", "number,labels")
    assert json.loads(fields.stdout)["issues"] == [{"number": i["number"], "labels": i["labels"]}
                                                   for i in document["issues"]]
    lines = run("fetch", *args, "-f", "ndjson").stdout.splitlines()
    assert [json.loads(line) for line in lines] == document["issues"]


def test_json_on_a_terminal_is_indented(run, github):
    shown = run("fetch", "github.user_issues", "--limit", "2", "-f", "json", tty=True)
    assert shown.stdout.startswith('{\n  "issues": [\n    {\n      "id": ')


@pytest.mark.parametrize("args,message", [
    (("--limit", "abc"), "'abc' is not a valid integer"),
    (("--limit", "0"), "0 is smaller than the minimum 1"),
    (("--max-wait", "4000"), "4000.0 is larger than the maximum 3600"),
    (("--format", "xml"), "'xml' is not one of"),
])
def test_bad_option_values_are_usage_errors(run, args, message):
    result = run("fetch", "github.user_issues", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_option_values_are_converted_like_typer_would():
    from typer._param_types import coerce_cli_choice

    from intcli.cli.coercion import converter
    from intcli.render.output import Format

    class Info:
        min, max, clamp, case_sensitive = 1, 10, False, True

    assert converter(int, Info, coerce_cli_choice)("7") == 7
    assert converter(float, Info, coerce_cli_choice)("2.5") == 2.5
    assert converter(list[str], Info, coerce_cli_choice)(("a", "b")) == ["a", "b"]
    assert converter(Format, Info, coerce_cli_choice)("csv") is Format.CSV
    assert converter(bool, Info, coerce_cli_choice)("yes") is True
    with pytest.raises(ValueError, match="not a valid integer"):
        converter(int, Info, coerce_cli_choice)("1.5")
    Info.clamp = True
    assert converter(int, Info, coerce_cli_choice)("99") == 10
    assert converter(dict, Info, coerce_cli_choice) is None  # left to Typer


# -- review fixes: a shifting list, damaged and busy copies, an old copy with bad data, secrets, huge limits -------
def sync_all(run, *extra: str):
    return run("fetch", "github.issues", "--repo", "acme/api", "--sync", "--state", "all", "-f", "json", *extra)


def test_a_first_sync_rides_out_many_issues_moving_to_the_front(run, github):
    """A bot closes 250 old issues while the first sync runs: later pages hold only issues already seen (the list
    shifted back), which is no reason to stop; the catch-up brings the moved ones."""
    original, changed = github.repository, []

    def shifting(request, repo):
        if request.args.get("direction") == "desc" and int(request.args.get("page", 1)) >= 10 and not changed:
            changed.append(True)
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # as GitHub stamps an edit
            for moved in sorted(github.issues, key=lambda i: i["updated_at"])[:250]:
                moved.update(updated_at=now, state="closed")
        return original(request, repo)

    github.repository = shifting
    result = sync_all(run)
    assert result.exit_code == 0, result.stderr
    issues = json.loads(result.stdout)["issues"]
    assert len(issues) == 2500 and len({i["id"] for i in issues}) == 2500
    assert sum(i["state"] == "closed" for i in issues) == 250


def move_to_the_front(github, count: int) -> list[dict]:
    """``count`` of the oldest issues edited now (closed), as a bot would; returns the list as it was before."""
    before = copy.deepcopy(github.issues)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for moved in sorted(github.issues, key=lambda i: i["updated_at"])[:count]:
        moved.update(updated_at=now, state="closed")
    return before


def answer_from(github, earlier: list[dict], when) -> None:
    """Requests for which ``when(request)`` holds are answered from the ``earlier`` list of issues."""
    original = github.repository

    def answering(request, repo):
        if when(request):
            github.issues, now = earlier, github.issues
            try:
                return original(request, repo)
            finally:
                github.issues = now
        return original(request, repo)

    github.repository = answering


def answer_numbered_pages_from(github, earlier: list[dict], pages) -> None:
    """The numbered pages not in ``pages`` are answered from the ``earlier`` list: as if the pages in ``pages``
    reached GitHub after the others (concurrent requests overtake each other) or a lagging replica answered."""
    answer_from(github, earlier, lambda request: request.args.get("direction") == "desc"
                and int(request.args.get("page", 1)) not in pages)


def fail_once(github, when) -> None:
    """The first request for which ``when(request)`` holds is answered 404 (exit 4): the sync stops there."""
    from werkzeug import Response

    answering, failed = github.repository, []

    def failing_once(request, repo):
        if when(request) and not failed:
            failed.append(True)
            return Response(json.dumps({"message": "Not Found"}), 404, content_type="application/json"), {}
        return answering(request, repo)

    github.repository = failing_once


def fail_once_at_page(github, page: str) -> None:
    fail_once(github, lambda request: request.args.get("page") == page)


def paged_by_cursor(github, cap: int, announce_last: bool = False) -> None:
    """As github.com pages a large list: links to the next page by cursor (``after=``), numbered pages refused
    (422) beyond ``cap`` issues; with ``announce_last``, numbered answers also say how many pages there are."""
    from urllib.parse import urlencode

    from werkzeug import Response

    original = github.repository

    def answering(request, repo):
        if request.args.get("direction", "desc") != "desc":
            return original(request, repo)
        per_page = int(request.args.get("per_page", 30))
        start = int(request.args.get("after", 0)) if "after" in request.args else \
            (int(request.args.get("page", 1)) - 1) * per_page
        if "after" not in request.args and start + per_page > cap:
            message = ("Pagination with the page parameter is not supported for large datasets, please use cursor "
                       "based pagination (after/before)")
            return Response(json.dumps({"message": message}), 422, content_type="application/json"), {}
        ordered = sorted(github.issues, key=lambda i: i["updated_at"], reverse=True)
        args = {k: v for k, v in request.args.items() if k not in ("page", "after")}
        links = []
        if start + per_page < len(ordered):
            links.append(f'<{github.base.rstrip("/")}{request.path}?{urlencode({**args, "after": start + per_page})}>'
                         '; rel="next"')
            if announce_last and "after" not in request.args:
                last = -(-len(ordered) // per_page)
                links.append(f'<{github.base.rstrip("/")}{request.path}?{urlencode({**args, "page": last})}>'
                             '; rel="last"')
        return ordered[start:start + per_page], {"Link": ", ".join(links)} if links else {}

    github.repository = answering


def lagging_catch_up(github, earlier: list[dict]) -> list:
    """The catch-up (the first request by update time) is answered by a replica that has not seen the edits
    yet (from ``earlier``); returns the list that records that it was."""
    lagged: list[bool] = []

    def first_by_time(request) -> bool:
        if request.args.get("direction") == "asc" and not lagged:
            lagged.append(True)
            return True
        return False

    answer_from(github, earlier, first_by_time)
    return lagged


def missing(result) -> list[int]:
    """The issues of the fake repository (ids 10001-12500) that a successful sync did not print."""
    assert result.exit_code == 0, result.stderr
    return sorted(set(range(10_001, 12_501)) - {i["id"] for i in json.loads(result.stdout)["issues"]})


def seam_checks(github) -> list:
    """Requests by update time from before the sync started: the catch-up and the look for moved issues ask
    from the sync's start (less a margin); every fake issue is older."""
    return [r for r in github.requests if r.args.get("direction") == "asc" and r.args.get("since", "") < "2026-11-29"]


@pytest.mark.parametrize("late", [{2}, {2, 5, 6}, {24}])
def test_a_page_answered_after_the_pages_behind_it_leaves_no_hole(run, github, late):
    """Page 2 (say) reaches GitHub after page 3 and after 250 issues moved to the front: it holds 100 issues
    that were on page 1..3 before, and the 100 that were on page 2 are on no page at all. The seam between
    the pages around it is fetched again by update time, so none is lost."""
    answer_numbered_pages_from(github, move_to_the_front(github, 250), late)
    result = sync_all(run)
    assert result.exit_code == 0, result.stderr
    issues = json.loads(result.stdout)["issues"]
    assert sorted(i["id"] for i in issues) == list(range(10_001, 12_501))
    assert sum(i["state"] == "closed" for i in issues) == 250
    assert seam_checks(github)
    env = Environment()
    with IssueStore(env, database_path(env, f"127.0.0.1:{github.base.split(':')[-1].rstrip('/')}")) as store:
        assert store.seams("acme/api") == []


def test_a_join_where_the_pages_overlap_is_no_seam(run, github, monkeypatch):
    """Pages answered after moves reach above the page before them (answered before): nothing can be between
    them, so their join is not asked for again; every other join is."""
    seams: list = []
    commit = IssueStore.commit_page

    def recording(self, repo, items, **kwargs):
        seams.append(kwargs.get("seam"))
        return commit(self, repo, items, **kwargs)

    monkeypatch.setattr(IssueStore, "commit_page", recording)
    answer_numbered_pages_from(github, move_to_the_front(github, 5), set(range(2, 27, 2)))
    assert missing(sync_all(run)) == []
    recorded = [seam for seam in seams if seam]
    assert all(low <= high for low, high in recorded) and 0 < len(recorded) < 24
    assert len(seam_checks(github)) == len(recorded)


def test_a_quiet_first_sync_checks_no_seam(run, github):
    result = sync_all(run)
    assert result.exit_code == 0 and len(json.loads(result.stdout)["issues"]) == 2500
    numbered = [r for r in github.requests if r.args.get("direction") == "desc"]
    ascending = [r for r in github.requests if r.args.get("direction") == "asc"]
    assert len(numbered) == 26  # 25 full pages, then an empty one
    assert len(ascending) == 1 and seam_checks(github) == []  # the catch-up


def test_an_edit_well_before_the_first_page_checks_no_seam(run, github):
    """An issue edited a minute before the sync (inside the catch-up's margin) was in place for every page."""
    github.issues[-1]["updated_at"] = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = sync_all(run)
    assert result.exit_code == 0 and len(json.loads(result.stdout)["issues"]) == 2500
    assert seam_checks(github) == []


def test_leading_pages_of_recent_issues_still_leave_a_seam(run, github):
    """100 issues edited just before the sync fill page 1, 100 more edited during it fill page 2 (answered
    late): page 3, answered early, is the first with issues older than the sync, and the 100 that were on
    page 2 at its moment are on no page. Its seam reaches up to the sync's start."""
    recent = (datetime.now(UTC) - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for moved in sorted(github.issues, key=lambda i: i["updated_at"])[:100]:
        moved.update(updated_at=recent)
    answer_numbered_pages_from(github, move_to_the_front(github, 100), {2})
    result = sync_all(run)
    assert result.exit_code == 0, result.stderr
    assert sorted(i["id"] for i in json.loads(result.stdout)["issues"]) == list(range(10_001, 12_501))


@pytest.mark.parametrize("margin,moved,late", [(0, 250, 2), (0, 1, 2), (100, 1, 2), (0, 200, 3)])
def test_moves_seen_on_the_pages_count_even_if_the_catch_up_lags(run, github, margin, moved, late):
    """``moved`` issues are edited while the pages are fetched; page ``late`` is answered after, the others
    before, and the catch-up reaches a replica that has not seen the edits yet. The pages show the move:
    - 250 edits: the late page 2 holds edited issues;
    - one edit: no page does (it is on page 1's range, answered before), but pages 1 and 2 share an issue;
    - the same after 100 issues were edited a minute before the sync (in the margin, not after page 1 less 30 s):
      page 1 holds none older than the sync, and the issue the pages share is one of those;
    - 200 edits: the late page 3 repeats page 1 (not page 2, the page before it) and holds no edited issue.
    Either way the seams are checked, and the issues no one edited are all there."""
    stamp = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for edited in sorted(github.issues, key=lambda i: i["updated_at"], reverse=True)[:margin]:
        edited.update(updated_at=stamp)
    earlier = move_to_the_front(github, moved)
    answer_numbered_pages_from(github, earlier, {late})
    lagged = lagging_catch_up(github, earlier)
    result = sync_all(run)
    assert result.exit_code == 0 and lagged, result.stderr
    untouched = {i["id"] for i in github.issues if i["state"] == "open"}
    assert len(untouched) == 2500 - moved and untouched <= {i["id"] for i in json.loads(result.stdout)["issues"]}


def test_a_server_that_never_gets_past_the_seams_is_stopped(run, github, monkeypatch):
    """Each seam walk could go on page after page (new issues at the same time, always a next link): all the
    walks together stop at the page cap (30 here), exit 3, with what was fetched kept."""
    import itertools

    from intcli.providers.github import sync

    monkeypatch.setattr(sync, "MAX_PAGES", 30)
    move_to_the_front(github, 1)  # an edit: the seams are checked
    original, fresh = github.repository, itertools.count(1)

    def hostile(request, repo):
        since = request.args.get("since", "")
        if request.args.get("direction") == "asc" and since < "2026-11-29":
            body = [dict(github.issues[0], id=100_000 + next(fresh), updated_at=since) for _ in range(11)]
            return body, {"Link": f'<{github.base}x?page=2>; rel="next"'}
        return original(request, repo)

    github.repository = hostile
    result = sync_all(run)
    assert result.exit_code == 3 and "more than 30 pages" in result.stderr
    assert "what was fetched is kept" in result.stderr
    assert len(seam_checks(github)) <= 24 + 30 + 1


def test_seams_of_an_interrupted_first_sync_are_checked_when_it_resumes(run, github):
    answer_numbered_pages_from(github, move_to_the_front(github, 250), {2})
    fail_once_at_page(github, "12")
    first = sync_all(run)
    assert first.exit_code == 4 and "not found" in first.stderr
    env = Environment()
    path = database_path(env, f"127.0.0.1:{github.base.split(':')[-1].rstrip('/')}")
    with IssueStore(env, path) as store:
        state = store.state("acme/api")
        assert state is not None and state.cursor is None and 2 <= state.pages_done < 12
        assert store.seams("acme/api")  # kept with the pages, in case the sync never runs again in this process
    again = sync_all(run)
    assert again.exit_code == 0, again.stderr
    assert sorted(i["id"] for i in json.loads(again.stdout)["issues"]) == list(range(10_001, 12_501))
    with IssueStore(env, path) as store:
        assert store.seams("acme/api") == []


def test_a_resumed_sync_whose_first_page_holds_only_recent_issues_leaves_a_seam(run, github):
    """A first sync stops after page 1; before it is resumed the 200 most recently updated issues are edited
    again (an active repository, the next morning). The resumed sync's first page (2) then holds only recent
    issues; page 3 reaches GitHub after 100 more edits (only recent issues too), page 4 before them: the issues
    that were on page 3 at page 4's moment are on no page, and page 4's seam reaches up to the sync's start."""
    fail_once_at_page(github, "2")
    assert sync_all(run).exit_code == 4
    later = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for edited in sorted(github.issues, key=lambda i: i["updated_at"], reverse=True)[:200]:
        edited.update(updated_at=later)  # edited between the two runs
    answer_numbered_pages_from(github, move_to_the_front(github, 100), {3})
    again = sync_all(run)
    assert again.exit_code == 0, again.stderr
    ids = {i["id"] for i in json.loads(again.stdout)["issues"]}
    assert sorted(set(range(10_001, 12_501)) - ids) == []


def test_a_first_sync_left_unfinished_by_layout_1_starts_its_pages_over(run, github):
    """A first sync interrupted under layout 1 (which kept no seams) may already have a hole among its committed
    pages: it starts its numbered pages over."""
    import sqlite3

    answer_numbered_pages_from(github, move_to_the_front(github, 250), {2})
    fail_once_at_page(github, "12")
    assert sync_all(run).exit_code == 4
    env = Environment()
    path = database_path(env, f"127.0.0.1:{github.base.split(':')[-1].rstrip('/')}")
    db = sqlite3.connect(path)  # what layout 1 would have kept: the same issues and sync row, no seams
    db.executescript("DROP TABLE seams; ALTER TABLE syncs DROP COLUMN anchor; ALTER TABLE syncs DROP COLUMN next_url; "
                     "PRAGMA user_version=1;")
    db.close()
    again = sync_all(run)
    assert again.exit_code == 0, again.stderr
    ids = {i["id"] for i in json.loads(again.stdout)["issues"]}
    assert sorted(set(range(10_001, 12_501)) - ids) == []


def copy_path(github):
    return database_path(Environment(), f"127.0.0.1:{github.base.split(':')[-1].rstrip('/')}")


def test_a_resumed_first_page_answered_by_a_lagging_replica_joins_the_last_page(run, github):
    """Page 2 of a first sync is answered after an edit (the list shifted by one); page 3 fails (a 404, a
    dropped connection) and the sync is run again at once. Its first page (3) is answered by a replica a
    moment behind page 2's: the issue between them is on neither. The copy keeps the oldest time on its last
    page (the anchor), so the resumed first page has a seam with it."""
    answer_numbered_pages_from(github, move_to_the_front(github, 1), {2})
    fail_once_at_page(github, "3")
    assert sync_all(run).exit_code == 4
    again = sync_all(run)
    assert again.exit_code == 0, again.stderr
    ids = {i["id"] for i in json.loads(again.stdout)["issues"]}
    assert sorted(set(range(10_001, 12_501)) - ids) == []


@pytest.mark.parametrize("where", ["catch-up", "seams"])
def test_offline_refuses_a_copy_whose_seams_are_unchecked(run, github, where):
    """Interrupted after its numbered pages (during the catch-up, or during the seam checks): the copy has a
    cursor but may lack the issues at its seams. --offline must not present it as complete."""
    from werkzeug import Response

    answer_numbered_pages_from(github, move_to_the_front(github, 250), {2})
    answering, failed = github.repository, []

    def failing(request, repo):
        asc = request.args.get("direction") == "asc"
        seam = asc and request.args.get("since", "") < "2026-11-29"
        if seam if where == "seams" else (asc and not failed):  # every seam check fails: deterministic
            failed.append(True)
            return Response(json.dumps({"message": "Not Found"}), 404, content_type="application/json"), {}
        return answering(request, repo)

    github.repository = failing
    assert sync_all(run).exit_code == 4
    with IssueStore(Environment(), copy_path(github)) as store:
        assert store.state("acme/api").cursor is not None and store.seams("acme/api")
    offline = run("fetch", "github.issues", "--repo", "acme/api", "--offline", "--state", "all", "-f", "json")
    assert offline.exit_code == 5 and "incomplete: its first sync was interrupted" in offline.stderr
    github.repository = answering
    again = sync_all(run)
    assert again.exit_code == 0, again.stderr
    assert sorted(i["id"] for i in json.loads(again.stdout)["issues"]) == list(range(10_001, 12_501))
    assert run("fetch", "github.issues", "--repo", "acme/api", "--offline").exit_code == 0


@pytest.mark.parametrize("body", [{"message": "x"}, None, "text", [1], [{"id": 1}], "missing-updated",
                                  "int-updated", "pr-null-updated", "null-id", {"items": "x"}])
def test_bad_answers_during_seam_checks_are_exit_3(run, github, body):
    answer_numbered_pages_from(github, move_to_the_front(github, 250), {2})
    answering = github.repository

    def bad(request, repo):
        if request.args.get("direction") == "asc" and request.args.get("since", "") < "2026-11-29":
            page = answering(request, repo)[0][:3]
            first = dict(page[0])
            if body == "missing-updated":
                del first["updated_at"]
            elif body == "int-updated":
                first["updated_at"] = 20261128
            elif body == "pr-null-updated":
                first.update(pull_request={"url": "x"}, updated_at=None)
            elif body == "null-id":
                first["id"] = None
            else:
                return body, {}
            return [first, *page[1:]], {"Link": f'<{github.base}x?page=2>; rel="next"'}
        return answering(request, repo)

    github.repository = bad
    result = sync_all(run)
    assert result.exit_code == 3, (result.exit_code, result.stderr)
    assert "unexpected answer" in result.stderr and "Traceback" not in result.stderr


def test_the_end_of_the_list_is_a_seam_when_the_last_page_is_empty(run, github):
    """2500 issues: 25 full pages, then an empty page 26 (fetched after page 25, by number). An issue is created
    while the pages are fetched; page 25 is answered after it (the oldest issue is pushed onto page 26), page 26
    by a replica a moment behind (still empty). Pages 24 and 25 overlap (a move is seen), but the join of the
    last page with issues and the end of the list is a seam too."""
    earlier = copy.deepcopy(github.issues)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    github.issues.append(dict(github.issues[0], id=20_000, number=9999, title="new", updated_at=now))
    answer_numbered_pages_from(github, earlier, {25})
    assert missing(sync_all(run)) == []


def test_pages_ordering_a_tie_differently_lose_no_issue(run, github):
    """(Assumption: GitHub orders issues with the same updated_at differently from one request to the next, as
    MySQL may with ORDER BY on a non-unique column and different OFFSETs.) Nothing changes during the sync; the
    issues at positions 99 and 100 share their update time, and page 2 sees them in the other order. Issue
    10100 is on both pages, 10101 on neither: every join is a seam, and the repeated issue has them checked."""
    github.issues[100]["updated_at"] = github.issues[99]["updated_at"]
    swapped = list(github.issues)  # the same issues (no copies): only their order differs
    swapped[99], swapped[100] = swapped[100], swapped[99]
    answer_from(github, swapped, lambda request: request.args.get("direction") == "desc"
                and request.args.get("page") == "2")
    result = sync_all(run)
    assert missing(result) == [] and seam_checks(github)


@pytest.mark.parametrize("announce_last", [False, True])
def test_a_large_list_paged_by_cursor_is_synced_whole(run, github, announce_last):
    """github.com answers numbered pages of a large list only so deep (422, naming cursor pagination) and links
    each page to the next by cursor. Without a page count the sync follows the links; with one, it fetches the
    numbered pages ahead until they are refused, then follows the link of the last page it has."""
    paged_by_cursor(github, cap=1000, announce_last=announce_last)
    assert missing(sync_all(run)) == []
    assert any("after" in r.args for r in github.requests)
    refused = [r for r in github.requests if r.args.get("direction") == "desc" and int(r.args.get("page", 1)) > 10]
    assert len(refused) <= (9 if announce_last else 0)  # at most the pages already asked for ahead


@pytest.mark.parametrize("announce_last", [False, True])
def test_repository_issues_without_sync_follow_cursor_links_too(run, github, announce_last):
    paged_by_cursor(github, cap=1000, announce_last=announce_last)
    result = run("fetch", "github.issues", "--repo", "acme/api", "--state", "all", "--limit", "2345", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert [i["id"] for i in json.loads(result.stdout)["issues"]] == list(range(10_001, 10_001 + 2345))


def test_a_sync_paged_by_cursor_resumes_from_its_last_link(run, github):
    paged_by_cursor(github, cap=1000)
    fail_once(github, lambda request: request.args.get("after") == "1500")
    first = sync_all(run)
    assert first.exit_code == 4
    with IssueStore(Environment(), copy_path(github)) as store:
        state = store.state("acme/api")
        assert state is not None and state.pages_done == 15 and "after=1500" in (state.next_url or "")
    github.requests.clear()
    assert missing(sync_all(run)) == []
    assert github.requests[0].args.get("after") == "1500"  # not page 16, which GitHub would refuse


def test_a_link_to_another_server_is_not_followed(run, github):
    original = github.repository

    def elsewhere(request, repo):
        body, headers = original(request, repo)
        if request.args.get("direction") == "desc":
            headers = {"Link": '<https://elsewhere.example/api/v3/repos/acme/api/issues?after=x>; rel="next"'}
        return body, headers

    github.repository = elsewhere
    result = sync_all(run)
    assert result.exit_code == 3 and "link to the next page on another server" in result.stderr


def test_a_copy_of_layout_1_gains_the_seams_and_keeps_its_issues(isolated):
    import sqlite3
    from dataclasses import astuple

    env = Environment()
    path = database_path(env, "github.com")
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE issues (id INTEGER PRIMARY KEY, repo TEXT NOT NULL, updated_at TEXT NOT NULL, state TEXT,
                             item TEXT NOT NULL);
        CREATE INDEX issues_by_time ON issues (repo, updated_at);
        CREATE TABLE syncs (repo TEXT PRIMARY KEY, cursor TEXT, started_at TEXT, pages_done INTEGER NOT NULL DEFAULT 0);
        PRAGMA user_version=1;""")
    db.execute("INSERT INTO issues VALUES (1, 'o/r', '2026-11-01T00:00:00Z', 'open', ?)", (encode_item(issue(1)),))
    db.execute("INSERT INTO syncs VALUES ('o/r', '2026-11-01T00:00:00Z', NULL, 0)")
    db.execute("INSERT INTO syncs VALUES ('o/s', NULL, '2026-11-01T00:00:00Z', 7)")  # a first sync under way
    db.commit()
    db.close()
    with IssueStore(env, path) as store:
        assert [i["id"] for i in store.issues(["o/r"])] == [1] and store.seams("o/r") == []
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 2
        # Layout 1 kept no seams: its unfinished first sync starts its numbered pages over (the start time stays)
        assert astuple(store.state("o/s")) == (None, "2026-11-01T00:00:00Z", 0, None, None)
        assert astuple(store.state("o/r")) == ("2026-11-01T00:00:00Z", None, 0, None, None)


def test_offline_refuses_a_copy_whose_first_sync_was_interrupted(run, github):
    env = Environment()
    with IssueStore(env, database_path(env, f"127.0.0.1:{github.base.split(':')[-1].rstrip('/')}")) as store:
        store.begin_first_sync("acme/api", "2026-11-01T00:00:00Z")
        store.commit_page("acme/api", [issue(n) for n in range(1, 4)], page_done=1)
    result = run("fetch", "github.issues", "--repo", "acme/api", "--offline")
    assert result.exit_code == 5 and "incomplete: its first sync was interrupted" in result.stderr
    assert result.stdout == ""


def test_a_copy_damaged_inside_is_set_aside_and_rebuilt(run, github):
    assert sync_all(run).exit_code == 0
    env = Environment()
    path = database_path(env, f"127.0.0.1:{github.base.split(':')[-1].rstrip('/')}")
    run("fetch", "github.issues", "--repo", "acme/api", "--offline")  # a read leaves the WAL checkpointed
    size = path.stat().st_size
    with path.open("r+b") as file:  # past the header and the schema: only a full read finds it
        file.seek(size // 3)
        file.write(b"\xff" * (size // 3))
    offline = run("fetch", "github.issues", "--repo", "acme/api", "--offline", "--state", "all")
    assert offline.exit_code == 5 and "was damaged" in offline.stderr and "unexpected" not in offline.stderr
    assert path.with_name(path.name + ".damaged").exists()
    again = sync_all(run)
    assert again.exit_code == 0, again.stderr
    assert len(json.loads(again.stdout)["issues"]) == 2500


def test_a_busy_copy_is_exit_5_and_never_set_aside(tmp_path):
    import sqlite3

    from intcli.providers.github.store import is_damage, unusable

    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = sqlite3.SQLITE_BUSY
    assert not is_damage(locked)
    error = unusable(tmp_path / "x.sqlite3", locked)
    assert error.exit_status == 5 and "in use by another intcli" in error.message
    corrupt = sqlite3.DatabaseError("database disk image is malformed")
    corrupt.sqlite_errorcode = sqlite3.SQLITE_CORRUPT
    assert is_damage(corrupt)


@pytest.mark.parametrize("bad", [{"id": "abc"}, {"title": 5}, {"updatedAt": None}, {"id": 1.5},
                                 {"title": "\ud800"}, {"labels": "abc"}])
def test_an_old_json_copy_with_bad_data_is_dropped_whole(run, github, bad):
    from intcli.providers.github.sync import json_copy_path

    env = Environment()
    host = f"127.0.0.1:{github.base.split(':')[-1].rstrip('/')}"
    path = json_copy_path(env, host, "acme/api")
    path.parent.mkdir(parents=True)
    old = {**issue(1), "repository": "acme/api", **bad}
    path.write_text(json.dumps({"version": 1, "cursor": "2026-11-01T00:00:00Z", "issues": {"1": old}}))
    result = sync_all(run)
    assert result.exit_code == 0, result.stderr
    assert "old sync copy" in result.stderr and "damaged" in result.stderr and not path.exists()
    assert len(json.loads(result.stdout)["issues"]) == 2500


def test_no_credential_reaches_the_copy_or_the_offline_output(run, github):
    github.issues[0]["title"] = f"echo {TOKEN} echo"
    assert sync_all(run).exit_code == 0
    env = Environment()
    folder = database_path(env, "x").parent
    assert not any(TOKEN.encode() in file.read_bytes() for file in folder.iterdir() if file.is_file())
    offline = run("fetch", "github.issues", "--repo", "acme/api", "--offline", "--state", "all", "-f", "ndjson")
    assert offline.exit_code == 0 and TOKEN not in offline.stdout and "echo [redacted] echo" in offline.stdout


def test_a_huge_limit_is_no_crash(run, github):
    assert sync_all(run).exit_code == 0
    result = run("fetch", "github.issues", "--repo", "acme/api", "--offline", "--limit", str(2**70))
    assert result.exit_code == 0, result.stderr
