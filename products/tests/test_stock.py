import pytest

from factory.errors import InsufficientStock, NotFound
from factory.testing import run_together
from products.models import Product, StockMovement
from products.services import stock_adjust, stock_apply
from products.tests.factories import ledger_sum, make_product

pytestmark = pytest.mark.django_db


def test_stock_apply_changes_stock_and_writes_one_movement_each(admin_account):
    a, b = make_product(stock=5), make_product(stock=1)
    result = stock_apply(
        deltas={a.pk: -2, b.pk: 3}, reason="order", reference="order:1", user=admin_account
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.stock, b.stock) == (3, 4)
    assert (result[a.pk].stock, result[b.pk].stock) == (3, 4)
    movement = a.movements.get(reason="order")
    assert (movement.delta, movement.reference, movement.created_by) == (
        -2,
        "order:1",
        admin_account,
    )
    assert ledger_sum(a) == a.stock and ledger_sum(b) == b.stock


def test_stock_apply_moves_every_product_in_one_update(admin_account, django_assert_num_queries):
    """Lock, one UPDATE (CASE on the id) for every product's stock and changed average, the
    ledger: each statement is a round trip made holding the locks. Only the products whose
    average changes get a new one; updated_at is stamped on every row."""
    from decimal import Decimal

    a = make_product(stock=10, unit_cost=Decimal("2.0000"))
    b = make_product(stock=4, unit_cost=Decimal("5.0000"))
    c = make_product(stock=0)
    stamps = dict(Product.objects.values_list("pk", "updated_at"))
    with django_assert_num_queries(5) as captured:  # a savepoint made and released
        result = stock_apply(
            deltas={a.pk: 10, b.pk: -1, c.pk: 3},
            reason="purchase_receipt",
            reference="po:1",
            user=admin_account,
            unit_costs={a.pk: Decimal("4.0000"), c.pk: Decimal("1.5000")},
        )
    assert sum(q["sql"].startswith("UPDATE") for q in captured.captured_queries) == 1
    rows = {
        pk: (stock, avg)
        for pk, stock, avg, _ in Product.objects.values_list(
            "pk", "stock", "average_cost", "updated_at"
        )
    }
    assert rows == {
        a.pk: (20, Decimal("3.0000")),
        b.pk: (3, Decimal("5.0000")),
        c.pk: (3, Decimal("1.5000")),
    }
    assert {pk: (p.stock, p.average_cost) for pk, p in result.items()} == rows
    now = dict(Product.objects.values_list("pk", "updated_at"))
    assert all(now[pk] > stamps[pk] and now[pk] == result[pk].updated_at for pk in now)
    assert [ledger_sum(p) for p in (a, b, c)] == [20, 3, 3]


def test_stock_apply_shortage_lists_every_short_product_and_changes_nothing():
    a, b, c = make_product(stock=1), make_product(stock=10), make_product(stock=0)
    movements_before = StockMovement.objects.count()
    with pytest.raises(InsufficientStock) as caught:
        stock_apply(deltas={c.pk: -4, a.pk: -2, b.pk: -1}, reason="order")
    assert caught.value.code == "insufficient_stock"
    assert caught.value.extra["items"] == [
        {"product": a.pk, "requested": 2, "available": 1},
        {"product": c.pk, "requested": 4, "available": 0},
    ]
    assert [p.stock for p in Product.objects.order_by("pk")] == [1, 10, 0]
    assert StockMovement.objects.count() == movements_before


def test_stock_apply_ignores_zero_deltas():
    product = make_product(stock=2)
    stock_apply(deltas={product.pk: 0}, reason="adjustment")
    assert product.movements.count() == 1  # only the initial movement


def test_stock_apply_unknown_product_raises_and_changes_nothing():
    product = make_product(stock=2)
    with pytest.raises(NotFound, match="999999"):
        stock_apply(deltas={product.pk: 1, 999_999: 1}, reason="production")
    product.refresh_from_db()
    assert product.stock == 2 and product.movements.count() == 1


def test_stock_adjust_below_zero_is_refused():
    product = make_product(stock=2)
    with pytest.raises(InsufficientStock):
        stock_adjust(product=product, delta=-3)
    product.refresh_from_db()
    assert product.stock == 2


def test_database_refuses_negative_stock_even_around_the_service():
    from django.db import IntegrityError, transaction

    product = make_product(stock=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock=-1)


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_adjustments_never_drive_stock_below_zero():
    """Twelve threads each try to take 1 of 5 units (and 4 add 1) at the same moment."""
    product = make_product(stock=5)
    deltas = [-1] * 12 + [1] * 4
    results = run_together(
        [lambda d=d: stock_apply(deltas={product.pk: d}, reason="adjustment") for d in deltas]
    )

    product.refresh_from_db()
    applied = sum(d for d, r in zip(deltas, results, strict=True) if not isinstance(r, Exception))
    assert all(isinstance(r, (dict, InsufficientStock)) for r in results), results
    assert product.stock == 5 + applied >= 0
    assert ledger_sum(product) == product.stock
    assert all(
        d == -1 for d, r in zip(deltas, results, strict=True) if isinstance(r, InsufficientStock)
    )


@pytest.mark.mariadb
def test_product_names_differing_only_in_emoji_are_distinct_on_mariadb():
    """utf8mb4_unicode_ci weighs every character beyond the BMP alike; the 520 collation does not."""
    make_product(name="Gadget 😀", sku="S😀")
    make_product(name="Gadget 🎉", sku="S🎉")  # not "already exists"
    assert Product.objects.filter(name="Gadget 🎉").count() == 1
