"""A real deployment on loopback for system tests: its own MariaDB and Redis, and gunicorn servers.

Separate from the database the rest of the suite uses, so these tests may
stop and restart the servers without disturbing anything else.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "Stack-admin-pass-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_a_fresh_window(seconds: int = 60, margin: float = 20) -> None:
    """Throttle windows are aligned to the clock (factory.cache.windows): a test that counts on
    one starts with at least `margin` seconds of it left."""
    left = seconds - time.time() % seconds
    if left < margin:
        time.sleep(left + 0.1)


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def request(
    method: str, url: str, body=None, token: str | None = None, headers=None, timeout=15
) -> Response:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Response(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.headers, exc.read())


class Stack:
    """MariaDB + Redis (scripts/services.sh) and any number of gunicorn app servers."""

    def __init__(self, replica: bool = False, **env):
        self.dir = Path(tempfile.mkdtemp(prefix="stack-", dir=ROOT / "var"))
        self.replica = replica  # with a GTID replica of MariaDB (scripts/services.sh REPLICA=1)
        self.extra_env = env
        self.servers: list[tuple[subprocess.Popen, str]] = []

    def services(self, *args: str) -> None:
        subprocess.run(
            [str(ROOT / "scripts/services.sh"), *args, str(self.dir)],
            cwd=ROOT,
            env={**os.environ, "REPLICA": "1" if self.replica else "0"},
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self, app_servers: int = 1) -> "Stack":
        self.services("start")
        env_lines = (self.dir / "env").read_text().splitlines()
        # A deployment, not a test worker: without pytest-xdist's worker id its servers use Redis
        # database 0 like any deployment (factory/settings.py gives workers databases of their own).
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTEST_XDIST_WORKER", "DATABASE_REPLICA_URLS")
        }
        for line in env_lines:
            key, value = line.removeprefix("export ").split("=", 1)
            self.env[key] = value
        self.env.update(
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="system-tests-secret-key-" + "x" * 40,
            SECURE_SSL_REDIRECT="0",
            SECURE_COOKIES="0",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
            REPORT_CACHE_SECONDS="300",
            **self.extra_env,
        )
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("collectstatic", "--noinput", "-v", "0")
        self.manage(
            "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com"
        )
        for _ in range(app_servers):
            self.add_server()
        return self

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def add_server(self) -> str:
        port = free_port()
        log = open(self.dir / f"gunicorn-{port}.log", "w")  # noqa: SIM115 -- closed with the process
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "factory.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if request("GET", f"{url}/healthz", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(
                f"gunicorn on {port} did not start: {(self.dir / f'gunicorn-{port}.log').read_text()}"
            )
        self.servers.append((process, url))
        return url

    def sql(self, server: str, statement: str) -> list[tuple[str, ...]]:
        """`statement` as root on the stack's `mariadb` (the primary) or `replica`: its rows."""
        done = subprocess.run(
            [
                "mariadb",
                "--no-defaults",
                f"--socket={self.dir / server}.sock",
                "-uroot",
                "-N",
                "-B",
            ],
            input=statement,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return [tuple(line.split("\t")) for line in done.stdout.splitlines()]

    def log(self) -> str:
        return "\n".join(p.read_text() for p in self.dir.glob("gunicorn-*.log"))

    def token(self, url: str, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
        response = request(
            "POST", f"{url}/api/auth/login/", {"username": username, "password": password}
        )
        assert response.status == 200, response.body
        return response.json()["access"]

    def stop(self) -> None:
        for process, _ in self.servers:
            process.terminate()
        for process, _ in self.servers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.services("stop")
        shutil.rmtree(self.dir, ignore_errors=True)
