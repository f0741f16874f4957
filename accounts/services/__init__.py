"""Every write to users, roles and tokens. The API, the admin and management commands call these.

One topic a module: `actors` (who may do what), `users`, `roles`, `tokens`. Every service that
authorises takes a required keyword `actor`: the user on whose behalf the change is made (the
API passes `request.user`, an `AnonymousUser` for a visitor), or `SYSTEM` for trusted code (a
management command, a data migration, `seed_demo`, the shell). Leaving it out is a TypeError,
never a silently skipped check.
"""

from accounts.services.actors import SYSTEM, Actor, SystemActor
from accounts.services.roles import ROLE_NAME_TAKEN, role_create, role_delete, role_update
from accounts.services.tokens import TOKENS_REVOKED, token_blacklist, token_refresh
from accounts.services.users import (
    CURRENT_PASSWORD_WRONG,
    LAST_ADMIN_MESSAGE,
    user_create,
    user_delete,
    user_password_change,
    user_update,
)

__all__ = [
    "CURRENT_PASSWORD_WRONG",
    "LAST_ADMIN_MESSAGE",
    "ROLE_NAME_TAKEN",
    "SYSTEM",
    "TOKENS_REVOKED",
    "Actor",
    "SystemActor",
    "role_create",
    "role_delete",
    "role_update",
    "token_blacklist",
    "token_refresh",
    "user_create",
    "user_delete",
    "user_password_change",
    "user_update",
]
