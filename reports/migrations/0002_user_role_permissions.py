from django.db import migrations

from accounts.roles import USER, grant_role_permissions


def grant(apps, schema_editor):
    grant_role_permissions(apps, USER, ["reports.view_reports"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("accounts", "0002_builtin_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
