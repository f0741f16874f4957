"""Write helpers shared by every app's services."""

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError

from factory.errors import InUse

# Field errors for the values another row already holds: `{"email": ["…taken…"]}`, empty if none.
Conflicts = Callable[[], dict[str, list[str]]]


def fields_check(fields: Iterable[str], *, editable: Iterable[str], entity: str) -> None:
    """TypeError for a field a service does not let callers change (a programming error)."""
    unknown = set(fields) - set(editable)
    if unknown:
        raise TypeError(f"Not editable {entity} fields: {', '.join(sorted(unknown))}")


def instance_save(
    instance: models.Model,
    *,
    update_fields: list[str] | None = None,
    conflicts: Conflicts,
) -> models.Model:
    """Validate the fields, refuse values `conflicts()` says are taken (ValidationError), then write.

    The one place a uniqueness rule is checked (an email, a name in any letter case): callers'
    serializers and forms do not ask again, so a request runs the query once. The unique
    constraint still catches a concurrent insert the check could not see yet; that becomes the
    same field error.
    """
    instance.full_clean(validate_unique=False, validate_constraints=False)
    errors = conflicts()
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError:
        errors = conflicts()
        if errors:
            raise ValidationError(errors) from None
        raise
    return instance


def instance_delete(instance: models.Model, *, in_use_message: str) -> None:
    """Delete a row; if protected foreign keys still point at it, raise InUse (409) and change nothing."""
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise InUse(in_use_message) from exc
