"""Reads of users and roles, shaped once for the API and the admin."""

from django.conf import settings
from django.db.models import Count, QuerySet

from accounts.models import Role, User
from accounts.roles import ADMIN
from factory.cache import namespace_version


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


def role_list() -> QuerySet[Role]:
    """Roles with their permissions prefetched and how many users hold each."""
    return (
        Role.objects.prefetch_related("permissions__content_type")
        .annotate(user_count=Count("users"))
        .order_by("name")  # Meta.ordering is not applied to an aggregate query
    )


# Role permission sets, memoised per process under the shared "roles" cache version: one cache
# read per request instead of a permissions query. Any committed change to roles or permissions
# bumps the version (accounts.apps), so every process sees it on its next request.
ROLES_CACHE = "roles"
_role_permissions: dict[tuple[int, str], frozenset[str]] = {}


def role_permission_names(role: Role) -> frozenset[str]:
    """The `"app_label.codename"` strings `role` grants (cached while roles are unchanged)."""
    version = namespace_version(ROLES_CACHE) if settings.ROLE_PERMISSION_CACHE else None
    if version is None:
        return frozenset(role.permission_names())
    key = (role.pk, version)
    names = _role_permissions.get(key)
    if names is None:
        if len(_role_permissions) > 1000:  # old versions are never read again
            _role_permissions.clear()
        names = _role_permissions[key] = frozenset(role.permission_names())
    return names
