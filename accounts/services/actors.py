"""Who may do what: the actor of a change, and the rule that nobody hands out more than they hold.

Assigning a role, managing a user or editing a role needs the actor to hold every permission
involved, so a role with `accounts.change_user` or `accounts.change_role` alone cannot be used to
climb to admin.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from accounts.models import Role, User


class SystemActor:
    """Trusted code acting on its own authority: a management command, a migration, `seed_demo`."""

    is_authenticated = True
    is_active = True
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()

Actor = User | AnonymousUser | SystemActor


def actor_user(actor: Actor) -> User | None:
    """The user to record as the author of a change (`created_by`), None for SYSTEM or a visitor."""
    return actor if isinstance(actor, User) else None


def actor_validate(actor: Actor) -> None:
    """TypeError unless `actor` is a user, an AnonymousUser or SYSTEM: `None` is no actor."""
    if not isinstance(actor, (User, AnonymousUser, SystemActor)):
        raise TypeError(f"actor must be a user, an AnonymousUser or SYSTEM, not {actor!r}")


def actor_holds(*, actor: Actor, permissions: Iterable[str]) -> bool:
    """True if `actor` holds every one of `permissions` (SYSTEM and active admins hold all)."""
    actor_validate(actor)
    if isinstance(actor, SystemActor):
        return True
    if not (actor.is_authenticated and actor.is_active):
        return False
    return actor.is_superuser or set(permissions) <= actor.get_all_permissions()


def actor_require(*, actor: Actor, permission: str, role: Role | None = None, message: str) -> None:
    """PermissionDenied unless `actor` holds `permission` and, when a role is at stake, all of its."""
    actor_validate(actor)
    if isinstance(actor, SystemActor) or (
        isinstance(actor, User) and actor.is_active and actor.is_superuser
    ):
        return
    granted = role.permission_names() if role is not None else set()
    if not actor_holds(actor=actor, permissions={permission, *granted}):
        raise PermissionDenied(message)
