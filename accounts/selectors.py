"""Reads of users and roles, shaped once for the API and the admin."""

import copy

from django.conf import settings
from django.db.models import Count, QuerySet

from accounts.models import Role, User
from accounts.roles import ADMIN
from factory.cache import namespace_version, request_identified


def user_list() -> QuerySet[User]:
    """Users with their role: one query for a page, whatever its size."""
    return User.objects.select_related("role").order_by("id")


def user_active_admins() -> QuerySet[User]:
    return User.objects.filter(role__name=ADMIN, is_active=True)


def user_is_last_admin(user: User) -> bool:
    """True if `user` is the only active admin-role user left."""
    return (
        user.pk is not None
        and user_active_admins().filter(pk=user.pk).exists()
        and not user_active_admins().exclude(pk=user.pk).exists()
    )


def role_name_taken(name: str, *, role: Role | None = None) -> bool:
    """True if a role other than `role` has `name` in any letter case, as MariaDB's collation
    compares names (SQLite's would not)."""
    roles = Role.objects.filter(name__iexact=name)
    if role is not None:
        roles = roles.exclude(pk=role.pk)
    return roles.exists()


def role_list() -> QuerySet[Role]:
    """Roles with their permissions prefetched and how many users hold each."""
    return (
        Role.objects.prefetch_related("permissions__content_type")
        .annotate(user_count=Count("users"))
        .order_by("name")  # Meta.ordering is not applied to an aggregate query
    )


# Signed-in users and role permission sets, memoised per process under the shared "access"
# cache version: one cache read per request instead of a user query and a permissions query.
# Any committed write to users, roles or permissions bumps the version (accounts.apps), so a
# deactivated user, a new password or a changed role bites on the very next request, in every
# process. Without a shared cache (ACCESS_CACHE off) both are read from the database.
ACCESS_CACHE = "access"
_MEMO_LIMIT = 1000  # entries of old versions are never read again: dropped wholesale
_users: dict[tuple[int, str], User] = {}
_role_permissions: dict[tuple[int, str], frozenset[str]] = {}


def _access_version() -> str | None:
    return namespace_version(ACCESS_CACHE) if settings.ACCESS_CACHE else None


def user_for_token(user_id) -> User:
    """The user a token names, with their role; raises User.DoesNotExist.

    Each request gets its own copy of the user and of the role, so nothing one request sets on
    them reaches the next. Called once the token naming `user_id` is verified: the request's
    counters for that user (the view's prefetch hook named them) join the round trip that
    reads the access version.
    """
    request_identified(user_id)
    version = _access_version()
    if version is None:
        return User.objects.get(pk=user_id)
    key = (user_id, version)
    user = _users.get(key)
    if user is None:
        if len(_users) > _MEMO_LIMIT:
            _users.clear()
        user = User.objects.get(pk=user_id)
        if not user.is_superuser:  # a superuser's checks never reach RoleBackend
            # What RoleBackend would look up on the first permission check, under the same version.
            user.role_permission_cache = _role_permission_names(user.role, version)
        _users[key] = user
    user = copy.copy(user)
    user.role = copy.copy(user.role)
    return user


def role_permission_names(role: Role) -> frozenset[str]:
    """The `"app_label.codename"` strings `role` grants (cached while access is unchanged)."""
    version = _access_version()
    if version is None:
        return frozenset(role.permission_names())
    return _role_permission_names(role, version)


def _role_permission_names(role: Role, version: str) -> frozenset[str]:
    key = (role.pk, version)
    names = _role_permissions.get(key)
    if names is None:
        if len(_role_permissions) > _MEMO_LIMIT:
            _role_permissions.clear()
        names = _role_permissions[key] = frozenset(role.permission_names())
    return names
