"""Filter pieces shared by every list endpoint."""

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import BooleanWidget
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which filters nothing when no parameter of the FilterSet is given.

    Building and validating a FilterSet's form is the costliest step of a list page that is
    not cached (~0.4 ms of a 10-row page, docs/bench.md), and with none of its parameters in
    the query it returns the queryset unfiltered: then it is not built at all. A parameter is
    the FilterSet's when it is a filter's name or starts with one and `_` (a range filter's
    `_min`/`_after` halves), so a query that might feed a filter always runs it.
    """

    def filter_queryset(self, request, queryset, view):
        names = request.query_params.keys()
        if names:
            filterset_class = self.get_filterset_class(view, queryset)
            filters = () if filterset_class is None else filterset_class.base_filters
            if any(key == f or key.startswith(f"{f}_") for key in names for f in filters):
                return super().filter_queryset(request, queryset, view)
        return queryset


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


class BoundedSearchFilter(SearchFilter):
    """`?search=` of at most MAX_TERMS words and MAX_LENGTH characters; more is a 400.

    Each word becomes one `LIKE` per search field, all in one WHERE clause: 1,000 words made
    SQLite refuse the query ("expression tree too large", a 503) and cost 0.8 s at 450 words
    on 10,000 customers. Nobody types more than a few words into a search box.
    """

    MAX_TERMS = 10
    MAX_LENGTH = 200
    search_description = (
        f"Words to find (all of them, in any searched field); at most {MAX_TERMS} words, "
        f"{MAX_LENGTH} characters."
    )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["maxLength"] = self.MAX_LENGTH
        return parameters

    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        if len(value) > self.MAX_LENGTH:
            raise ValidationError(
                {self.search_param: [f"At most {self.MAX_LENGTH} characters."]}, code="max_length"
            )
        terms = super().get_search_terms(request)
        if len(terms) > self.MAX_TERMS:
            raise ValidationError(
                {self.search_param: [f"At most {self.MAX_TERMS} words."]}, code="max_terms"
            )
        return terms
