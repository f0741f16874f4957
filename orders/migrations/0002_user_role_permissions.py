from django.db import migrations

from accounts.roles import USER, grant_role_permissions

MODEL = "order"


def grant(apps, schema_editor):
    grant_role_permissions(apps, USER, [f"orders.view_{MODEL}", f"orders.add_{MODEL}"])


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial"), ("accounts", "0002_builtin_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
