"""Change history (SPEC §17) on django-simple-history: who changed what, and when.

Models declare `history = TrackedHistory(excluded_fields=..., quiet_fields=...)`. Who made a change
is, in this order: the actor a `history_actor(...)` block names (management commands; SYSTEM or
None is recorded as nobody), else the signed-in user of the request being served (the library's
middleware keeps the request; DRF puts its token user on it, the admin its session user), else
nobody (the shell, a script). See docs/history.md.
"""

import contextlib
import contextvars
from collections.abc import Iterable

from django.db import models
from rest_framework.fields import DateTimeField, DecimalField
from simple_history.models import HistoricalRecords

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}

_UNSET = object()
_actor: contextvars.ContextVar = contextvars.ContextVar("history_actor", default=_UNSET)
_reason: contextvars.ContextVar = contextvars.ContextVar("history_reason", default=None)


@contextlib.contextmanager
def history_actor(actor):
    """Record every change made inside the block as `actor`'s (a user; SYSTEM or None: nobody)."""
    token = _actor.set(actor if getattr(actor, "pk", None) is not None else None)
    try:
        yield
    finally:
        _actor.reset(token)


@contextlib.contextmanager
def history_reason(reason: str):
    """Give every change recorded inside the block `reason` (the History page's "Change reason")."""
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


def _request_user(request=None, **kwargs):
    """The signed-in user of the request being served (simple-history's `get_user` hook)."""
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class TrackedHistory(HistoricalRecords):
    """`HistoricalRecords` with the project's user rule and `quiet_fields`.

    A save whose `update_fields` are all quiet fields records nothing: they are excluded
    bookkeeping (a sign-in's `last_login`, a product's `updated_at` stamp) and a row with no
    change in it would only bury the real ones.
    """

    def __init__(self, *, excluded_fields: Iterable[str] = (), quiet_fields=(), **kwargs):
        self.quiet_fields = frozenset(quiet_fields)
        kwargs.setdefault("get_user", _request_user)
        super().__init__(excluded_fields=list(excluded_fields), **kwargs)

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        cls._tracked_history = self  # what `one_history_record` writes with

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if created or not update_fields or kwargs.get("raw") or _skipped(instance):
            return super().post_save(instance, created, using=using, **kwargs)
        if set(update_fields) <= self.quiet_fields:
            return None
        # A save of some fields leaves the others as another writer may have just set them
        # (the services save only what changed for that reason): record the row as stored,
        # not this instance's possibly stale copy, or the next entry would show a false change.
        stored = type(instance)._base_manager.using(using).get(pk=instance.pk)
        if hasattr(instance, "_history_user"):
            stored._history_user = instance._history_user
        return super().post_save(stored, created, using=using, **kwargs)

    def get_change_reason_for_object(self, instance, history_type, using):
        return _reason.get() or super().get_change_reason_for_object(instance, history_type, using)

    def get_history_user(self, instance):
        actor = _actor.get()
        if actor is not _UNSET:  # a `history_actor` block wins over the request and the admin
            return actor
        return super().get_history_user(instance)


def _skipped(instance) -> bool:
    return hasattr(instance, "skip_history_when_saving")  # simple-history's own flag


@contextlib.contextmanager
def one_history_record(instance: models.Model):
    """One history row for a save plus many-to-many changes made inside the block.

    Without it a role saved and then given new permissions would record the save, the
    removal and the addition as three rows; here the row is written once, at the end.
    """
    created = instance.pk is None
    instance.skip_history_when_saving = True
    try:
        yield
    finally:
        del instance.skip_history_when_saving
    # Reached only when the block succeeded: a refused change records nothing.
    type(instance)._tracked_history.create_historical_record(instance, "+" if created else "~")


# The API's entries -----------------------------------------------------------------------


def _datetime(value) -> str:
    return DateTimeField().to_representation(value)


def _json(field: models.Field, value):
    """A stored value as the API writes it: Decimals as strings, dates ISO, FKs as ids."""
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return DecimalField(
            max_digits=field.max_digits, decimal_places=field.decimal_places
        ).to_representation(value)
    if isinstance(field, models.DateTimeField):
        return _datetime(value)
    if isinstance(field, models.DateField | models.TimeField):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _state(record, fields, m2m: dict) -> dict:
    state = {field.name: _json(field, getattr(record, field.attname)) for field in fields}
    for name, by_record in m2m.items():
        state[name] = sorted(by_record.get(record.history_id, []))
    return state


def _m2m_values(records: list) -> dict[str, dict[int, list]]:
    """`{field: {history_id: [related, ...]}}` for the records' many-to-many fields: one query
    each. A permission is named `"app_label.codename"` as the API names it, others by id."""
    values = {}
    for field in records[0]._history_m2m_fields:
        target = field.m2m_reverse_field_name()
        rows = HistoricalRecords.m2m_models[field].objects.filter(
            history_id__in=[r.history_id for r in records]
        )
        by_record = values[field.name] = {}
        if field.related_model._meta.label == "auth.Permission":
            named = rows.values_list(
                "history_id", f"{target}__content_type__app_label", f"{target}__codename"
            )
            pairs = [(history_id, f"{app}.{codename}") for history_id, app, codename in named]
        else:
            pairs = rows.values_list("history_id", f"{target}_id")
        for history_id, value in pairs:
            by_record.setdefault(history_id, []).append(value)
    return values


def history_entries(records: list, previous) -> list[dict]:
    """SPEC §17 entries for `records` (newest first); `previous` is the row before the oldest."""
    if not records:
        return []
    fields = [f for f in records[0].tracked_fields if not f.primary_key]
    rows = [*records, *([previous] if previous else [])]
    m2m = _m2m_values(rows)
    states = [_state(r, fields, m2m) for r in rows]
    entries = []
    for index, record in enumerate(records):
        new = states[index]
        old = states[index + 1] if index + 1 < len(states) else {}
        if record.history_type == "+":
            changes = {name: [None, value] for name, value in new.items()}
        elif record.history_type == "-":
            changes = {name: [value, None] for name, value in new.items()}
        else:
            changes = {
                name: [old.get(name), value]
                for name, value in new.items()
                if name not in old or old[name] != value
            }
        user = record.history_user
        entries.append(
            {
                "id": record.history_id,
                "at": _datetime(record.history_date),
                "by": None if user is None else {"id": user.pk, "username": user.username},
                "action": ACTIONS[record.history_type],
                "changes": changes,
            }
        )
    return entries


def history_list(*, model: type[models.Model], pk):
    """The history rows of `model` row `pk`, newest first, with their authors."""
    records = model.history.filter(**{model._meta.pk.attname: pk})
    return records.select_related("history_user").order_by("-history_id")


def history_previous(*, records: list):
    """The row just before the oldest of `records` (what it changed from), or None."""
    if not records:
        return None
    oldest = records[-1]
    model = oldest.instance_type
    earlier = history_list(model=model, pk=getattr(oldest, model._meta.pk.attname))
    return earlier.filter(history_id__lt=oldest.history_id).first()
