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
        if not isinstance(username, str) or not username:
            return None
        # The user sign-in would look up (trimmed and NFKC-normalised, in any letter case), so
        # " clerk" and "CLERK" spend clerk's attempts. Hashed: a username may hold any
        # character, a cache key may not.
        key = User.normalize_username(username).casefold()[:150]
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": "login-user", "ident": digest}
