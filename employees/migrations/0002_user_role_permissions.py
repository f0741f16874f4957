from django.db import migrations

from accounts.roles import USER, grant_role_permissions


def grant(apps, schema_editor):
    grant_role_permissions(apps, USER, ["employees.view_employee", "employees.add_employee"])


class Migration(migrations.Migration):
    dependencies = [("employees", "0001_initial"), ("accounts", "0002_builtin_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
