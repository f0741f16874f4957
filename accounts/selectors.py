"""Reads of users and roles, shaped once for the API and the admin."""

from django.db.models import Count, QuerySet

from accounts.models import Role, User
from accounts.roles import ADMIN


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
