from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The first response to a POST made with an `Idempotency-Key`, per user, for 24 hours.

    Kept in the database, not the cache, so that it commits in the same
    transaction as the order or production record it describes: a crash or a
    Redis outage can never let a repeated request act twice.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField(
        null=True, help_text="Empty while the first request runs."
    )
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
