"""The OpenAPI schema, Swagger UI and ReDoc: drf-spectacular's views, answering errors as JSON.

drf-spectacular renders whatever its views answer with the page's own renderer: an error
becomes an HTML page (Swagger UI, ReDoc) or an OpenAPI document (the schema), and OPTIONS
fails to render at all (the page template needs the context only `get()` gives; the bug
drf-yasg fixed in its PR #742). Here only the page or the schema itself is rendered so;
errors and OPTIONS' metadata answer JSON like the rest of the API (SPEC §3).

Both pages carry a Content-Security-Policy with no inline script: Swagger UI is the "split"
view (its start-up script is fetched from the same URL with `?script`), and ReDoc's template
starts it from a `<redoc>` element instead of an inline script.
"""

from drf_spectacular import views

from factory.api.exceptions import JSONErrorsMixin
from factory.api.middleware import CSP_PAGES, CSP_REDOC


class ContentSecurityPolicyMixin:
    content_security_policy = CSP_PAGES

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", self.content_security_policy)
        return response


class SchemaView(JSONErrorsMixin, views.SpectacularAPIView):
    """The OpenAPI 3 schema, YAML or JSON as negotiated."""


class SwaggerUIView(ContentSecurityPolicyMixin, JSONErrorsMixin, views.SpectacularSwaggerSplitView):
    """Swagger UI, served from drf-spectacular-sidecar's static files."""


class RedocView(ContentSecurityPolicyMixin, JSONErrorsMixin, views.SpectacularRedocView):
    """ReDoc, served from drf-spectacular-sidecar's static files (no web fonts: see its template)."""

    content_security_policy = CSP_REDOC
