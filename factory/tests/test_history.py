"""SPEC §17 History: every change through the API, the admin, a command or the shell is recorded,
with who made it; `GET /api/<plural>/{id}/history/` serves it; passwords are never stored."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.roles import ADMIN, USER
from accounts.services import SYSTEM, role_create, role_update, user_update
from accounts.tests.factories import PASSWORD, permissions_named
from conftest import bearer_client, make_user
from customers.models import Customer
from customers.services import customer_create, customer_update
from customers.tests.factories import make_customer
from demo.management.commands import seed_demo
from factory.history import history_actor
from orders.services import order_place
from production.models import BOM
from production.services import bom_activate, bom_create
from products.models import Product
from products.services import product_update, stock_adjust
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


def entries(api, plural, pk, **params):
    response = api.get(f"/api/{plural}/{pk}/history/", params)
    assert response.status_code == 200, response.content
    return response.json()


# Who: the API's token user, the admin's session user, a command's actor, nobody in the shell.


def test_history_by_is_the_admin_user_for_admin_changes(client, admin_account, admin_api):
    client.force_login(admin_account)
    customer = customer_create(name="Acme", email="acme@example.com")
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = {"name": "Acme", "email": "acme@example.com", "phone": "555-0100", "address": ""}

    assert client.post(url, form).status_code == 302

    newest, created = entries(admin_api, "customers", customer.pk)["results"]
    assert newest["by"] == {"id": admin_account.pk, "username": "boss"}
    assert newest["changes"] == {"phone": ["", "555-0100"]}
    assert created["by"] is None  # made in the test's own code: the shell's case


def test_history_admin_page_shows_the_field_diffs(client, admin_account):
    client.force_login(admin_account)
    customer = customer_create(name="Acme", email="acme@example.com")
    customer_update(customer=customer, phone="555-0199")

    page = client.get(reverse("admin:customers_customer_history", args=[customer.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "555-0199" in text and "Phone" in text
    assert "Revert" not in text  # SIMPLE_HISTORY_REVERT_DISABLED: the services stay in charge


def test_history_shell_changes_are_recorded_by_nobody(admin_api):
    customer = customer_create(name="Acme", email="acme@example.com")
    customer_update(customer=customer, name="Acme Ltd")

    newest, created = entries(admin_api, "customers", customer.pk)["results"]

    assert (newest["by"], created["by"]) == (None, None)
    assert newest["changes"] == {"name": ["Acme", "Acme Ltd"]}


def test_history_actor_names_who_a_script_or_command_acts_for(admin_api, admin_account):
    with history_actor(admin_account):
        customer = customer_create(name="Acme", email="acme@example.com")
    with history_actor(SYSTEM):
        customer_update(customer=customer, phone="1")

    newest, created = entries(admin_api, "customers", customer.pk)["results"]

    assert created["by"] == {"id": admin_account.pk, "username": "boss"}
    assert newest["by"] is None


def test_history_of_a_command_is_by_nobody(admin_api, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Command-made-passphrase-1")
    call_command("createsuperuser", "--noinput", username="root", email="r@example.com")
    root = User.objects.get(username="root")

    (created,) = entries(admin_api, "users", root.pk)["results"]

    assert created["action"] == "created" and created["by"] is None
    assert created["changes"]["username"] == [None, "root"]


def test_history_seed_demo_records_its_logins_as_by_nobody(admin_api, monkeypatch):
    monkeypatch.setattr(seed_demo, "seed_data", lambda **kwargs: {"rows": 0})
    call_command("seed_demo", stdout=io.StringIO())
    clerk = User.objects.get(username="clerk")

    (created,) = entries(admin_api, "users", clerk.pk)["results"]

    assert created["by"] is None and created["changes"]["role"][1] == clerk.role_id


# Passwords: never stored, never shown.


def test_history_user_table_has_no_password_column():
    columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), User.history.model._meta.db_table
        )
    }
    assert "username" in columns
    assert not {"password", "last_login", "token_generation"} & columns


def test_history_never_stores_a_password_or_its_hash(admin_api, client, admin_account):
    created = admin_api.post("/api/users/", {"username": "newbie", "password": PASSWORD})
    pk = created.json()["id"]
    assert (
        admin_api.patch(f"/api/users/{pk}/", {"password": "Reset-by-admin-42"}).status_code == 200
    )
    user = User.objects.get(pk=pk)
    client.force_login(admin_account)
    admin_page = client.get(reverse("admin:accounts_user_history", args=[pk])).content.decode()
    api_body = admin_api.get(f"/api/users/{pk}/history/").content.decode()

    rows = list(User.history.filter(id=pk).values())
    assert len(rows) == 2  # created, and the password reset (a change with nothing to show)
    stored = repr(rows)
    for secret in (user.password, PASSWORD, "Reset-by-admin-42", "argon2"):
        assert secret not in stored and secret not in api_body and secret not in admin_page
    assert "password" not in api_body


def test_history_sign_ins_and_token_revocations_record_no_entry(client, admin_account):
    clerk = make_user("signer")
    before = {pk: User.history.filter(id=pk).count() for pk in (admin_account.pk, clerk.pk)}
    response = client.post(reverse("admin:login"), {"username": "boss", "password": PASSWORD})
    assert response.status_code == 302
    admin_account.refresh_from_db()
    assert admin_account.last_login is not None  # saved, with update_fields=["last_login"]
    assert APIClient().post("/api/auth/login/", {"username": "signer", "password": PASSWORD})
    user_update(user=clerk, actor=SYSTEM, is_active=False)  # also revokes tokens by update()

    assert User.history.filter(id=admin_account.pk).count() == before[admin_account.pk]
    newest = User.history.filter(id=clerk.pk).order_by("-history_id")
    assert newest.count() == before[clerk.pk] + 1  # the deactivation, once
    assert newest.first().is_active is False


# Failed requests record nothing.


@pytest.mark.parametrize(
    ("method", "body", "status"),
    [
        ("patch", {"email": "not-an-email"}, 400),
        ("patch", {"email": "taken@example.com"}, 400),
        ("put", {"name": ""}, 400),
        ("delete", None, 409),
    ],
)
def test_history_failed_request_records_nothing(admin_api, method, body, status):
    customer = make_customer(email="mine@example.com")
    make_customer(email="taken@example.com")
    if status == 409:
        order_place(customer=customer, items=[(make_product(stock=5), 1)], user=make_user("o"))
    before = list(Customer.history.values_list("history_id", flat=True))

    response = getattr(admin_api, method)(f"/api/customers/{customer.pk}/", body, format="json")

    assert response.status_code == status, response.content
    assert list(Customer.history.values_list("history_id", flat=True)) == before


def test_history_refused_caller_records_nothing(user_api):
    product = make_product()
    before = Product.history.count()
    assert user_api.patch(f"/api/products/{product.pk}/", {"price": "3.00"}).status_code == 403
    assert user_api.delete(f"/api/products/{product.pk}/").status_code == 403
    assert Product.history.count() == before


def test_history_refused_role_change_records_nothing(admin_api):
    role = admin_api.post("/api/roles/", {"name": "fresh", "permissions": []}, format="json")
    pk = role.json()["id"]
    before = Role.history.filter(id=pk).count()
    bad = admin_api.patch(f"/api/roles/{pk}/", {"permissions": ["nope.nothing"]}, format="json")
    assert bad.status_code == 400
    taken = admin_api.patch(f"/api/roles/{pk}/", {"name": "admin"}, format="json")
    assert taken.status_code == 400
    assert Role.history.filter(id=pk).count() == before == 1


# The endpoint: paging, order, deleted records, permissions, query count.


def test_history_pages_newest_first_and_diffs_across_pages(admin_api):
    customer = customer_create(name="Acme", email="acme@example.com")
    for phone in ("1", "2", "3"):
        customer_update(customer=customer, phone=phone)

    first = entries(admin_api, "customers", customer.pk, page_size=2)
    second = entries(admin_api, "customers", customer.pk, page_size=2, page=2)

    assert first["count"] == 4 and first["next"] and second["next"] is None
    changes = [e["changes"].get("phone") for e in first["results"] + second["results"]]
    assert changes == [["2", "3"], ["1", "2"], ["", "1"], [None, ""]]
    ids = [e["id"] for e in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True)


def test_history_of_a_deleted_record_is_404(admin_api):
    customer = customer_create(name="Acme", email="acme@example.com")
    assert admin_api.delete(f"/api/customers/{customer.pk}/").status_code == 204
    assert Customer.history.filter(id=customer.pk, history_type="-").count() == 1
    response = admin_api.get(f"/api/customers/{customer.pk}/history/")
    assert response.status_code == 404 and "detail" in response.json()


def test_history_needs_the_model_view_permission(api_client_viewer):
    customer = make_customer()
    assert api_client_viewer.get(f"/api/customers/{customer.pk}/history/").status_code == 403


@pytest.fixture
def api_client_viewer(db):
    from accounts.tests.factories import make_account, make_role

    return bearer_client(make_account(role=make_role("orders.view_order", name="odd")))


def test_history_page_size_is_clamped_and_values_are_json_native(admin_api, admin_account):
    product = make_product(price="1.00")
    product_update(product=product, price=Decimal("2.5"), reorder_level=4)
    body = entries(admin_api, "products", product.pk, page_size=500)
    newest = body["results"][0]
    assert newest["changes"] == {"price": ["1.00", "2.50"], "reorder_level": [0, 4]}
    created = body["results"][1]["changes"]
    assert created["created_at"][1].endswith("Z") or "+" in created["created_at"][1]
    assert created["default_supplier"] == [None, None]


@pytest.mark.parametrize("plural", ["customers", "roles"])
def test_history_query_count_does_not_grow_with_the_page(
    admin_api, django_assert_max_num_queries, plural
):
    def build(changes: int):
        if plural == "customers":
            record = customer_create(name="Acme", email=f"a{changes}@example.com")
            for n in range(changes):
                customer_update(customer=record, phone=str(n))
            return record.pk
        role = role_create(actor=SYSTEM, name=f"r{changes}")
        perms = list(Permission.objects.order_by("id")[:changes])
        for n in range(changes):
            role_update(role=role, actor=SYSTEM, permissions=perms[: n + 1])
        return role.pk

    small, large = build(2), build(40)
    admin_api.get(f"/api/{plural}/{small}/history/")  # the caller's access memo (ACCESS_CACHE) warm
    counts = []
    for pk in (small, large):
        # The caller, the record, the count, the page, the entry before it (+ a role's
        # permissions; customers page by their keys first: KeysFirstPaginator).
        with django_assert_max_num_queries(6) as captured:
            assert admin_api.get(f"/api/{plural}/{pk}/history/?page_size=100").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_history_role_change_is_one_entry_with_its_permissions(admin_api):
    role = role_create(
        actor=SYSTEM, name="packer", permissions=permissions_named("orders.view_order")
    )
    role_update(
        role=role,
        actor=SYSTEM,
        description="Packs",
        permissions=permissions_named("orders.view_order", "orders.ship_order"),
    )
    newest, created = entries(admin_api, "roles", role.pk)["results"]
    assert created["changes"]["permissions"] == [None, ["orders.view_order"]]
    assert newest["changes"] == {
        "description": ["", "Packs"],
        "permissions": [["orders.view_order"], ["orders.ship_order", "orders.view_order"]],
    }


def test_history_bom_activation_records_the_archived_version(admin_api, admin_account):
    product, part = make_product(), make_product()
    first = bom_create(product=product, lines=[(part, 1)], user=admin_account)
    bom_activate(bom=first)
    second = bom_create(product=product, lines=[(part, 2)], user=admin_account)
    bom_activate(bom=second)
    assert BOM.objects.get(pk=first.pk).status == "archived"
    statuses = [e["changes"].get("status") for e in entries(admin_api, "boms", first.pk)["results"]]
    assert statuses == [["active", "archived"], ["draft", "active"], [None, "draft"]]


def test_history_of_a_partial_save_records_the_row_as_stored(admin_api):
    """Two writers of different fields: each entry shows only its own change."""
    customer = customer_create(name="Acme", email="acme@example.com")
    stale = Customer.objects.get(pk=customer.pk)
    customer_update(customer=customer, phone="555")  # another writer, meanwhile
    customer_update(customer=stale, name="Acme Ltd")

    newest, other, _ = entries(admin_api, "customers", customer.pk)["results"]

    assert other["changes"] == {"phone": ["", "555"]}
    assert newest["changes"] == {"name": ["Acme", "Acme Ltd"]}


def test_history_admin_page_still_opens_for_a_deleted_record(client, admin_account):
    client.force_login(admin_account)
    customer = customer_create(name="Gone Ltd", email="gone@example.com")
    pk = customer.pk
    customer.delete()
    page = client.get(reverse("admin:customers_customer_history", args=[pk]))
    assert page.status_code == 200 and "Gone Ltd" in page.content.decode()


def test_history_admin_bulk_delete_records_each_row_by_the_admin(client, admin_account):
    client.force_login(admin_account)
    gone = [make_customer(), make_customer()]
    response = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "delete_selected", "_selected_action": [c.pk for c in gone], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = Customer.history.filter(history_type="-").order_by("id")
    assert [(h.id, h.history_user_id) for h in deleted] == [(c.pk, admin_account.pk) for c in gone]


def test_history_populate_history_gives_existing_records_a_baseline(admin_api, settings):
    settings.SIMPLE_HISTORY_ENABLED = False  # a record from before the history tables
    customer = customer_create(name="Old Ltd", email="old@example.com")
    settings.SIMPLE_HISTORY_ENABLED = True
    assert not Customer.history.filter(id=customer.pk).exists()

    call_command("populate_history", "--auto", stdout=io.StringIO(), stderr=io.StringIO())

    (baseline,) = entries(admin_api, "customers", customer.pk)["results"]
    assert baseline["action"] == "created" and baseline["by"] is None
    assert baseline["changes"]["name"] == [None, "Old Ltd"]


def test_history_schema_examples_change_a_tracked_field_of_their_model(admin_api):
    schema = admin_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    documented = {}
    for path, item in schema["paths"].items():
        if path.endswith("/{id}/history/"):
            content = item["get"]["responses"]["200"]["content"]["application/json"]
            (example,) = content["examples"].values()
            (entry,) = example["value"]["results"]
            documented[path.split("/")[2]] = set(entry["changes"])
    assert set(documented) == set(RESOURCES)
    for plural, fields in documented.items():
        model = resolve(f"/api/{plural}/1/history/").func.cls.queryset.model
        assert fields <= {f.name for f in model.history.model.tracked_fields}, plural
