from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from django.contrib.auth.models import Permission

        from accounts.models import Role
        from accounts.selectors import ROLES_CACHE
        from factory.cache import invalidate_on_writes

        # Anything that can change what a role grants: the role itself, its permission list,
        # and new permissions (the admin role holds every one, including later ones).
        invalidate_on_writes(ROLES_CACHE, Role, Permission)
        invalidate_on_writes(ROLES_CACHE, Role.permissions.through, signals=[m2m_changed])
        invalidate_on_writes(ROLES_CACHE, None, signals=[post_migrate])
