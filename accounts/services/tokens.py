"""Tokens: rotation with reuse detection, sign-out, and revoking every token a user holds."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.models import User
from accounts.tokens import (
    FAMILY_CLAIM,
    PresentedRefreshToken,
    RefreshToken,
    stored_token_family,
    token_generation,
)

TOKENS_REVOKED = "Token is invalid or expired"


def _outstanding(*, user: User):
    return OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )


def refresh_tokens_revoke(*, user: User, family: str | None = None) -> None:
    """Blacklist every unexpired refresh token `user` holds (only those of `family` if given)."""
    tokens = _outstanding(user=user)
    if family is not None:
        tokens = [t for t in tokens if stored_token_family(t.token) == family]
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True
    )


def _token_user(token) -> User:
    """The user a refresh token was issued to, if they still exist, are active, kept their
    password and were not deactivated since.

    Their row stays locked until the caller's transaction ends, so a deactivation cannot slip
    between this check and the new refresh token (it would miss that token when it revokes).
    """
    users = User.objects.select_related(None).select_for_update()
    try:
        user = users.filter(pk=token.get(jwt_settings.USER_ID_CLAIM)).first()
    except (TypeError, ValueError):
        user = None
    if (
        user is None
        or not user.is_active
        or token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password)
        or token_generation(token) != user.token_generation
    ):
        raise TokenError(_(TOKENS_REVOKED))
    return user


def token_refresh(*, refresh: str) -> dict[str, str]:
    """Trade a refresh token for a new access and refresh token, blacklisting the old one.

    The blacklist row is the arbiter: when the same token is presented twice, only the request
    that inserts it gets new tokens. A refresh token presented after it was used is a reuse
    (RFC 9700 §4.14.2: someone holds a copy): every refresh token of its rotation family is
    blacklisted, the one just issued from it included, and the holder signs in again.
    No actor: the token is the credential. Raises TokenError if the token is malformed, expired,
    used before, or its user is gone, inactive, deactivated since or has changed password since.
    """
    token = PresentedRefreshToken(refresh)
    family = token.get(FAMILY_CLAIM) or token.get(jwt_settings.JTI_CLAIM)
    with transaction.atomic():
        user = _token_user(token)
        _entry, created = token.blacklist()
        if created:
            new = RefreshToken.for_user(user, family=family)
            return {"access": str(new.access_token), "refresh": str(new)}
        refresh_tokens_revoke(user=user, family=family)  # committed with this block
    raise TokenError(_("Token is blacklisted"))


def token_blacklist(*, refresh: str, actor: User) -> None:
    """Sign out: blacklist `actor`'s refresh token. Raises TokenError if it is invalid or someone else's."""
    token = RefreshToken(refresh)
    if str(token.get(jwt_settings.USER_ID_CLAIM)) != str(actor.pk):
        raise TokenError(_("Token is invalid or expired"))
    with transaction.atomic():
        token.blacklist()
