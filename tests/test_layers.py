"""The layers of ``pyproject.toml``'s import-linter contracts hold: imports flow down (cli, mcp, client and
providers, sdk, core, render/storage/net, config, base), and providers import only ``intcli.sdk``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(root: Path, package_parent: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the contracts of ``root/pyproject.toml``, on the ``intcli`` found in ``package_parent``."""
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                           "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
                          cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(package_parent)})


def test_the_layer_contracts_are_kept():
    result = lint_imports(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_a_contract(tmp_path):
    """The contracts have teeth: a copy of intcli where the bottom layer imports the CLI, and a provider imports
    the core directly, fails both."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "src" / "intcli", tmp_path / "src" / "intcli",
                    ignore=shutil.ignore_patterns("__pycache__"))
    errors = tmp_path / "src" / "intcli" / "base" / "errors.py"
    errors.write_text(errors.read_text() + "\n\ndef _up() -> None:\n    import intcli.cli.common  # noqa: F401\n")
    spec = tmp_path / "src" / "intcli" / "providers" / "jira" / "spec.py"
    spec.write_text(spec.read_text() + "\nfrom intcli.core import fetch  # noqa: E402, F401\n")
    result = lint_imports(tmp_path, tmp_path / "src")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "intcli.base.errors -> intcli.cli.common" in result.stdout
    assert "intcli.providers.jira.spec -> intcli.core.fetch" in result.stdout
