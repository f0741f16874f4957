"""Races that only a real MariaDB can show: one thread, one connection each."""

import pytest
from rest_framework_simplejwt.exceptions import TokenError

from accounts import services
from accounts.models import Role, User
from accounts.roles import ADMIN, USER
from accounts.tests.factories import make_account, token_pair
from factory.errors import InUse
from factory.testing import run_together

# serialized_rollback: the built-in roles come from a data migration, and a transactional
# test's flush would otherwise leave the next one without them.
pytestmark = [
    pytest.mark.mariadb,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_token_refresh_reused_concurrently_yields_exactly_one_new_pair():
    _, refresh = token_pair(make_account(role=USER))
    results = run_together([lambda: services.token_refresh(refresh=refresh)] * 8)
    issued = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, TokenError)]
    assert len(issued) == 1 and len(refused) == 7, results
    # The seven were reuses: they revoked the family, the pair the winner got included.
    with pytest.raises(TokenError):
        services.token_refresh(refresh=issued[0]["refresh"])


def test_user_update_two_last_admins_demoting_each_other_leaves_one():
    first, second = make_account(role=ADMIN), make_account(role=ADMIN)
    user_role = Role.objects.get(name=USER)
    results = run_together(
        [
            lambda: services.user_update(
                actor=services.SYSTEM, user=User.objects.get(pk=first.pk), role=user_role
            ),
            lambda: services.user_update(
                actor=services.SYSTEM, user=User.objects.get(pk=second.pk), role=user_role
            ),
        ]
    )
    assert sum(isinstance(r, User) for r in results) == 1, results
    assert sum(isinstance(r, InUse) for r in results) == 1, results
    assert User.objects.filter(role__name=ADMIN, is_active=True).count() == 1
