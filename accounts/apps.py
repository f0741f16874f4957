from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from django.contrib.auth.models import Permission

        from accounts.models import Role
        from accounts.selectors import ROLES_CACHE
        from factory.cache import namespace_bump, namespace_bump_on_commit

        def invalidate(sender, **kwargs):
            # Now, so this transaction's own later checks see the change, and again on commit,
            # so no other process keeps what it read in between. A rollback costs one re-read.
            namespace_bump(ROLES_CACHE)
            namespace_bump_on_commit(ROLES_CACHE)

        # Anything that can change what a role grants: the role itself, its permission list,
        # and new permissions (the admin role holds every one, including later ones).
        for signal, sender in [
            (post_save, Role),
            (post_delete, Role),
            (m2m_changed, Role.permissions.through),
            (post_save, Permission),
            (post_delete, Permission),
        ]:
            signal.connect(
                invalidate, sender=sender, weak=False, dispatch_uid=f"roles-{signal}-{sender}"
            )
        post_migrate.connect(invalidate, weak=False, dispatch_uid="roles-post-migrate")
