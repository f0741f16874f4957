"""The first pages a new user opens: `/`, `/api/`, and the site's name on them and on the admin (SPEC §3)."""

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.routers import SimpleRouter

import accounts.urls
import customers.urls
import employees.urls
import orders.urls
import production.urls
import products.urls
import reports.urls

pytestmark = pytest.mark.django_db


def test_landing_page_links_the_admin_docs_api_root_and_health(client):
    response = client.get("/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "<title>Factory back office</title>" in page and "<h1>Factory back office</h1>" in page
    for url in ("/admin/", "/api/docs/", "/api/redoc/", "/api/", "/healthz", "/readyz"):
        assert f'href="{url}"' in page, url
        assert client.get(url).status_code in (200, 302), url


def test_the_admins_view_site_link_leads_to_the_landing_page(client, admin_account):
    client.force_login(admin_account)
    page = client.get("/admin/").content.decode()
    assert '<a href="/">View site</a>' in page


def test_site_name_is_the_admins_header_and_title_and_the_landing_pages(client, admin_account):
    from django.contrib import admin

    with override_settings(SITE_NAME="Acme works"):
        assert "<h1>Acme works</h1>" in client.get("/").content.decode()
    # The admin reads it once at start-up (factory/urls.py); the default is in force here.
    client.force_login(admin_account)
    page = client.get("/admin/").content.decode()
    assert admin.site.site_header == admin.site.site_title == "Factory back office"
    assert "Factory back office" in page and "Django administration" not in page
    assert "| Factory back office</title>" in page


def test_api_root_lists_every_top_level_endpoint(anon_api):
    response = anon_api.get("/api/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    expected = {"auth/login", "auth/refresh", "auth/logout", "users/me", "schema", "docs", "redoc"}
    expected |= {f"reports/{p.pattern}".rstrip("/") for p in reports.urls.urlpatterns}
    for module in (accounts, customers, employees, orders, production, products):
        routers = [v for v in vars(module.urls).values() if isinstance(v, SimpleRouter)]
        expected |= {prefix for router in routers for prefix, _, _ in router.registry}
    assert expected <= set(body), expected - set(body)
    for route, url in body.items():
        assert url == f"http://testserver/api/{route}/"
        assert "<" not in url and "{" not in url  # no path parameter


def test_api_root_in_the_browsable_api(client):
    response = client.get("/api/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "API root" in response.content.decode()


def test_token_blacklist_tables_are_not_in_the_admin(client, admin_account):
    client.force_login(admin_account)
    page = client.get(reverse("admin:index")).content.decode()
    assert "token_blacklist" not in page and "Outstanding tokens" not in page
    assert client.get("/admin/token_blacklist/outstandingtoken/").status_code == 404


def test_browsable_api_offers_a_signed_out_visitor_the_sign_in(client):
    response = client.get("/api/products/?page=2", HTTP_ACCEPT="text/html")
    assert response.status_code == 401
    page = response.content.decode()
    assert 'href="/admin/login/?next=/api/products/%3Fpage%3D2"' in page
    assert "Factory back office API" in page


def test_browsable_api_shows_who_is_signed_in(client, admin_account):
    client.force_login(admin_account)
    page = client.get("/api/products/", HTTP_ACCEPT="text/html").content.decode()
    assert "boss" in page and 'id="sign-in"' not in page and 'href="/admin/"' in page
