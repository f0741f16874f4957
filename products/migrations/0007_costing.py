# Costing (SPEC §15). Existing rows get cost 0 (the defaults): averages are not rebuilt from old data.

from decimal import Decimal

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0006_stockmovement_reasons_consumption_and_receipt"),
        ("purchasing", "0002_user_role_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="average_cost",
            field=models.DecimalField(
                decimal_places=4, default=Decimal("0"), editable=False, max_digits=20
            ),
        ),
        migrations.AlterField(
            model_name="stockmovement",
            name="unit_cost",
            field=models.DecimalField(decimal_places=4, default=Decimal("0"), max_digits=20),
        ),
        migrations.AddIndex(
            model_name="stockmovement",
            index=models.Index(fields=["reference", "product"], name="movement_reference"),
        ),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.CheckConstraint(
                condition=models.Q(("average_cost__gte", 0)), name="product_average_cost_gte_0"
            ),
        ),
    ]
