from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from django.contrib.auth.models import Permission

        from accounts.models import Role, User
        from accounts.selectors import ACCESS_CACHE
        from factory.cache import invalidate_on_writes

        # Anything that can change who is signed in or what they may do: users (active flag,
        # password, role), roles, their permission lists, and new permissions (the admin role
        # holds every one, including later ones).
        # Signing in stamps `last_login` alone: no access check reads it, so it keeps the memo.
        invalidate_on_writes(ACCESS_CACHE, User, unless_only={"last_login"})
        invalidate_on_writes(ACCESS_CACHE, Role, Permission)
        invalidate_on_writes(ACCESS_CACHE, Role.permissions.through, signals=[m2m_changed])
        invalidate_on_writes(ACCESS_CACHE, None, signals=[post_migrate])
