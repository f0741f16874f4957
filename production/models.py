from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from employees.models import Employee
from factory.history import TrackedHistory
from products.models import Product


class BOM(models.Model):
    """A bill of materials: what one unit of `product` is made of, in numbered versions.

    One version per product is `active` at a time (`production.services.boms`); production
    consumes the active one. A BOM that a production record used is locked (its lines and
    product never change again), so a record's consumption can always be recomputed from it.
    """

    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        ARCHIVED = "archived"

    # A product's BOMs go with it; a product that production used is protected by that record.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="boms")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # The lines are not tracked (docs/history.md): a used BOM's never change, a draft's are
    # replaced wholesale, and its versions are the history of what production consumed.
    history = TrackedHistory()

    class Meta:
        verbose_name = "bill of materials"
        verbose_name_plural = "bills of materials"
        ordering = ["product_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="bom_product_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="bom_version_gte_1"),
        ]
        indexes = [models.Index(fields=["product", "status"], name="bom_product_status")]

    def __str__(self) -> str:
        return f"{self.product} v{self.version} ({self.status})"


class BOMLine(models.Model):
    """`quantity` units of `component` (in the component's `unit`) per one unit of the BOM's product."""

    bom = models.ForeignKey(BOM, on_delete=models.CASCADE, related_name="lines")
    # A product that any BOM lists cannot be deleted (409 in_use).
    component = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="bom_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        verbose_name = "BOM line"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["bom", "component"], name="bomline_component_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="bomline_quantity_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.component}"


class ProductionRecord(models.Model):
    """Units of a product an employee made on a day. Creating one adds them to stock."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="production_records"
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="production_records"
    )
    quantity = models.PositiveIntegerField()
    # The BOM version this record consumed (null: its product had none). What it consumed is
    # `quantity x line.quantity` of each of that BOM's lines, which never change once used.
    bom = models.ForeignKey(
        BOM, on_delete=models.PROTECT, null=True, blank=True, related_name="production_records"
    )
    date = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="production_records"
    )

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            # The list's orders (`?ordering=`): without them each page sorted all the records
            # (9 ms for 100,000), docs/bench.md.
            models.Index(fields=["date", "id"], name="production_date_id"),
            models.Index(fields=["quantity"], name="production_quantity"),
            models.Index(fields=["created_at"], name="production_created_at"),
            models.Index(fields=["date", "product"], name="production_date_product"),
            # With quantity it covers the employee-production report (index only, docs/bench.md).
            models.Index(
                fields=["employee", "date", "quantity"], name="production_employee_date_qty"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="production_quantity_gte_1")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product} on {self.date}"

    def consumption(self) -> dict[int, int]:
        """`{component_id: units}` this record took (empty without a BOM); uses prefetched lines."""
        if self.bom_id is None:
            return {}
        return {line.component_id: line.quantity * self.quantity for line in self.bom.lines.all()}
