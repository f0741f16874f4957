"""Every accounts endpoint, for every kind of caller: the status SPEC §4 promises.

Append other apps' cases to `CASES` (or run their own list with `case_check`); see matrix.py.
"""

import re

import pytest
from django.urls import resolve

from accounts.tests.matrix import ACCOUNTS_CASES, CALLERS, Case, World, case_check
from accounts.urls import urlpatterns as accounts_urlpatterns

CASES: list[Case] = [*ACCOUNTS_CASES]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "caller"),
    [pytest.param(case, caller, id=f"{case} as {caller}") for case in CASES for caller in CALLERS],
)
def test_permission_matrix_answers_each_caller_as_specified(case, caller):
    case_check(case, caller, World.build())


def test_permission_matrix_covers_every_accounts_endpoint():
    def url_name(case: Case) -> str:
        assert isinstance(case.url, str), case
        return resolve(re.sub(r"\{[^}]+\}", "1", case.url)).url_name

    covered = {url_name(case) for case in ACCOUNTS_CASES}
    assert covered == {pattern.name for pattern in accounts_urlpatterns}


def test_permission_matrix_lists_a_status_for_every_caller():
    for case in CASES:
        assert set(case.expect) == set(CALLERS), case
