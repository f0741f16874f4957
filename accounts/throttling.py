"""Sign-in limits, one budget for the API's and the admin's sign-in (`THROTTLE_LOGIN`)."""

import hashlib

from accounts.models import User
from factory.api.throttling import FixedWindowThrottle


class LoginIPThrottle(FixedWindowThrottle):
    """Sign-in attempts per client address (`THROTTLE_LOGIN`)."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "login-ip", "ident": self.get_ident(request)}


class LoginUsernameThrottle(FixedWindowThrottle):
    """Sign-in attempts per username, whatever address they come from (`THROTTLE_LOGIN`)."""

    scope = "login"

    def get_cache_key(self, request, view):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        return self.key_for(username)

    def key_for(self, username) -> str | None:
        if not isinstance(username, str) or not username:
            return None
        # The user sign-in would look up (trimmed and NFKC-normalised, in any letter case), so
        # " clerk" and "CLERK" spend clerk's attempts. Hashed: a username may hold any
        # character, a cache key may not.
        key = User.normalize_username(username).casefold()[:150]
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": "login-user", "ident": digest}


def sign_in_wait(request, username) -> float | None:
    """Counts one sign-in attempt outside the API (the admin's) against the API's limits.

    The same counters as `POST /api/auth/login/` (per address and per username, in the shared
    cache when there is one), so the two sign-ins share one budget. Returns the seconds until
    the attempt would be allowed, or None when it is allowed.
    """
    by_address, by_username = LoginIPThrottle(), LoginUsernameThrottle()
    keys = [
        (by_address, by_address.get_cache_key(request, None)),
        (by_username, by_username.key_for(username)),
    ]
    waits = [throttle.wait() for throttle, key in keys if not throttle.allow_key(key)]
    return max(waits) if waits else None
