"""Every write to users and roles."""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import Role, User
from accounts.roles import USER
from factory.api.exceptions import InUse


def role_assignable_by(*, role: Role, user) -> bool:
    """A caller may hand out a role only if it may manage users and holds every permission of that role."""
    if not (user and user.is_authenticated and user.has_perm("accounts.change_user")):
        return False
    return role.permission_names() <= user.get_all_permissions()


def _check_can_assign(*, role: Role, actor) -> None:
    if not role_assignable_by(role=role, user=actor):
        raise PermissionDenied(f"You may not assign the role '{role.name}'.")


@transaction.atomic
def user_create(*, username: str, password: str, role: Role | None = None, actor=None) -> User:
    """Sign a user up; a role other than `user` needs a caller allowed to assign it (else PermissionDenied)."""
    if role is not None and role.name != USER:
        _check_can_assign(role=role, actor=actor)
    return User.objects.create_user(
        username=username, password=password, role=role or Role.objects.get(name=USER)
    )


@transaction.atomic
def user_update(
    *,
    user: User,
    actor,
    role: Role | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, active flag or password. A new password revokes their tokens."""
    if role is not None and role.pk != user.role_id:
        _check_can_assign(role=role, actor=actor)
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    if password is not None:
        user.set_password(password)
    user.save()
    return user


@transaction.atomic
def role_create(*, name: str, description: str = "", permissions: list[Permission]) -> Role:
    role = Role.objects.create(name=name, description=description)
    role.permissions.set(permissions)
    return role


@transaction.atomic
def role_update(
    *,
    role: Role,
    name: str | None = None,
    description: str | None = None,
    permissions: list[Permission] | None = None,
) -> Role:
    """Rename a role or change its permissions; built-in roles keep their names."""
    if name is not None and name != role.name:
        if role.is_builtin:
            raise InUse("Built-in roles cannot be renamed.", code="builtin_role")
        role.name = name
    if description is not None:
        role.description = description
    role.save()
    if permissions is not None:
        if role.is_admin:
            raise InUse("The admin role always holds every permission.", code="builtin_role")
        role.permissions.set(permissions)
    return role


@transaction.atomic
def role_delete(*, role: Role) -> None:
    """Delete a role; raises InUse for a built-in role or one that users still hold."""
    if role.is_builtin:
        raise InUse(f"The built-in role '{role.name}' cannot be deleted.", code="builtin_role")
    if role.users.exists():
        raise InUse(f"The role '{role.name}' is held by users and cannot be deleted.")
    role.delete()
