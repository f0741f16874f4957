"""`production_update` / `production_delete` (SPEC §6) called as services, not through the API.

Every refusal asserts that nothing changed: records, stock and ledger are the same afterwards,
and stock equals the sum of its movements for every product (SPEC §5).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.tests.factories import make_customer
from employees.services import employee_update
from employees.tests.factories import make_employee
from factory.errors import InsufficientStock, NotFound
from orders.services import order_place
from production.models import ProductionRecord
from production.services import production_create, production_delete, production_update
from products.models import Product, StockMovement
from products.tests.factories import assert_ledger_holds, make_product

pytestmark = pytest.mark.django_db


def state():
    """Everything production and the ledger store, to assert that a refusal changed nothing."""
    return (
        sorted(
            ProductionRecord.objects.values_list(
                "pk", "product_id", "employee_id", "quantity", "date"
            )
        ),
        sorted(Product.objects.values_list("pk", "stock")),
        sorted(StockMovement.objects.values_list("pk", "product_id", "delta", "reason")),
    )


def stock(product) -> int:
    product.refresh_from_db()
    return product.stock


@pytest.fixture
def made(admin_account):
    """Five units of a product with no stock of its own, recorded by an active employee."""
    product, employee = make_product(stock=0), make_employee()
    record = production_create(product=product, employee=employee, quantity=5, user=admin_account)
    return record, product, employee


def sell(product, quantity, user):
    order_place(customer=make_customer(), items=[(product, quantity)], user=user)


def test_production_update_quantity_up_adds_the_difference(made, admin_account):
    record, product, _ = made
    updated = production_update(record=record, quantity=9, user=admin_account)
    assert updated.quantity == 9 == ProductionRecord.objects.get(pk=record.pk).quantity
    assert stock(product) == 9
    movement = product.movements.get(reason=StockMovement.Reason.PRODUCTION_CHANGE)
    assert (movement.delta, movement.reference, movement.created_by) == (
        4,
        f"production:{record.pk}",
        admin_account,
    )
    assert_ledger_holds()


def test_production_update_quantity_down_takes_the_difference_back(made, admin_account):
    record, product, _ = made
    production_update(record=record, quantity=2, user=admin_account)
    assert stock(product) == 2
    assert product.movements.get(reason=StockMovement.Reason.PRODUCTION_CHANGE).delta == -3
    assert_ledger_holds()


def test_production_update_down_to_exactly_what_is_left_unsold_is_allowed(made, admin_account):
    record, product, _ = made
    sell(product, 3, admin_account)
    production_update(record=record, quantity=3, user=admin_account)
    assert stock(product) == 0
    assert_ledger_holds()


def test_production_update_product_moves_units_from_the_old_product_to_the_new(made, admin_account):
    record, product, _ = made
    other = make_product(stock=1)
    production_update(record=record, product=other, user=admin_account)
    assert (stock(product), stock(other)) == (0, 6)
    assert ProductionRecord.objects.get(pk=record.pk).product_id == other.pk
    assert sorted(
        StockMovement.objects.filter(reason=StockMovement.Reason.PRODUCTION_CHANGE).values_list(
            "product_id", "delta"
        )
    ) == sorted([(product.pk, -5), (other.pk, 5)])
    assert_ledger_holds()


def test_production_update_product_and_quantity_together(made, admin_account):
    record, product, _ = made
    other = make_product(stock=0)
    production_update(record=record, product=other, quantity=2, user=admin_account)
    assert (stock(product), stock(other)) == (0, 2)
    assert_ledger_holds()


def test_production_update_without_a_stock_change_writes_no_movement(made, admin_account):
    record, product, _ = made
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    before = StockMovement.objects.count()
    production_update(record=record, quantity=5, date=yesterday, user=admin_account)
    assert ProductionRecord.objects.get(pk=record.pk).date == yesterday
    assert StockMovement.objects.count() == before and stock(product) == 5


def test_production_update_works_from_the_stored_record_not_a_stale_copy(made, admin_account):
    """A caller holding an old copy of the record still moves stock from what is stored."""
    record, product, _ = made
    stale = ProductionRecord.objects.get(pk=record.pk)
    production_update(record=record, quantity=8, user=admin_account)
    production_update(record=stale, quantity=6, user=admin_account)
    assert stock(product) == 6 == ProductionRecord.objects.get(pk=record.pk).quantity
    assert_ledger_holds()


def test_production_update_below_zero_is_refused_and_changes_nothing(made, admin_account):
    record, product, _ = made
    sell(product, 4, admin_account)
    before = state()
    with pytest.raises(InsufficientStock) as caught:
        production_update(record=record, quantity=2, user=admin_account)
    assert caught.value.extra["items"] == [{"product": product.pk, "requested": 3, "available": 1}]
    assert state() == before
    assert_ledger_holds()


def test_production_update_product_change_of_sold_units_is_refused_and_changes_nothing(
    made, admin_account
):
    record, product, _ = made
    sell(product, 1, admin_account)
    other = make_product(stock=0)
    before = state()
    with pytest.raises(InsufficientStock) as caught:
        production_update(record=record, product=other, user=admin_account)
    assert caught.value.extra["items"] == [{"product": product.pk, "requested": 5, "available": 4}]
    assert state() == before
    assert_ledger_holds()


def test_production_update_future_date_is_refused_and_changes_nothing(made, admin_account):
    record, _, _ = made
    before = state()
    with pytest.raises(ValidationError) as caught:
        production_update(
            record=record,
            quantity=7,
            date=timezone.localdate() + datetime.timedelta(days=1),
            user=admin_account,
        )
    assert "date" in caught.value.message_dict
    assert state() == before


def test_production_update_to_an_inactive_employee_is_refused_and_changes_nothing(
    made, admin_account
):
    record, _, _ = made
    inactive = make_employee(is_active=False)
    before = state()
    with pytest.raises(ValidationError) as caught:
        production_update(record=record, employee=inactive, quantity=7, user=admin_account)
    assert "employee" in caught.value.message_dict
    assert state() == before


def test_production_update_of_an_employee_who_left_since_is_allowed(made, admin_account):
    """The record's own employee may have become inactive; correcting the quantity still works."""
    record, product, employee = made
    employee_update(employee=employee, is_active=False)
    production_update(record=record, quantity=6, user=admin_account)
    assert stock(product) == 6
    assert_ledger_holds()


def test_production_delete_takes_its_units_back_out(made, admin_account):
    record, product, _ = made
    production_delete(record=record, user=admin_account)
    assert not ProductionRecord.objects.filter(pk=record.pk).exists()
    assert stock(product) == 0
    movement = product.movements.get(reason=StockMovement.Reason.PRODUCTION_DELETE)
    assert (movement.delta, movement.reference) == (-5, f"production:{record.pk}")
    assert_ledger_holds()


def test_production_delete_leaves_other_records_and_products_alone(made, admin_account):
    record, product, employee = made
    kept = production_create(product=product, employee=employee, quantity=2, user=admin_account)
    other = make_product(stock=3)
    production_delete(record=record, user=admin_account)
    assert list(ProductionRecord.objects.values_list("pk", flat=True)) == [kept.pk]
    assert (stock(product), stock(other)) == (2, 3)
    assert_ledger_holds()


def test_production_delete_of_sold_units_is_refused_and_changes_nothing(made, admin_account):
    record, product, _ = made
    sell(product, 1, admin_account)
    before = state()
    with pytest.raises(InsufficientStock) as caught:
        production_delete(record=record, user=admin_account)
    assert caught.value.extra["items"] == [{"product": product.pk, "requested": 5, "available": 4}]
    assert state() == before
    assert_ledger_holds()


def test_production_delete_of_a_record_already_deleted_changes_nothing(made, admin_account):
    record, product, _ = made
    production_delete(record=record, user=admin_account)
    before = state()
    with pytest.raises(NotFound):
        production_delete(record=record, user=admin_account)
    with pytest.raises(NotFound):
        production_update(record=record, quantity=9, user=admin_account)
    assert state() == before and stock(product) == 0
