"""The OpenAPI schema, Swagger UI and ReDoc: drf-spectacular's views, answering errors as JSON.

drf-spectacular renders whatever its views answer with the page's own renderer: an error
becomes an HTML page (Swagger UI, ReDoc) or an OpenAPI document (the schema), and OPTIONS
fails to render at all (the page template needs the context only `get()` gives; the bug
drf-yasg fixed in its PR #742). Here only the page or the schema itself is rendered so;
errors and OPTIONS' metadata answer JSON like the rest of the API (SPEC §3).
"""

from drf_spectacular import views

from factory.api.exceptions import JSONErrorsMixin


class SchemaView(JSONErrorsMixin, views.SpectacularAPIView):
    """The OpenAPI 3 schema, YAML or JSON as negotiated."""


class SwaggerUIView(JSONErrorsMixin, views.SpectacularSwaggerView):
    """Swagger UI, served from drf-spectacular-sidecar's static files."""


class RedocView(JSONErrorsMixin, views.SpectacularRedocView):
    """ReDoc, served from drf-spectacular-sidecar's static files (no web fonts: see its template)."""
