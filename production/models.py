from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from employees.models import Employee
from products.models import Product


class ProductionRecord(models.Model):
    """Units of a product an employee made on a day. Creating one adds them to stock."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="production_records"
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="production_records"
    )
    quantity = models.PositiveIntegerField()
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
