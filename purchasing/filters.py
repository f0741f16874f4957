import django_filters

from factory.api.filters import StrictBooleanFilter
from products.models import Product
from purchasing.models import PurchaseOrder, Supplier


class SupplierFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter(field_name="is_active", label="Active (true or false)")

    class Meta:
        model = Supplier
        fields = ["is_active"]


class PurchaseOrderFilter(django_filters.FilterSet):
    product = django_filters.ModelChoiceFilter(
        field_name="lines__product", queryset=Product.objects.all(), label="Has this product"
    )

    class Meta:
        model = PurchaseOrder
        fields = ["supplier", "status", "product"]
