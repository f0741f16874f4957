"""Limits every worker and server shares (issue 24): sign-in budgets under gunicorn, 2 workers each."""

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from systemtests.stack import ADMIN_PASSWORD, ROOT, free_port, request, wait_for_a_fresh_window


def test_two_workers_without_redis_refuse_to_start():
    """Without a shared cache each worker would count on its own: N workers, N times the limit."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="system-tests-secret-key-" + "x" * 40)
    gunicorn, port = str(Path(sys.executable).parent / "gunicorn"), free_port()
    started = subprocess.run(
        [gunicorn, "factory.wsgi:application", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "Refusing to start 2 workers without REDIS_URL" in started.stderr


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory(app_servers=2, THROTTLE_LOGIN="4/min")


def admin_sign_in(url: str, username: str, password: str) -> str:
    """Signs in to /admin/login/ as a browser would (CSRF cookie and field); the page answered."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{url}/admin/login/", timeout=15).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "next": "/admin/",
        }
    ).encode()
    form = urllib.request.Request(f"{url}/admin/login/?next=/admin/", data=body, method="POST")
    form.add_header("Referer", f"{url}/admin/login/")
    with opener.open(form, timeout=15) as answer:
        return answer.geturl() + "\n" + answer.read().decode()


def test_admin_sign_in_limit_is_shared_by_every_worker_and_server(stack):
    (a, b) = (url for _, url in stack.servers)
    subprocess.run(
        ["redis-cli", "-p", stack.env["REDIS_PORT"], "FLUSHDB"], check=True, capture_output=True
    )
    wait_for_a_fresh_window()
    for server in (a, b, a):  # three wrong passwords, spread over both servers and their workers
        assert "Too many" not in admin_sign_in(server, "admin", "wrong")
    # The API sign-in spends the same budget: the fourth attempt of the minute.
    wrong = {"username": "admin", "password": "guess"}
    assert request("POST", f"{b}/api/auth/login/", wrong).status == 401
    for server in (a, b):  # the right password, over the limit, on either server
        answer = admin_sign_in(server, "admin", ADMIN_PASSWORD)
        assert "Too many sign-in attempts. Try again in" in answer
        assert not answer.startswith(f"{server}/admin/\n")  # still on the sign-in page
