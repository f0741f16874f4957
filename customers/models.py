from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from factory.history import TrackedHistory

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit, Django's EmailField default
EMAIL_TAKEN = "A customer with this email already exists."
PHONE_MAX_LENGTH = 20
ADDRESS_MAX_LENGTH = 1000


class Customer(models.Model):
    """Someone the factory sells to. Orders reference customers with PROTECT.

    `email` is unique regardless of letter case: `customers.services` checks that,
    and the unique constraint is the last line (on MariaDB its `_ci` collation
    makes the constraint itself case-insensitive).
    """

    name = models.CharField(max_length=NAME_MAX_LENGTH, db_index=True)
    email = models.EmailField(max_length=EMAIL_MAX_LENGTH, error_messages={"unique": EMAIL_TAKEN})
    phone = models.CharField(max_length=PHONE_MAX_LENGTH, blank=True)
    # A TextField's max_length only reaches forms; the validator makes full_clean() enforce it too.
    address = models.TextField(
        max_length=ADDRESS_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(ADDRESS_MAX_LENGTH)],
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    history = TrackedHistory()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["email"], name="customer_email_unique"),
            models.CheckConstraint(condition=~Q(email=""), name="customer_email_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
