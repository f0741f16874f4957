from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import services
from accounts.models import Role, User
from accounts.serializers import (
    LoginResponseSerializer,
    LoginSerializer,
    LogoutSerializer,
    RefreshResponseSerializer,
    RefreshSerializer,
    RoleSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from accounts.throttling import LoginIPThrottle, LoginUsernameThrottle


@extend_schema(responses={200: LoginResponseSerializer}, auth=[])
class LoginView(TokenObtainPairView):
    """Sign in with username and password. Wrong credentials and inactive users get the same 401."""

    serializer_class = LoginSerializer
    throttle_classes = [LoginIPThrottle, LoginUsernameThrottle]


@extend_schema(responses={200: RefreshResponseSerializer}, auth=[])
class RefreshView(TokenRefreshView):
    """Trade a refresh token for a new access token and a new refresh token; the old one is blacklisted."""

    serializer_class = RefreshSerializer


class LogoutView(APIView):
    """Blacklist the caller's refresh token."""

    permission_classes = [IsAuthenticated]
    serializer_class = LogoutSerializer

    @extend_schema(request=LogoutSerializer, responses={205: None})
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        if str(token.payload.get(jwt_settings.USER_ID_CLAIM)) != str(request.user.pk):
            raise InvalidToken("This refresh token belongs to another user.")
        token.blacklist()
        return Response(status=status.HTTP_205_RESET_CONTENT)


class UserViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Sign-up is open to anyone; everything else needs the admin's user permissions."""

    queryset = User.objects.all()
    serializer_class = UserSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    search_fields = ["username"]
    ordering_fields = ["id", "username", "date_joined"]
    filterset_fields = ["is_active", "role__name"]

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        if self.action == "me":
            return [IsAuthenticated()]
        return super().get_permissions()

    def get_serializer_class(self):
        if self.action == "partial_update":
            return UserUpdateSerializer
        return UserSerializer

    def perform_create(self, serializer):
        serializer.instance = services.user_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.user_update(
            user=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request):
        """The signed-in caller."""
        return Response(UserSerializer(request.user).data)


class RoleViewSet(viewsets.ModelViewSet):
    queryset = Role.objects.prefetch_related("permissions__content_type")
    serializer_class = RoleSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    search_fields = ["name"]
    ordering_fields = ["id", "name"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.role_create(
            name=data["name"],
            description=data.get("description", ""),
            permissions=data.get("permissions", []),
        )

    def perform_update(self, serializer):
        serializer.instance = services.role_update(
            role=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.role_delete(role=instance)
