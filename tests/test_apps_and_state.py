"""``apps enable|disable`` and the state file: atomic, locked, 0600, nothing lost under parallel runs."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import tomllib

import pytest

from conftest import write_config
from intcli.base.env import Environment
from intcli.config.validation import validate
from intcli.storage.state import StateDocument, load_state, mark_used, state_path


def test_apps_list(run):
    result = run("apps", "-f", "table")
    assert result.exit_code == 0
    assert "github-timeline" in result.stdout and "ai-admin-assistant" in result.stdout
    document = json.loads(run("apps", "--json").stdout)
    assistant = next(a for a in document["apps"] if a["id"] == "ai-admin-assistant")
    assert assistant["provides"] == ["ai.document_analysis"]
    assert [r["capability"] for r in assistant["requires"]] == ["google.drive", "google.gmail"]
    assert assistant["optional"][0]["capability"] == "github.user_issues"
    assert assistant["enabled"] is True and assistant["switchedOff"] == []


def test_disable_and_enable_an_app(run, config_dir):
    result = run("apps", "disable", "github-timeline")
    assert (result.exit_code, result.stderr.strip()) == (0, "app github-timeline switched off")
    assert result.stdout == ""  # messages go to stderr
    config = tomllib.loads((config_dir / "config.toml").read_text())
    assert config == {"app_settings": {"github-timeline": {"enabled": False}}}
    assert run("apps", "disable", "github-timeline").stderr.strip() == "app github-timeline was already switched off"
    assert run("apps", "enable", "github-timeline").stderr.splitlines()[0] == "app github-timeline switched on"
    enabled = {a["id"]: a["enabled"] for a in json.loads(run("apps", "--json").stdout)["apps"]}
    assert enabled == {"ai-admin-assistant": True, "github-timeline": True}


def test_switch_an_optional_integration(run):
    assert run("apps", "disable", "ai-admin-assistant", "-c", "github.user_issues").exit_code == 0
    assistant = json.loads(run("apps", "--json").stdout)["apps"][0]
    assert assistant["switchedOff"] == ["github.user_issues"]
    line = next(x for x in run("apps", "-f", "table").stdout.splitlines() if "github.user_issues" in x)
    assert line.split()[-2:] == ["off", "built-in"]
    assert run("apps", "enable", "ai-admin-assistant", "-c", "github.user_issues").exit_code == 0
    assert json.loads(run("apps", "--json").stdout)["apps"][0]["switchedOff"] == []


def test_switching_keeps_the_rest_of_the_config(run, config_dir):
    path = write_config(config_dir, '[apps.mine]\nname = "Mine"\n\n[app_settings.mine]\nenabled = true\n')
    assert run("apps", "disable", "github-timeline").exit_code == 0
    config = tomllib.loads(path.read_text())
    assert config["apps"]["mine"] == {"name": "Mine"}
    assert config["app_settings"] == {"mine": {"enabled": True}, "github-timeline": {"enabled": False}}


@pytest.mark.parametrize(("args", "message"), [
    (("apps", "disable", "nope"), "unknown app 'nope'"),
    (("apps", "disable", "github-timeline", "-c", "github.issues"), "is a required integration"),
    (("apps", "disable", "ai-admin-assistant", "-c", "google.nothing"), "is not an integration"),
])
def test_switch_errors_are_usage_errors(run, config_dir, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (config_dir / "config.toml").exists()


def test_state_file_is_private_and_valid(run, state_dir):
    env = Environment()
    mark_used(env, "github")
    path = state_path(env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    validate(StateDocument, document, "test")  # what intcli writes passes its own validation
    assert set(load_state(env).last_used) == {"github"}
    assert not [p for p in state_dir.iterdir() if p.name.endswith(".tmp")]


def _mark_many(args: tuple[dict[str, str], int]) -> None:
    environ, worker = args
    os.environ.update(environ)
    env = Environment()
    for round_ in range(10):
        mark_used(env, f"provider-{worker}-{round_}")


def test_parallel_updates_lose_nothing(isolated):
    environ = {k: v for k, v in os.environ.items() if k.startswith("INTCLI_")}
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        pool.map(_mark_many, [(environ, worker) for worker in range(8)])
    assert len(load_state(Environment()).last_used) == 80


def test_parallel_app_switches_lose_nothing(run_process, config_dir):
    import subprocess
    import sys

    write_config(config_dir, "".join(f'[apps.app{i}]\nname = "App {i}"\n' for i in range(8)))
    processes = [subprocess.Popen([sys.executable, "-m", "intcli", "apps", "disable", f"app{i}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for i in range(8)]
    for process in processes:
        assert process.wait(timeout=60) == 0, process.stderr.read()
    settings = tomllib.loads((config_dir / "config.toml").read_text())["app_settings"]
    assert settings == {f"app{i}": {"enabled": False} for i in range(8)}
