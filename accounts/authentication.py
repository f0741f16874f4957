from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import aware_utcnow, get_md5_hash_password

from accounts.models import User
from accounts.selectors import user_for_token
from accounts.tokens import token_generation

# RFC 7235 §2.1: the scheme is case-insensitive, so "bearer" and "BEARER" sign in too.
_HEADER_TYPES = {header_type.lower() for header_type in authentication.AUTH_HEADER_TYPE_BYTES}
_VERIFIED_TOKENS_LIMIT = 1000
_verified_tokens: dict[bytes, object] = {}


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's bearer-token sign-in, with the user read through the access memo.

    The same checks as simplejwt's (SPEC §4: tampered, expired or wrong-type token, unknown
    or deactivated user, token older than the password → 401), done with less work: a
    token's signature is verified once per process, not on every request (its expiry is),
    and `user_for_token` serves the user from a per-process memo while no user, role or
    permission has changed.
    """

    def authenticate(self, request):
        header = self.get_header(request)
        raw_token = None if header is None else self.get_raw_token(header)
        if raw_token is None:
            return None
        validated_token = self.get_validated_token(raw_token)
        return self.get_user(validated_token), validated_token

    def get_raw_token(self, header: bytes) -> bytes | None:
        """simplejwt's, with the scheme compared in any letter case."""
        parts = header.split()
        if not parts or parts[0].lower() not in _HEADER_TYPES:
            return None  # no credentials, or another scheme's
        if len(parts) != 2:
            raise AuthenticationFailed(
                _("Authorization header must contain two space-delimited values"),
                code="bad_authorization_header",
            )
        return parts[1]

    def get_validated_token(self, raw_token: bytes):
        """The verified token, checked once per process (signature, type, claims) and for
        expiry on every use: a token client sends the same bytes on every request."""
        token = _verified_tokens.get(raw_token)
        if token is not None:
            try:
                token.check_exp(current_time=aware_utcnow())
                return token
            except TokenError:
                _verified_tokens.pop(raw_token, None)  # another thread may have
        token = super().get_validated_token(raw_token)
        if len(_verified_tokens) >= _VERIFIED_TOKENS_LIMIT:
            _verified_tokens.clear()
        _verified_tokens[raw_token] = token
        return token

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(_("Token contained no recognizable user identification")) from e
        try:
            user = user_for_token(user_id)
        except (User.DoesNotExist, ValueError, TypeError) as e:
            raise AuthenticationFailed(_("User not found"), code="user_not_found") from e
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        revoke_claim = validated_token.get(api_settings.REVOKE_TOKEN_CLAIM)
        if revoke_claim != get_md5_hash_password(user.password):
            raise AuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )
        if token_generation(validated_token) != user.token_generation:
            raise AuthenticationFailed(_("Token has been revoked"), code="token_revoked")
        return user


class JWTScheme(SimpleJWTScheme):
    """Documents it in the OpenAPI schema as simplejwt's bearer scheme, named `bearerAuth`.

    drf-spectacular lists security schemes by name, and Swagger UI's Authorize dialog shows them
    in that order: the name sorts before `cookieAuth`, so the first box takes the pasted token.
    """

    target_class = "accounts.authentication.JWTAuthentication"
    name = "bearerAuth"
