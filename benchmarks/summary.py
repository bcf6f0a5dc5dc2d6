#!/usr/bin/env python3
"""Summary benchmark: sections run at the same time, so a summary takes about as long as its slowest provider.

Run on demand (not in the test suite): ``python benchmarks/summary.py [--runs 5] [--latency 0.3]``.
Loopback servers for GitHub (tests/fake_github.py) and Google (tests/fake_google.py, reached through a service
account key made here) add ``--latency`` seconds to every request. Compares the median wall time of
``intcli summary`` with that of the slowest single-provider ``intcli fetch`` of the same data.
Target: summary <= 1.3 x the slowest single provider (not their sum). Exits 1 when it is missed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
TARGET = 1.3


def serve(handler, latency: float):  # noqa: ANN001, ANN201
    from werkzeug import Request
    from werkzeug.serving import make_server

    @Request.application
    def application(request: Request):
        time.sleep(latency)
        return handler(request)

    server = make_server("127.0.0.1", 0, application, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def service_account(fake, directory: Path) -> Path:  # noqa: ANN001
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    email = "bench@intcli-test.iam.gserviceaccount.com"
    fake.service_account_keys[email] = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    path = directory / "key.json"
    path.write_text(json.dumps({
        "type": "service_account", "client_email": email, "token_uri": f"{fake.base}/token",
        "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()).decode()}))
    return path


def median_time(command: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        samples.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command[3:])} failed ({result.returncode}): {result.stderr[-400:]}")
    return statistics.median(samples)


def main() -> int:
    from fake_github import TOKEN, FakeGitHub, make_issues
    from fake_google import FakeGoogle

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.3)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    github, google = FakeGitHub(make_issues(200)), FakeGoogle()
    github.prefix = "/api/v3"
    github_server, google_server = serve(github.handle, args.latency), serve(google.handle, args.latency)
    github.base = f"http://127.0.0.1:{github_server.port}/"
    google.base = f"http://127.0.0.1:{google_server.port}"
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GH_", "GITHUB_", "INTCLI_", "GOOGLE_"))}
        env.update(GH_TOKEN=TOKEN, GITHUB_API_URL=f"{github.base}api/v3", INTCLI_GOOGLE_API_URL=google.base,
                   GOOGLE_APPLICATION_CREDENTIALS=str(service_account(google, directory)),
                   **{f"INTCLI_{k}_DIR": str(directory / k.lower()) for k in ("CONFIG", "STATE", "CACHE")})
        intcli = [sys.executable, "-m", "intcli"]
        singles = {capability: median_time([*intcli, "fetch", capability, "--limit", "5", "-f", "json"], env,
                                           args.runs)
                   for capability in ("github.user_issues", "google.drive", "google.gmail")}
        whole = median_time([*intcli, "summary", "--top", "5", "-f", "json"], env, args.runs)
    github_server.shutdown()
    google_server.shutdown()
    for capability, seconds in singles.items():
        print(f"fetch {capability:<20} median {seconds:6.3f} s")
    print(f"summary (all three)        median {whole:6.3f} s   (sum of singles {sum(singles.values()):.3f} s)")
    ratio = whole / max(singles.values())
    print(f"ratio: {ratio:.2f} x the slowest single provider (target <= {TARGET}; latency "
          f"{args.latency * 1000:.0f} ms/request, n={args.runs}) {'ok' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
