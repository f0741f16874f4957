"""`GET /api/`: the API root, listing every endpoint that takes no path parameter (SPEC §3)."""

from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RegexPattern
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


def top_level_routes(patterns, prefix: str = "") -> list[tuple[str, str]]:
    """`(route, url name)` of each named pattern with no path parameter, in the urlconf's order.

    Read from the urlconf itself, so an app that adds a router or a view is listed without
    anyone remembering to add it here (`factory/tests/test_first_pages.py` checks the routers).
    """
    routes = []
    for pattern in patterns:
        text = str(pattern.pattern)
        if isinstance(pattern.pattern, RegexPattern):
            text = text.removeprefix("^").removesuffix("$")
            parameters = pattern.pattern.regex.groups
        else:
            parameters = len(pattern.pattern.converters)
        if parameters:
            continue
        if isinstance(pattern, URLResolver):
            routes += top_level_routes(pattern.url_patterns, prefix + text)
        elif isinstance(pattern, URLPattern) and pattern.name:
            routes.append((prefix + text, pattern.name))
    return routes


class ApiRootView(APIView):
    """Every endpoint of the API without a path parameter, by route, as absolute URLs."""

    permission_classes = [permissions.AllowAny]
    schema = None  # like DRF's own API root: a map of the schema, not an operation in it
    patterns: list = []  # the API's urlconf (factory/urls.py passes it)

    def get_view_name(self):
        return "API root"

    def get(self, request, *args, **kwargs):
        return Response(
            {
                route.rstrip("/"): reverse(name, request=request, format=kwargs.get("format"))
                for route, name in top_level_routes(self.patterns)
                if name != "api-root"
            }
        )
