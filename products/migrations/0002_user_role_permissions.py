from django.db import migrations

from accounts.roles import USER, grant_role_permissions


def grant(apps, schema_editor):
    grant_role_permissions(
        apps,
        USER,
        [
            "products.view_product",
            "products.add_product",
            "products.view_stockmovement",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("products", "0001_initial"), ("accounts", "0002_builtin_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
