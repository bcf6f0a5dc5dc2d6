"""Third-party providers by entry point: the example plugin (examples/intcli-calendar) installed into a venv
beside intcli appears in registry, status, connect, fetch and summary, and intcli works again once it is gone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "intcli-calendar"


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory) -> Path:
    """A fresh venv that sees this intcli (system site packages) and has the plugin installed in it alone."""
    root = tmp_path_factory.mktemp("plugin")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(root / "venv")], check=True,
                   timeout=300)
    python = root / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", str(EXAMPLE)], check=True, timeout=300,
                   env={**os.environ, "PIP_NO_INPUT": "1"})
    return python


def ics(path: Path) -> Path:
    now = datetime.now(UTC)

    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y%m%dT%H%M%SZ")

    events = [("standup", "Stand-up", now + timedelta(hours=2), "Room 1"),
              ("review", "Design review\\, part 2", now + timedelta(hours=5), ""),
              ("later", "Quarterly planning", now + timedelta(days=9), "HQ")]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0"]
    for uid, title, start, where in events:
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:{title}", f"DTSTART:{stamp(start)}",
                  f"DTEND:{stamp(start + timedelta(minutes=30))}", f"LOCATION:{where}", "END:VEVENT"]
    path.write_text("\r\n".join([*lines, "END:VCALENDAR", ""]))
    return path


def intcli(python: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-m", "intcli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **extra}, stdin=subprocess.DEVNULL)


def test_the_example_plugin_end_to_end(venv_python, tmp_path, isolated):
    registry = json.loads(intcli(venv_python, "registry", "--json").stdout)
    calendar = next(p for p in registry["providers"] if p["id"] == "calendar")
    assert calendar["source"] == "plugin intcli-calendar"
    assert "calendar.events" in [c["id"] for c in registry["capabilities"]]
    assert "calendar.events" in intcli(venv_python, "fetch", "--help").stdout

    not_yet = intcli(venv_python, "fetch", "calendar.events")
    assert not_yet.returncode == 4 and "intcli connect calendar --file PATH" in not_yet.stderr
    connected = intcli(venv_python, "connect", "calendar", "--file", str(ics(tmp_path / "work.ics")))
    assert connected.returncode == 0 and "3 events" in connected.stderr, connected.stderr
    events = json.loads(intcli(venv_python, "fetch", "calendar.events", "--format", "json").stdout)["events"]
    assert [e["id"] for e in events] == ["standup", "review", "later"]
    assert events[1]["title"] == "Design review, part 2" and events[0]["start"].endswith("Z")
    soon = json.loads(intcli(venv_python, "fetch", "calendar.events", "--days", "1", "-f", "json").stdout)
    assert [e["id"] for e in soon["events"]] == ["standup", "review"]

    status = json.loads(intcli(venv_python, "status", "--json").stdout)
    assert status["connections"]["calendar"]["connected"] is True
    checked = intcli(venv_python, "status", "--check", "--app", "day-planner")  # no online check: not a failure
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["connections"]["calendar"]["valid"] is None
    planner = next(a for a in status["apps"] if a["id"] == "day-planner")
    assert planner["state"] == "limited"  # GitHub (optional, limited) is not connected

    summary = intcli(venv_python, "summary", "--app", "day-planner", "--format", "markdown")
    assert summary.returncode == 0, summary.stderr
    assert "## Today's events" in summary.stdout and "Stand-up" in summary.stdout
    assert "Quarterly planning" not in summary.stdout and "intcli connect github" in summary.stdout


def test_intcli_works_again_without_the_plugin(venv_python, isolated):
    subprocess.run([str(venv_python), "-m", "pip", "uninstall", "--quiet", "--yes", "intcli-calendar"], check=True,
                   timeout=300)
    try:
        assert intcli(venv_python, "status").returncode == 0
        registry = json.loads(intcli(venv_python, "registry", "--json").stdout)
        assert "calendar" not in [p["id"] for p in registry["providers"]]
        gone = intcli(venv_python, "fetch", "calendar.events")
        assert gone.returncode == 2 and "unknown capability" in gone.stderr
    finally:
        subprocess.run([str(venv_python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                        str(EXAMPLE)], check=True, timeout=300)


def fake_plugin(root: Path, distribution: str, spec_source: str) -> Path:
    """A provider plugin as pip would leave it: a module and a .dist-info with its entry point (no install)."""
    module = distribution.replace("-", "_")
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(spec_source)
    info = root / f"{module}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[intcli.providers]\nthing = {module}:PROVIDER\n")
    return root


SPEC = """
from intcli.core.spec import CapabilitySpec, Option, ProviderSpec
from intcli.render.output import ItemList

def fetch(env, registry, request):
    colors = request.get("color", [])
    return ItemList([{{"id": c}} for c in colors], len(colors), key="items", fields=("id",), table_fields=("id",))

PROVIDER = ProviderSpec(id="{id}", registry='''{registry}''', connect={connect}, capabilities=(
    CapabilitySpec(id="{id}.items", fetch="{module}:fetch", options=(
        Option({option}, ("--color",), "Colours", multiple=True, choices=("red", "blue")),)),))
"""
GOOD_REGISTRY = """
[providers.{id}]
name = "Things"
auth = ["none"]
[capabilities."{id}.items"]
provider = "{id}"
name = "Items"
operations = ["read"]
"""


@pytest.mark.parametrize(("case", "fields", "warning"), [
    ("good", {}, None),
    ("bad registry", {"registry": "[providers.things\n"}, "its registry data is wrong"),
    ("clashing app", {"registry": GOOD_REGISTRY + "[apps.github-timeline]\nname = 'x'\n"},
     "its registry data is wrong"),
    ("missing connect module", {"connect": '"nowhere:command"'}, "its connect command failed to load"),
    ("option named like a shared one", {"option": '"limit"'}, "clash with intcli's own"),
    ("built-in id", {"id": "jira"}, "already exists"),
])
def test_a_broken_plugin_is_left_out_with_a_warning(tmp_path, isolated, case, fields, warning):
    values = {"id": "things", "module": "things_plugin", "registry": GOOD_REGISTRY, "connect": "None",
              "option": '"color"', **fields}
    values["registry"] = values["registry"].format(id=values["id"])
    root = fake_plugin(tmp_path / "site", "things-plugin", SPEC.format(**values))
    environ = {"PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    status = intcli(Path(sys.executable), "status", **environ)
    assert status.returncode == 0, status.stderr
    for args in (("--help",), ("fetch", "--help"), ("connect", "--help")):
        assert intcli(Path(sys.executable), *args, **environ).returncode == 0
    if warning is None:
        assert "warning" not in status.stderr
        fetched = intcli(Path(sys.executable), "fetch", "things.items", "--color", "red", "--color", "blue",
                         "-f", "json", **environ)
        assert json.loads(fetched.stdout)["items"] == [{"id": "red"}, {"id": "blue"}], fetched.stderr
        wrong = intcli(Path(sys.executable), "fetch", "things.items", "--color", "green", **environ)
        assert wrong.returncode == 2 and "'green' is not one of red, blue" in wrong.stderr
    else:
        said = intcli(Path(sys.executable), "disconnect", "github", **environ)  # loads connect commands too
        assert said.returncode == 0, said.stderr
        assert "intcli: warning: ignored the provider plugin" in said.stderr and warning in said.stderr
        registry = json.loads(intcli(Path(sys.executable), "registry", "--json", **environ).stdout)
        # Without its connect command a plugin still serves what it can; otherwise it is left out whole.
        assert ("things" in [p["id"] for p in registry["providers"]]) == (case == "missing connect module")
