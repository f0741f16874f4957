import django_filters

from factory.api.filters import StrictBooleanFilter
from products.models import LOW_STOCK, Product


class ProductFilter(django_filters.FilterSet):
    min_price = django_filters.NumberFilter(field_name="price", lookup_expr="gte")
    max_price = django_filters.NumberFilter(field_name="price", lookup_expr="lte")
    in_stock = StrictBooleanFilter(method="filter_in_stock", label="In stock")
    low_stock = StrictBooleanFilter(method="filter_low_stock", label="At or below reorder level")

    class Meta:
        model = Product
        fields = ["min_price", "max_price", "in_stock", "low_stock"]

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(stock__gt=0) if value else queryset.filter(stock=0)

    def filter_low_stock(self, queryset, name, value):
        return queryset.filter(LOW_STOCK) if value else queryset.exclude(LOW_STOCK)
