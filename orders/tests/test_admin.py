from decimal import Decimal

import pytest
from django.urls import reverse

from customers.tests.factories import make_customer
from factory.testing import page_queries
from orders.models import Order
from orders.services import order_place
from products.models import Product, StockMovement
from products.tests.factories import ledger_sum, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


def place_form(customer, lines):
    data = {
        "customer": customer.pk,
        "notes": "by phone",
        "lines-TOTAL_FORMS": str(max(3, len(lines))),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, (product, quantity) in enumerate(lines):
        data[f"lines-{i}-product"] = product.pk
        data[f"lines-{i}-quantity"] = quantity
    return data


def test_admin_places_an_order_with_two_lines_through_the_service(staff, admin_account):
    customer = make_customer()
    gear = make_product(price=Decimal("12.50"), stock=10)
    bolt = make_product(price=Decimal("0.99"), stock=5)
    assert staff.get(reverse("admin:orders_order_add")).status_code == 200
    response = staff.post(
        reverse("admin:orders_order_add"), place_form(customer, [(gear, 3), (bolt, 5)])
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.total, order.created_by, order.notes) == (
        Decimal("46.27"),
        admin_account,
        "by phone",
    )
    gear.refresh_from_db()
    assert gear.stock == 7 == ledger_sum(gear)
    page = staff.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "46.27" in page and "37.50" in page


def test_admin_order_shortage_is_a_form_error_and_nothing_is_saved(staff):
    customer = make_customer()
    gear, bolt = make_product(stock=10), make_product(stock=1)
    movements = StockMovement.objects.count()
    response = staff.post(
        reverse("admin:orders_order_add"), place_form(customer, [(gear, 3), (bolt, 5)])
    )
    assert response.status_code == 200
    assert (
        f"Not enough stock for {bolt.name} (id {bolt.pk}): 5 requested, 1 available."
        in response.content.decode()
    )
    assert not Order.objects.exists() and StockMovement.objects.count() == movements
    gear.refresh_from_db()
    assert gear.stock == 10


def test_admin_order_duplicate_lines_are_a_form_error(staff):
    customer, gear = make_customer(), make_product(stock=10)
    response = staff.post(
        reverse("admin:orders_order_add"), place_form(customer, [(gear, 1), (gear, 2)])
    )
    # The service's rule and message, as the API gives it.
    assert response.status_code == 200
    assert f"Each product may appear once; repeated: [{gear.pk}]." in response.content.decode()
    assert not Order.objects.exists()
    gear.refresh_from_db()
    assert gear.stock == 10 == ledger_sum(gear)


def test_admin_cancel_action_returns_stock(staff, admin_account):
    gear = make_product(stock=10)
    orders = [
        order_place(customer=make_customer(), items=[(gear, 2)], user=admin_account)
        for _ in range(2)
    ]
    response = staff.post(
        reverse("admin:orders_order_changelist"),
        {"action": "cancel_orders", "_selected_action": [o.pk for o in orders]},
    )
    assert response.status_code == 302
    assert set(Order.objects.values_list("status", flat=True)) == {"cancelled"}
    gear.refresh_from_db()
    assert gear.stock == 10 == ledger_sum(gear)


def test_admin_orders_cannot_be_edited_or_deleted(staff, admin_account):
    order = order_place(
        customer=make_customer(), items=[(make_product(stock=1), 1)], user=admin_account
    )
    url = reverse("admin:orders_order_change", args=[order.pk])
    assert staff.post(url, {"notes": "edited"}).status_code == 403
    assert (
        staff.post(
            reverse("admin:orders_order_delete", args=[order.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Order.objects.get().notes == ""


@pytest.mark.parametrize("product", ["", "999999"])
def test_admin_order_line_without_a_known_product_is_a_form_error(staff, product):
    customer, gear = make_customer(), make_product(stock=10)
    data = place_form(customer, [(gear, 1)])
    data["lines-1-product"], data["lines-1-quantity"] = product, 2
    movements = StockMovement.objects.count()
    response = staff.post(reverse("admin:orders_order_add"), data)
    assert response.status_code == 200
    assert "product" in response.context["lines"].forms[1].errors
    assert not Order.objects.exists() and StockMovement.objects.count() == movements
    gear.refresh_from_db()
    assert gear.stock == 10 == ledger_sum(gear)


def test_admin_order_notes_over_2000_characters_are_a_form_error(staff):
    customer, gear = make_customer(), make_product(stock=10)
    data = {**place_form(customer, [(gear, 1)]), "notes": "x" * 2001}
    movements = StockMovement.objects.count()
    response = staff.post(reverse("admin:orders_order_add"), data)
    assert response.status_code == 200 and "notes" in response.context["form"].errors
    assert not Order.objects.exists() and StockMovement.objects.count() == movements
    gear.refresh_from_db()
    assert gear.stock == 10 == ledger_sum(gear)


def delete_product(staff, product, *, how):
    if how == "one":
        return staff.post(
            reverse("admin:products_product_delete", args=[product.pk]), {"post": "yes"}
        )
    return staff.post(
        reverse("admin:products_product_changelist"),
        {"action": "delete_selected", "_selected_action": [product.pk], "post": "yes"},
    )


@pytest.mark.parametrize("how", ["one", "selected"])
def test_admin_product_on_an_order_cannot_be_deleted(staff, admin_account, how):
    gear = make_product(stock=10)
    order = order_place(customer=make_customer(), items=[(gear, 3)], user=admin_account)
    response = delete_product(staff, gear, how=how)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cannot delete" in page and "protected related objects" in page
    assert "have permission to delete" not in page
    assert Product.objects.filter(pk=gear.pk).exists() and order.items.count() == 1
    gear.refresh_from_db()
    assert gear.stock == 7 == ledger_sum(gear) and gear.movements.count() == 2


@pytest.mark.parametrize("how", ["one", "selected"])
def test_admin_product_put_on_an_order_while_deleting_is_a_message(
    staff, admin_account, how, monkeypatch
):
    """The confirmation saw no order; one arrives before the delete: refused, nothing deleted."""
    from products.admin import ProductAdmin

    gear, spare = make_product(stock=10), make_product(stock=1)
    order_place(customer=make_customer(), items=[(gear, 3)], user=admin_account)
    collect = ProductAdmin.get_deleted_objects

    def as_seen_before_the_order(self, objs, request):
        deleted, model_count, perms_needed, _ = collect(self, objs, request)
        return deleted, model_count, perms_needed, []

    monkeypatch.setattr(ProductAdmin, "get_deleted_objects", as_seen_before_the_order)
    if how == "one":
        response = delete_product(staff, gear, how=how)
    else:  # the refused product with another: the selection is deleted whole or not at all
        response = staff.post(
            reverse("admin:products_product_changelist"),
            {"action": "delete_selected", "_selected_action": [spare.pk, gear.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert "is on orders, production records" in " ".join(
        str(m) for m in response.wsgi_request._messages
    )
    assert Product.objects.filter(pk__in=[gear.pk, spare.pk]).count() == 2
    gear.refresh_from_db()
    assert gear.stock == 7 == ledger_sum(gear)


def test_admin_order_change_page_queries_do_not_grow_with_its_items(staff, admin_account):
    def queries_for(order):
        return page_queries(staff, reverse("admin:orders_order_change", args=[order.pk]))

    customer = make_customer()
    products = [make_product(stock=5) for _ in range(30)]
    small = order_place(customer=customer, items=[(products[0], 1)], user=admin_account)
    large = order_place(customer=customer, items=[(p, 1) for p in products], user=admin_account)
    queries_for(small)  # the session's first page reads what later pages find cached
    assert queries_for(large) == queries_for(small)


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_admin_place_order_takes_as_many_lines_as_the_api(staff, admin_account):
    """MAX_ITEMS lines place one order; one more is a form error with nothing written."""
    from orders.serializers import MAX_ITEMS

    customer = make_customer()
    products = [make_product(stock=5) for _ in range(MAX_ITEMS + 1)]
    page = staff.get(reverse("admin:orders_order_add")).content.decode()
    assert 'name="lines-TOTAL_FORMS" value="1"' in page and 'id="add-line"' in page
    assert f'name="lines-MAX_NUM_FORMS" value="{MAX_ITEMS}"' in page
    assert 'id="order-line-template"' in page and "lines-__prefix__-product" in page

    too_many = place_form(customer, [(p, 1) for p in products])
    response = staff.post(reverse("admin:orders_order_add"), too_many)
    assert response.status_code == 200 and f"at most {MAX_ITEMS} forms" in response.content.decode()
    assert not Order.objects.exists() and all(ledger_sum(p) == 5 for p in products)

    response = staff.post(
        reverse("admin:orders_order_add"), place_form(customer, [(p, 1) for p in products[:-1]])
    )
    assert response.status_code == 302
    assert Order.objects.get().items.count() == MAX_ITEMS


def test_admin_prices_view_feeds_the_running_total(staff, user_account, client):
    gear = make_product(price=Decimal("12.50"), stock=7)
    bolt = make_product(price=Decimal("0.99"), stock=0)
    url = reverse("admin:orders_order_prices")
    response = staff.get(url, {"product": [gear.pk, bolt.pk, "x", 999999]})
    assert response.json() == {
        str(gear.pk): {"price": "12.50", "stock": 7},
        str(bolt.pk): {"price": "0.99", "stock": 0},
    }
    staff.logout()
    assert staff.get(url, {"product": gear.pk}).status_code == 302  # to the admin's sign-in


def test_admin_order_page_cancel_button_confirms_then_returns_stock(staff, admin_account):
    gear = make_product(stock=10)
    order = order_place(customer=make_customer(), items=[(gear, 4)], user=admin_account)
    change = reverse("admin:orders_order_change", args=[order.pk])
    cancel = reverse("admin:orders_order_cancel", args=[order.pk])
    assert f'href="{cancel}"' in staff.get(change).content.decode()
    confirm = staff.get(cancel)
    assert confirm.status_code == 200 and "Yes, cancel the order" in confirm.content.decode()
    order.refresh_from_db()
    assert order.status == "placed"  # a GET changes nothing

    response = staff.post(cancel, follow=True)
    assert response.redirect_chain[-1][0] == change
    assert ("success", f"{order} cancelled: its stock is back on hand.") in messages_of(response)
    order.refresh_from_db()
    gear.refresh_from_db()
    assert order.status == "cancelled" and gear.stock == 10 == ledger_sum(gear)
    assert f'href="{cancel}"' not in staff.get(change).content.decode()

    again = staff.post(cancel, follow=True)
    assert [level for level, _ in messages_of(again)] == ["warning"]
    gear.refresh_from_db()
    assert gear.stock == 10 == ledger_sum(gear)


def test_admin_cancel_button_needs_the_cancel_permission(client, admin_account, user_account):
    order = order_place(
        customer=make_customer(), items=[(make_product(stock=2), 1)], user=admin_account
    )
    client.force_login(user_account)
    assert client.post(reverse("admin:orders_order_cancel", args=[order.pk])).status_code in (
        302,
        403,
    )
    order.refresh_from_db()
    assert order.status == "placed"


def test_admin_cancel_action_that_cancels_nothing_is_a_warning(staff, admin_account):
    gear = make_product(stock=10)
    order = order_place(customer=make_customer(), items=[(gear, 2)], user=admin_account)
    url = reverse("admin:orders_order_changelist")
    first = staff.post(
        url, {"action": "cancel_orders", "_selected_action": [order.pk]}, follow=True
    )
    assert messages_of(first) == [("success", "Cancelled 1 order(s); their stock is back on hand.")]
    again = staff.post(
        url, {"action": "cancel_orders", "_selected_action": [order.pk]}, follow=True
    )
    assert messages_of(again) == [
        ("warning", "Nothing was cancelled: the 1 selected order(s) were already cancelled.")
    ]
    gear.refresh_from_db()
    assert gear.stock == 10 == ledger_sum(gear)


def test_admin_ledger_references_link_to_their_records(staff, admin_account):
    from employees.tests.factories import make_employee
    from production.services import production_create

    gear = make_product(stock=10)
    order = order_place(customer=make_customer(), items=[(gear, 2)], user=admin_account)
    record = production_create(
        product=gear, employee=make_employee(), quantity=3, user=admin_account
    )
    ledger = staff.get(reverse("admin:products_stockmovement_changelist")).content.decode()
    product_page = staff.get(
        reverse("admin:products_product_change", args=[gear.pk])
    ).content.decode()
    for page in (ledger, product_page):
        assert (
            f'<a href="{reverse("admin:orders_order_change", args=[order.pk])}">order:{order.pk}</a>'
            in page
        )
        production_url = reverse("admin:production_productionrecord_change", args=[record.pk])
        assert f'<a href="{production_url}">production:{record.pk}</a>' in page
