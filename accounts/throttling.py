import hashlib

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
        # Hashed: a username may hold any character, a cache key may not.
        digest = hashlib.sha256(username.lower()[:150].encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_format % {"scope": "login-user", "ident": digest}
