"""`make serve` (scripts/serve.sh) as an outsider meets it: gunicorn, DEBUG off (issue 24).

Run on a throwaway SQLite database in both legs: what is tested is the server's front, which is
the same whatever the database behind it.
"""

import os
import socket
import subprocess
import threading
import time

import pytest

from systemtests.stack import ROOT, free_port, request

PASSWORD = "Serve-test-pass-1"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SECRET_KEY"}},
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "NUM_PROXIES": "0",
        "ACCESS_LOGFILE": "/dev/null",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    log = open(tmp / "serve.log", "w")  # noqa: SIM115 -- closed with the process
    process = subprocess.Popen(
        [str(ROOT / "scripts/serve.sh")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if request("GET", f"{url}/healthz", timeout=2).status == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail((tmp / "serve.log").read_text())
        time.sleep(0.3)
    manage = [str(ROOT / ".venv/bin/python"), "manage.py", "createsuperuser", "--noinput"]
    for name in ("admin", "second"):
        subprocess.run(
            [*manage, "--username", name, "--email", f"{name}@example.com"],
            cwd=ROOT,
            env={**env, "DJANGO_SECRET_KEY": "x" * 50},
            check=True,
            capture_output=True,
            timeout=60,
        )
    yield url, tmp
    os.killpg(process.pid, 15)
    process.wait(timeout=30)
    log.close()


def test_serve_files_are_private(served):
    _, tmp = served
    assert (tmp / "db.sqlite3").stat().st_mode & 0o777 == 0o600
    assert (ROOT / "var/secret-key").stat().st_mode & 0o777 == 0o600


def test_serve_without_proxies_ignores_forwarded_proto_from_loopback(served):
    url, _ = served
    token = request(
        "POST", f"{url}/api/auth/login/", {"username": "admin", "password": PASSWORD}
    ).json()["access"]
    page = request(
        "GET",
        f"{url}/api/users/?page_size=1",
        token=token,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"},
    )
    assert page.status == 200
    assert page.json()["next"].startswith("http://127.0.0.1:")


def _trickle(port: int, stop: threading.Event) -> None:
    """Send a 100 KB body's headers, then the body one byte at a time."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /api/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        while not stop.wait(0.05):
            try:
                sock.send(b" ")
            except OSError:
                return


def test_serve_slow_clients_do_not_block_healthz(served):
    url, _ = served
    port = int(url.rsplit(":", 1)[1])
    stop = threading.Event()
    slow = [threading.Thread(target=_trickle, args=(port, stop)) for _ in range(4)]
    for thread in slow:
        thread.start()
    try:
        time.sleep(1)  # every trickling request has reached a worker
        for _ in range(5):
            started = time.monotonic()
            response = request("GET", f"{url}/healthz", timeout=5)
            assert response.json() == {"status": "ok"}
            assert time.monotonic() - started < 2
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in slow:
            thread.join()
