"""List pages serialized without DRF's per-field machinery, to the same bytes (docs/bench.md).

A page of 100 orders is ~600 nested objects: DRF's `Serializer.to_representation` walks every
field of every one (`_readable_fields`, `get_attribute` with its callable and exception checks,
`to_representation`), which was 60 % of a cold orders page. `compile_serializer` reads the
serializer once a request and builds one plain function per (nested) serializer: a tuple of
(name, getter, converter) steps. Each step does what DRF does for that field, skipping only what
cannot apply to a read-only model attribute:

- a field whose own class overrides `get_attribute` (a custom field, a `source="*"` field, a
  method field), or whose source is a model method, keeps DRF's `get_attribute`;
- a plain model attribute is read with `getattr`; a primary-key relation with its `attname`
  (what DRF's `PKOnlyObject` optimisation reads); `None` stays `None` as in DRF;
- the value is converted by the field's own `to_representation`, except for the exact DRF
  classes whose conversion is a builtin (`CharField` → `str`, `IntegerField` → `int`) and a
  `DecimalField` value already at its places (`'{:f}'`, what DRF prints after quantizing);
- a `DateTimeField` in ISO 8601 is the value in the current time zone, `isoformat()` with
  `+00:00` written `Z` as DRF writes it; the zone is read once a list instead of twice a row
  (DRF's `enforce_timezone` asks Django for it every time: 14 µs a value, most of a row);
- nested serializers and `many=True` lists compile recursively.

`FastListMixin` makes a view's `get_serializer(..., many=True)` use it for reads; single
objects and every write keep DRF's serializers. Tests compare both on every list's rows
(factory/tests/test_fastread.py).
"""

import datetime
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from decimal import Decimal
from operator import attrgetter

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Manager
from django.db.models.manager import BaseManager
from django.utils import timezone
from rest_framework import ISO_8601, fields, relations, serializers
from rest_framework.settings import api_settings

_PLAIN = {fields.CharField: str, fields.EmailField: str, fields.IntegerField: int}
_BASE_GET_ATTRIBUTE = fields.Field.get_attribute


def _static_attribute(model, name):
    return inspect.getattr_static(model, name, None)


def _model_attribute_getter(serializer, field) -> Callable | None:
    """`attrgetter` for a field reading plain model attributes (through forward relations for a
    dotted source), else None (DRF's own getter)."""
    if type(field).get_attribute is not _BASE_GET_ATTRIBUTE or not field.source_attrs:
        return None
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    for position, name in enumerate(field.source_attrs):
        if model is None:
            return None
        # Not on the class: an annotation or an attribute the selector set (never a method).
        attribute = _static_attribute(model, name)
        if inspect.isfunction(attribute) or isinstance(attribute, (staticmethod, classmethod)):
            return None  # a method: DRF calls it
        if position < len(field.source_attrs) - 1:
            try:
                relation = model._meta.get_field(name)
            except FieldDoesNotExist:
                return None
            if not (relation.many_to_one or relation.one_to_one) or relation.auto_created:
                return None
            model = relation.related_model
    return attrgetter(".".join(field.source_attrs))


def _pk_getter(serializer, field) -> Callable | None:
    """A PrimaryKeyRelatedField's value as DRF's PKOnlyObject reads it: the foreign key column."""
    if type(field) is not relations.PrimaryKeyRelatedField or field.pk_field is not None:
        return None
    if len(field.source_attrs) != 1:
        return None
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    try:
        model_field = model._meta.get_field(field.source_attrs[0])
    except (FieldDoesNotExist, AttributeError):
        return None
    if not getattr(model_field, "attname", None) or not model_field.is_relation:
        return None
    return attrgetter(model_field.attname)


def _decimal(field) -> Callable:
    places = field.decimal_places
    slow = field.to_representation
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if not coerce or places is None or field.localize or field.normalize_output:
        return slow

    def convert(value):
        if type(value) is Decimal and value.as_tuple().exponent == -places:
            return f"{value:f}"
        return slow(value)

    return convert


# The current time zone while a list is represented (FastListSerializer); None outside one.
_ZONE: ContextVar[datetime.tzinfo | None] = ContextVar("fastread_zone", default=None)


def _datetime(field) -> Callable:
    slow = field.to_representation
    output = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if hasattr(field, "timezone") or not isinstance(output, str) or output.lower() != ISO_8601:
        return slow

    def convert(value):
        zone = _ZONE.get()
        if zone is None or type(value) is not datetime.datetime or value.tzinfo is None:
            return slow(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:  # DRF's own answer to it
            return slow(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _converter(field) -> Callable:
    if isinstance(field, serializers.ListSerializer):
        if type(field).to_representation is not serializers.ListSerializer.to_representation:
            return field.to_representation
        child = compile_serializer(field.child)

        def many(value):
            items = value.all() if isinstance(value, (BaseManager, Manager)) else value
            return [child(item) for item in items]

        return many
    if isinstance(field, serializers.Serializer):
        return compile_serializer(field)
    if type(field) in _PLAIN:
        return _PLAIN[type(field)]
    if type(field) is fields.DecimalField:
        return _decimal(field)
    if type(field) is fields.DateTimeField:
        return _datetime(field)
    return field.to_representation


def compile_serializer(serializer) -> Callable[[object], dict]:
    """One function giving `serializer.to_representation(instance)` for a read-only instance."""
    if type(serializer).to_representation is not serializers.Serializer.to_representation:
        return serializer.to_representation  # its own shape: DRF's
    steps = []
    for field in serializer._readable_fields:
        getter = _pk_getter(serializer, field)
        pk_only = getter is not None
        if getter is None:
            getter = _model_attribute_getter(serializer, field)
        if getter is None:
            getter = field.get_attribute
        steps.append((field.field_name, getter, (lambda pk: pk) if pk_only else _converter(field)))
    steps = tuple(steps)

    def represent(instance):
        row = {}
        for name, get, convert in steps:
            try:
                value = get(instance)
            except fields.SkipField:
                continue
            except ObjectDoesNotExist:  # a missing related object: DRF's get_attribute says None
                value = None
            if isinstance(value, relations.PKOnlyObject):
                value = value if value.pk is not None else None
            row[name] = None if value is None else convert(value)
        return row

    return represent


_COMPILED: dict[type, Callable] = {}


def compiled(serializer) -> Callable[[object], dict]:
    """compile_serializer, once per serializer class (a process's read serializers are fixed:
    none of their fields depends on the request or the context)."""
    represent = _COMPILED.get(type(serializer))
    if represent is None:
        represent = _COMPILED.setdefault(type(serializer), compile_serializer(serializer))
    return represent


class FastListSerializer(serializers.ListSerializer):
    """A ListSerializer that represents its items with `compile_serializer` (reads only)."""

    def to_representation(self, data):
        items = data.all() if isinstance(data, BaseManager) else data
        represent = compiled(self.child)
        zone = _ZONE.set(timezone.get_current_timezone() if settings.USE_TZ else None)
        try:
            return [represent(item) for item in items]
        finally:
            _ZONE.reset(zone)


def fast_list(serializer_class, instances, **kwargs) -> serializers.ListSerializer:
    """`serializer_class(instances, many=True, **kwargs)`, represented by `compile_serializer`."""
    return FastListSerializer(instances, child=serializer_class(**kwargs), **kwargs)


class FastListMixin:
    """A view whose list pages (`get_serializer(page, many=True)`) use FastListSerializer."""

    def get_serializer(self, *args, **kwargs):
        if not kwargs.get("many") or "data" in kwargs:
            return super().get_serializer(*args, **kwargs)
        kwargs.pop("many")
        kwargs.setdefault("context", self.get_serializer_context())
        return fast_list(self.get_serializer_class(), *args, **kwargs)
