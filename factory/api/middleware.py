from django.conf import settings
from django.http import JsonResponse


class RequestSizeLimitMiddleware:
    """Answer 413 JSON to a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
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
