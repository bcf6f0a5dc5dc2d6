"""Lint and strict typing are part of the suite, so the README's one test command checks them too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_is_clean():
    result = run_tool("ruff", "check", "src", "tests", "examples")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean_on_src():
    result = run_tool("mypy")  # strict, on src/: [tool.mypy] in pyproject.toml
    assert result.returncode == 0 and "Success: no issues found" in result.stdout, result.stdout + result.stderr
