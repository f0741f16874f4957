"""Write helpers shared by every app's services."""

from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError

from factory.api.exceptions import InUse


def instance_delete(instance: models.Model, *, in_use_message: str) -> None:
    """Delete a row; if protected foreign keys still point at it, raise InUse (409) and change nothing."""
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise InUse(in_use_message) from exc
