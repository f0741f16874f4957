import re

from django.conf import settings
from django.http import JsonResponse

# The admin's spreadsheet upload (factory.imports): its own limit, which its form states.
IMPORT_UPLOAD = re.compile(r"^/admin/\w+/\w+/import/$")


class RequestSizeLimitMiddleware:
    """Answer 413 JSON to a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if IMPORT_UPLOAD.match(request.path):
            limit = 2 * settings.IMPORT_MAX_BYTES + 64 * 1024
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length header."}, status=400)
        if limit is not None and length > limit:
            return JsonResponse(
                {"detail": f"Request body too large; the limit is {limit} bytes."}, status=413
            )
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every /api/ answer but the schema and its docs pages.

    Sign-in and refresh answers carry tokens, and nearly every other answer carries customer
    or personal data (customers; orders embed their customer; users; reports name customers;
    production names employees), errors included: no browser, proxy or CDN may keep a copy.
    The schema and the docs pages describe the API only, so they stay cacheable. The admin's
    pages are Django's `never_cache` already.
    """

    PUBLIC = ("/api/schema/", "/api/docs/", "/api/redoc/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path
        if path.startswith("/api/") and not path.startswith(self.PUBLIC):
            response["Cache-Control"] = "no-store"
        return response


# Pages drawn by this host's own static files: scripts from files only (no inline script, no eval).
# Inline styles stay allowed: the admin's templates and the libraries' widgets set style attributes,
# and a style cannot run code.
CSP_PAGES = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# ReDoc renders its search index in a web worker started from a blob: URL.
CSP_REDOC = f"{CSP_PAGES}; worker-src 'self' blob:"


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every admin page (the docs pages set their own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and "admin" in match.namespaces:
            response.headers.setdefault("Content-Security-Policy", CSP_PAGES)
        return response
