from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from factory.history import TrackedHistory

NAME_TAKEN = "A product with this name already exists."
SKU_TAKEN = "A product with this SKU already exists."

# At or below a reorder level that is set (0 means "not reordered"): the `?low_stock=` filter, the
# admin's filter and the low-stock report, one set for all three (SPEC §5).
LOW_STOCK = Q(stock__lte=F("reorder_level"), reorder_level__gt=0)

# The purchase-order statuses whose outstanding lines count as `on_order` (SPEC §14: ordered or
# partially received; drafts, received, closed and cancelled ones do not). purchasing's
# `PurchaseOrder.RECEIVABLE`, named here because products cannot import purchasing; a test
# holds the two equal.
ON_ORDER_STATUSES = ("ordered", "partially_received")

# Product fields the change history leaves out (SPEC §17); a field added here needs a migration.
HISTORY_EXCLUDED_FIELDS = ("stock", "average_cost", "updated_at")

# Costs (SPEC §15): four places. What a caller may give (a receipt line, an adjustment) is up to
# 99,999,999.9999 (MAX_COST_DIGITS); what the stock service stores (a product's average, a
# movement's cost, an order item's cost) has room for a BOM's sum of per-unit x component cost.
COST_PLACES = 4
MAX_COST_DIGITS = 12
STORED_COST_DIGITS = 20


class Product(models.Model):
    """Something the factory makes and sells. `stock` changes only through `products.services.stock`."""

    # Unique in any letter case: `products.services` checks it; the constraints are the last
    # line (on MariaDB the _ci collation makes the plain unique index case-insensitive, and it
    # has no expression indexes; elsewhere the unique indexes on LOWER(...) do it).
    name = models.CharField(max_length=200, unique=True)
    sku = models.CharField("SKU", max_length=64, unique=True, null=True, blank=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    stock = models.BigIntegerField(default=0, editable=False)
    reorder_level = models.PositiveIntegerField(default=0)
    unit = models.CharField(
        max_length=16, default="pcs", help_text="What one unit of stock is: pcs, kg, m, …"
    )
    reorder_quantity = models.PositiveIntegerField(default=0)
    # The moving weighted average cost of one unit in stock (SPEC §15), kept only by
    # `products.services.stock.stock_apply`; never written by a form or a serializer.
    average_cost = models.DecimalField(
        max_digits=STORED_COST_DIGITS,
        decimal_places=COST_PLACES,
        default=Decimal("0"),
        editable=False,
    )
    # By name, not by import: products never imports purchasing (STYLE "The house"). Deleting a
    # supplier that is some product's default is refused (in_use), like one with purchase orders.
    default_supplier = models.ForeignKey(
        "purchasing.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="default_for",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The ledger is stock's history (and cost's); `updated_at` is a stamp, not a change.
    history = TrackedHistory(
        excluded_fields=HISTORY_EXCLUDED_FIELDS, quiet_fields=HISTORY_EXCLUDED_FIELDS
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_gte_0"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_gte_0"),
            models.CheckConstraint(
                condition=Q(average_cost__gte=0), name="product_average_cost_gte_0"
            ),
            models.UniqueConstraint(
                Lower("name"), name="product_name_unique_ci", violation_error_message=NAME_TAKEN
            ),
            models.UniqueConstraint(
                Lower("sku"), name="product_sku_unique_ci", violation_error_message=SKU_TAKEN
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.price is not None and self.price.is_zero():
            self.price = abs(self.price)  # "-0.00" is stored and shown as "0.00"


class StockMovement(models.Model):
    """One change of one product's stock: the ledger. `stock == sum(delta)` for every product."""

    class Reason(models.TextChoices):
        INITIAL = "initial"
        PRODUCTION = "production"
        PRODUCTION_CHANGE = "production_change"
        PRODUCTION_DELETE = "production_delete"
        ORDER = "order"
        ORDER_CANCEL = "order_cancel"
        ADJUSTMENT = "adjustment"
        # A component taken by production of a product with a BOM (positive when returned).
        CONSUMPTION = "consumption"
        PURCHASE_RECEIPT = "purchase_receipt"

    # A product's ledger goes with it; products that orders or production
    # reference are protected from deletion by those foreign keys.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="movements")
    delta = models.BigIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reference = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=255, blank=True)
    # What one unit of this movement cost (4 places), set by the stock service by SPEC §15's
    # rules (docs/costing.md): receipts their line's cost, BOM production its components' cost,
    # returns the cost they left with, everything else the product's average at the time.
    unit_cost = models.DecimalField(
        max_digits=STORED_COST_DIGITS, decimal_places=COST_PLACES, default=Decimal("0")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["product", "-id"], name="movement_product_newest"),
            # A production change or delete returns components at the cost of that record's
            # latest consumption of each (SPEC §15): found by reference, not by scanning every
            # movement of a component that thousands of records consumed.
            models.Index(fields=["reference", "product"], name="movement_reference"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(delta=0), name="movement_delta_not_0")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.delta:+d} ({self.reason})"
