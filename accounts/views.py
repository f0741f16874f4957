"""Sign-in, token refresh and sign-out; users and roles (SPEC §4). Rules live in `accounts.services`."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.views import TokenObtainPairView, TokenViewBase

from accounts import selectors, services
from accounts.filters import UserFilter
from accounts.selectors import ACCESS_CACHE
from accounts.serializers import (
    LoginResponseSerializer,
    LoginSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
    RoleSerializer,
    TokenPairSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from accounts.throttling import LoginIPThrottle, LoginUsernameThrottle
from factory.api.caching import CachedListMixin, PrefetchMixin
from factory.api.history import HistoryViewMixin
from factory.api.schema import ERROR_RESPONSES

# Sign-in views take no credentials, so the project AutoSchema cannot tell they refuse with 401.
BAD_CREDENTIALS = {401: ERROR_RESPONSES[401]}


@extend_schema_view(
    post=extend_schema(responses={200: LoginResponseSerializer, **BAD_CREDENTIALS}, auth=[])
)
class LoginView(TokenObtainPairView):
    """Sign in with username and password. Wrong credentials and inactive users get the same 401."""

    serializer_class = LoginSerializer
    throttle_classes = [LoginIPThrottle, LoginUsernameThrottle]


@extend_schema_view(
    post=extend_schema(responses={200: TokenPairSerializer, **BAD_CREDENTIALS}, auth=[])
)
class RefreshView(TokenViewBase):
    """Trade a refresh token for a new access and refresh token; the one sent is blacklisted."""

    serializer_class = RefreshSerializer

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            tokens = services.token_refresh(refresh=serializer.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(tokens)


class LogoutView(PrefetchMixin, APIView):
    """Sign out: blacklist the caller's refresh token. Access tokens already issued run out on their own."""

    permission_classes = [IsAuthenticated]
    serializer_class = LogoutSerializer

    @extend_schema(request=LogoutSerializer, responses={205: None})
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.token_blacklist(
                refresh=serializer.validated_data["refresh"], actor=request.user
            )
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(status=status.HTTP_205_RESET_CONTENT)


@extend_schema_view(
    create=extend_schema(
        summary="Sign up (create a user)",
        description="Creates a user with the role `user`, or the `role` named, which needs an "
        "admin caller (403 otherwise; an unknown role is a 400). The password must pass Django's "
        "validators and never appears in an answer.",
    ),
    partial_update=extend_schema(request=UserUpdateSerializer, responses={200: UserSerializer}),
    destroy=extend_schema(
        description="Deletes the user: 204. The last active admin, or a user that records still "
        "refer to, is refused with 409 `in_use` (deactivate them instead)."
    ),
)
class UserViewSet(
    HistoryViewMixin,
    CachedListMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Sign-up is open to anyone; everything else needs the `accounts.*_user` permissions of the caller's role."""

    queryset = selectors.user_list()
    list_cache_namespaces = (
        ACCESS_CACHE,
    )  # every write of a user or role bumps it (accounts.apps)
    serializer_class = UserSerializer
    filterset_class = UserFilter
    search_fields = ["username"]
    ordering_fields = ["id", "username", "date_joined"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self):
        if self.action == "create" and settings.ALLOW_SIGNUP:
            return [AllowAny()]  # closed sign-up: `accounts.add_user`, like every other write
        if self.action in ("me", "me_password"):
            return [IsAuthenticated()]
        return super().get_permissions()

    def perform_create(self, serializer):
        serializer.instance = services.user_create(
            actor=self.request.user, **serializer.validated_data
        )

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        serializer = UserUpdateSerializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=user, actor=request.user, **serializer.validated_data)
        return Response(UserSerializer(user).data)

    def perform_destroy(self, instance):
        services.user_delete(user=instance, actor=self.request.user)

    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def me(self, request):
        """The signed-in caller's own user record."""
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    @action(
        detail=False,
        methods=["post"],
        url_path="me/password",
        filter_backends=[],
        pagination_class=None,
        serializer_class=PasswordChangeSerializer,
    )
    def me_password(self, request):
        """Change your own password; every token issued before stops working (sign in again)."""
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_password_change(actor=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    destroy=extend_schema(
        description="Deletes the role: 204. A built-in role (409 `builtin_role`) or one that users "
        "hold (409 `in_use`) is refused."
    )
)
class RoleViewSet(
    HistoryViewMixin,
    CachedListMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Roles and their permissions; needs the `accounts.*_role` permissions of the caller's role."""

    queryset = selectors.role_list()
    serializer_class = RoleSerializer
    list_cache_namespaces = (ACCESS_CACHE,)
    search_fields = ["name", "description"]
    ordering_fields = ["id", "name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.role_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.role_update(
            role=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.role_delete(role=instance, actor=self.request.user)
