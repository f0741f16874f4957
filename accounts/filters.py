import django_filters

from accounts.models import User


class UserFilter(django_filters.FilterSet):
    role = django_filters.CharFilter(field_name="role__name", help_text="A role name.")

    class Meta:
        model = User
        fields = ["role", "is_active"]
