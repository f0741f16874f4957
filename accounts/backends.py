from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from accounts.roles import ADMIN
from accounts.selectors import role_permission_names


class RoleBackend(ModelBackend):
    """Username/password sign-in, with permissions read from the user's role only."""

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        # Read once per request, as ModelBackend does with `_perm_cache`.
        if not hasattr(user_obj, "role_permission_cache"):
            user_obj.role_permission_cache = role_permission_names(user_obj.role)
        return user_obj.role_permission_cache

    def with_perm(self, perm, is_active=True, include_superusers=True, obj=None):
        app_label, codename = perm.split(".", 1)
        granted = Q(role__permissions__content_type__app_label=app_label) & Q(
            role__permissions__codename=codename
        )
        if include_superusers:
            granted |= Q(role__name=ADMIN)
        users = get_user_model()._default_manager.filter(granted)
        if is_active is not None:
            users = users.filter(is_active=is_active)
        return users.distinct()
