from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from customers.models import Customer
from products.models import Product

CENT = Decimal("0.01")


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

    class Meta:
        ordering = ["-id"]
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


# The largest total an order can record (999,999,999,999.99 for 14 digits, 2 of them cents).
MAX_ORDER_TOTAL = (
    Decimal(10) ** (Order.total.field.max_digits - Order.total.field.decimal_places) - CENT
)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        indexes = [
            # Covers the top-selling-products report: the lines of placed orders, summed per
            # product, read from the index alone instead of the table (docs/bench.md).
            models.Index(
                fields=["order", "product", "quantity", "unit_price"], name="order_item_sales"
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
