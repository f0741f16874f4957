"""Roles: create, rename, describe, change permissions, delete; built-in roles are fixed."""

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import selectors
from accounts.models import Role
from accounts.services.actors import Actor, actor_holds, actor_require
from factory.errors import InUse
from factory.history import one_history_record
from factory.services import instance_delete, instance_save

ROLE_NAME_TAKEN = "A role with that name already exists."


def _permission_names(permissions: Iterable[Permission]) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def _save(role: Role) -> Role:
    """Validate and write `role`, refusing a name another role has in any letter case."""
    return instance_save(
        role,
        conflicts=lambda: (
            {"name": [ROLE_NAME_TAKEN]} if selectors.role_name_taken(role.name, role=role) else {}
        ),
    )


@transaction.atomic
def role_create(
    *,
    actor: Actor,
    name: str,
    description: str = "",
    permissions: Iterable[Permission] = (),
) -> Role:
    """Create a role. Raises PermissionDenied if it would grant a permission `actor` lacks,
    ValidationError if another role has its name in any letter case."""
    permissions = list(permissions)
    if not actor_holds(
        actor=actor, permissions={"accounts.add_role", *_permission_names(permissions)}
    ):
        raise PermissionDenied("You may not grant permissions you do not hold.")
    role = Role(name=name, description=description)
    with one_history_record(role):
        _save(role)
        role.permissions.set(permissions)
    return role


@transaction.atomic
def role_update(
    *,
    role: Role,
    actor: Actor,
    name: str | None = None,
    description: str | None = None,
    permissions: Iterable[Permission] | None = None,
) -> Role:
    """Rename a role, describe it or replace its permissions.

    Raises InUse (`builtin_role`) to rename a built-in role or to list the admin role's
    permissions (it always holds every one); PermissionDenied if `actor` lacks a permission
    the role holds or would get; ValidationError if another role has the new name in any
    letter case.
    """
    if name is not None and name != role.name and role.is_builtin:
        raise InUse("Built-in roles cannot be renamed.", code="builtin_role")
    if permissions is not None and role.is_admin:
        raise InUse("The admin role always holds every permission.", code="builtin_role")
    permissions = list(permissions) if permissions is not None else None
    involved = role.permission_names() | _permission_names(permissions or [])
    if not actor_holds(actor=actor, permissions={"accounts.change_role", *involved}):
        raise PermissionDenied("You may not change a role with permissions you do not hold.")
    if name is not None:
        role.name = name
    if description is not None:
        role.description = description
    with one_history_record(role):
        _save(role)
        if permissions is not None:
            role.permissions.set(permissions)
    return role


@transaction.atomic
def role_delete(*, role: Role, actor: Actor) -> None:
    """Delete a role. Raises InUse for a built-in role (`builtin_role`) or one users hold (`in_use`)."""
    actor_require(
        actor=actor, permission="accounts.delete_role", message="You may not delete roles."
    )
    if role.is_builtin:
        raise InUse(f"The built-in role '{role.name}' cannot be deleted.", code="builtin_role")
    in_use = f"The role '{role.name}' is held by users and cannot be deleted."
    if role.users.exists():
        raise InUse(in_use)
    instance_delete(role, in_use_message=in_use)
