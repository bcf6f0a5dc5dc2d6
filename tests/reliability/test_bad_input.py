"""Odd command lines and environments: a one-line usage error (exit 2), never a traceback (exit 1)."""

from __future__ import annotations

import pytest

from conftest import write_config
from fake_github import TOKEN

CASES = [
    (("connect", "github", "--with-token", "--insecure-storage", "--host", "foo:bar"), {}),
    (("connect", "github", "--with-token", "--insecure-storage", "--host", "[::1"), {}),
    (("fetch", "github.user_issues"), {"GITHUB_API_URL": "http://[::1"}),
    (("fetch", "github.user_issues"), {"GITHUB_API_URL": "https://ci:PROXYPASS@127.0.0.1:9/api/v3"}),
    (("fetch", "github.user_issues"), {"INTCLI_HTTP_TIMEOUT": "nan"}),
    (("fetch", "github.user_issues"), {"INTCLI_HTTP_TIMEOUT": "-1"}),
    (("connect", "github", "--with-token"), {"INTCLI_KEYRING_TIMEOUT": "inf"}),
    (("connect", "github", "--with-token"), {"INTCLI_KEYRING_TIMEOUT": "abc"}),
    (("fetch", "github.user_issues"), {"GH_TOKEN": "tökén"}),
    (("fetch", "github.user_issues"), {"GH_TOKEN": "two words"}),
    (("fetch", "github.issues", "--repo", "a/b", "--since", "0001-01-01T00:00:00+05:00"), {}),
    (("summary", "--since", "99999999999d"), {}),
    (("fetch", "google.drive"), {"INTCLI_GOOGLE_API_URL": "garbage"}),
]


@pytest.mark.parametrize(("args", "environ"), CASES)
def test_bad_input_is_a_usage_error(run, args, environ):
    environ = {"GH_TOKEN": TOKEN, "GITHUB_API_URL": "http://127.0.0.1:9/api/v3",
               "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **environ}
    result = run(*args, stdin=TOKEN, extra_env=environ)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("intcli: error: ") and result.stderr.count("\n") == 1
    assert "PROXYPASS" not in result.stderr and "tökén" not in result.stderr


def test_markup_in_names_is_shown_as_text(run, config_dir):
    write_config(config_dir, '[apps.odd]\nname = "Bad [/] name [red]x"\n')
    for command in (("status",), ("apps",), ("registry",)):
        result = run(*command)
        assert result.exit_code == 0, result.stderr
    assert "Bad [/] name [red]x" in run("status").stdout
