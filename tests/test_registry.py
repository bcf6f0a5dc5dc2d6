"""The registry: built-in data, user config that adds to it, and every way a config file can be wrong."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import write_config
from intcli.base.env import Environment
from intcli.base.errors import ConfigError
from intcli.config.models import UserConfig
from intcli.config.registry import parse_toml, registry_document
from intcli.config.validation import TRUST_FILE_NAME, validate
from intcli.core.plugins import load_registry

EXTRA_APP = """
[apps.timeline-digest]
name = "Timeline digest"
description = "Mails a digest of the GitHub timeline."

[[apps.timeline-digest.requires]]
capability = "timeline.events"
purpose = "The events to digest."
fallback = "error"

[[apps.timeline-digest.optional]]
capability = "google.gmail"
purpose = "Send the digest."
"""


def env() -> Environment:
    return Environment()


def test_builtin_registry(run):
    registry = load_registry(env())
    assert set(registry.providers) == {"github", "google", "jira"}
    assert set(registry.capabilities) == {"github.issues", "github.user_issues", "google.drive", "google.gmail",
                                          "jira.user_issues", "jira.issues"}
    assert registry.provided_by == {"timeline.events": "github-timeline", "ai.document_analysis": "ai-admin-assistant"}
    assistant = registry.requirements("ai-admin-assistant")
    assert [(r.capability, r.required, str(r.fallback)) for r in assistant] == [
        ("google.drive", True, "disable"), ("google.gmail", True, "disable"), ("github.user_issues", False, "limited"),
        ("jira.user_issues", False, "limited"),
    ]
    assert all(r.purpose for app in registry.apps for r in registry.requirements(app))
    assert [str(o) for o in registry.capabilities["google.gmail"].operations] == ["read", "write"]
    assert registry.providers["github"].credential_env == ["INTCLI_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"]


def test_trusted_rebuild_equals_validation(config_dir, cache_dir):
    """The fast path (no pydantic) must give exactly what validation gives."""
    from importlib import resources

    builtin_text = resources.files("intcli").joinpath("data/registry.toml").read_text()
    for text in (builtin_text, EXTRA_APP):
        document = parse_toml(text, "test")
        assert UserConfig.from_trusted(document) == validate(UserConfig, document, "test")


def test_a_remembered_validation_is_keyed_by_the_model_definitions():
    """An edited model (config/models.py, storage/state.py) changes the digest, so what was valid is checked again."""
    from intcli.config.validation import MODEL_SOURCES, schema_digest

    root = Path(__file__).resolve().parents[1] / "src" / "intcli"
    expected = hashlib.sha256(b"\0".join((root / name).read_bytes() for name in MODEL_SOURCES)).hexdigest()
    assert schema_digest() == expected


def test_validation_is_remembered_and_redone_after_an_edit(config_dir, cache_dir):
    path = write_config(config_dir, EXTRA_APP)
    load_registry(env())
    trusted = json.loads((cache_dir / TRUST_FILE_NAME).read_text())
    assert set(trusted) == {"config"}  # the shipped registry is trusted as packaged
    path.write_text(EXTRA_APP.replace('fallback = "error"', 'fallback = "explode"'))
    with pytest.raises(ConfigError, match="fallback"):
        load_registry(env())


def test_corrupt_trust_cache_is_discarded_with_a_warning(config_dir, cache_dir, run):
    write_config(config_dir, EXTRA_APP)  # a file whose validation the cache would remember
    cache_dir.mkdir(parents=True)
    (cache_dir / TRUST_FILE_NAME).write_text("{not json")
    result = run("registry")
    assert result.exit_code == 0
    assert "discarded" in result.stderr


def test_user_app_requiring_a_provided_capability(config_dir, run):
    write_config(config_dir, EXTRA_APP)
    registry = load_registry(env())
    assert "timeline-digest" in registry.apps
    assert "apps.timeline-digest" in registry.user_defined
    result = run("apps", "--json")
    apps = {a["id"]: a for a in json.loads(result.stdout)["apps"]}
    assert apps["timeline-digest"]["source"] == "config"
    assert apps["timeline-digest"]["requires"] == [
        {"capability": "timeline.events", "purpose": "The events to digest.", "fallback": "error"}]
    assert apps["timeline-digest"]["optional"][0]["fallback"] == "limited"  # the default for optional


def test_user_provider_and_capability(config_dir):
    write_config(config_dir, """
[providers.linear]
name = "Linear"
auth = ["token"]
status = "maintenance"

[capabilities."linear.tickets"]
provider = "linear"
name = "Tickets"
operations = ["read"]
""")
    registry = load_registry(env())
    assert registry.capabilities["linear.tickets"].provider == "linear"
    assert str(registry.providers["linear"].status) == "maintenance"
    assert registry_document(registry)["providers"][-1]["source"] == "config"


BAD_CONFIGS = [
    ("[apps\n", "invalid TOML"),
    ("[apps.x]\nname = 1\n", "apps.x.name: Input should be a valid string"),
    ("[apps.x]\nname = 'X'\ncolour = 'red'\n", "apps.x.colour: unknown key"),
    ("[apps.x]\ndescription = 'no name'\n", "apps.x.name: missing required key"),
    ("[[apps.x.requires]]\ncapability = 'github.issues'\npurpose = 'p'\nfallback = 'explode'\n[apps.x]\nname='X'\n",
     "apps.x.requires[0].fallback"),
    ("[apps.github-timeline]\nname = 'Mine'\n", "apps.github-timeline: 'github-timeline' is already defined"),
    ("[apps.x]\nname = 'a'\n[apps.x]\nname = 'b'\n", "invalid TOML"),  # duplicate id within the file
    ("[providers.'Bad Id']\nname = 'B'\nauth = ['token']\n", "is not a valid id"),
    ("[providers.p]\nname = 'P'\nauth = []\n", "providers.p.auth: needs at least one auth type"),
    ("[capabilities.'nope.thing']\nprovider = 'nope'\nname = 'N'\noperations = ['read']\n",
     "unknown provider 'nope'"),
    ("[capabilities.'google.thing']\nprovider = 'github'\nname = 'N'\noperations = ['read']\n",
     "must be named 'github.<name>'"),
    ("[apps.x]\nname = 'X'\nprovides = ['github.issues']\n", "already a registered capability"),
    ("[apps.x]\nname = 'X'\nprovides = ['timeline.events']\n", "already provided by app 'github-timeline'"),
    ("[apps.x]\nname='X'\n[[apps.x.requires]]\ncapability='github.issues'\npurpose='p'\n"
     "[[apps.x.optional]]\ncapability='github.issues'\npurpose='p'\n", "declared twice"),
    ("[apps.x]\nname='X'\n[[apps.x.requires]]\ncapability='not a capability'\npurpose='p'\n",
     "is not a valid capability id"),
    ("[apps.a]\nname='A'\nprovides=['a.out']\n[[apps.a.requires]]\ncapability='b.out'\npurpose='p'\n"
     "[apps.b]\nname='B'\nprovides=['b.out']\n[[apps.b.requires]]\ncapability='a.out'\npurpose='p'\n",
     "cycle: a -> b -> a"),
    ("[app_settings.nope]\nenabled = false\n", "app_settings.nope: unknown app 'nope'"),
    ("[app_settings.github-timeline]\ndisabled_capabilities = ['github.issues']\n",
     "is not an optional capability of 'github-timeline'"),
    ("[app_settings.github-timeline]\nenabled = 'yes'\n", "app_settings.github-timeline.enabled"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS)
def test_bad_config_is_one_clear_line_exit_5_file_untouched(config_dir, run, text, expected):
    path = write_config(config_dir, text)
    before = path.read_bytes()
    for command in (("status",), ("registry",), ("apps",), ("apps", "disable", "github-timeline")):
        result = run(*command)
        assert result.exit_code == 5, (command, result.stderr)
        assert expected in result.stderr, result.stderr
        assert str(path) in result.stderr or "built-in" in result.stderr
        assert result.stderr.startswith("intcli: error: ") and result.stderr.count("\n") == 1
        assert "Traceback" not in result.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("content", [b"\xff\xfe\x00binary", b""])
def test_binary_or_empty_config(config_dir, run, content):
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_bytes(content)
    result = run("status")
    if content:
        assert result.exit_code == 5 and "not UTF-8" in result.stderr
    else:
        assert result.exit_code == 0  # an empty config is a valid, empty one


def test_config_path_is_a_directory(config_dir, run):
    (config_dir / "config.toml").mkdir(parents=True)
    result = run("status")
    assert result.exit_code == 5
    assert "is a directory" in result.stderr


def test_registry_command_lists_everything(run, config_dir):
    write_config(config_dir, EXTRA_APP)
    table = run("registry")
    assert table.exit_code == 0
    for name in ("github", "google", "github.user_issues", "google.gmail", "timeline.events"):
        assert name in table.stdout
    document = json.loads(run("registry", "--json").stdout)
    capabilities = {c["id"]: c for c in document["capabilities"]}
    assert capabilities["timeline.events"]["providedBy"] == "github-timeline"
    assert capabilities["google.gmail"]["operations"] == ["read", "write"]
    assert capabilities["github.issues"]["dataTypes"] == ["issue"]
    assert {p["id"] for p in document["providers"]} == {"github", "google", "jira"}
