"""Shared fixtures: every test gets its own config, state and cache directories and no credential variables."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from intcli.base.env import Environment
from intcli.cli import main

# Every variable of these kinds is cleared before each test: credentials and API addresses of every provider
# (a developer's own Jira or GitHub token never reaches a test), intcli's settings, proxies and CA settings.
CLEARED_PREFIXES = ("INTCLI_", "GH_", "GITHUB_", "GOOGLE_", "JIRA_", "ATLASSIAN_", "CLOUDSDK_")
CLEARED_VARIABLES = {"HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR",
                     "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch):
    """Every host name this test process looks up is loopback: any other fails the test (intcli's processes
    started by tests are checked by their own assertions)."""
    import ipaddress
    import socket

    real = socket.getaddrinfo
    refused: list[str] = []

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and name != "localhost":
            try:
                loopback = ipaddress.ip_address(name.strip("[]").split("%")[0]).is_loopback
            except ValueError:
                loopback = False
            if not loopback:
                refused.append(name)
                raise socket.gaierror(socket.EAI_NONAME, f"tests reach loopback only, not {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield refused
    assert not refused, f"the test tried to reach {sorted(set(refused))}"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from intcli.base.safety import forget_secrets

    forget_secrets()  # each test is a fresh process as far as remembered credentials go
    # In this process, retries keep their count but not their exponential waits (stamina's testing mode, which
    # would also change the count, is not what these tests want); waits a server asks for stay real.
    from intcli.net.http import Backoff

    monkeypatch.setattr("intcli.net.http.BACKOFF", Backoff(initial=0.001, max=0.002, jitter=0.0))
    for name in list(os.environ):
        if name.upper().startswith(CLEARED_PREFIXES) or name.upper() in CLEARED_VARIABLES:
            monkeypatch.delenv(name, raising=False)
    for kind in ("CONFIG", "STATE", "CACHE"):
        monkeypatch.setenv(f"INTCLI_{kind}_DIR", str(tmp_path / kind.lower()))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.fixture
def config_dir(isolated: Path) -> Path:
    return isolated / "config"


@pytest.fixture
def state_dir(isolated: Path) -> Path:
    return isolated / "state"


@pytest.fixture
def cache_dir(isolated: Path) -> Path:
    return isolated / "cache"


@pytest.fixture
def run():
    """Run intcli in this process, as a script would (no TTY unless asked), and capture everything."""

    def invoke(*args: str, stdin="", tty: bool = False, extra_env: dict[str, str] | None = None,
               clock: Callable[[], datetime] | None = None) -> Result:
        """``stdin`` is text, or a callable that gets the stderr buffer and returns a stream (to answer prompts);
        ``clock`` replaces the real one, for tests whose data has dates."""
        out, err = io.StringIO(), io.StringIO()
        environ = {**os.environ, **(extra_env or {})}
        stream = stdin(err) if callable(stdin) else io.StringIO(stdin)
        env = Environment(environ=environ, stdin=stream, stdout=out, stderr=err,
                          stdin_isatty=tty, stdout_isatty=tty, stderr_isatty=tty)
        if clock is not None:
            env.clock = clock
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args), env=env)
        return Result(code, out.getvalue(), err.getvalue())

    return invoke


@pytest.fixture
def run_process():
    """Run the installed ``intcli`` entry point in a subprocess (start-up, completion and signal tests)."""

    def invoke(*args: str, extra_env: dict[str, str] | None = None, python_flags: tuple[str, ...] = (),
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
        environ = {**os.environ, **(extra_env or {})}
        return subprocess.run([sys.executable, *python_flags, "-m", "intcli", *args], capture_output=True,
                              text=True, env=environ, timeout=timeout, stdin=subprocess.DEVNULL)

    return invoke


def write_config(config_dir: Path, text: str) -> Path:
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "config.toml"
    path.write_text(text)
    return path


# -- a real Secret Service (gnome-keyring in a private D-Bus session) ------------------------------------------------
@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory):
    """Start dbus-daemon and an unlocked gnome-keyring for this test session; yield the variables to reach them.

    Missing programs fail the tests in CI (CI=true) and skip them elsewhere.
    """
    import shutil
    import time

    missing = [p for p in ("dbus-daemon", "gnome-keyring-daemon", "dbus-send") if shutil.which(p) is None]
    if missing:
        message = (f"a real Secret Service is needed but {', '.join(missing)} is missing "
                   "(apt-get install gnome-keyring dbus libsecret-tools)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    base = tmp_path_factory.mktemp("secret-service")
    (base / "run").mkdir(mode=0o700)
    variables = {"XDG_RUNTIME_DIR": str(base / "run"), "XDG_DATA_HOME": str(base / "data"), "HOME": str(base)}
    env = {**os.environ, **variables}
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE,
                           text=True, env=env)
    address = bus.stdout.readline().strip()
    variables["DBUS_SESSION_BUS_ADDRESS"] = env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    daemon.stdin.write(b"intcli-test-password")
    daemon.stdin.close()
    deadline = time.monotonic() + 20
    while True:
        probe = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"],
            env=env, capture_output=True, text=True)
        if "boolean true" in probe.stdout:
            break
        if time.monotonic() > deadline or daemon.poll() is not None:
            daemon.kill()
            bus.kill()
            pytest.fail("gnome-keyring-daemon did not come up on the private D-Bus session")
        time.sleep(0.1)
    yield variables
    daemon.terminate()
    bus.terminate()
    daemon.wait(10)
    bus.wait(10)


@pytest.fixture
def keyring_env(secret_service: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This test talks to the real Secret Service."""
    for name, value in secret_service.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    return secret_service


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine has no usable keyring (keyring's own 'fail' backend)."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def secret_tool_lookup(variables: dict[str, str], provider: str) -> str:
    """What the Secret Service holds for intcli's entry, read with libsecret's own tool."""
    result = subprocess.run(["secret-tool", "lookup", "service", "intcli", "username", provider],
                            env={**os.environ, **variables}, capture_output=True, text=True, timeout=20)
    return result.stdout


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver listens on 127.0.0.1 only (never anything but loopback), on a free port."""
    return ("127.0.0.1", 0)


# -- TLS on loopback (trustme) ----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def ca():
    import trustme

    return trustme.CA()


@pytest.fixture
def tls_server(ca):
    import ssl

    from pytest_httpserver import HTTPServer

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def trust_ca(ca, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    return path


# -- a loopback Google (tests/fake_google.py) ------------------------------------------------------------------------
@pytest.fixture
def google(tls_server, trust_ca, monkeypatch, tmp_path):
    import json

    from fake_google import FakeGoogle

    fake = FakeGoogle().install(tls_server)
    monkeypatch.setenv("INTCLI_GOOGLE_API_URL", fake.base)
    secrets_file = tmp_path / "client_secret.json"
    secrets_file.write_text(json.dumps(fake.client_secrets()))
    monkeypatch.setenv("INTCLI_GOOGLE_CLIENT_SECRETS", str(secrets_file))
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("BROWSER", raising=False)
    fake.ca_file = str(trust_ca)
    fake.secrets_file = str(secrets_file)
    return fake


@pytest.fixture
def service_account_key(google, tmp_path) -> Path:
    """A service account key file whose token endpoint is the loopback Google, which knows its public key."""
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    email = "robot@intcli-test.iam.gserviceaccount.com"
    google.service_account_keys[email] = public
    path = tmp_path / "robot.json"
    path.write_text(json.dumps({"type": "service_account", "client_email": email, "private_key": private,
                                "private_key_id": "k1", "token_uri": f"{google.base}/token", "client_id": "1"}))
    return path
