"""Product names and SKUs unique in any letter case on every database.

On MariaDB the existing unique indexes already compare with the column's _ci collation, and
Django creates no expression index there (MariaDB has none), so this migration changes nothing
in its schema. Elsewhere (SQLite) it adds unique indexes on LOWER(name) and LOWER(sku); rows
that differ only in letter case would make that fail, so they are named first.
"""

from django.db import migrations, models
from django.db.models.functions import Lower


def refuse_case_twins(apps, schema_editor):
    Product = apps.get_model("products", "Product")
    for field in ("name", "sku"):
        seen: dict[str, list[str]] = {}
        for value in Product.objects.exclude(**{f"{field}__isnull": True}).values_list(
            field, flat=True
        ):
            seen.setdefault(value.lower(), []).append(value)
        twins = [values for values in seen.values() if len(values) > 1]
        if twins:
            raise RuntimeError(
                f"Products whose {field} differs only in letter case: {twins[:20]}. "
                f"Rename them, then migrate again."
            )


class Migration(migrations.Migration):
    dependencies = [("products", "0002_user_role_permissions")]

    operations = [
        migrations.RunPython(refuse_case_twins, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.UniqueConstraint(
                Lower("name"),
                name="product_name_unique_ci",
                violation_error_message="A product with this name already exists.",
            ),
        ),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.UniqueConstraint(
                Lower("sku"),
                name="product_sku_unique_ci",
                violation_error_message="A product with this SKU already exists.",
            ),
        ),
    ]
