"""``summary``: an app's daily summary, one section per declared capability, fetched concurrently.

Each requirement's fallback decides what a gap means: a missing required capability with ``disable`` or
``error`` stops the summary (exit 4, naming the fix); an optional one with ``limited`` leaves its section
marked unavailable with the fix, and the summary still renders (exit 0). A section that fails upstream shows
its error without hiding the others; the summary exits non-zero only when a required section failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from intcli.base.dates import iso_z
from intcli.base.errors import AuthError, IntcliError, UpstreamError
from intcli.config.models import Fallback
from intcli.core.spec import Section

if TYPE_CHECKING:
    from intcli.base.env import Environment

DEFAULT_APP = "ai-admin-assistant"
DEFAULT_SINCE = timedelta(hours=24)


@dataclass
class Summary:
    app: str
    name: str
    generated_at: datetime
    since: datetime
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    views: dict[str, Section] = field(default_factory=dict)  # the sections that built, ready to render
    titles: dict[str, str] = field(default_factory=dict)
    failed_required: list[IntcliError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """The ``summary --format json`` document (schema version 1, documented in the README)."""
        return {"schemaVersion": 1, "app": self.app, "name": self.name, "generatedAt": iso_z(self.generated_at),
                "since": iso_z(self.since), "sections": self.sections, **self.extra}


def parse_since(text: str | None, now: datetime) -> datetime:
    """``--since``; default 24 hours ago."""
    from intcli.base.dates import parse_when

    return parse_when(text, now) if text else now - DEFAULT_SINCE


def _run_all(work: Callable[[str], tuple[str, Any]], items: list[str]) -> list[tuple[str, Any]]:
    """Run ``work`` for every item at once, in daemon threads: Ctrl-C ends intcli at once instead of waiting
    for requests in flight (there is nothing to save from an interrupted summary)."""
    import queue
    import threading

    results: queue.Queue[tuple[int, tuple[str, Any]]] = queue.Queue()

    def worker(index: int, item: str) -> None:
        try:
            results.put((index, work(item)))
        except BaseException as exc:  # reported in the main thread
            results.put((index, (item, exc)))

    for index, item in enumerate(items):
        threading.Thread(target=worker, args=(index, item), daemon=True, name=f"summary-{item}").start()
    collected = dict(results.get() for _ in items)
    for _, (_, outcome) in collected.items():
        if isinstance(outcome, BaseException) and not isinstance(outcome, IntcliError):
            raise outcome
    return [collected[index] for index in range(len(items))]


def build_summary(env: Environment, app_id: str | None, top: int, since_text: str | None) -> Summary:
    from intcli.core.plugins import capability_spec, load_registry
    from intcli.core.spec import SectionContext, load_handler
    from intcli.core.status import StatusResolver
    from intcli.storage.connections import current_connections
    from intcli.storage.state import load_state, mark_used

    registry = load_registry(env)
    app_id = app_id or DEFAULT_APP
    app = registry.app(app_id)
    if not registry.app_enabled(app_id):
        raise AuthError(f"app {app_id} is switched off", hint=f"run `intcli apps enable {app_id}`")
    now = env.now()
    summary = Summary(app_id, app.name, now, parse_since(since_text, now))
    resolver = StatusResolver(registry, current_connections(registry, load_state(env), env.environ), now)
    runnable: dict[str, bool] = {}  # capability -> required
    specs = {}
    for requirement in registry.requirements(app_id):
        capability = requirement.capability
        spec = capability_spec(capability)
        if spec is None or spec.summary is None:
            continue  # e.g. a capability provided by an app: nothing to summarise
        specs[capability] = spec
        summary.titles[capability] = spec.summary_title or capability
        summary.extra.update(spec.summary_unavailable_extra)
        availability = resolver.capability(capability, app_id)
        if availability.available:
            runnable[capability] = requirement.required
            continue
        fix = availability.fix
        why = f"{capability} is unavailable: {availability.detail or availability.reason}"
        if requirement.fallback == Fallback.ERROR or (requirement.required and requirement.fallback ==
                                                      Fallback.DISABLE):
            raise AuthError(f"{app_id} cannot run its summary: {why}", hint=f"run `{fix}`" if fix else None)
        summary.sections[capability] = {"status": "unavailable" if requirement.fallback == Fallback.LIMITED
                                        else "disabled", "reason": str(availability.reason),
                                        "detail": availability.detail or None, "fix": fix}

    context = SectionContext(app_id, registry.app_options(app_id), top, summary.since)

    def run_section(capability: str) -> tuple[str, Section | IntcliError]:
        target = specs[capability].summary
        assert target is not None  # specs holds only capabilities with a summary
        builder = load_handler(target)
        try:
            return capability, builder(env, registry, context)
        except IntcliError as exc:
            return capability, exc
        except Exception as exc:  # a plugin's bug empties its section, not the whole summary
            from intcli.core.plugins import providers

            provider = providers().get(capability.split(".", 1)[0])
            if provider is None or provider.source == "built-in":
                raise  # intcli's own bug: exit 1, details with --debug
            return capability, UpstreamError(f"the {provider.source} failed ({type(exc).__name__})",
                                             hint="report it to the plugin's authors")

    used: set[str] = set()
    for capability, outcome in _run_all(run_section, list(runnable)):
        if isinstance(outcome, IntcliError):
            summary.sections[capability] = {"status": "error", "error": str(outcome),
                                            "exitStatus": int(outcome.exit_status)}
            if runnable[capability]:
                summary.failed_required.append(outcome)
        else:
            summary.sections[capability] = {"status": "ok", **outcome.document}
            summary.views[capability] = outcome
            summary.extra.update(outcome.extra)
            used.add(registry.capabilities[capability].provider)
    for provider in sorted(used):
        mark_used(env, provider)
    order = [r.capability for r in registry.requirements(app_id)]
    summary.sections = dict(sorted(summary.sections.items(), key=lambda item: order.index(item[0])))
    return summary
