from django.db import migrations

from accounts.roles import USER, grant_role_permissions

MODEL = "productionrecord"


def grant(apps, schema_editor):
    grant_role_permissions(apps, USER, [f"production.view_{MODEL}", f"production.add_{MODEL}"])


class Migration(migrations.Migration):
    dependencies = [("production", "0001_initial"), ("accounts", "0002_builtin_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
