"""The JWTs this project issues: simplejwt's, plus two claims that revoke them.

- `gen`, the user's token generation (`User.token_generation`). Deactivating a user moves it
  on, so every token issued before is refused for good, access tokens included, even after
  the user is reactivated. A token without the claim counts as generation 0.
- `fam`, the rotation family: the `jti` of the refresh token a sign-in issued, carried by every
  refresh (and access) token rotated from it. Presenting a used refresh token again revokes
  the whole family (`accounts.services.token_refresh`).
"""

import jwt
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

GENERATION_CLAIM = "gen"
FAMILY_CLAIM = "fam"


class RefreshToken(tokens.RefreshToken):
    @classmethod
    def for_user(cls, user, *, family: str | None = None) -> "RefreshToken":
        """simplejwt's, with the claims added before the token is stored as outstanding."""
        token = tokens.Token.for_user.__func__(cls, user)  # claims, not yet outstanding
        jti = token[tokens.api_settings.JTI_CLAIM]
        token[GENERATION_CLAIM] = user.token_generation
        token[FAMILY_CLAIM] = family or jti
        OutstandingToken.objects.create(
            user=user,
            jti=jti,
            token=str(token),
            created_at=token.current_time,
            expires_at=datetime_from_epoch(token["exp"]),
        )
        return token


class PresentedRefreshToken(RefreshToken):
    """A refresh token sent to be rotated: signature, expiry and type are verified, but not the
    blacklist, because a blacklisted one sent again is a reuse that `token_refresh` answers."""

    def check_blacklist(self) -> None:
        return None


def token_generation(token) -> int:
    return token.get(GENERATION_CLAIM, 0)


def stored_token_family(encoded: str) -> str | None:
    """The family claim of a token this server issued and stored (its signature was checked then)."""
    try:
        claims = jwt.decode(encoded, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims.get(FAMILY_CLAIM)
