import django_filters

from production.models import BOM, ProductionRecord
from products.models import Product


class ProductionFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = ProductionRecord
        fields = ["product", "employee", "date", "date_from", "date_to"]


class BOMFilter(django_filters.FilterSet):
    # A BOM lists a component at most once, so the join repeats no BOM (no DISTINCT needed).
    component = django_filters.ModelChoiceFilter(
        field_name="lines__component",
        queryset=Product.objects.all(),
        distinct=False,
        label="Where used: BOMs listing this component",
    )

    class Meta:
        model = BOM
        fields = ["product", "status", "component"]
