import django_filters

from accounts.models import User
from factory.api.filters import StrictBooleanFilter


class UserFilter(django_filters.FilterSet):
    role = django_filters.CharFilter(field_name="role__name", help_text="A role name.")
    is_active = StrictBooleanFilter(field_name="is_active", label="Active (true or false)")

    class Meta:
        model = User
        fields = ["role", "is_active"]
