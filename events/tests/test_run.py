"""`make run`'s scripts/run.sh: the web server and the worker start together and stop on Ctrl-C."""

import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from events.services import event_record
from events.tests.factories import make_webhook
from events.tests.receiver import receiver
from events.tests.test_worker import ROOT, database_url


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_serves_and_delivers_and_ctrl_c_stops_both():
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "WEBHOOK_ALLOW_PRIVATE": "1",
        "WORKER_PROCESSES": "1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    run = subprocess.Popen(
        ["scripts/run.sh"],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group, as a terminal's foreground job is
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with receiver(200) as hook:
            make_webhook(hook.url, events=["stock.low"])
            event_record("stock.low", {"id": 1})
            deadline = time.monotonic() + 60
            while not answers(f"http://127.0.0.1:{port}/healthz"):
                assert time.monotonic() < deadline, "the web server never answered"
                time.sleep(0.2)
            assert hook.arrived.wait(timeout=60), "the worker never delivered"
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground job
        assert run.wait(timeout=30) is not None
        time.sleep(0.5)
        assert not answers(f"http://127.0.0.1:{port}/healthz")
        table = subprocess.run(
            ["ps", "-e", "-o", "pid=,pgid=,stat="], capture_output=True, text=True, check=True
        ).stdout.split("\n")
        leftover = [
            row.split()[0]
            for row in table
            if row.split()[1:2] == [str(run.pid)] and not row.split()[2].startswith("Z")
        ]
        assert leftover == [], f"processes left running: {leftover}"
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
