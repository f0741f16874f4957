from django.contrib.auth import password_validation
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.models import Role, User


class PermissionNamesField(serializers.ListField):
    """A list of `"app_label.codename"` strings, read and written as such."""

    child = serializers.CharField(max_length=255)

    def to_representation(self, role):
        return sorted(role.permission_names())

    def to_internal_value(self, data):
        names = sorted(set(super().to_internal_value(data)))
        malformed = [name for name in names if name.count(".") != 1]
        if malformed:
            raise serializers.ValidationError(f"Not an 'app_label.codename' string: {malformed}.")
        query = Q(pk__in=[])
        for name in names:
            app_label, codename = name.split(".")
            query |= Q(content_type__app_label=app_label, codename=codename)
        found = list(Permission.objects.filter(query).select_related("content_type"))
        unknown = set(names) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
        if unknown:
            raise serializers.ValidationError(f"Unknown permissions: {sorted(unknown)}.")
        return {"permissions": found}


class RoleSerializer(serializers.ModelSerializer):
    permissions = PermissionNamesField(source="*", required=False)

    class Meta:
        model = Role
        fields = ["id", "name", "description", "permissions"]


class RoleField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="name", queryset=Role.objects.all(), **kwargs)


class UserSerializer(serializers.ModelSerializer):
    """Read shape of a user; the password is write-only and never echoed."""

    role = RoleField(required=False)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    class Meta:
        model = User
        fields = ["id", "username", "password", "role", "is_active", "date_joined"]
        read_only_fields = ["is_active", "date_joined"]

    def validate(self, attrs):
        password = attrs.get("password")
        if password is not None:
            candidate = self.instance or User(username=attrs.get("username", ""))
            try:
                password_validation.validate_password(password, candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class UserUpdateSerializer(UserSerializer):
    class Meta(UserSerializer.Meta):
        read_only_fields = ["username", "date_joined"]
        extra_kwargs = {"password": {"required": False}}


class UserSummarySerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="role.name")

    class Meta:
        model = User
        fields = ["id", "username", "role"]


class LoginSerializer(TokenObtainPairSerializer):
    """Username + password → access and refresh tokens plus who signed in."""

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


class RefreshSerializer(TokenRefreshSerializer):
    """Rotate a refresh token; refuse it if its user is gone, inactive, or changed password since."""

    def validate(self, attrs):
        token = self.token_class(attrs["refresh"])
        user = User.objects.filter(pk=token.payload.get(jwt_settings.USER_ID_CLAIM)).first()
        if (
            user is None
            or not user.is_active
            or token.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM)
            != get_md5_hash_password(user.password)
        ):
            raise AuthenticationFailed("Token is invalid or expired", code="token_not_valid")
        return super().validate(attrs)


class RefreshResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()
