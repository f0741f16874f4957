"""Products from spreadsheets (SPEC §17): `initial_stock` and `unit_cost` for new products only,
through the stock service; an import never changes the stock of an existing product."""

from decimal import Decimal

import pytest
from import_export.results import RowResult

from accounts.services import SYSTEM
from factory.imports import CSV, ServiceResource
from products.models import Product, StockMovement
from products.resources import ProductResource
from products.tests.factories import assert_ledger_holds, make_product

pytestmark = pytest.mark.django_db


def run(content: bytes, *, dry_run=False, actor=SYSTEM):
    resource = ProductResource(actor=actor)
    return resource.import_data(CSV().create_dataset(content), dry_run=dry_run)


def errors(result) -> list[str]:
    return [
        f"{row.number} {field}: {message}"
        for row in result.invalid_rows
        for field, messages in row.error_dict.items()
        for message in messages
    ]


def state():
    return (
        list(Product.objects.order_by("id").values_list("id", "name", "price", "stock")),
        list(StockMovement.objects.order_by("id").values_list("id", "product_id", "delta")),
    )


def test_new_product_with_initial_stock_and_unit_cost_goes_on_the_ledger(admin_account):
    result = run(
        b"name,sku,price,initial_stock,unit_cost\nBolt,B-1,0.35,200,0.1234\nNut,,0.10,,\n",
        actor=admin_account,
    )
    assert not result.has_errors() and not result.has_validation_errors()
    bolt, nut = Product.objects.get(name="Bolt"), Product.objects.get(name="Nut")
    assert (bolt.sku, bolt.price, bolt.stock) == ("B-1", Decimal("0.35"), 200)
    [movement] = bolt.movements.all()
    assert (movement.delta, movement.reason, movement.unit_cost, movement.created_by) == (
        200,
        StockMovement.Reason.INITIAL,
        Decimal("0.1234"),
        admin_account,
    )
    assert (nut.sku, nut.stock, nut.movements.count()) == (None, 0, 0)
    assert_ledger_holds()


def test_dry_run_writes_nothing_not_even_the_ledger():
    before = state()
    result = run(b"name,price,initial_stock\nBolt,1.00,5\n", dry_run=True)
    assert [row.import_type for row in result.rows] == [RowResult.IMPORT_TYPE_NEW]
    assert state() == before


@pytest.mark.parametrize("column", ["initial_stock", "unit_cost"])
def test_stock_columns_for_an_existing_product_are_a_row_error(column):
    product = make_product(name="Gear", stock=10)
    before = state()
    result = run(f"id,price,{column}\n{product.pk},2.00,5\n".encode())
    assert errors(result) == [
        f"1 {column}: Only a new product takes {column}: the stock of an existing product "
        "changes only through production, orders, receipts and adjustments (leave this cell empty)."
    ]
    assert state() == before


def test_stock_column_must_be_the_current_stock():
    product = make_product(name="Gear", stock=10)
    before = state()
    result = run(f"id,stock,price\n{product.pk},15,2.00\n".encode())
    assert errors(result) == [
        "1 stock: Stock is 10, not 15: an import never changes stock (adjust it in the product's page)."
    ]
    assert state() == before
    # An exported file (its stock column unchanged) imports: the other columns change.
    result = run(f"id,stock,price,initial_stock\n{product.pk},10,3.50,\n".encode())
    assert not result.has_validation_errors()
    product.refresh_from_db()
    assert (product.price, product.stock, product.movements.count()) == (Decimal("3.50"), 10, 1)


def test_new_product_rules():
    result = run(b"name,price,stock,unit_cost\nA,1.00,5,\nB,1.00,,2.00\n")
    assert errors(result) == [
        "1 stock: A new product's opening stock goes in initial_stock.",
        "2 unit_cost: unit_cost is what the initial stock cost: give initial_stock too.",
    ]
    assert Product.objects.count() == 0


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("12,50", "price: A valid number is required."),
        ("abc", "price: A valid number is required."),
        ("-1", "price: Ensure this value is greater than or equal to 0."),
        ("1.234", "price: Ensure that there are no more than 2 decimal places."),
        ("12345678901.00", "price: Ensure that there are no more than 12 digits in total."),
    ],
)
def test_bad_decimals_are_row_errors_and_nothing_is_written(cell, message):
    make_product(name="Existing")
    before = state()
    result = run(f'name,price,initial_stock\nGood,1.00,5\nBad,"{cell}",5\n'.encode())
    assert errors(result) == [f"2 {message}"]
    assert state() == before


def test_name_and_sku_taken_in_any_case_against_the_database_and_the_file():
    make_product(name="Gear", sku="G-1")
    before = state()
    result = run(b"name,sku,price\ngear,x,1\nOther,g-1,1\nNew,N-1,1\nnew,n-2,1\n")
    assert errors(result) == [
        "1 name: A product with this name already exists.",
        "2 sku: A product with this SKU already exists.",
        "4 name: Row 3 of this file has the same name; each name may appear once.",
    ]
    assert state() == before


def test_renaming_a_product_to_its_own_name_in_another_case_is_a_change():
    product = make_product(name="Gear")
    result = run(f"id,name\n{product.pk},GEAR\n".encode())
    assert not result.has_validation_errors()
    product.refresh_from_db()
    assert product.name == "GEAR"


def test_every_resource_is_registered_for_the_command():
    from factory.imports import RESOURCES

    assert {name: cls.__name__ for name, cls in RESOURCES.items() if name.endswith("s")} == {
        "customers": "CustomerResource",
        "employees": "EmployeeResource",
        "products": "ProductResource",
        "suppliers": "SupplierResource",
    }
    assert all(issubclass(cls, ServiceResource) for cls in RESOURCES.values())


def test_an_import_needs_an_actor():
    with pytest.raises(TypeError, match="needs an actor"):
        ProductResource().import_data(CSV().create_dataset(b"name,price\nA,1\n"))
