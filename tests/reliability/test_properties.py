"""Property tests: any config document gives a valid registry or a clear ConfigError, and status follows fallbacks."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intcli.base.env import Environment
from intcli.base.errors import ConfigError
from intcli.cli.status import render_status
from intcli.config.models import UserConfig
from intcli.config.registry import apps_document, build_registry, load_builtin, registry_document
from intcli.config.validation import validate
from intcli.core.status import AppState, StatusReport, StatusResolver, status_document
from intcli.storage.connections import ConnectionView

IDS = st.sampled_from(["a", "b", "app-x", "github", "google", "Bad Id", "", "x" * 70, "tool_1"])
NAMES = st.one_of(st.text(max_size=8), st.sampled_from(["[/]", "[bold]x", "a]b[", "\\[x]"]))
CAPABILITIES = st.sampled_from(["github.issues", "github.user_issues", "google.drive", "google.gmail",
                                "timeline.events", "a.out", "b.out", "x.unknown", "nodot", "Bad.Cap", "a.out.more"])
FALLBACKS = st.sampled_from(["disable", "limited", "error", "explode", 3, None])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8))

requirement = st.fixed_dictionaries(
    {"capability": st.one_of(CAPABILITIES, SCALARS), "purpose": st.one_of(st.text(max_size=10), SCALARS)},
    optional={"fallback": FALLBACKS, "extra": SCALARS})
app = st.fixed_dictionaries(
    {"name": st.one_of(NAMES, SCALARS)},
    optional={"enabled": st.one_of(st.booleans(), SCALARS), "provides": st.lists(CAPABILITIES, max_size=2),
              "requires": st.lists(requirement, max_size=3), "optional": st.lists(requirement, max_size=2),
              "colour": SCALARS})
provider = st.fixed_dictionaries(
    {"name": st.text(max_size=5), "auth": st.lists(st.sampled_from(["token", "oauth2", "nope"]), max_size=2)},
    optional={"status": st.sampled_from(["active", "maintenance", "deprecated", "gone"])})
capability = st.fixed_dictionaries(
    {"provider": IDS, "name": st.text(max_size=5), "operations": st.lists(st.sampled_from(["read", "write", "x"]),
                                                                         max_size=2)})
settings_doc = st.fixed_dictionaries({}, optional={
    "enabled": st.one_of(st.booleans(), SCALARS), "disabled_capabilities": st.lists(CAPABILITIES, max_size=2)})
document = st.fixed_dictionaries({}, optional={
    "apps": st.dictionaries(IDS, app, max_size=3), "providers": st.dictionaries(IDS, provider, max_size=2),
    "capabilities": st.dictionaries(CAPABILITIES, capability, max_size=2),
    "app_settings": st.dictionaries(IDS, settings_doc, max_size=2), "junk": SCALARS})


def _clean(value):
    """TOML has no null: drop None the way a user's file simply would not have the key."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value if v is not None]
    return value


BUILTIN = load_builtin(Environment(environ={"INTCLI_CACHE_DIR": "/nonexistent/intcli-cache"}))
NOW = datetime(2026, 11, 28, tzinfo=UTC)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_any_config_is_a_registry_or_a_clear_error(raw):
    raw = _clean(raw)
    tomli_w.dumps(raw)  # it is a document a user could write
    try:
        user = validate(UserConfig, raw, "config.toml")
        registry = build_registry(BUILTIN, user, "config.toml")
    except ConfigError as exc:
        assert exc.message.startswith(("config.toml:", "built-in registry:")), exc.message
        assert "\n" not in str(exc)
        return
    # a valid registry: the trusted rebuild agrees, and status resolves every app without crashing
    assert UserConfig.from_trusted(raw) == user
    resolver = StatusResolver(registry, {}, NOW)
    apps = resolver.all_apps()
    assert [a.app_id for a in apps] == sorted(registry.apps)
    # whatever the names hold (markup, brackets), the tables and documents render
    out = io.StringIO()
    render_status(Environment(stdout=out, stdout_isatty=True), StatusReport(NOW, {}, apps))
    assert all(app.app_id in out.getvalue() for app in apps)
    assert json.dumps(status_document(StatusReport(NOW, {}, apps)))
    assert json.dumps(apps_document(registry)) and json.dumps(registry_document(registry))


@settings(max_examples=200, deadline=None)
@given(connected=st.dictionaries(st.sampled_from(["github", "google"]), st.booleans()),
       fallbacks=st.lists(st.tuples(st.booleans(), st.sampled_from(["disable", "limited", "error"]),
                                    st.sampled_from(["github.issues", "google.drive", "nope.nothing"])),
                          min_size=1, max_size=4, unique_by=lambda t: t[2]),
       enabled=st.booleans())
def test_app_state_is_the_worst_consequence_of_its_gaps(connected, fallbacks, enabled):
    requirements = {"requires": [], "optional": []}
    for required, fallback, cap in fallbacks:
        requirements["requires" if required else "optional"].append(
            {"capability": cap, "purpose": "p", "fallback": fallback})
    raw = {"apps": {"probe": {"name": "Probe", "enabled": enabled, **requirements}}}
    registry = build_registry(BUILTIN, validate(UserConfig, raw, "c"), "c")
    views = {p: ConnectionView(p, ok, "keyring", scopes=None) for p, ok in connected.items()}
    status = StatusResolver(registry, views, NOW).app_status("probe")
    if not enabled:
        assert status.state == AppState.OFF
        return
    expected = AppState.READY
    order = [AppState.READY, AppState.LIMITED, AppState.BLOCKED, AppState.ERROR]
    for required, fallback, cap in fallbacks:
        provider = cap.split(".")[0]
        available = provider in ("github", "google") and connected.get(provider, False)
        if available:
            continue
        consequence = {"error": AppState.ERROR, "limited": AppState.LIMITED,
                       "disable": AppState.BLOCKED if required else AppState.READY}[fallback]
        expected = max(expected, consequence, key=order.index)
    assert status.state == expected
    assert bool(status.missing_required) == any(
        required and not (cap.split(".")[0] in ("github", "google") and connected.get(cap.split(".")[0], False))
        for required, _, cap in fallbacks)
