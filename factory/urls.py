from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from factory.api import health
from factory.api.docs import RedocView, SchemaView, SwaggerUIView
from factory.api.root import ApiRootView
from factory.api.views import api_not_found
from factory.views import landing

admin.site.site_header = admin.site.site_title = settings.SITE_NAME

reports = path("reports/", include("reports.urls"))
# The busiest routes first: Django tries each pattern in turn (~1 µs apiece).
api_patterns = [
    path("", include("products.urls")),
    path("", include("orders.urls")),
    path("", include("production.urls")),
    path("", include("customers.urls")),
    path("", include("employees.urls")),
    path("", include("purchasing.urls")),
    path("", include("events.urls")),
    reports,
    path("", include("accounts.urls")),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerUIView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    re_path(r"^.*$", api_not_found),
]
# The API root reads the list above when asked, so it lists whatever comes before it.
api_patterns.insert(-1, path("", ApiRootView.as_view(patterns=api_patterns), name="api-root"))
# Requests try the reports first (the root lists them in the order above): every other route
# refuses their literal prefix at once, while each router's empty prefix has it try, and list
# as tried, every one of its patterns: 68 µs to resolve a report after them, 20 µs first.
resolved_api_patterns = [reports, *(pattern for pattern in api_patterns if pattern is not reports)]

urlpatterns = [
    path("", landing, name="landing"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include(resolved_api_patterns)),
]

# `make bench` only (BENCH_BASELINE=1): the reference its API throughput is compared with, a bare
# Django view answering a small JSON dict through the same server and middleware, the same view
# after one read of the shared cache, and the same dict behind DRF's sign-in, throttles and role
# permission (the floor of every API request).
# See docs/bench.md.
if settings.BENCH_BASELINE:
    from factory.api.bench import BenchSignedInView, bench_baseline, bench_cache_read

    urlpatterns[:0] = [
        path("bench/baseline/", bench_baseline, name="bench-baseline"),
        path("bench/cache-read/", bench_cache_read, name="bench-cache-read"),
        path("bench/signed-in/", BenchSignedInView.as_view(), name="bench-signed-in"),
    ]

handler400 = "factory.api.views.bad_request"
handler404 = "factory.api.views.page_not_found"
handler500 = "factory.api.views.server_error"
