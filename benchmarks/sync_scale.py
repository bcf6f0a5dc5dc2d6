#!/usr/bin/env python3
"""Sync benchmark: ``fetch github.issues --sync`` of 1k/10k/50k issues against ``gh api --paginate``.

Run on demand (not in the test suite):
``python benchmarks/sync_scale.py [--sizes 1000,10000,50000] [--runs 3] [--latency 0.02]``.
Needs ``gh`` on PATH; without it only intcli is measured.

``--latency`` (default 0.02 s) is added to every request, as a nearby Enterprise server would; with 0 the ratio
to gh measures two processes sharing two cores more than either program.

One repository of N issues (100 a page) on a loopback TLS server (tests/fake_github.py behind the threaded
werkzeug server of benchmarks/fetch_issues.py, with its repository listing indexed so that the server is not
what is measured). For each size and run:

- ``gh api --paginate repos/R/issues?state=all&per_page=100`` (every issue, one page after another);
- intcli's first ``--sync`` (empty cache), then a no-change ``--sync``, then a ``--sync`` after 50 issues
  changed and 5 of those were closed; each prints all N issues as JSON to a file, which is checked: every
  issue exactly once, the changes exact;
- ``busy``: a first ``--sync`` (another empty cache) right after those changes, so it sees issues updated
  moments ago and checks the joins of its pages again (for information: the price of a busy repository).

Reports medians (wall time, peak RSS from wait4) and the targets: first sync <= 0.5 x gh, peak RSS <= 200 MiB,
10k -> 50k at most 5.5 x, no-change sync <= 0.25 x the first sync. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import bisect
import copy
import json
import os
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from fetch_issues import compile_intcli, run_measured, start_server  # noqa: E402

from fake_github import FakeGitHub, make_issues  # noqa: E402

REPO = "acme/big"
GH_RATIO_TARGET = 0.5
RSS_TARGET_MIB = 200
GROWTH_TARGET = 5.5
QUIET_RATIO_TARGET = 0.25


class IndexedFakeGitHub(FakeGitHub):
    """FakeGitHub whose repository listing is served from a sorted index (rebuilt after ``changed()``): a linear
    scan and sort of 50 000 issues per request would make the server, not the clients, the bottleneck."""

    def __init__(self, issues: list[dict]) -> None:
        super().__init__(issues)
        self.changed()

    def changed(self) -> None:
        self.ascending = sorted(self.issues, key=lambda i: (i["updated_at"], i["id"]))
        self.times = [i["updated_at"] for i in self.ascending]
        self.encoded = {i["id"]: json.dumps(i) for i in self.issues}

    def encode(self, body) -> str:
        """A page's JSON joined from the issues' cached encodings."""
        if isinstance(body, list) and all(isinstance(i, dict) and i.get("id") in self.encoded for i in body):
            return "[" + ",".join(self.encoded[i["id"]] for i in body) + "]"
        return super().encode(body)

    def repository(self, request, repo: str):
        if request.args.get("state", "open") != "all" or request.args.get("labels"):
            return super().repository(request, repo)
        since = request.args.get("since")
        start = bisect.bisect_left(self.times, since) if since else 0
        count = len(self.ascending) - start
        page, per_page = self._page(request)
        first, end = (page - 1) * per_page, min(page * per_page, count)  # positions in the answer's order
        if request.args.get("direction", "desc") == "desc":  # newest first: count back from the end
            window = self.ascending[len(self.ascending) - end: len(self.ascending) - first][::-1] if first < end else []
        else:
            window = self.ascending[start + first: start + end] if first < end else []
        return window, self._links(request, page, max(1, -(-count // per_page)))


def change_issues(fake: IndexedFakeGitHub, run: int) -> None:
    """50 issues edited (5 of them closed), with update times after everything else."""
    latest = datetime.strptime(fake.times[-1], "%Y-%m-%dT%H:%M:%S%z")
    now = max(datetime.now(UTC), latest + timedelta(seconds=1))  # later than anything the copy has seen
    step = max(1, len(fake.issues) // 50)
    for n, issue in enumerate(fake.issues[run::step][:50]):
        issue.update(title=f"{issue['title']} (edit {run})", labels=[{"name": f"edit-{run}"}],
                     updated_at=(now + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     state="closed" if n % 10 == 0 else "open")
    fake.changed()


def expected_ids(fake: IndexedFakeGitHub) -> list[int]:
    return [i["id"] for i in reversed(fake.ascending)]


def check_intcli(stdout: str, fake: IndexedFakeGitHub, what: str) -> None:
    issues = json.loads(stdout)["issues"]
    if [i["id"] for i in issues] != expected_ids(fake):
        raise SystemExit(f"{what}: the issues printed are not every issue exactly once, newest first")
    newest = {i["id"]: i for i in fake.ascending[-50:]}
    for item in issues[:50]:
        raw = newest[item["id"]]
        if (item["title"], item["state"], item["updatedAt"]) != (raw["title"], raw["state"], raw["updated_at"]):
            raise SystemExit(f"{what}: issue {item['id']} differs from the server's")


def gh_count(stdout: str) -> int:
    """Issues in gh's output: one JSON array per page, one after the other."""
    decoder, position, count = json.JSONDecoder(), 0, 0
    while position < len(stdout):
        while position < len(stdout) and stdout[position].isspace():
            position += 1
        if position == len(stdout):
            break
        page, position = decoder.raw_decode(stdout, position)
        count += len(page)
    return count


def measure_size(size: int, runs: int, tmp: Path, latency: float) -> dict[str, list[tuple[float, float]]]:
    fake = IndexedFakeGitHub(make_issues(size, repos=(REPO,)))
    server, port, ca_file, token = start_server(latency, tmp, fake)
    host = f"127.0.0.1:{port}"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GH_", "GITHUB_", "INTCLI_"))}
    base.update(SSL_CERT_FILE=ca_file, NO_COLOR="1")
    intcli_env = {**base, "GH_TOKEN": token, "GITHUB_API_URL": f"https://{host}/api/v3",
                  "INTCLI_CONFIG_DIR": str(tmp / "config"), "INTCLI_STATE_DIR": str(tmp / "state")}
    gh_env = {**base, "GH_HOST": host, "GH_ENTERPRISE_TOKEN": token, "GH_CONFIG_DIR": str(tmp / "gh"),
              "GH_NO_UPDATE_NOTIFIER": "1", "GH_PROMPT_DISABLED": "1"}
    intcli = [sys.executable, "-m", "intcli", "fetch", "github.issues", "--repo", REPO, "--sync", "--state", "all",
              "--format", "json"]
    gh = ["gh", "api", "--paginate", f"repos/{REPO}/issues?state=all&per_page=100"]
    results: dict[str, list[tuple[float, float]]] = {"gh": [], "first": [], "quiet": [], "changes": [], "busy": []}
    pristine = copy.deepcopy(fake.issues)
    try:
        for run in range(runs):
            fake.issues = copy.deepcopy(pristine)  # each run's first sync sees a repository nobody just edited
            fake.changed()
            if shutil.which("gh"):
                seconds, rss, stdout = run_measured(gh, gh_env)
                if gh_count(stdout) != len(fake.issues):
                    raise SystemExit(f"gh listed {gh_count(stdout)} issues, not {len(fake.issues)}")
                results["gh"].append((seconds, rss))
            env = {**intcli_env, "INTCLI_CACHE_DIR": str(tmp / f"cache-{size}-{run}")}
            for scenario in ("first", "quiet", "changes"):
                if scenario == "changes":
                    change_issues(fake, run)
                seconds, rss, stdout = run_measured(intcli, env)
                check_intcli(stdout, fake, f"{scenario} sync of {size}")
                results[scenario].append((seconds, rss))
            # A first sync of a repository edited moments ago: the joins of its pages are checked too.
            seconds, rss, stdout = run_measured(intcli, {**env, "INTCLI_CACHE_DIR": str(tmp / f"busy-{size}-{run}")})
            check_intcli(stdout, fake, f"busy first sync of {size}")
            results["busy"].append((seconds, rss))
    finally:
        server.shutdown()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added to every request")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    compile_intcli()
    medians: dict[int, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            results = measure_size(size, args.runs, Path(tmp), args.latency)
            medians[size] = {name: (statistics.median(t for t, _ in runs), max(r for _, r in runs))
                             for name, runs in results.items() if runs}
            row = "  ".join(f"{name} {seconds:6.2f} s / {rss:5.0f} MiB" for name, (seconds, rss) in
                            medians[size].items())
            print(f"{size:>6} issues: {row}  (medians of {args.runs}; RSS: the largest; "
                  f"{args.latency * 1000:.0f} ms added per request)", flush=True)
    ok = True
    largest = max(medians)  # the time targets are set for 50 000 issues; smaller sizes are shown for the trend
    for size, row in medians.items():
        first, quiet = row["first"][0], row["quiet"][0]
        checks = [(f"{size}: no-change sync {quiet / first:.2f} x the first", QUIET_RATIO_TARGET),
                  (f"{size}: first sync {first / row['gh'][0]:.2f} x gh api --paginate", GH_RATIO_TARGET)
                  if "gh" in row else None]
        for check in filter(None, checks):
            text, target = check
            value = float(text.split(" x ")[0].rsplit(" ", 1)[1])
            verdict = ("ok" if value <= target else "MISSED") if size == largest else "(for information)"
            print(f"{text} (target <= {target} at {largest}): {verdict}")
            ok = ok and (value <= target or size != largest)
        rss = max(r for _, r in row.values())
        print(f"{size}: peak RSS {rss:.0f} MiB (target <= {RSS_TARGET_MIB}): "
              f"{'ok' if rss <= RSS_TARGET_MIB else 'MISSED'}")
        ok = ok and rss <= RSS_TARGET_MIB
    if 10000 in medians and 50000 in medians:
        growth = medians[50000]["first"][0] / medians[10000]["first"][0]
        print(f"10k -> 50k first sync: {growth:.2f} x (target <= {GROWTH_TARGET}): "
              f"{'ok' if growth <= GROWTH_TARGET else 'MISSED'}")
        ok = ok and growth <= GROWTH_TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
