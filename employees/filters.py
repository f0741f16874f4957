import django_filters
from django import forms
from django_filters.widgets import BooleanWidget

from employees.models import Employee


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


class EmployeeFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter(field_name="is_active", label="Active (true or false)")
    hired_from = django_filters.DateFilter(
        field_name="hired_on", lookup_expr="gte", label="Hired on or after (YYYY-MM-DD)"
    )
    hired_to = django_filters.DateFilter(
        field_name="hired_on", lookup_expr="lte", label="Hired on or before (YYYY-MM-DD)"
    )

    class Meta:
        model = Employee
        fields = ["is_active", "hired_from", "hired_to"]
