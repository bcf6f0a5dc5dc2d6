#!/usr/bin/env python3
"""Fetch benchmark: 1000 assigned issues from a loopback GitHub server with added latency, intcli against gh.

Run on demand (not in the test suite): ``python benchmarks/fetch_issues.py [--runs 5] [--latency 0.1]``.
Needs ``gh`` on PATH (Debian: ``apt-get install gh``); without it only intcli is measured.

The server (tests/fake_github.py behind werkzeug, threaded, TLS with a trustme CA) adds ``--latency`` seconds to
every request. Both tools get the same token and the same host (gh as a GitHub Enterprise host, intcli through
GITHUB_API_URL) and must return the same 1000 issues; each intcli run starts with an empty cache, so no 304
helps it. Reports median wall time and peak RSS (from wait4) and the targets: intcli <= 0.5 x gh's time,
peak RSS <= 100 MiB. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

TIME_TARGET = 0.5
RSS_TARGET_MIB = 100
FIELDS = "number,title,repository,url,updatedAt,labels"


def start_server(latency: float, ca_dir: Path, fake: object = None) -> tuple[object, int, str, str]:
    """A threaded TLS server on loopback for ``fake`` (default: 1000 assigned issues): (server, port, CA file,
    token)."""
    import logging

    import trustme
    from werkzeug import Request
    from werkzeug.serving import WSGIRequestHandler, make_server

    from fake_github import TOKEN, FakeGitHub, make_issues

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    fake = fake if fake is not None else FakeGitHub(make_issues(1000))
    fake.prefix = "/api/v3"

    @Request.application
    def application(request: Request):
        if latency:
            time.sleep(latency)
        return fake.handle(request)

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = ca_dir / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    class KeepAlive(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"  # as GitHub: connections stay open between requests (werkzeug closes them)

    server = make_server("127.0.0.1", 0, application, threaded=True, ssl_context=context, request_handler=KeepAlive)
    fake.base = f"https://127.0.0.1:{server.port}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.port, str(ca_file), TOKEN


def compile_intcli() -> None:
    """Write the bytecode of the intcli being measured, as an installed package has it: with
    PYTHONDONTWRITEBYTECODE set (or a read-only checkout) every run would compile ~30 modules again (~70 ms)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("intcli")
    if spec is not None and spec.origin:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MiB, stdout) of one run. The peak RSS comes from GNU time when it is there: the
    rusage of a child this process forks would count this process's own memory, copied until the child's exec."""
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as peak:
        wrapped = [timer, "-f", "%M", "-o", peak.name, *command] if timer else command
        start = time.perf_counter()
        process = subprocess.Popen(wrapped, env=env, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode()
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(command[:4])} failed ({process.returncode}): {stderr[-500:]}")
        out.seek(0)
        rss_kib = int(peak.read().strip().splitlines()[-1]) if timer else usage.ru_maxrss
        return elapsed, rss_kib / 1024, out.read().decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    compile_intcli()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        server, port, ca_file, token = start_server(args.latency, tmp_path)
        host = f"127.0.0.1:{port}"
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("GH_", "GITHUB_", "INTCLI_"))}
        base_env.update(SSL_CERT_FILE=ca_file, NO_COLOR="1")
        intcli_env = {**base_env, "GH_TOKEN": token, "GITHUB_API_URL": f"https://{host}/api/v3",
                      "INTCLI_CONFIG_DIR": str(tmp_path / "config"), "INTCLI_STATE_DIR": str(tmp_path / "state")}
        gh_env = {**base_env, "GH_HOST": host, "GH_ENTERPRISE_TOKEN": token, "GH_CONFIG_DIR": str(tmp_path / "gh"),
                  "GH_NO_UPDATE_NOTIFIER": "1", "GH_PROMPT_DISABLED": "1"}
        intcli = [sys.executable, "-m", "intcli", "fetch", "github.user_issues", "--format", "json"]
        gh = ["gh", "search", "issues", "--assignee", "@me", "--state", "open", "--limit", "1000",
              "--sort", "updated", "--order", "desc", "--json", "number,title,repository,url,updatedAt,labels"]
        tools = {"intcli": intcli}
        if shutil.which("gh"):
            tools["gh"] = gh
        else:
            print("gh not found: measuring intcli only", file=sys.stderr)
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in tools}
        for run in range(args.runs):
            for name, command in tools.items():
                env = intcli_env if name == "intcli" else gh_env
                if name == "intcli":
                    env = {**env, "INTCLI_CACHE_DIR": str(tmp_path / f"cache-{run}")}  # no 304s: a cold fetch
                elapsed, rss, stdout = run_measured(command, env)
                count = len(json.loads(stdout)["issues"] if name == "intcli" else json.loads(stdout))
                if count != 1000:
                    raise SystemExit(f"{name} returned {count} issues, not 1000")
                results[name].append((elapsed, rss))
        server.shutdown()
    medians = {name: (statistics.median(t for t, _ in runs), max(r for _, r in runs)) for name, runs in results.items()}
    for name, (seconds, rss) in medians.items():
        print(f"{name:>7}: median {seconds:6.3f} s, peak RSS {rss:6.1f} MiB  (n={args.runs}, "
              f"latency {args.latency * 1000:.0f} ms/request)")
    ok = medians["intcli"][1] <= RSS_TARGET_MIB
    if "gh" in medians:
        ratio = medians["intcli"][0] / medians["gh"][0]
        ok = ok and ratio <= TIME_TARGET
        print(f"ratio: intcli takes {ratio:.2f} x gh's time (target <= {TIME_TARGET})")
    print(f"peak RSS target <= {RSS_TARGET_MIB} MiB: {'ok' if medians['intcli'][1] <= RSS_TARGET_MIB else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
