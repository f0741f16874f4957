"""Input validation and output shape of users, roles and tokens. Writes go through `accounts.services`."""

from collections import defaultdict

from django.contrib.auth.models import Permission
from django.db.models import Q
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from accounts.models import Role, User
from accounts.tokens import RefreshToken
from factory.api.schema import request_example

# Long enough for any passphrase, short enough that hashing it is no denial of service.
PASSWORD_MAX_LENGTH = 4096


class PermissionNamesField(serializers.ListField):
    """A role's permissions as a list of `"app_label.codename"` strings, read and written as such."""

    child = serializers.CharField(max_length=255)

    def __init__(self, **kwargs):
        # A few hundred permissions exist at most: a longer list is not a role, and is refused
        # before it is looked up.
        super().__init__(max_length=1000, **kwargs)

    def to_representation(self, role):
        return sorted(role.permission_names())

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_length:  # before any query
            self.fail("max_length", max_length=self.max_length)
        names = sorted(set(super().to_internal_value(data)))
        malformed = [name for name in names if name.count(".") != 1]
        if malformed:
            raise serializers.ValidationError(f"Not an 'app_label.codename' string: {malformed}.")
        by_app = defaultdict(set)
        for name in names:
            app_label, codename = name.split(".")
            by_app[app_label].add(codename)
        query = Q(pk__in=[])
        for app_label, codenames in by_app.items():  # one term per app, not per name
            query |= Q(content_type__app_label=app_label, codename__in=codenames)
        found = list(Permission.objects.filter(query).select_related("content_type"))
        unknown = set(names) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
        if unknown:
            raise serializers.ValidationError(f"Unknown permissions: {sorted(unknown)}.")
        return {"permissions": found}


@extend_schema_serializer(
    examples=[
        request_example(
            "A read-only auditor",
            {
                "name": "auditor",
                "description": "Reads orders and reports, changes nothing",
                "permissions": ["orders.view_order", "reports.view_reports"],
            },
        )
    ]
)
class RoleSerializer(serializers.ModelSerializer):
    permissions = PermissionNamesField(
        source="*",
        required=False,
        help_text='Django permission strings such as "orders.add_order". '
        "The admin role always holds every permission.",
    )

    class Meta:
        model = Role
        fields = ["id", "name", "description", "permissions"]
        # Unique in any letter case: the service checks it (400 on `name`), the API and the
        # admin alike, not DRF's case-sensitive validator.
        extra_kwargs = {"name": {"validators": []}}


class RoleField(serializers.SlugRelatedField):
    """A role by its name."""

    default_error_messages = {
        "does_not_exist": "Unknown role '{value}'.",
        "invalid": "A role name is a string.",
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="name", queryset=Role.objects.all(), **kwargs)


# A password field's input in the browsable API's forms is never filled in with what was sent.
PASSWORD_STYLE = {"input_type": "password", "template": "api/password_input.html"}


@extend_schema_serializer(
    examples=[
        request_example(
            "Sign up", {"username": "new.clerk", "password": "long-unusual-passphrase-2026"}
        )
    ]
)
class UserSerializer(serializers.ModelSerializer):
    """A user. The password is write-only: neither it nor its hash is ever sent back."""

    role = RoleField(required=False, help_text="A role name; `user` when left out.")
    password = serializers.CharField(
        write_only=True,
        max_length=PASSWORD_MAX_LENGTH,
        style=PASSWORD_STYLE,
        help_text="Checked by Django's password validators.",
    )

    class Meta:
        model = User
        fields = ["id", "username", "password", "role", "is_active", "date_joined"]
        read_only_fields = ["is_active", "date_joined"]
        # Unique in any letter case and well-formed: `accounts.services` checks both (400 on
        # `username`), once a request, not DRF's case-sensitive validator as well.
        extra_kwargs = {"username": {"validators": []}}


@extend_schema_serializer(examples=[request_example("Deactivate", {"is_active": False})])
class UserUpdateSerializer(serializers.ModelSerializer):
    """What an admin may change on a user."""

    role = RoleField(required=False)
    password = serializers.CharField(
        write_only=True,
        required=False,
        max_length=PASSWORD_MAX_LENGTH,
        style=PASSWORD_STYLE,
    )

    class Meta:
        model = User
        fields = ["role", "is_active", "password"]


@extend_schema_serializer(
    examples=[
        request_example(
            "A new passphrase",
            {
                "current_password": "the-password-you-signed-in-with",
                "new_password": "another-long-unusual-passphrase-2027",
            },
        )
    ]
)
class PasswordChangeSerializer(serializers.Serializer):
    """The caller's own password: the current one, and the new one (Django's validators)."""

    current_password = serializers.CharField(max_length=PASSWORD_MAX_LENGTH, style=PASSWORD_STYLE)
    new_password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH,
        style=PASSWORD_STYLE,
        help_text="Checked by Django's password validators.",
    )


class UserSummarySerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="role.name")

    class Meta:
        model = User
        fields = ["id", "username", "role"]


@extend_schema_serializer(
    examples=[
        request_example(
            "The demo clerk (make run prints the password)",
            {"username": "clerk", "password": "the-password-make-run-printed"},
        )
    ]
)
class LoginSerializer(TokenObtainPairSerializer):
    """Username + password → access and refresh tokens plus who signed in.

    A wrong password, an unknown username and an inactive user all get the same 401.
    """

    token_class = RefreshToken  # carries the generation and rotation-family claims

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].style = PASSWORD_STYLE

    def validate(self, attrs):
        data = super().validate(attrs)
        return {
            "message": "Successfully signed in",
            "access": data["access"],
            "refresh": data["refresh"],
            "user": UserSummarySerializer(self.user).data,
        }


class LoginResponseSerializer(serializers.Serializer):
    message = serializers.CharField()
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = UserSummarySerializer()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="The refresh token to blacklist.")
