"""A 1000-issue fetch stays exact while every third request fails; broken answers are a clean exit 3."""

from __future__ import annotations

import json

import pytest
from fault_proxy import FaultProxy

from fake_github import TOKEN, FakeGitHub, make_issues

ROTATION = ["502", "503", "reset", "timeout", "429", "403-secondary"]


@pytest.fixture
def upstream(httpserver, monkeypatch) -> FakeGitHub:
    fake = FakeGitHub(make_issues(1000)).install(httpserver)
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("INTCLI_HTTP_TIMEOUT", "1")  # the "timeout" fate keeps silent for 3 s
    return fake


def through(monkeypatch, proxy: FaultProxy) -> None:
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{proxy.port}/api/v3")


def test_every_third_request_fails_and_the_result_is_exact(run, upstream, httpserver, monkeypatch, cache_dir):
    clean_proxy = FaultProxy(httpserver.port, lambda n: None)
    through(monkeypatch, clean_proxy)
    clean = run("fetch", "github.user_issues", "--format", "json")
    clean_proxy.stop()
    assert clean.exit_code == 0, clean.stderr
    for path in cache_dir.rglob("*.json"):
        path.unlink()  # no 304 shortcuts: every page must really come through the faults

    proxy = FaultProxy(httpserver.port, lambda n: ROTATION[(n // 3 - 1) % len(ROTATION)] if n % 3 == 0 else None)
    through(monkeypatch, proxy)
    retries = 0
    for _ in range(2):  # two whole fetches, so that every kind of fault comes round
        for path in cache_dir.rglob("*.json"):
            path.unlink()
        faulty = run("--verbose", "fetch", "github.user_issues", "--format", "json")
        assert faulty.exit_code == 0, faulty.stderr[-2000:]
        assert faulty.stdout == clean.stdout  # same items, same order
        retries += faulty.stderr.count("retrying GET")
    proxy.stop()
    assert len(json.loads(faulty.stdout)["issues"]) == 1000
    assert set(ROTATION) <= set(proxy.fates)  # every kind of fault really happened
    assert retries == len([fate for fate in proxy.fates if fate])  # each fault cost exactly one retry


@pytest.mark.parametrize("fate", ["truncate", "html"])
def test_broken_answers_are_exit_3_without_traceback(run, upstream, httpserver, monkeypatch, fate):
    proxy = FaultProxy(httpserver.port, lambda n: fate)
    through(monkeypatch, proxy)
    result = run("fetch", "github.user_issues")
    proxy.stop()
    assert result.exit_code == 3, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith("intcli: error: ") and result.stderr.count("\n") == 1


def test_a_server_that_stays_silent_is_exit_3(run, upstream, httpserver, monkeypatch):
    proxy = FaultProxy(httpserver.port, lambda n: "timeout", silence=1.5)
    through(monkeypatch, proxy)
    result = run("fetch", "github.user_issues")
    proxy.stop()
    assert result.exit_code == 3
    assert "did not answer in time" in result.stderr
