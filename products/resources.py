"""Products in spreadsheets (SPEC §17): the API's serializer checks each row, its services write.

`initial_stock` and `unit_cost` are for new products only and go on the ledger through the stock
service (`product_create`); an import never changes the stock of an existing product. `stock`
is exported and, read back, must still be the product's stock (so an exported file imports).
"""

from import_export import fields
from rest_framework import serializers

from accounts.services.actors import actor_user
from factory.imports import ServiceResource, cell_value, register
from products import services
from products.models import NAME_TAKEN, SKU_TAKEN, Product
from products.serializers import ProductSerializer

STOCK_COLUMNS = ("initial_stock", "unit_cost")
NOT_FOR_EXISTING = (
    "Only a new product takes {column}: the stock of an existing product changes only through "
    "production, orders, receipts and adjustments (leave this cell empty)."
)


class ProductImportSerializer(ProductSerializer):
    """The API's product fields, and the cost of the opening stock."""

    unit_cost = serializers.DecimalField(  # StockMovement.unit_cost's bounds
        max_digits=12,
        decimal_places=4,
        min_value=0,
        required=False,
        write_only=True,
    )

    class Meta(ProductSerializer.Meta):
        fields = [*ProductSerializer.Meta.fields, "unit_cost"]


@register("products", "product")
class ProductResource(ServiceResource):
    serializer_class = ProductImportSerializer
    unique_columns = {"name": NAME_TAKEN, "sku": SKU_TAKEN}
    read_only_columns = (*ServiceResource.read_only_columns, "stock")

    initial_stock = fields.Field(column_name="initial_stock", attribute=None, readonly=False)
    unit_cost = fields.Field(column_name="unit_cost", attribute=None, readonly=False)

    class Meta(ServiceResource.Meta):
        model = Product
        fields = (
            "id",
            "name",
            "sku",
            "description",
            "price",
            "unit",
            "reorder_level",
            "reorder_quantity",
            "default_supplier",
            "stock",
            "initial_stock",
            "unit_cost",
            "created_at",
            "updated_at",
        )

    def check_row(self, instance, row, new):
        given = {column: cell_value(row.get(column)) for column in (*STOCK_COLUMNS, "stock")}
        given = {column: value for column, value in given.items() if value != ""}
        errors = {}
        if new:
            if "stock" in given:
                errors["stock"] = ["A new product's opening stock goes in initial_stock."]
            if "unit_cost" in given and not str(given.get("initial_stock", "0")).strip("0"):
                errors["unit_cost"] = [
                    "unit_cost is what the initial stock cost: give initial_stock too."
                ]
            return errors
        for column in STOCK_COLUMNS:
            if column in given:
                errors[column] = [NOT_FOR_EXISTING.format(column=column)]
        if "stock" in given and str(given["stock"]) != str(instance.stock):
            errors["stock"] = [
                f"Stock is {instance.stock}, not {given['stock']}: an import never changes stock "
                "(adjust it in the product's page)."
            ]
        return errors

    def create(self, data, conflicts):
        data = dict(data)
        return services.product_create(
            initial_stock=data.pop("initial_stock", 0),
            unit_cost=data.pop("unit_cost", None),
            user=actor_user(self.actor),
            conflicts=conflicts,
            **data,
        )

    def update(self, instance, data, conflicts):
        data = {k: v for k, v in data.items() if k not in STOCK_COLUMNS}
        return services.product_update(product=instance, conflicts=conflicts, **data)
