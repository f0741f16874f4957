"""Error answers: JSON under /api/, Django's defaults elsewhere (a 400 is JSON everywhere)."""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


@csrf_exempt  # it changes nothing; without this an unknown URL would answer an HTML CSRF page
def api_not_found(request, *args, **kwargs):
    """Catch-all for unknown /api/ URLs, so they answer JSON even with DEBUG on."""
    return JsonResponse({"detail": "Not found."}, status=404)


def bad_request(request, exception):
    """A SuspiciousOperation or BadRequest anywhere (too many fields or files, a forged Host, ...).

    JSON on every URL: the client is refused before any page could be drawn for it. Django logs
    it on `django.security.*`, made one warning line by `factory.logging`.
    """
    if isinstance(
        exception, RequestDataTooBig
    ):  # a body with no Content-Length, read past the limit
        return JsonResponse({"detail": "Request body too large."}, status=413)
    return JsonResponse(
        {"detail": "Bad request: too many fields or files, or malformed."}, status=400
    )


def page_not_found(request, exception):
    if _is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return defaults.server_error(request)
