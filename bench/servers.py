"""Start real Circle server processes (`python wsgi.py`, gevent) on loopback ports.

Used by the board benchmark and by tests/test_multiprocess.py.
"""

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(
        self,
        database_url: str,
        redis_url: str | None = None,
        log_path: Path | None = None,
        **settings,
    ):
        self.port = free_port()
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CIRCLE_ENV": "development",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "shared-by-all-processes",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "BASE_URL": self.url,
            **settings,
        }
        if redis_url:
            self.env["SOCKETIO_MESSAGE_QUEUE"] = redis_url
        self.process = None

    def start(self) -> "Server":
        # The log goes to a file when asked for (tests keep it as an artefact).
        with contextlib.ExitStack() as stack:
            output = (
                stack.enter_context(open(self.log_path, "ab"))
                if self.log_path
                else subprocess.DEVNULL
            )
            self.process = subprocess.Popen(
                [sys.executable, "wsgi.py"],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server on port {self.port} did not start")

    def flask(self, *arguments: str) -> None:
        """Run a `flask --app circle` command against this server's database.

        Its output is not captured here, so that pytest shows it when it fails.
        """
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "circle", *arguments],
            cwd=ROOT,
            env=self.env,
            check=True,
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def log_in(server: Server, email: str, password: str) -> requests.Session:
    """A requests session logged in through the real login form."""
    session = requests.Session()
    page = session.get(server.url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(
        server.url + "/login",
        data={"csrf_token": token, "email": email, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login failed for {email}: {response.status_code}")
    return session
