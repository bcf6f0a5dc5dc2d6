#!/usr/bin/env python3
"""Start-up benchmark: wall time of ``intcli status`` against a minimal Typer app printing a Rich table.

Run on demand (not in the test suite): ``python benchmarks/startup.py [--runs 40]``.
Both commands run alternately in fresh, empty config/state/cache directories (after one warm-up run that
fills intcli's validation cache, as any second run has); the median of each is compared.
Target: intcli status <= 1.0 x the floor. Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.0
HERE = Path(__file__).resolve().parent


def time_once(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, **{f"INTCLI_{k}_DIR": str(Path(tmp) / k.lower()) for k in ("CONFIG", "STATE", "CACHE")}}
        for name in ("INTCLI_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN", "GOOGLE_APPLICATION_CREDENTIALS"):
            env.pop(name, None)
        intcli = [sys.executable, "-m", "intcli", "status"]
        floor = [sys.executable, str(HERE / "floor_app.py")]
        for command in (intcli, floor):
            time_once(command, env)  # warm-up: page cache, .pyc files, intcli's validation cache
        samples: dict[str, list[float]] = {"intcli status": [], "floor": []}
        for _ in range(args.runs):
            samples["intcli status"].append(time_once(intcli, env))
            samples["floor"].append(time_once(floor, env))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratio = medians["intcli status"] / medians["floor"]
    for name, values in samples.items():
        print(f"{name:>14}: median {medians[name] * 1000:6.1f} ms  (min {min(values) * 1000:.1f}, "
              f"max {max(values) * 1000:.1f}, n={len(values)})")
    verdict = "ok" if ratio <= TARGET else "MISSED"
    print(f"ratio: {ratio:.2f} x the floor (target <= {TARGET}) {verdict}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
