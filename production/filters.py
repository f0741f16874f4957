import django_filters

from production.models import ProductionRecord


class ProductionFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = ProductionRecord
        fields = ["product", "employee", "date", "date_from", "date_to"]
