from django.db import migrations

from accounts.roles import USER, grant_role_permissions


def grant(apps, schema_editor):
    # SPEC §4: clerks read and create suppliers and purchase orders, and receive deliveries;
    # changing, deleting, placing, closing and cancelling stay the admin's.
    grant_role_permissions(
        apps,
        USER,
        [
            "purchasing.view_supplier",
            "purchasing.add_supplier",
            "purchasing.view_purchaseorder",
            "purchasing.add_purchaseorder",
            "purchasing.view_purchaseorderline",
            "purchasing.receive_purchaseorder",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("purchasing", "0001_initial"), ("accounts", "0002_builtin_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
