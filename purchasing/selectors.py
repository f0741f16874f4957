from django.contrib.auth import get_user_model
from django.db.models import (
    BigIntegerField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from factory.api.rows import Row, related_column
from products.models import Product, StockMovement
from products.selectors import product_on_order
from purchasing.models import (
    COST_PLACES,
    MAX_COST_DIGITS,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)


def supplier_list() -> QuerySet[Supplier]:
    return Supplier.objects.all()


def supplier_name_taken(*, name: str, exclude_pk=None) -> bool:
    return Supplier.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists()


def purchase_order_list() -> QuerySet[PurchaseOrder]:
    """Purchase orders with supplier, creator and lines (with their products): four queries a page."""
    creators = get_user_model().objects.select_related(None).only("id", "username")
    lines = PurchaseOrderLine.objects.select_related("product").only(
        "order",
        "product",
        "quantity",
        "received_quantity",
        "unit_cost",
        "product__name",
        "product__sku",
    )
    return PurchaseOrder.objects.prefetch_related(
        Prefetch("supplier", queryset=Supplier.objects.only("name")),
        Prefetch("created_by", queryset=creators),
        Prefetch("lines", queryset=lines.order_by("id")),
    )


def purchase_order_page_list() -> QuerySet[PurchaseOrder]:
    """Purchase orders as a list page reads them: one query with their supplier's name and
    their creator's username (correlated subqueries, `related_column`); `purchase_order_page`
    attaches those and the lines."""
    return PurchaseOrder.objects.annotate(
        page_supplier_name=related_column(Supplier, "name", "supplier_id"),
        page_created_by=related_column(get_user_model(), "username", "created_by_id"),
    )


class _LineRow(Row):
    line_total = PurchaseOrderLine.line_total  # the model's own rounding


def purchase_order_page(orders: list[PurchaseOrder]) -> list[PurchaseOrder]:
    """A page of `purchase_order_page_list()` rows with their related rows attached as plain rows.

    One query more whatever the page size: the lines with their products' names and SKUs, read
    as tuples and set as each order's prefetched `lines` (so `total` sums them as it sums a
    prefetch). The read shape is `purchase_order_list()`'s, without its prefetches' model
    instances: ~300 lines and products a page of 100 (docs/bench.md).
    """
    if not orders:
        return orders
    lines: dict[int, list[_LineRow]] = {order.pk: [] for order in orders}
    for pk, order_id, quantity, received, unit_cost, product_id, name, sku in (
        PurchaseOrderLine.objects.filter(order_id__in=lines)
        .order_by("id")
        .values_list(
            "id",
            "order_id",
            "quantity",
            "received_quantity",
            "unit_cost",
            "product_id",
            "product__name",
            "product__sku",
        )
    ):
        lines[order_id].append(
            _LineRow(
                id=pk,
                product=Row(id=product_id, name=name, sku=sku),
                quantity=quantity,
                received_quantity=received,
                unit_cost=unit_cost,
            )
        )
    for order in orders:
        cache = order._state.fields_cache
        cache["supplier"] = Row(id=order.supplier_id, name=order.page_supplier_name)
        cache["created_by"] = Row(id=order.created_by_id, username=order.page_created_by)
        order._prefetched_objects_cache = {"lines": lines[order.pk]}
    return orders


def purchase_order_get(*, pk: int) -> PurchaseOrder:
    return purchase_order_list().get(pk=pk)


def last_receipt_cost() -> Coalesce:
    """The unit cost of the product's latest purchase receipt; 0 if it was never received."""
    latest = (
        StockMovement.objects.filter(
            product=OuterRef("pk"), reason=StockMovement.Reason.PURCHASE_RECEIPT
        )
        .order_by("-id")
        .values("unit_cost")[:1]
    )
    cost = DecimalField(max_digits=MAX_COST_DIGITS, decimal_places=COST_PLACES)
    return Coalesce(Subquery(latest, output_field=cost), Value(0), output_field=cost)


def reorder_list() -> QuerySet:
    """SPEC §14's reorder rows: products with a reorder level whose stock and on-order units
    do not exceed it, with the quantity to order (`max(reorder_quantity, reorder_level - stock
    - on_order + 1)`), their default supplier and last receipt cost; by product id.

    One statement: the on-order units are a correlated subquery per product, the supplier a
    join (a product has at most one default supplier).
    """
    suggested = Greatest(
        F("reorder_quantity"),
        F("reorder_level") - F("stock") - F("on_order") + 1,
        output_field=BigIntegerField(),
    )
    return (
        Product.objects.filter(reorder_level__gt=0)
        .annotate(on_order=product_on_order())
        .annotate(available=ExpressionWrapper(F("stock") + F("on_order"), BigIntegerField()))
        .filter(available__lte=F("reorder_level"))
        .annotate(
            product_id=F("id"),
            product_name=F("name"),
            supplier_id=F("default_supplier_id"),
            supplier_name=F("default_supplier__name"),
            supplier_is_active=F("default_supplier__is_active"),
            suggested_quantity=suggested,
            last_cost=last_receipt_cost(),
        )
        .values(
            "product_id",
            "product_name",
            "supplier_id",
            "supplier_name",
            "supplier_is_active",
            "stock",
            "on_order",
            "reorder_level",
            "suggested_quantity",
            "last_cost",
        )
        .order_by("product_id")
    )
