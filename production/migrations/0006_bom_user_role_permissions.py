from django.db import migrations

from accounts.roles import USER, grant_role_permissions


def grant(apps, schema_editor):
    """SPEC §4: the built-in `user` role views and adds BOMs; activating them stays admin's."""
    grant_role_permissions(apps, USER, ["production.view_bom", "production.add_bom"])


class Migration(migrations.Migration):
    dependencies = [("production", "0005_bills_of_materials"), ("accounts", "0002_builtin_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
