"""Filter pieces shared by every list endpoint."""

import django_filters
from django import forms
from django_filters.widgets import BooleanWidget
from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """`?ordering=` with the primary key appended, so pages never shuffle rows that tie."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        keys = {field.lstrip("-") for field in ordering}
        if keys & {"id", "pk"}:
            return ordering
        return [*ordering, "id"]


class StrictBooleanWidget(BooleanWidget):
    """django-filter's true/false/1/0 widget, but an unknown value reaches the field (and is refused)."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        raw = data.get(name)
        return raw if value is None and raw not in (None, "") else value


class StrictBooleanField(forms.NullBooleanField):
    def to_python(self, value):
        if value in (True, False, None, ""):
            return None if value == "" else value
        raise forms.ValidationError("Must be true or false.", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    """`?flag=true|false` (or 1|0); anything else is a 400 instead of being ignored."""

    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", StrictBooleanWidget)
        super().__init__(*args, **kwargs)
