"""Built-in role names and the helper data migrations use to grant permissions to a role."""

ADMIN = "admin"
USER = "user"
BUILTIN_ROLES = (ADMIN, USER)


def grant_role_permissions(apps, role_name: str, permission_names: list[str]) -> None:
    """Add `"app_label.codename"` permissions to a role from inside a data migration.

    Django creates permissions after `migrate` finishes, so the migration creates
    them first for every app that is already in the historical state.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("accounts", "Role")
    role = Role.objects.get(name=role_name)
    for name in permission_names:
        app_label, codename = name.split(".", 1)
        role.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
