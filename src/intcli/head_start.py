"""A head start for ``intcli fetch``: its first request leaves before Typer is even imported.

Loading Typer and building and parsing the command take ~60-90 ms, all spent before a fetch could ask anything.
``begin`` reads a plain ``fetch CAPABILITY [options]`` line itself, and when the capability's provider offers a
``head_start`` handler (``CapabilitySpec.head_start``), that handler sends the first request the fetch will make.
The answer is kept in the HTTP client (``intcli.http.HTTP.start``), which the fetch then gets from ``client``.

Nothing here decides anything: the fetch runs exactly as without a head start, and takes the early answer only
for a request identical in method, URL, headers and body (same credential, same cache validators). A line this
module does not fully understand, an option that must be checked before any request (``--jq``), a request on
behalf of an app, or any failure means no head start; a failure is then met, and reported, by the fetch itself.
``INTCLI_HEAD_START=0`` turns it off (to compare, or to rule it out).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intcli.env import Environment
    from intcli.providers.base import CapabilitySpec, FetchRequest

# The options every fetch subcommand shares (``intcli.cli.fetch.COMMON``) that a head start can read, and whether
# each takes a value. --app and --jq are left out on purpose: they must be checked before any request is made.
SHARED = {"--format": True, "-f": True, "--json": False, "--fields": True, "--limit": True, "-n": True,
          "--max-wait": True, "--csv-raw": False}
FORMATS = ("table", "json", "ndjson", "csv", "markdown")
FALSY = {"0", "false", "no", "off"}


def begin(env: Environment, args: list[str]) -> None:
    """Send the first request of the fetch ``args`` asks for, if it can be known now; never raises."""
    if len(args) < 2 or args[0] != "fetch" or env.environ.get("INTCLI_HEAD_START", "").strip().lower() in FALSY:
        return
    try:
        request = plan(env, args[1], args[2:])
        if request is None:
            return
        import dataclasses
        import io

        from intcli.providers import capability_spec
        from intcli.providers.base import load_handler
        from intcli.registry import load_registry

        spec = capability_spec(request.capability)
        assert spec is not None and spec.head_start is not None  # plan() checked both
        quiet = dataclasses.replace(env, stderr=io.StringIO(), progress=None)  # the fetch says what must be said
        registry = load_registry(quiet, tell_plugin_problems=False)  # the fetch tells them
        if request.capability in registry.capabilities:
            load_handler(spec.head_start)(quiet, registry, request)
    except Exception:  # noqa: BLE001, S110 - the fetch will meet the same problem and report it properly
        pass


def plan(env: Environment, capability: str, words: list[str]) -> FetchRequest | None:
    """The FetchRequest of ``fetch CAPABILITY WORDS`` as the command will build it, or None when the words hold
    anything else than the capability's options and the shared ones above, each valid."""
    from intcli.providers import capability_spec

    spec = capability_spec(capability)
    if spec is None or spec.head_start is None:
        return None
    values = read_options(spec, words)
    if values is None:
        return None
    shared, own = values
    if not _shared_options_valid(env, spec, shared):
        return None
    from intcli.errors import UsageError
    from intcli.options import check_option_values
    from intcli.providers.base import FetchRequest

    try:
        checked = check_option_values(spec.options, own)
    except UsageError:
        return None
    limit = int(shared["--limit"]) if "--limit" in shared else None
    return FetchRequest(capability, None, limit, float(shared.get("--max-wait", 60.0)), checked)


def read_options(spec: CapabilitySpec, words: list[str]) -> tuple[dict[str, str], dict[str, Any]] | None:
    """(shared options by long flag, the capability's option values by name) from ``--flag value``,
    ``--flag=value`` and flags; None for anything else (a positional word, ``--``, help, an unknown option)."""
    own_flags = {flag: option for option in spec.options for flag in option.flags}
    long_of = {"-f": "--format", "-n": "--limit"}
    shared: dict[str, str] = {}
    own: dict[str, Any] = {}
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        flag, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
        option = own_flags.get(flag)
        takes_value = SHARED.get(flag) if option is None else option.type is not bool
        if takes_value is None or (equals and not takes_value):
            return None
        if takes_value and not equals:
            if index >= len(words):
                return None
            value = words[index]
            index += 1
        if takes_value and value.startswith("-"):
            return None  # Click would read it as the value; a head start does not guess
        if option is None:
            name = long_of.get(flag, flag)
            if name in shared:
                return None  # given twice: the command says which wins
            shared[name] = value if takes_value else "1"
        elif option.multiple:
            own.setdefault(option.name, []).append(value)
        elif option.name in own:
            return None
        else:
            own[option.name] = True if option.type is bool else _typed(option.type, value)
            if own[option.name] is None:
                return None
    return shared, own


def _typed(kind: type, text: str) -> Any:
    try:
        return kind(text) if kind in (int, float) else text
    except ValueError:
        return None


def _shared_options_valid(env: Environment, spec: CapabilitySpec, shared: dict[str, str]) -> bool:
    """The checks ``intcli fetch`` makes of the shared options before its first request."""
    from intcli.errors import UsageError
    from intcli.output import choose_format, parse_fields

    try:
        choose_format(env, shared.get("--format"), json_flag="--json" in shared, jq=None)
        if "--fields" in shared:
            if len(shared["--fields"]) > 1024 or not spec.fields:
                return False
            parse_fields(shared["--fields"], spec.fields)
        if "--limit" in shared and not (shared["--limit"].isascii() and shared["--limit"].isdigit()
                                        and int(shared["--limit"]) >= 1):
            return False
        if "--max-wait" in shared:
            seconds = float(shared["--max-wait"])
            if not (math.isfinite(seconds) and 0 <= seconds <= 3600):
                return False
    except (UsageError, ValueError):
        return False
    return shared.get("--format", "json").lower() in FORMATS
