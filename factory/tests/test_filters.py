"""The list filter backend (factory/api/filters.py): a FilterSet is built only when it has work."""

import pytest

from products.filters import ProductFilter
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def filtersets_built(monkeypatch):
    built = []
    init = ProductFilter.__init__

    def counting_init(self, *args, **kwargs):
        built.append(kwargs.get("data"))
        init(self, *args, **kwargs)

    monkeypatch.setattr(ProductFilter, "__init__", counting_init)
    return built


@pytest.mark.parametrize("query", ["", "?page_size=5", "?search=Bolt&ordering=-price&page=1"])
def test_no_filter_parameter_builds_no_filterset(user_api, filtersets_built, query):
    make_product(name="Bolt", price="2.00"), make_product(name="Nut", price="1.00")
    body = user_api.get(f"/api/products/{query}").json()
    assert filtersets_built == []
    assert body["count"] == (1 if "search" in query else 2)


def test_a_filter_parameter_filters_and_refuses_bad_values(user_api, filtersets_built):
    make_product(name="Bolt", price="2.00"), make_product(name="Nut", price="1.00")
    assert [p["name"] for p in user_api.get("/api/products/?min_price=1.50").json()["results"]] == [
        "Bolt"
    ]
    response = user_api.get("/api/products/?min_price=cheap")
    assert response.status_code == 400
    assert "min_price" in response.json()
    assert len(filtersets_built) == 2
