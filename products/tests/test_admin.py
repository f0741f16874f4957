import pytest
from django.urls import reverse

from factory.testing import page_queries
from products.models import Product, StockMovement
from products.services import stock_adjust
from products.tests.factories import ledger_sum, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


def test_admin_product_add_with_initial_stock_goes_through_the_ledger(staff):
    response = staff.post(
        reverse("admin:products_product_add"),
        {
            "name": "Crate",
            "sku": "",
            "description": "",
            "price": "4.00",
            "reorder_level": 2,
            "initial_stock": 6,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get(name="Crate")
    assert product.stock == 6 and product.sku is None
    assert list(product.movements.values_list("delta", "reason")) == [(6, "initial")]


def test_admin_product_change_page_shows_stock_read_only_and_ledger(staff):
    product = make_product(stock=3)
    for _ in range(60):
        stock_adjust(product=product, delta=1)
    response = staff.get(reverse("admin:products_product_change", args=[product.pk]))
    assert response.status_code == 200
    assert 'name="stock"' not in response.content.decode()
    assert "Stock ledger (newest 50)" in response.content.decode()
    form = response.context["adminform"].form
    assert "stock" not in form.fields


def test_admin_product_change_page_queries_do_not_grow_with_the_ledger(staff, admin_account):
    def queries_for(product):
        return page_queries(staff, reverse("admin:products_product_change", args=[product.pk]))

    short, long = make_product(stock=5), make_product(stock=5)
    for _ in range(60):  # more than the 50 rows shown
        stock_adjust(product=long, delta=1, user=admin_account)
    queries_for(short)  # the session's first page reads what later pages find cached
    assert queries_for(long) == queries_for(short)


def test_admin_product_save_keeps_stock(staff):
    product = make_product(stock=3)
    stock_adjust(product=product, delta=2)
    url = reverse("admin:products_product_change", args=[product.pk])
    response = staff.post(
        url,
        {
            "name": product.name,
            "sku": product.sku,
            "description": "new text",
            "price": "13.00",
            "reorder_level": 1,
            "movements-TOTAL_FORMS": "0",
            "movements-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.description == "new text" and product.stock == 5 == ledger_sum(product)


def test_admin_adjust_form_uses_the_stock_service(staff, admin_account):
    product = make_product(stock=3)
    url = reverse("admin:products_product_adjust", args=[product.pk])
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"delta": -2, "note": "broken"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.stock == 1
    movement = product.movements.first()
    assert (movement.reason, movement.note, movement.created_by) == (
        "adjustment",
        "broken",
        admin_account,
    )


def test_admin_adjust_shortage_is_a_form_error_and_changes_nothing(staff):
    product = make_product(stock=1)
    response = staff.post(
        reverse("admin:products_product_adjust", args=[product.pk]), {"delta": -5}
    )
    assert response.status_code == 200
    assert "Not enough stock" in response.content.decode()
    product.refresh_from_db()
    assert product.stock == 1 and product.movements.count() == 1


def test_admin_ledger_is_read_only(staff):
    product = make_product(stock=1)
    assert staff.get(reverse("admin:products_stockmovement_changelist")).status_code == 200
    assert staff.get(reverse("admin:products_stockmovement_add")).status_code == 403
    movement = product.movements.get()
    assert (
        staff.post(
            reverse("admin:products_stockmovement_delete", args=[movement.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert StockMovement.objects.count() == 1


def test_admin_product_csv_export(staff):
    make_product(name="=cmd()", stock=2)
    response = staff.post(
        reverse("admin:products_product_changelist"),
        {
            "action": "export_as_csv",
            "_selected_action": list(Product.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith('"Name","SKU","Price","Stock"')  # every cell quoted
    assert lines[1].startswith('"\'=cmd()",')


def delete_products(staff, products, *, how, confirm=True):
    """Delete through the admin's delete page ("one") or its "delete selected" action ("selected")."""
    confirmed = {"post": "yes"} if confirm else {}
    if how == "one":
        url = reverse("admin:products_product_delete", args=[products[0].pk])
        return staff.post(url, confirmed) if confirm else staff.get(url)
    return staff.post(
        reverse("admin:products_product_changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in products], **confirmed},
    )


@pytest.mark.parametrize("how", ["one", "selected"])
def test_admin_product_delete_takes_its_ledger_along(staff, how):
    product, kept = make_product(stock=4), make_product(stock=2)
    stock_adjust(product=product, delta=-1)
    page = delete_products(staff, [product], how=how, confirm=False).content.decode()
    assert "Are you sure" in page and "have permission to delete" not in page
    response = delete_products(staff, [product], how=how)
    assert response.status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not StockMovement.objects.filter(product_id=product.pk).exists()
    kept.refresh_from_db()
    assert kept.stock == 2 == ledger_sum(kept)
