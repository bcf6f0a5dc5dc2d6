"""The one rule for text intcli did not write: issue titles, labels, names, subjects, server error messages.

Everything a server sends is untrusted. Before it reaches a person it goes through one of these:

- ``terminal_text`` for tables, the rich summary and messages on stderr: C0/C1 control characters and DEL are
  shown in caret notation (``ESC[2J`` prints as ``^[[2J``), so no escape sequence, window title (OSC 0), clipboard
  write (OSC 52), foreign hyperlink (OSC 8) or device control string (DCS) from data ever reaches the terminal;
  bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) are shown as ``<U+202E>``.
  ``one_line=True`` (table cells) also folds line breaks and tabs into single spaces.
- ``redact`` for messages quoting a server (error bodies): the credential in use and anything shaped like a
  credential (``Bearer …``, ``token …``, ``ghp_…``, ``github_pat_…``, ``ya29.…``) become ``[redacted]``, and the
  text is cut to ``MAX_QUOTED``.
- ``link_target`` for URLs made into links (OSC 8 on a terminal, Markdown links): http(s) only, and every character
  outside a small safe set is percent-encoded, so a URL can never end a link, a cell or a line.
- ``json_text`` for JSON/NDJSON: values stay exact (the encoder escapes C0), and C1 and bidi controls are written as
  ``\\uXXXX`` escapes too, so ``cat``-ing the JSON is as safe as the table.
- ``csv_cell`` for CSV: a cell beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
  ``'`` (OWASP's advice against CSV injection), so no spreadsheet runs it; ``--csv-raw`` turns this off.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import quote, urlsplit

MAX_QUOTED = 300  # characters of a server's own message that an error may quote
REDACTED = "[redacted]"

_BIDI_CONTROLS = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]


def _caret(code: int) -> str:
    return "^?" if code == 0x7F else "^" + chr(code + 0x40)


_TERMINAL = {code: _caret(code) for code in [*range(0x00, 0x20), 0x7F]}
_TERMINAL.update({code: f"<U+{code:04X}>" for code in [*range(0x80, 0xA0), *_BIDI_CONTROLS]})
_MULTI_LINE = {**_TERMINAL, ord("\n"): "\n", ord("\t"): "\t"}  # messages and documents keep lines and tabs
_ONE_LINE_SPACES = re.compile(r"[\t\n\r\v\f\u2028\u2029]+")
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in [*range(0x7F, 0xA0), *_BIDI_CONTROLS, 0x2028, 0x2029]}


def terminal_text(value: object, *, one_line: bool = False) -> str:
    """Text from data made inert for a terminal (see the module docstring). ``None`` is the empty string."""
    text = "" if value is None else str(value)
    if one_line:
        text = _ONE_LINE_SPACES.sub(" ", text)
        return text.translate(_TERMINAL)
    return text.translate(_MULTI_LINE)


def json_text(encoded: str) -> str:
    """JSON from ``json.dumps``: C1, DEL and bidi controls as ``\\u`` escapes (they only occur inside strings)."""
    return encoded.translate(_JSON_ESCAPES)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A CSV cell that no spreadsheet evaluates as a formula (OWASP: prefix with a single quote)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


# -- secrets ---------------------------------------------------------------------------------------------------------
_known_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_CREDENTIAL_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{10,}|github_pat_[A-Za-z0-9_]{10,}|ya29\.[A-Za-z0-9._\-]+)|1//[A-Za-z0-9._\-]{10,}"
    r"|\b(?P<scheme>bearer|basic|token)\s+[^\s\"',;]+",
    re.IGNORECASE,
)
_MIN_SECRET = 16  # real tokens are far longer; shorter "secrets" would redact ordinary words


def remember_secret(secret: str) -> None:
    """Record a credential this process uses, so that no message can ever show it (even quoted by a server)."""
    if len(secret) >= _MIN_SECRET:
        with _secrets_lock:
            _known_secrets.add(secret)


def forget_secrets() -> None:
    """Forget every remembered credential (between the commands of one long-lived process, e.g. tests)."""
    with _secrets_lock:
        _known_secrets.clear()


def hide_secrets(text: str) -> str:
    """Remove every credential this process knows of from ``text`` (applied to everything intcli says)."""
    with _secrets_lock:
        secrets = sorted(_known_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact(text: object, limit: int = MAX_QUOTED) -> str:
    """A server's own words, fit to quote in one line: credentials removed, control characters shown, cut."""
    cleaned = _CREDENTIAL_SHAPES.sub(
        lambda match: f"{match.group('scheme')} {REDACTED}" if match.group("scheme") else REDACTED,
        hide_secrets(str(text)))
    cleaned = terminal_text(cleaned, one_line=True).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


# -- Rich markup ------------------------------------------------------------------------------------------------------
def safe_markup(value: object, one_line: bool = True) -> str:
    """Data as Rich markup that shows exactly its (sanitised) text: never styles, never escape sequences.
    Lists are shown joined by ", "."""
    from rich.markup import escape

    text = ", ".join(str(v) for v in value) if isinstance(value, list) else "" if value is None else str(value)
    return escape(terminal_text(hide_secrets(text), one_line=one_line))


# -- links -----------------------------------------------------------------------------------------------------------
_URL_SAFE = "/:?=&#%~.-_+,;@!$"


def link_target(url: object) -> str | None:
    """An http(s) URL safe to put in a terminal hyperlink or a Markdown link, or None when it is not one."""
    text = str(url or "")
    if not re.match(r"^https?://", text, re.IGNORECASE):
        return None
    try:
        if not urlsplit(text).hostname:
            return None
    except ValueError:
        return None
    return quote(text, safe=_URL_SAFE)
