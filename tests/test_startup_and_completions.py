"""Start-up stays light, and the committed completion scripts are what the CLI generates and they work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HEAVY = re.compile(r"\|\s+(httpx|keyring|google|requests|google_auth_oauthlib|secretstorage|mcp)(\.|\s*$)", re.M)
COMPLETIONS = Path(__file__).resolve().parent.parent / "completions"


@pytest.mark.parametrize("args", [("--help",), ("status",), ("status", "--json"), ("registry",), ("apps",),
                                  ("mcp", "--help")])
def test_light_commands_do_not_import_heavy_modules(run_process, args):
    result = run_process(*args, python_flags=("-X", "importtime"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "intcli.cli" in result.stderr  # the import log is really there
    heavy = sorted({m.group(1) for m in HEAVY.finditer(result.stderr)})
    assert heavy == [], f"{' '.join(args)} imported {heavy}"


def test_a_fetch_imports_only_the_provider_it_uses(tmp_path):
    import json
    import os
    import subprocess
    import sys

    script = ("import json, sys\nfrom intcli.cli import main\ncode = main(['fetch', 'github.user_issues'])\n"
              "print(json.dumps([code, sorted(m for m in sys.modules if m.startswith('intcli.providers.'))]))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={
        **os.environ, "GH_TOKEN": "ghp_" + "x" * 36, "GITHUB_API_URL": "http://127.0.0.1:9/api/v3"})
    code, modules = json.loads(result.stdout.splitlines()[-1])
    assert code == 3 and "intcli.providers.github.fetch" in modules, result.stderr
    assert [m for m in modules if m.startswith(("intcli.providers.google", "intcli.providers.jira"))] == []


def test_a_fetch_imports_httpx_and_leaves_out_pydantic_and_the_other_http_stacks(httpserver):
    """A fetch speaks HTTP through httpx; Typer would convert option values with pydantic (~120 ms), which
    intcli.cli.coercion avoids; requests and urllib3 (Google's token exchange) are not loaded. ``status`` loads
    none of them."""
    import json
    import os
    import subprocess
    import sys

    from fake_github import TOKEN, FakeGitHub, make_issues

    FakeGitHub(make_issues(120, repos=("acme/api",))).install(httpserver)
    env = {**os.environ, "GH_TOKEN": TOKEN, "GITHUB_API_URL": httpserver.url_for("/api/v3")}
    unused = ("pydantic", "typer._adapters", "requests", "urllib3")
    for args in (["fetch", "github.user_issues", "--limit", "5", "--state", "open"],
                 ["fetch", "github.issues", "--repo", "acme/api", "--sync", "-f", "ndjson"], ["status", "--json"]):
        script = (f"import json, sys\nfrom intcli.cli import main\ncode = main({args!r})\n"
                  f"print(json.dumps([code, 'httpx' in sys.modules, "
                  f"[m for m in sys.modules if m in {unused!r}]]))")
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
        code, httpx_loaded, loaded = json.loads(result.stdout.splitlines()[-1])
        assert code == 0 and httpx_loaded == (args[0] == "fetch"), result.stderr
        assert loaded == [], args


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_committed_completion_scripts_match_the_cli(run_process, shell):
    generated = run_process(extra_env={"_INTCLI_COMPLETE": f"source_{shell}"})
    assert generated.returncode == 0
    assert generated.stdout.strip(), "the CLI generated no script"
    committed = (COMPLETIONS / f"intcli.{shell}").read_text()
    assert committed == generated.stdout, f"run scripts/generate-completions to refresh completions/intcli.{shell}"


def test_bash_completes_commands_apps_and_capabilities(run_process):
    def complete(line: str) -> list[str]:
        words = line.split(" ")
        result = run_process(extra_env={"_INTCLI_COMPLETE": "complete_bash", "COMP_WORDS": line,
                                        "COMP_CWORD": str(len(words) - 1)})
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert {"status", "registry", "apps"} <= set(complete("intcli "))
    assert complete("intcli status --app ") == ["ai-admin-assistant", "github-timeline"]
    assert complete("intcli apps disable gi") == ["github-timeline"]
    assert "github.user_issues" in complete("intcli apps disable ai-admin-assistant --capability ")


def test_fish_completion_has_descriptions(run_process):
    result = run_process(extra_env={"_INTCLI_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "get-args",
                                    "_TYPER_COMPLETE_ARGS": "intcli apps enable ai"})
    assert result.stdout.strip() == "ai-admin-assistant\tAI Admin Assistant"


def test_fetch_and_send_complete_only_what_they_can_do(run_process):
    def complete(line: str) -> list[str]:
        words = line.split(" ")
        result = run_process(extra_env={"_INTCLI_COMPLETE": "complete_bash", "COMP_WORDS": line,
                                        "COMP_CWORD": str(len(words) - 1)})
        return result.stdout.split()

    assert complete("intcli fetch ") == ["github.issues", "github.user_issues", "google.drive", "google.gmail",
                                         "jira.issues", "jira.user_issues"]
    assert complete("intcli send ") == ["google.gmail"]
