from django.db import migrations

from accounts.roles import ADMIN, USER


def create_builtin_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    Role.objects.get_or_create(name=ADMIN, defaults={"description": "Every permission."})
    Role.objects.get_or_create(
        name=USER, defaults={"description": "Reads everything and creates records."}
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_builtin_roles, migrations.RunPython.noop)]
