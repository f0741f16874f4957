import django_filters

from customers.models import Customer


class CustomerFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(
        field_name="email", lookup_expr="iexact", label="Email address (exact, any letter case)"
    )
    created_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="Created on or after (YYYY-MM-DD)"
    )
    created_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="Created on or before (YYYY-MM-DD)"
    )

    class Meta:
        model = Customer
        fields = ["email", "created_from", "created_to"]
