"""SPEC §17 History: every change through the API, the admin, a command or the shell is recorded,
with who made it; `GET /api/<plural>/{id}/history/` serves it; passwords are never stored."""

import pytest

from accounts.models import Role
from accounts.roles import ADMIN, USER
from accounts.tests.factories import PASSWORD
from products.services import stock_adjust
from products.tests.factories import make_product
from purchasing.tests.factories import make_supplier

pytestmark = pytest.mark.django_db


def new_bom(api):
    return {
        "product": make_product().pk,
        "lines": [{"component": make_product().pk, "quantity": 1}],
    }


def new_purchase_order(api):
    return {
        "supplier": make_supplier().pk,
        "lines": [{"product": make_product().pk, "quantity": 2, "unit_cost": "1.5000"}],
    }


# resource: (body to create, body to change, the change the history must show)
RESOURCES = {
    "customers": (
        lambda api: {"name": "Acme", "email": "acme@example.com"},
        {"phone": "555"},
        {"phone": ["", "555"]},
    ),
    "employees": (
        lambda api: {"name": "Bo", "hired_on": "2026-01-05"},
        {"hired_on": "2026-02-01", "is_active": False},
        {"hired_on": ["2026-01-05", "2026-02-01"], "is_active": [True, False]},
    ),
    "products": (
        lambda api: {"name": "Gear", "price": "1.00", "initial_stock": 3},
        {"price": "2.5"},
        {"price": ["1.00", "2.50"]},
    ),
    "suppliers": (lambda api: {"name": "Foundry"}, {"phone": "555"}, {"phone": ["", "555"]}),
    "boms": (new_bom, {"notes": "x"}, {"notes": ["", "x"]}),
    "purchase-orders": (new_purchase_order, {"notes": "x"}, {"notes": ["", "x"]}),
    "users": (
        lambda api: {"username": "newbie", "password": PASSWORD},
        {"role": ADMIN},
        "role",
    ),
    "roles": (
        lambda api: {"name": "fresh", "permissions": ["accounts.view_user"]},
        {"permissions": ["accounts.view_user", "accounts.change_user"]},
        {
            "permissions": [
                ["accounts.view_user"],
                ["accounts.change_user", "accounts.view_user"],
            ]
        },
    ),
}


@pytest.mark.parametrize("plural", RESOURCES)
def test_history_of_every_resource_over_the_api(admin_api, admin_account, plural):
    create, change, shown = RESOURCES[plural]
    created = admin_api.post(f"/api/{plural}/", create(admin_api), format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    changed = admin_api.patch(f"/api/{plural}/{pk}/", change, format="json")
    assert changed.status_code == 200, changed.content

    response = admin_api.get(f"/api/{plural}/{pk}/history/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2 and body["previous"] is None and body["next"] is None
    newest, oldest = body["results"]
    assert [newest["action"], oldest["action"]] == ["changed", "created"]
    assert newest["id"] > oldest["id"] and newest["at"] >= oldest["at"]
    assert newest["by"] == oldest["by"] == {"id": admin_account.pk, "username": "boss"}
    if shown == "role":  # a foreign key is its id
        role_ids = [Role.objects.get(name=USER).pk, Role.objects.get(name=ADMIN).pk]
        assert newest["changes"] == {"role": role_ids}
    else:
        assert newest["changes"] == shown
    assert all(old is None for old, _ in oldest["changes"].values())
    assert "password" not in str(body)


def test_product_history_leaves_stock_and_stamps_out(admin_api, admin_account):
    product = make_product(stock=5)
    stock_adjust(product=product, delta=3, note="found", user=admin_account)
    assert admin_api.patch(f"/api/products/{product.pk}/", {"price": "9.00"}).status_code == 200

    entries = admin_api.get(f"/api/products/{product.pk}/history/").json()["results"]

    assert [e["action"] for e in entries] == ["changed", "created"]  # the adjustment: none
    assert set(entries[0]["changes"]) == {"price"}
    assert not {"stock", "updated_at", "average_cost"} & set(entries[1]["changes"])
    assert entries[1]["changes"]["price"][1] == entries[0]["changes"]["price"][0]
