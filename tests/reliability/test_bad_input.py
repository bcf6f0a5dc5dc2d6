"""Odd command lines (exit 2) and odd settings in the environment (exit 5): one line, never a traceback."""

from __future__ import annotations

import pytest

from conftest import write_config
from fake_github import TOKEN

CASES = [
    (("connect", "github", "--with-token", "--insecure-storage", "--host", "foo:bar"), {}, 2),
    (("connect", "github", "--with-token", "--insecure-storage", "--host", "[::1"), {}, 2),
    (("fetch", "github.user_issues"), {"GITHUB_API_URL": "http://[::1"}, 5),
    (("fetch", "github.user_issues"), {"GITHUB_API_URL": "https://ci:PROXYPASS@127.0.0.1:9/api/v3"}, 5),
    (("fetch", "github.user_issues"), {"INTCLI_HTTP_TIMEOUT": "nan"}, 5),
    (("fetch", "github.user_issues"), {"INTCLI_HTTP_TIMEOUT": "-1"}, 5),
    (("connect", "github", "--with-token"), {"INTCLI_KEYRING_TIMEOUT": "inf"}, 5),
    (("connect", "github", "--with-token"), {"INTCLI_KEYRING_TIMEOUT": "abc"}, 5),
    (("fetch", "github.user_issues"), {"GH_TOKEN": "tökén"}, 5),
    (("fetch", "github.user_issues"), {"GH_TOKEN": "two words"}, 5),
    (("fetch", "github.issues", "--repo", "a/b", "--since", "0001-01-01T00:00:00+05:00"), {}, 2),
    (("summary", "--since", "99999999999d"), {}, 2),
    (("fetch", "google.drive"), {"INTCLI_GOOGLE_API_URL": "garbage"}, 5),
    (("fetch", "google.drive"), {"GOOGLE_APPLICATION_CREDENTIALS": "/nonexistent/key.json"}, 5),
    (("fetch", "google.drive", "--content", ""), {}, 2),
]


@pytest.mark.parametrize(("args", "environ", "code"), CASES)
def test_bad_input_is_one_clear_line(run, args, environ, code):
    environ = {"GH_TOKEN": TOKEN, "GITHUB_API_URL": "http://127.0.0.1:9/api/v3",
               "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **environ}
    result = run(*args, stdin=TOKEN, extra_env=environ)
    assert result.exit_code == code, result.stderr
    assert result.stderr.startswith("intcli: error: ") and result.stderr.count("\n") == 1
    assert "PROXYPASS" not in result.stderr and "tökén" not in result.stderr


def test_markup_in_names_is_shown_as_text(run, config_dir):
    write_config(config_dir, '[apps.odd]\nname = "Bad [/] name [red]x"\n')
    for command in (("status",), ("apps",), ("registry",)):
        result = run(*command)
        assert result.exit_code == 0, result.stderr
    assert "Bad [/] name [red]x" in run("status").stdout
