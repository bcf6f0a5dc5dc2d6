"""The ``intcli`` command line: ``main``, the one place that turns exceptions into messages and exit statuses
(see ``intcli.base.errors``). Only the command module the line asks for is imported (``load_commands``)."""

from __future__ import annotations

import sys
from typing import Any, NoReturn, TextIO, cast

from intcli.base.env import Environment
from intcli.base.errors import ExitStatus, IntcliError

# Each module adds its commands to ``app`` when imported. A run imports only the module of the command it runs
# (Typer builds every registered command's options at start-up, which costs more than the imports themselves);
# help, completion and unknown commands load them all.
COMMAND_MODULES = {
    "status": "status", "registry": "registry", "apps": "apps", "connect": "connect", "disconnect": "connect",
    "fetch": "fetch", "send": "send", "summary": "summary", "config": "config", "mcp": "mcp",
}
_GLOBAL_FLAGS = {"--debug", "--verbose", "-v"}
# Alone, these show what they offer (their help), and that is not an error.
_GROUPS = {"fetch", "send", "connect", "config"}


def load_commands(args: list[str] | None = None) -> None:
    """Import the command module ``args`` asks for, or all of them."""
    import importlib
    import os

    wanted = set(COMMAND_MODULES.values())
    subcommand = None  # e.g. the capability after `fetch`: only its command is built
    if args is not None and not any(name.endswith("_COMPLETE") for name in os.environ):
        words = [a for a in args if a not in _GLOBAL_FLAGS]
        if words and words[0] in COMMAND_MODULES:
            wanted = {COMMAND_MODULES[words[0]]}
            subcommand = words[1] if len(words) > 1 and not words[1].startswith("-") else None
    importlib.import_module("intcli.cli.app")
    for name in sorted(wanted):
        module = importlib.import_module(f"intcli.cli.{name}")
        if hasattr(module, "register"):
            module.register(subcommand)


def run() -> NoReturn:
    """The ``intcli`` command: ``main``, then a quick exit. Once the output is flushed and the exit handlers have
    run there is nothing left to do, and the interpreter's own teardown (freeing every object of every module
    loaded, ~30-60 ms after a fetch) is skipped; with a non-daemon thread still running, the usual exit waits
    for it."""
    import atexit
    import os
    import threading

    code = main()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:  # the reader went away at the very end: as SIGPIPE would
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the rest of the buffer goes nowhere
        code = 141
    except OSError as exc:  # e.g. a full disk under a redirect: the output is incomplete
        print(f"intcli: error: could not write the output ({exc.strerror or type(exc).__name__})", file=sys.stderr)
        code = code or int(ExitStatus.ERROR)
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        raise SystemExit(code)
    atexit._run_exitfuncs()
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
    finally:
        os._exit(code)


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    """Run the CLI and return the exit status; every error path of intcli ends here."""
    guarded, real_stdout = env is None, sys.stdout
    if env is None:
        sys.stdout = cast(TextIO, _ReaderGuard(real_stdout))  # help is printed to sys.stdout
        env = Environment(stdout=sys.stdout)
    try:
        return _run(env, argv)
    finally:
        if guarded:
            sys.stdout = real_stdout


def global_flags(env: Environment, args: list[str]) -> list[str]:
    """Take --debug and --verbose from anywhere on the line (``intcli fetch X --debug`` as well as ``intcli --debug
    fetch X``), set them on ``env``, and return the other words; nothing after ``--`` is looked at."""
    end = args.index("--") if "--" in args else len(args)
    for flag in args[:end]:
        if flag == "--debug":
            env.debug = True
        elif flag in ("--verbose", "-v"):
            env.verbose = True
    return [a for a in args[:end] if a not in _GLOBAL_FLAGS] + args[end:]


def _usage_error() -> type[Exception]:
    """Click's UsageError as Typer raises it: newer Typers carry their own Click (``typer._click``), older ones
    use click itself."""
    import typer.core

    vendored = getattr(typer.core, "_click", None)
    if vendored is not None:
        return cast(type[Exception], vendored.exceptions.UsageError)
    import click  # pragma: no cover - Typer before it carried Click

    return click.UsageError


def _run(env: Environment, argv: list[str] | None) -> int:
    args = global_flags(env, sys.argv[1:] if argv is None else list(argv))
    if not args or (len(args) == 1 and args[0] in _GROUPS):
        args.append("--help")  # `intcli` alone is the overview; `intcli fetch` lists what can be fetched
    unreadable = next((word for word in args if not _is_text(word)), None)
    if unreadable is not None:
        shown = unreadable.encode("utf-8", "surrogateescape")[:60]
        env.message(f"intcli: error: the argument {shown!r} is not valid UTF-8 text — pass text in UTF-8",
                    one_line=True)
        return int(ExitStatus.USAGE)
    try:
        import typer

        from intcli.cli import coercion
        from intcli.cli.app import app

        usage_error = _usage_error()
    except KeyboardInterrupt:
        print("intcli: interrupted", file=env.stderr)
        return int(ExitStatus.INTERRUPTED)
    try:
        load_commands(args)
        coercion.install()  # option values without pydantic (~150 ms)
        command = typer.main.get_command(app)
        code = command.main(args=args, prog_name="intcli", obj=env, standalone_mode=False)
        if isinstance(code, int) and code == ExitStatus.INTERRUPTED:  # Typer's exit for Ctrl-C inside a command
            print("intcli: interrupted", file=env.stderr)
        return code if isinstance(code, int) else int(ExitStatus.OK)
    except _StdoutClosed:
        return 141
    except _StdoutFailed as exc:
        print(f"intcli: error: could not write the output ({exc})", file=env.stderr)
        return int(ExitStatus.ERROR)
    except usage_error as exc:  # Click's parsing errors, in intcli's one-line form
        if env.debug:
            _print_traceback(env)
        env.message(f"intcli: error: {usage_message(exc, _command_path(args))}", one_line=True)
        return int(ExitStatus.USAGE)
    except typer.Abort:  # Ctrl-C or end of input at a prompt
        print("intcli: interrupted", file=env.stderr)
        return int(ExitStatus.INTERRUPTED)
    except SystemExit as exc:
        return _exit_code(exc.code)
    except IntcliError as exc:
        if env.debug:
            _print_traceback(env)
        env.message(f"intcli: error: {exc}", one_line=True)
        return int(exc.exit_status)
    except KeyboardInterrupt:
        print("intcli: interrupted", file=env.stderr)
        return int(ExitStatus.INTERRUPTED)
    except Exception as exc:  # a bug: say so in one line, and show the traceback only on request
        if env.debug:
            _print_traceback(env)
            env.message(f"intcli: unexpected error: {type(exc).__name__}: {exc}", one_line=True)
        else:
            # Only the type: a library's message might quote data intcli does not control.
            print(f"intcli: unexpected error ({type(exc).__name__}); run again with --debug for the details, "
                  "and please report it", file=env.stderr)
        return int(ExitStatus.ERROR)
    return int(ExitStatus.OK)


def _is_text(word: str) -> bool:
    """False for an argument holding bytes the locale could not decode (Python keeps them as surrogates)."""
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _command_path(args: list[str]) -> str:
    """``intcli fetch github.issues`` from the words before the first option (for "see … --help")."""
    words = ["intcli"]
    for word in args:
        if word.startswith("-") or len(words) == 3:
            break
        words.append(word)
    return " ".join(words)


def usage_message(exc: Any, command_path: str = "intcli") -> str:
    """A Click usage error as one line: what is wrong, then the suggestion Click found or where help is."""
    possibilities = [p for p in getattr(exc, "possibilities", None) or [] if p not in ("--help", "-h")]
    message = exc.message if getattr(exc, "possibilities", None) else exc.format_message()
    message = message[:1].lower() + message[1:]
    command = exc.ctx.command_path if exc.ctx is not None else command_path
    if possibilities:
        hint = f"did you mean {' or '.join(sorted(possibilities)[:3])}?"
    else:
        hint = f"see `{command} --help`"
    return f"{message.rstrip('.')} — {hint}"


def _print_traceback(env: Environment) -> None:
    """The traceback under --debug, through the same filter as every message: it may quote a server's words."""
    import traceback

    env.message(traceback.format_exc().rstrip("\n"))


class _StdoutClosed(Exception):
    pass


class _StdoutFailed(Exception):
    """stdout cannot be written (closed, or a full disk under a redirect): the output is incomplete."""


class _ReaderGuard:
    """stdout whose reader may go away (``intcli fetch … | head -1``): end quietly with 141, as Unix tools do
    when SIGPIPE ends them, instead of a Python error. (SIGPIPE itself stays ignored: sockets need that.)"""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if self._stream is None:
            raise _StdoutFailed("standard output is closed")
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
        except OSError as exc:
            self._failed(exc)

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> NoReturn:
        import os

        assert self._stream is not None
        os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())  # what is still buffered goes nowhere
        raise _StdoutFailed(exc.strerror or type(exc).__name__)

    def _gone(self) -> NoReturn:
        import os

        # Nothing more can be shown; point fd 1 at /dev/null so the interpreter's final flush stays silent.
        assert self._stream is not None
        os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())
        raise _StdoutClosed

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding… of the real stream
        return getattr(self._stream, name)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
