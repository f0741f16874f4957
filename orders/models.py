from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from customers.models import Customer
from products.models import COST_PLACES, STORED_COST_DIGITS, Product

CENT = Decimal("0.01")
CARRIER_MAX_LENGTH = 100
TRACKING_MAX_LENGTH = 100


def money(value: Decimal) -> Decimal:
    """Round half-up to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Order(models.Model):
    """A customer's order. Immutable once placed; its money is fixed at placement.

    `subtotal`, `tax` and `total` are stored because an order never changes after
    it is placed (only its status does): they are a snapshot like the unit prices,
    and reports sum them without recomputing per-order rounding.
    """

    class Status(models.TextChoices):
        PLACED = "placed"
        SHIPPED = "shipped"
        DELIVERED = "delivered"
        CANCELLED = "cancelled"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLACED)
    notes = models.TextField(blank=True)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    carrier = models.CharField(max_length=CARRIER_MAX_LENGTH, blank=True)
    tracking_number = models.CharField(max_length=TRACKING_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["-id"]
        permissions = [("ship_order", "Can ship and deliver orders")]
        indexes = [
            models.Index(fields=["created_at"], name="order_created_at"),
            models.Index(fields=["total"], name="order_total"),  # `?ordering=total`
            models.Index(fields=["customer", "status"], name="order_customer_status"),
            models.Index(fields=["status", "created_at"], name="order_status_created_at"),
            # Covers the customer-lifetime-value report: placed orders grouped by customer,
            # summing totals, read from the index alone (docs/bench.md).
            models.Index(
                fields=["status", "customer", "total"], name="order_status_customer_total"
            ),
        ]

    def __str__(self) -> str:
        return f"Order #{self.pk}"


# Orders that count as sales (reports): every status but cancelled (SPEC §8, §16).
SALE_STATUSES = (Order.Status.PLACED, Order.Status.SHIPPED, Order.Status.DELIVERED)

# The largest total an order can record (999,999,999,999.99 for 14 digits, 2 of them cents).
MAX_ORDER_TOTAL = (
    Decimal(10) ** (Order.total.field.max_digits - Order.total.field.decimal_places) - CENT
)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    # The product's average cost at the moment of sale (SPEC §15), read under the same lock as
    # the price; a cancellation returns the units at this cost.
    unit_cost = models.DecimalField(
        max_digits=STORED_COST_DIGITS, decimal_places=COST_PLACES, default=Decimal("0")
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            # Covers the top-selling-products and product-margins reports: the lines of placed
            # orders, summed per product, read from the index alone instead of the table
            # (docs/bench.md, docs/costing.md).
            models.Index(
                fields=["order", "product", "quantity", "unit_price", "unit_cost"],
                name="order_item_sales",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="order_item_product_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_item_quantity_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"

    @property
    def line_total(self) -> Decimal:
        return money(self.unit_price * self.quantity)


class InvoiceCounter(models.Model):
    """The last invoice number issued in a calendar year (UTC): one row a year.

    Issuing locks this row (`SELECT … FOR UPDATE`) and increments it inside the issuing
    transaction, so numbers are consecutive: a rolled-back issue rolls the counter back
    too, and concurrent issues queue on the row lock instead of colliding.
    """

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Invoice(models.Model):
    """An order's one invoice: a snapshot of its customer and lines when it was issued."""

    class Status(models.TextChoices):
        UNPAID = "unpaid"
        PAID = "paid"

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField(max_length=20, unique=True)  # INV-<year>-<6 digits>
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    customer_name = models.CharField(max_length=200)
    customer_email = models.EmailField(max_length=254)
    customer_address = models.TextField(blank=True)
    issued_on = models.DateField()
    due_on = models.DateField()
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNPAID)
    paid_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The receivables report and `?overdue=true`: unpaid invoices by due date.
            models.Index(fields=["status", "due_on"], name="invoice_receivables"),
            models.Index(fields=["customer", "status"], name="invoice_customer_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_year_sequence"),
            models.CheckConstraint(
                condition=Q(status="unpaid", paid_on__isnull=True)
                | Q(status="paid", paid_on__isnull=False),
                name="invoice_paid_on_iff_paid",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    line_total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"
