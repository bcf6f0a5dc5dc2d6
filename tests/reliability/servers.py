"""A GitHub-compatible server in its own thread with a delay per request, for tests that run intcli as a process."""

from __future__ import annotations

import logging
import threading
import time

from fake_github import FakeGitHub


class SlowGitHub:
    def __init__(self, fake: FakeGitHub, delay: float) -> None:
        from werkzeug import Request
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        fake.prefix = "/api/v3"

        @Request.application
        def application(request: Request):
            time.sleep(self.delay)
            return fake.handle(request)

        self.fake, self.delay = fake, delay
        self.server = make_server("127.0.0.1", 0, application, threaded=True)
        fake.base = f"http://127.0.0.1:{self.server.port}/"
        self.api_url = f"{fake.base}api/v3"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
