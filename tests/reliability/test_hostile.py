"""Untrusted data in, safe output out: a hostile loopback server against every output and every request bound.

The output checks run intcli as a process on a real pseudo-terminal (where Rich emits its own escape sequences
and hyperlinks), so they see exactly what a terminal would receive.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fake_github import TOKEN
from hostile_server import FORMULA, HOSTILE, HostileServer

# What no data field may ever make intcli send to a terminal.
FORBIDDEN = {"OSC 0 (window title)": "\x1b]0;", "OSC 52 (clipboard)": "\x1b]52;", "clear screen": "\x1b[2J",
             "blink": "\x1b[5m", "DCS": "\x1bP", "right-to-left override": "\u202e", "C1 CSI": "\x9b", "BEL": "\x07"}
MiB = 2**20


@pytest.fixture
def hostile(service_account_key, monkeypatch):
    """The hostile server as GitHub (by GH_TOKEN) and Google (by a service account) for intcli processes."""
    server = HostileServer()
    server.token = TOKEN
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", f"{server.base}/api/v3")
    monkeypatch.setenv("INTCLI_GOOGLE_API_URL", server.base)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(service_account_key))
    monkeypatch.setenv("INTCLI_HTTP_TIMEOUT", "5")
    yield server
    server.stop()


def on_terminal(*args: str, timeout: float = 60) -> tuple[int, str]:
    """Run intcli on a pseudo-terminal; return its exit status and everything the terminal received."""
    leader, follower = pty.openpty()
    environ = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "200", "LINES": "50"}
    process = subprocess.Popen([sys.executable, "-m", "intcli", *args], stdin=follower, stdout=follower,
                               stderr=follower, env=environ, close_fds=True)
    os.close(follower)
    received = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([leader], [], [], 1.0)[0]:
            continue
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    return code, received.decode("utf-8", errors="replace")


def assert_inert(output: str) -> None:
    for name, sequence in FORBIDDEN.items():
        assert sequence not in output, f"{name} reached the terminal"
    assert "\U0001f525" not in output  # ":fire:" in data stays text (Rich emoji codes are off)
    for target in re.findall(r"\x1b\]8;[^;\x1b]*;([^\x1b\x07]*)", output):  # intcli's own OSC 8 hyperlinks
        assert "evil" not in target and not re.search(r"[\s<>\[\]()|]", target), target


@pytest.mark.parametrize("args", [
    ("fetch", "github.user_issues"),
    ("fetch", "github.issues", "--repo", "o/r"),
    ("fetch", "google.drive"),
    ("fetch", "google.gmail"),
    ("summary",),
    ("summary", "--format", "markdown"),
    ("status",),
], ids=lambda args: " ".join(args))
def test_data_reaches_a_terminal_defused(hostile, args):
    code, output = on_terminal(*args)
    assert code == 0, output
    assert_inert(output)
    if args != ("status",):
        assert "pwned-title" in output and "^" in output  # the data is shown, as visible text


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
@pytest.mark.parametrize("capability", ["github.user_issues", "google.drive", "google.gmail"])
def test_a_token_echoed_in_an_error_is_never_shown(hostile, capability, debug):
    hostile.mode = "echo-token"
    code, output = on_terminal(*debug, "fetch", capability)
    assert code in (2, 4), output
    assert "intcli: error:" in output and "Bad credentials" in output
    assert TOKEN not in output and "ya29." not in output and "[redacted]" in output
    assert_inert(output)
    quiet = subprocess.run([sys.executable, "-m", "intcli", *debug, "fetch", capability, "--format", "json"],
                           capture_output=True, text=True, timeout=60)
    assert TOKEN not in quiet.stderr + quiet.stdout and "ya29." not in quiet.stderr + quiet.stdout
    assert quiet.stdout == ""


def test_json_keeps_values_exact_and_escapes_controls(hostile, run):
    result = run("fetch", "github.user_issues", "--format", "json")
    assert result.exit_code == 0, result.stderr
    titles = [issue["title"] for issue in json.loads(result.stdout)["issues"]]
    assert f"{HOSTILE} #1" in titles and FORMULA in titles
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", result.stdout.replace("\n", ""))
    snippets = [m["snippet"] for m in json.loads(run("fetch", "google.gmail", "-f", "json").stdout)["messages"]]
    assert snippets[0].startswith("Tom & Jerry <b> ")  # Gmail's HTML entities decoded


def test_csv_cells_never_open_as_formulas(hostile, run):
    for capability in ("github.user_issues", "google.drive", "google.gmail"):
        result = run("fetch", capability, "--format", "csv")
        assert result.exit_code == 0, result.stderr
        rows = list(csv.reader(io.StringIO(result.stdout)))
        cells = [cell for row in rows[1:] for cell in row]
        assert cells and not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert any(cell.startswith("'=") or cell.startswith("'@") or cell.startswith("'-") for cell in cells)
    raw = run("fetch", "github.user_issues", "--format", "csv", "--csv-raw", "--fields", "title")
    assert FORMULA in [row[0] for row in csv.reader(io.StringIO(raw.stdout))]


def test_markdown_summary_renders_no_html_heading_or_broken_cell(hostile, run):
    result = run("summary", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "<img" not in result.stdout and "<" not in result.stdout.replace("&lt;", "")
    ours = r"^#{1,2} (Daily summary|GitHub issues|Recent documents|Unread mail|Jira issues)"
    assert [line for line in lines if line.startswith("#")] == [line for line in lines if re.match(ours, line)]
    for table in re.findall(r"(?:^\|.*\n)+", result.stdout, re.MULTILINE):
        rows = table.splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows  # no value added or ended a cell
    for target in re.findall(r"\]\(([^)]*)\)", result.stdout):
        assert target.startswith("https://") and not re.search(r"[\s<>\[\]()|]", target), target


def test_rich_summary_never_crashes_on_data(hostile, run):
    result = run("summary", tty=True)
    assert result.exit_code == 0, result.stderr
    assert "Daily summary" in result.stdout


# -- hostile servers: every request bounded in time and memory ---------------------------------------------------
def run_measured(*args: str) -> tuple[int, str, str, float, float]:
    """intcli as a process: exit status, stdout, stderr, seconds, and that process's own peak RSS in MiB."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "intcli", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    outputs: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda name, stream: outputs.__setitem__(name, stream.read()),
                                args=(name, stream)) for name, stream in (("out", process.stdout),
                                                                          ("err", process.stderr))]
    for reader in readers:
        reader.start()
    killer = threading.Timer(120, process.kill)  # a hang fails the test instead of the suite
    killer.start()
    _, status, usage = os.wait4(process.pid, 0)  # reaped here, so its own rusage is ours to read
    killer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    process.stdout.close()
    process.stderr.close()
    return (process.returncode, outputs["out"].decode(), outputs["err"].decode(), time.monotonic() - started,
            usage.ru_maxrss / 1024)


CASES = {
    "endless body": ("endless", ("fetch", "github.user_issues")),
    "one byte a second": ("drip", ("fetch", "github.user_issues")),
    "a billion pages": ("billion-pages", ("fetch", "github.issues", "--repo", "o/r")),
    "the same page again": ("pages-repeat", ("fetch", "github.issues", "--repo", "o/r")),
    "rel=next forever": ("next-forever", ("fetch", "github.issues", "--repo", "o/r", "--sync")),
    "Drive token repeats": ("token-repeats", ("fetch", "google.drive")),
    "Gmail token repeats": ("token-repeats", ("fetch", "google.gmail")),
    "redirect loop": ("redirect-loop", ("fetch", "github.user_issues")),
    "gzip bomb": ("gzip-bomb", ("fetch", "github.user_issues")),
    "corrupt gzip": ("corrupt-gzip", ("fetch", "github.user_issues")),
    "an encoding not asked for": ("unasked-encoding", ("fetch", "google.drive")),
    "JSON 100 000 deep": ("deep-json", ("fetch", "github.user_issues")),
    "1e999 and NaN": ("nonfinite", ("fetch", "github.user_issues")),
    "NaN estimate": ("nan-gmail", ("fetch", "google.gmail")),
    "Retry-After of 400 digits": ("retry-after-digits", ("fetch", "github.user_issues")),
    "X-RateLimit-Reset of 400 digits": ("reset-digits", ("fetch", "github.user_issues")),
    "3 million empty objects": ("flood", ("fetch", "github.user_issues")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_server_ends_in_exit_3_quickly_and_small(hostile, case):
    hostile.mode, args = CASES[case]
    code, stdout, stderr, seconds, rss = run_measured(*args, "--format", "json")
    print(f"{case}: exit {code} in {seconds:.1f}s, peak RSS {rss:.0f} MiB: {stderr.strip()}")  # shown with -s
    assert code == 3, stderr
    assert seconds < 60 and rss < 300, (seconds, rss)
    assert "Traceback" not in stderr and stderr.startswith("intcli: error: ") and stderr.count("\n") == 1, stderr
    if stdout:
        json.loads(stdout)
    assert "inf" not in stdout.lower() and "nan" not in stdout.lower()


def test_server_waits_add_up_to_max_wait_at_most(hostile):
    hostile.mode = "retry-after-2"
    code, _, stderr, seconds, _ = run_measured("fetch", "github.user_issues", "--max-wait", "5")
    assert code == 3 and "kept rate-limiting" in stderr, stderr
    assert len(hostile.requests) == 3 and seconds < 15  # waited 2 + 2; a third wait would pass 5 s


def test_lone_surrogates_are_replaced_not_fatal(hostile, run):
    hostile.mode = "surrogate"
    for fmt in ("json", "csv", "table"):
        result = run("fetch", "github.user_issues", "--format", fmt)
        assert result.exit_code == 0 and "lone \ufffd here" in result.stdout.replace("\\ufffd", "\ufffd"), result


@pytest.fixture
def hostile_token_endpoint(hostile, service_account_key, tmp_path, monkeypatch):
    """A service account whose token endpoint is the hostile server."""
    key = json.loads(service_account_key.read_text())
    path = tmp_path / "hostile-key.json"
    path.write_text(json.dumps({**key, "token_uri": f"{hostile.base}/token"}))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    return hostile


@pytest.mark.parametrize("mode", ["drip", "endless", "bad-expiry", "redirect-loop"])
def test_a_hostile_token_endpoint_is_bounded_too(hostile_token_endpoint, mode):
    hostile_token_endpoint.token_mode = mode
    code, stdout, stderr, seconds, rss = run_measured("fetch", "google.drive", "--format", "json")
    print(f"token endpoint {mode}: exit {code} in {seconds:.1f}s, peak RSS {rss:.0f} MiB: {stderr.strip()}")
    assert code == 3 and stdout == "" and seconds < 60 and rss < 300, (code, stderr, seconds, rss)
    assert "Traceback" not in stderr and stderr.startswith("intcli: error: ") and stderr.count("\n") == 1


# -- input validation ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("repo", ["../x", "o/..", "o/.", "-o/r", "o/r\n", "o/r/x", "o r/x", "a" * 40 + "/r",
                                  "o/" + "r" * 101])
def test_repo_must_be_owner_slash_name(run, cache_dir, repo, monkeypatch):
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9/api/v3")  # never reached
    result = run("fetch", "github.issues", "--repo", repo, "--sync")
    assert result.exit_code == 2, result.stderr
    assert "is not OWNER/NAME" in result.stderr and result.stderr.count("\n") == 1
    assert not (cache_dir / "sync").exists()  # no copy, no lock file
    assert not list(cache_dir.parent.rglob("x.json*"))  # nor anywhere else


def test_option_values_are_bounded(run):
    result = run("fetch", "google.gmail", "--query", "x" * 5000)
    assert result.exit_code == 2 and "--query is 5000 characters long" in result.stderr
    assert run("fetch", "google.drive", "--content", "../../etc/passwd").exit_code == 2


def test_the_sync_copy_never_leaves_its_folder(isolated, monkeypatch):
    from intcli.base.env import Environment
    from intcli.base.errors import ConfigError
    from intcli.providers.github.store import database_path

    env = Environment()
    assert database_path(env, "127.0.0.1:8443").is_relative_to(env.cache_dir / "sync")
    for host in ("..", "a/../..", "x\n", "."):
        with pytest.raises(ConfigError):
            database_path(env, host)


# -- shared directories --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind,mode", [("cache", 0o777), ("cache", 0o770), ("state", 0o722)])
def test_a_directory_others_can_write_is_refused(run, isolated, kind, mode):
    directory: Path = isolated / kind
    directory.mkdir(mode=0o700)
    directory.chmod(mode)
    if kind == "state":
        result = run("disconnect", "github")
    else:  # a user config: its validation digest is looked up in the cache (the shipped registry needs none)
        (isolated / "config").mkdir(exist_ok=True)
        (isolated / "config" / "config.toml").write_text('[apps.x]\nname = "X"\n')
        result = run("status")
    assert result.exit_code == 5, result.stderr
    assert f"is writable by others (mode {mode:04o})" in result.stderr and "chmod go-w" in result.stderr
    directory.chmod(0o700)
    assert run("status").exit_code == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a directory away")
def test_a_directory_of_another_user_is_refused(run, isolated):
    directory = isolated / "cache"
    directory.mkdir(mode=0o700)
    os.chown(directory, 65534, 65534)
    (isolated / "config").mkdir(exist_ok=True)  # a user config: its validation digest is looked up in the cache
    (isolated / "config" / "config.toml").write_text('[apps.x]\nname = "X"\n')
    result = run("status")
    assert result.exit_code == 5 and "belongs to another user" in result.stderr and "INTCLI_CACHE_DIR" in result.stderr
