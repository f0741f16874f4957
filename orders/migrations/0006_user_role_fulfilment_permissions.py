from django.db import migrations

from accounts.roles import USER, grant_role_permissions

# SPEC §4/§16: the built-in `user` role ships and delivers orders, reads and issues invoices;
# marking invoices paid (change_invoice) stays admin's.
PERMISSIONS = ["orders.ship_order", "orders.view_invoice", "orders.add_invoice"]


def grant(apps, schema_editor):
    grant_role_permissions(apps, USER, PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_fulfilment_and_invoices")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
