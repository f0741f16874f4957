from django.db import models
from django.db.models import Q
from django.utils import timezone

from factory.history import TrackedHistory

NAME_MAX_LENGTH = 100
POSITION_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
EMAIL_TAKEN = "An employee with this email already exists."


class Employee(models.Model):
    """Someone who works at the factory. Production records reference employees with PROTECT.

    `email` is optional and unique when given: no email is stored as NULL (never
    ""), so any number of employees may have none.
    """

    name = models.CharField(max_length=NAME_MAX_LENGTH, db_index=True)
    position = models.CharField(max_length=POSITION_MAX_LENGTH, blank=True)
    email = models.EmailField(
        max_length=EMAIL_MAX_LENGTH, null=True, blank=True, error_messages={"unique": EMAIL_TAKEN}
    )
    hired_on = models.DateField(default=timezone.localdate)
    is_active = models.BooleanField(default=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["email"], name="employee_email_unique"),
            models.CheckConstraint(condition=~Q(email=""), name="employee_email_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name
