import datetime

import django_filters
from django.utils import timezone

from orders.models import Order
from products.models import Product


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


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

    # Ranges on the indexed datetime column rather than a per-row DATE() cast.
    def filter_date_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of_day(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of_day(value + datetime.timedelta(days=1)))
