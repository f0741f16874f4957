import shutil

import pytest

from conftest import ON_MARIADB
from systemtests.stack import ROOT, Stack


def pytest_collection_modifyitems(config, items):
    # These start their own MariaDB, Redis and gunicorn: only in the MariaDB leg,
    # where scripts/with-services.sh has installed the servers.
    if ON_MARIADB and shutil.which("redis-server"):
        return
    skip = pytest.mark.skip(reason="system tests run in the MariaDB leg of make test")
    for item in items:
        if str(item.path).startswith(str(ROOT / "systemtests")):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def stack_factory():
    stacks = []

    def make(app_servers=1, **env):
        (ROOT / "var").mkdir(exist_ok=True)
        stack = Stack(**env).start(app_servers=app_servers)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()
