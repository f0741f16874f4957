import django_filters

from factory.api.filters import StrictBooleanFilter
from orders.invoicing import utc_today
from orders.models import Invoice, Order
from orders.selectors import invoice_overdue_filter, order_created_between
from products.models import Product


class OrderFilter(django_filters.FilterSet):
    product = django_filters.ModelChoiceFilter(
        field_name="items__product", queryset=Product.objects.all(), label="Has this product"
    )
    date_from = django_filters.DateFilter(
        method="filter_date_from", label="Placed on or after (YYYY-MM-DD)"
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to", label="Placed on or before (YYYY-MM-DD)"
    )

    class Meta:
        model = Order
        fields = ["customer", "status", "product", "date_from", "date_to"]

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(**order_created_between(date_from=value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(**order_created_between(date_to=value))


class InvoiceFilter(django_filters.FilterSet):
    overdue = StrictBooleanFilter(
        method="filter_overdue", label="true: unpaid and due before today; false: the others"
    )

    class Meta:
        model = Invoice
        fields = ["status", "customer", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = invoice_overdue_filter(today=utc_today())
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)
