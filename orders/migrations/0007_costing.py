# Costing (SPEC §15). Existing rows get cost 0 (the defaults): averages are not rebuilt from old data.

from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_user_role_fulfilment_permissions"),
        ("products", "0006_stockmovement_reasons_consumption_and_receipt"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="orderitem",
            name="order_item_sales",
        ),
        migrations.AddField(
            model_name="orderitem",
            name="unit_cost",
            field=models.DecimalField(decimal_places=4, default=Decimal("0"), max_digits=20),
        ),
        migrations.AddIndex(
            model_name="orderitem",
            index=models.Index(
                fields=["order", "product", "quantity", "unit_price", "unit_cost"],
                name="order_item_sales",
            ),
        ),
    ]
