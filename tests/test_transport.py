"""intcli's HTTP/1.1 transport (``intcli.net.transport`` under ``intcli.net.http.HTTP``), against real loopback servers:
kept connections, a server closing them, gzip, redirects, and HTTPS through a CONNECT proxy."""

from __future__ import annotations

import base64
import gzip
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from intcli.net.transport import Headers, Origin, ProxySettingError, configured_proxy, proxy_for

from fake_github import TOKEN, FakeGitHub, make_issues
from intcli.base.env import Environment
from intcli.base.errors import UpstreamError
from intcli.net.http import client


class KeepAlive:
    """An HTTP/1.1 server on loopback that counts its connections; with ``close_after_answer`` it closes each
    connection right after answering (as a server whose idle timeout is shorter than the client's pause)."""

    def __init__(self, close_after_answer: bool = False) -> None:
        self.connections = 0
        self.seen: list[tuple[int, str, str]] = []  # (connection number, method, path)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                owner.connections += 1
                self.number = owner.connections

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                owner.seen.append((self.number, self.command, self.path))
                body = json.dumps({"path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = close_after_answer

            do_GET = do_POST = answer  # noqa: N815 - http.server's names

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def env(tmp_path):
    return Environment(environ={"INTCLI_CACHE_DIR": str(tmp_path)})


def test_requests_share_one_kept_connection(env):
    server = KeepAlive()
    try:
        with client(env, server.base) as http:
            answers = [http.get(f"/page/{n}").content for n in range(3)]
        assert [json.loads(a)["path"] for a in answers] == ["/page/0", "/page/1", "/page/2"]
        assert server.connections == 1
    finally:
        server.stop()


def test_a_kept_connection_the_server_closed_is_replaced_without_an_error(env):
    server = KeepAlive(close_after_answer=True)
    try:
        with client(env, server.base) as http:
            paths = [json.loads(http.get(f"/page/{n}").content)["path"] for n in range(3)]
        assert paths == ["/page/0", "/page/1", "/page/2"]
        assert [method for _, method, _ in server.seen] == ["GET"] * 3  # each asked once: nothing repeated
    finally:
        server.stop()


def test_a_write_always_goes_on_a_new_connection(env):
    """A POST on a kept connection that the server closed could not be told apart from one it acted on: it is
    never sent on one, so it is never sent twice."""
    server = KeepAlive()
    try:
        with client(env, server.base) as http:
            http.get("/read")
            http.request("POST", "/send", json={"to": "someone"})
        assert [(n, method) for n, method, _ in server.seen] == [(1, "GET"), (2, "POST")]
    finally:
        server.stop()


def test_a_gzipped_answer_is_inflated(env, httpserver):
    from werkzeug import Response

    document = {"items": [{"title": "café ☕"}] * 500}
    httpserver.expect_request("/zipped").respond_with_response(Response(
        gzip.compress(json.dumps(document).encode()), headers={"Content-Encoding": "gzip"},
        content_type="application/json"))
    with client(env, httpserver.url_for("")) as http:
        response = http.get("/zipped")
    assert json.loads(response.content) == document
    assert httpserver.log[0][0].headers["Accept-Encoding"] == "gzip"


def test_redirects_follow_the_rules_of_browsers(env, httpserver):
    from werkzeug import Response

    httpserver.expect_request("/old", method="POST").respond_with_response(
        Response(status=303, headers={"Location": "/new"}))
    httpserver.expect_request("/new", method="GET").respond_with_json({"moved": True})
    with client(env, httpserver.url_for(""), {"Authorization": "Bearer same-origin"}) as http:
        response = http.request("POST", "/old", json={"a": 1})
    assert json.loads(response.content) == {"moved": True}
    followed = httpserver.log[1][0]
    assert followed.method == "GET" and not followed.data  # 303: a GET without the body
    assert followed.headers["Authorization"] == "Bearer same-origin"  # same origin: still sent


@pytest.mark.parametrize("location", ["http://203.0.113.9/api", "ftp://127.0.0.1/x", "file:///etc/passwd"])
def test_a_redirect_off_https_is_refused(env, httpserver, location):
    from werkzeug import Response

    httpserver.expect_request("/go").respond_with_response(Response(status=302, headers={"Location": location}))
    with client(env, httpserver.url_for("")) as http, pytest.raises(UpstreamError, match="redirected GET /go"):
        http.get("/go")
    assert len(httpserver.log) == 1


def test_headers_are_case_insensitive_and_repeated_ones_joined():
    headers = Headers.of([("Link", "<a>; rel=next"), ("X-Thing", "1"), ("link", "<b>; rel=last")])
    assert headers["LINK"] == headers.get("link") == "<a>; rel=next, <b>; rel=last"
    assert "x-thing" in headers and "X-THING" in headers and "absent" not in headers
    assert dict(headers) == {"link": "<a>; rel=next, <b>; rel=last", "x-thing": "1"}


# -- proxies ----------------------------------------------------------------------------------------------------------
GITHUB = Origin("https", "api.github.com", 443)


@pytest.mark.parametrize(("no_proxy", "bypassed"), [
    ("", False), ("*", True), ("github.com", True), (".github.com", True), ("api.github.com:443", True),
    ("api.github.com:8443", False), ("hub.com", False), ("example.com, github.com", True)])
def test_no_proxy_follows_curls_rules(no_proxy, bypassed):
    environ = {"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": no_proxy}
    assert (proxy_for(GITHUB, environ) is None) == bypassed


def test_loopback_and_plain_http_never_go_through_a_proxy():
    environ = {"HTTPS_PROXY": "http://proxy.example:3128"}
    assert proxy_for(Origin("https", "127.0.0.1", 8443), environ) is None
    assert proxy_for(Origin("https", "localhost", 8443), environ) is None
    assert proxy_for(Origin("http", "127.0.0.1", 8080), environ) is None
    assert proxy_for(GITHUB, environ) == ("proxy.example", 3128, None)


def test_a_proxy_url_gives_its_host_port_and_credentials():
    proxy = configured_proxy({"https_proxy": "http://me:p%40ss@proxy.example:8080"})
    assert proxy is not None and (proxy.host, proxy.port) == ("proxy.example", 8080)
    assert proxy.authorization == "Basic " + base64.b64encode(b"me:p@ss").decode()
    assert configured_proxy({"ALL_PROXY": "proxy.example:3128"}) == ("proxy.example", 3128, None)


@pytest.mark.parametrize("url", ["https://proxy.example:3128", "socks5://proxy.example:1080", "http://:3128",
                                 "http://me:s3cret@[proxy.example:3128"])
def test_a_proxy_intcli_cannot_use_is_refused_naming_the_variable(run, url, monkeypatch):
    with pytest.raises(ProxySettingError, match="HTTPS_PROXY"):
        configured_proxy({"HTTPS_PROXY": url})
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", "https://127.0.0.1:9/api/v3")  # never reached: loopback all the same
    monkeypatch.setenv("HTTPS_PROXY", url)
    result = run("fetch", "github.user_issues")
    assert result.exit_code == 5 and result.stderr.count("\n") == 1, result.stderr
    assert "HTTPS_PROXY is not an http:// proxy URL" in result.stderr and url not in result.stderr


class ConnectProxy:
    """An HTTP proxy on loopback that records each CONNECT and tunnels it to a loopback port, whatever host the
    client named (so a made-up host name needs no DNS and no traffic leaves the machine)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.tunnels: list[tuple[str, dict[str, str]]] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(downstream,), daemon=True).start()

    def _tunnel(self, downstream: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            chunk = downstream.recv(4096)
            if not chunk:
                return
            head += chunk
        line, *fields = head.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
        self.tunnels.append((line, dict(field.split(": ", 1) for field in fields)))
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        downstream.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        for source, sink in ((downstream, upstream), (upstream, downstream)):
            threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        self.listener.close()


def test_https_goes_through_a_connect_proxy_with_its_credentials(run, ca, trust_ca, monkeypatch):
    from pytest_httpserver import HTTPServer

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("api.example.test").configure_cert(context)  # the name the client checks, through the tunnel
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    proxy = ConnectProxy(server.port)
    try:
        FakeGitHub(make_issues(150)).install(server)
        monkeypatch.setenv("GH_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", f"https://api.example.test:{server.port}/api/v3")
        monkeypatch.setenv("HTTPS_PROXY", f"http://me:s%3Acret@127.0.0.1:{proxy.port}")
        monkeypatch.setenv("NO_PROXY", "example.com")
        result = run("fetch", "github.user_issues", "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert len(json.loads(result.stdout)["issues"]) == 150
        assert proxy.tunnels, "the proxy was not used"
        for line, fields in proxy.tunnels:
            assert line.startswith(f"CONNECT api.example.test:{server.port} HTTP/1.")
            assert fields["Proxy-Authorization"] == "Basic " + base64.b64encode(b"me:s:cret").decode()
        assert all("Authorization" not in fields for _, fields in proxy.tunnels)  # the token stays in the tunnel
    finally:
        proxy.stop()
        server.stop()


# -- servers that bend HTTP (found in review) -------------------------------------------------------------------------
class Scripted:
    """A loopback server that answers each connection with ``script(connection, number)``."""

    def __init__(self, script) -> None:
        self.script = script
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection, self.connections), daemon=True).start()

    def _serve(self, connection: socket.socket, number: int) -> None:
        try:
            self.script(connection, number)
        except OSError:
            pass
        finally:
            connection.close()

    def stop(self) -> None:
        self.listener.close()


def read_request(connection: socket.socket) -> str:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(4096)
        if not chunk:
            raise OSError("closed")
        head += chunk
    return head.split(b" ", 2)[1].decode()


def answer(path: str, extra: bytes = b"") -> bytes:
    body = json.dumps({"path": path}).encode()
    return b"HTTP/1.1 200 OK\r\n" + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_interim_answers_are_skipped_and_never_taken_for_the_next_requests_answer(env):
    def script(connection, number):
        while True:
            path = read_request(connection)
            connection.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                               b"HTTP/1.1 102 Processing\r\n\r\n" + answer(path))

    server = Scripted(script)
    try:
        with client(env, server.base) as http:
            answers = [(r.status_code, json.loads(r.content)["path"]) for r in (http.get(f"/{n}") for n in range(3))]
        assert answers == [(200, "/0"), (200, "/1"), (200, "/2")]
        assert server.connections == 1
    finally:
        server.stop()


@pytest.mark.parametrize("idle_end", ["close", "408 then close"])
def test_a_kept_connection_the_server_ended_while_idle_is_not_used(env, idle_end):
    def script(connection, number):
        connection.sendall(answer(read_request(connection)))
        if idle_end != "close":
            connection.sendall(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    server = Scripted(script)
    try:
        with client(env, server.base) as http:
            http.get("/first")
            import time

            time.sleep(0.2)  # the server has ended the first connection
            second = http.get("/second")
        assert (second.status_code, json.loads(second.content)["path"]) == (200, "/second")
        assert server.connections == 2
    finally:
        server.stop()


@pytest.mark.parametrize("status", [b"304 Not Modified", b"204 No Content", b"200 OK"])
def test_an_empty_answer_marked_gzip_is_empty(env, status):
    def script(connection, number):
        read_request(connection)
        connection.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n")

    server = Scripted(script)
    try:
        with client(env, server.base) as http:
            assert http.get("/x").content == b""
    finally:
        server.stop()


def test_bytes_after_the_gzip_data_end_the_request_at_once(env):
    def script(connection, number):
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + gzip.compress(b"{}"))
        while True:
            connection.sendall(b"x" * 65536)

    server = Scripted(script)
    try:
        with client(env, server.base) as http, pytest.raises(Exception, match="DecodingError|cannot be decoded"):
            from intcli.net.http import send_once

            send_once(http, "GET", "/x")
    finally:
        server.stop()


@pytest.mark.parametrize(("location", "message"), [
    (b"/with space", "spaces or control characters"), (b"https://127.0.0.1:99999/x", "malformed URL"),
    (b"https://[::1/x", "malformed URL"), (b"https://a..b/x", "malformed URL")])
def test_a_redirect_to_a_malformed_url_is_exit_3_in_one_line(run, monkeypatch, location, message):
    def script(connection, number):
        read_request(connection)
        connection.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n")

    server = Scripted(script)
    try:
        monkeypatch.setenv("GH_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", f"{server.base}/api/v3")
        result = run("fetch", "github.user_issues")
        assert result.exit_code == 3 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    finally:
        server.stop()


def test_a_redirect_to_utf8_is_followed_percent_encoded(env):
    def script(connection, number):
        while True:
            path = read_request(connection)
            if path == "/start":
                connection.sendall(b"HTTP/1.1 302 Found\r\nLocation: /caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n")
            else:
                connection.sendall(answer(path))

    server = Scripted(script)
    try:
        with client(env, server.base) as http:
            assert json.loads(http.get("/start").content)["path"] == "/caf%C3%A9"
    finally:
        server.stop()


def test_a_redirect_to_the_default_port_is_the_same_origin():
    from intcli.net.http import _redirected

    _, url, headers, _ = _redirected("GET", "https://h.example/a", {"Authorization": "x"}, None,
                                     "https://h.example:443/b", 302)
    assert url == "https://h.example:443/b" and headers == {"Authorization": "x"}


def test_parameters_are_encoded_as_httpx_did(env):
    http = client(env, "https://api.example.test/v1")
    url = http._url("/p", {"on": True, "off": False, "ids": ["a", "b"], "n": 5, "gone": None, "q": "a b&c"})
    assert url == "https://api.example.test/v1/p?on=true&off=false&ids=a&ids=b&n=5&q=a+b%26c"
    assert http._url("/search?q=x://y", None) == "https://api.example.test/v1/search?q=x://y"


def test_a_proxy_answering_garbage_is_exit_3_naming_the_proxy(run, monkeypatch, trust_ca):
    def script(connection, number):
        read_request(connection)
        connection.sendall(b"SSH-2.0-not-a-proxy\r\n\r\n")

    proxy = Scripted(script)
    try:
        monkeypatch.setenv("GH_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_API_URL", "https://api.example.test/api/v3")
        monkeypatch.setenv("HTTPS_PROXY", proxy.base)
        result = run("fetch", "github.user_issues")
        assert result.exit_code == 3 and result.stderr.count("\n") == 1, result.stderr
        assert "the proxy would not open a tunnel to api.example.test" in result.stderr
    finally:
        proxy.stop()


def test_an_exchange_past_its_deadline_is_stopped_not_left_running(monkeypatch):
    """A server sending chunk trailers forever: at the deadline the request fails, and its thread ends too."""
    import time

    def script(connection, number):
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n")
        while True:
            connection.sendall(b"X-Trailer: more\r\n" * 100)
            time.sleep(0.01)

    server = Scripted(script)
    try:
        env = Environment(environ={"INTCLI_HTTP_TIMEOUT": "0.25"})
        with client(env, server.base) as http, pytest.raises(UpstreamError, match="did not finish answering"):
            http.get("/x")
        time.sleep(0.5)
        assert [t for t in threading.enumerate() if t.name == "intcli-http" and t.is_alive()] == []
    finally:
        server.stop()


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_DIR"])
def test_a_ca_setting_that_cannot_be_loaded_is_exit_5_naming_it(run, monkeypatch, tmp_path, variable):
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    not_pem = tmp_path / "not-a-bundle.pem"
    not_pem.write_text("these are not certificates\n")
    monkeypatch.setenv(variable, str(tmp_path / "missing") if variable == "SSL_CERT_DIR" else str(not_pem))
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", "https://127.0.0.1:9/api/v3")  # never reached: loopback all the same
    result = run("fetch", "github.user_issues")
    assert result.exit_code == 5 and variable in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_the_suite_itself_reaches_loopback_only(loopback_only, env):
    """The guard every test runs under (conftest.loopback_only): a fetch aimed at a real host is stopped at the
    name lookup, before any packet leaves."""
    with client(env, "https://api.github.com") as http, pytest.raises(Exception, match="ConnectError|cannot reach"):
        from intcli.net.http import send_once

        send_once(http, "GET", "/user")
    assert loopback_only == ["api.github.com"]
    loopback_only.clear()  # seen and stopped: the guard's own check at the end of the test passes


def test_a_proxy_that_is_down_is_named_at_once_not_retried(run, monkeypatch):
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", "https://api.example.test/api/v3")
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    result = run("fetch", "github.user_issues", "--verbose")
    assert result.exit_code == 3 and "retry" not in result.stderr.lower().replace("retry later", ""), result.stderr
    assert result.stderr.endswith("the proxy would not open a tunnel to api.example.test (ConnectionRefusedError) — "
                                  "check HTTPS_PROXY (and its user:password) and NO_PROXY\n"), result.stderr
