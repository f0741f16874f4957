from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from factory.history import TrackedHistory
from products.models import COST_PLACES, MAX_COST_DIGITS, Product

# COST_PLACES, MAX_COST_DIGITS: products' (SPEC §15), unit costs up to 99,999,999.9999.
CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Round half-up to cents (SPEC §3)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Supplier(models.Model):
    """Someone the factory buys from."""

    name = models.CharField(max_length=200, unique=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    address = models.TextField(max_length=1000, blank=True)
    lead_time_days = models.PositiveIntegerField(default=7)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead_time_days__gte=0), name="supplier_lead_time_gte_0"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PurchaseOrder(models.Model):
    """An order to a supplier. Editable only while `draft`; receipts add stock line by line."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        ORDERED = "ordered"
        PARTIALLY_RECEIVED = "partially_received"
        RECEIVED = "received"
        CLOSED = "closed"
        CANCELLED = "cancelled"

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    expected_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    ordered_at = models.DateTimeField(null=True, blank=True)

    # Its lines are not tracked: receipts are the stock ledger's, and lines change with the order.
    history = TrackedHistory()

    class Meta:
        ordering = ["-id"]
        permissions = [("receive_purchaseorder", "Can receive goods on purchase orders")]
        indexes = [
            models.Index(fields=["supplier", "status"], name="po_supplier_status"),
            models.Index(fields=["status"], name="po_status"),
        ]

    # Receipts are possible while the order waits for goods.
    RECEIVABLE = (Status.ORDERED, Status.PARTIALLY_RECEIVED)

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"PO-{self.pk:06d}" if self.pk else "PO-(new)"

    @property
    def total(self) -> Decimal:
        """Σ line totals; reads the (prefetched) lines."""
        return sum((line.line_total for line in self.lines.all()), Decimal("0.00"))


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="purchase_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    received_quantity = models.PositiveIntegerField(default=0)
    unit_cost = models.DecimalField(
        max_digits=MAX_COST_DIGITS, decimal_places=COST_PLACES, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            # `on_order`: the outstanding quantity of each product's lines (products.selectors).
            models.Index(
                fields=["product", "order", "quantity", "received_quantity"],
                name="po_line_on_order",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="po_line_product_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="po_line_quantity_gte_1"),
            models.CheckConstraint(
                condition=Q(received_quantity__lte=F("quantity")),
                name="po_line_received_lte_quantity",
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="po_line_unit_cost_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received_quantity

    @property
    def line_total(self) -> Decimal:
        return money(self.unit_cost * self.quantity)
