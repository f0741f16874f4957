from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet

from accounts.models import User
from employees.models import Employee
from factory.api.rows import Row, Rows, related_column
from production.models import BOM, BOMLine, ProductionRecord
from products.models import Product


def production_list() -> QuerySet[ProductionRecord]:
    """Records with their product's and employee's names, their creator's username and their BOM
    (single records; the list reads its pages with `production_page_list()`).

    One query for the page, which walks an index in the list's order, and one each for the
    products, employees and creators it shows, and two for the BOMs and their lines (what
    each record consumed), whatever the page size. Joined instead, MariaDB drove the join
    from the products and sorted every record for each page (250 ms for 100,000 records,
    docs/bench.md).
    """
    return ProductionRecord.objects.prefetch_related(
        Prefetch("product", queryset=Product.objects.only("id", "name")),
        Prefetch("employee", queryset=Employee.objects.only("id", "name")),
        Prefetch("created_by", queryset=User.objects.select_related(None).only("id", "username")),
        Prefetch(
            "bom",
            queryset=BOM.objects.only("id").prefetch_related(
                Prefetch(
                    "lines",
                    queryset=BOMLine.objects.only("id", "bom_id", "component_id", "quantity"),
                )
            ),
        ),
    )


def production_page_list() -> QuerySet[ProductionRecord]:
    """Records as a list page reads them: one query with their product's and employee's names
    and their creator's username; `production_page` attaches those and what they consumed.

    The names are correlated subqueries (`related_column`), not joins, so the page still walks
    the index of its ordering.
    """
    return ProductionRecord.objects.annotate(
        page_product_name=related_column(Product, "name", "product_id"),
        page_employee_name=related_column(Employee, "name", "employee_id"),
        page_created_by=related_column(User, "username", "created_by_id"),
    )


def production_page(records: list[ProductionRecord]) -> list[ProductionRecord]:
    """A page of `production_page_list()` rows with their related rows attached as plain rows.

    One query more whatever the page size: the lines of the BOMs the records consumed, read as
    tuples (a record's BOM is only its id and its lines, for `consumption()`). The read shape
    is `production_list()`'s (ProductionSerializer reads the same attributes), without the
    five prefetches' model instances, which were most of a cold page (docs/bench.md).
    """
    lines: dict[int, list[Row]] = {}
    bom_ids = {record.bom_id for record in records if record.bom_id is not None}
    if bom_ids:
        for bom_id, component_id, quantity in (
            BOMLine.objects.filter(bom_id__in=bom_ids)
            .order_by("id")
            .values_list("bom_id", "component_id", "quantity")
        ):
            lines.setdefault(bom_id, []).append(Row(component_id=component_id, quantity=quantity))
    boms = {pk: Row(id=pk, lines=Rows(lines.get(pk, ()))) for pk in bom_ids}
    for record in records:
        cache = record._state.fields_cache
        cache["product"] = Row(id=record.product_id, name=record.page_product_name)
        cache["employee"] = Row(id=record.employee_id, name=record.page_employee_name)
        cache["created_by"] = Row(id=record.created_by_id, username=record.page_created_by)
        cache["bom"] = boms.get(record.bom_id)
    return records


def bom_list() -> QuerySet[BOM]:
    """BOMs with their product's name, lines with component names, creator and `locked`
    (single BOMs; the list reads its pages with `bom_page_list()`).

    Three queries a page whatever its size: the page (product and creator joined, `locked` an
    EXISTS on the production index of `bom`), and its lines with their components.
    """
    return (
        BOM.objects.select_related("product", "created_by")
        .annotate(locked=Exists(ProductionRecord.objects.filter(bom=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "lines",
                # Only the columns the read shape shows: a whole product row a line was ~2/3 of
                # a cold page of 100 BOMs (docs/bench.md).
                queryset=BOMLine.objects.select_related("component")
                .only("id", "bom_id", "component_id", "quantity", "component__name")
                .order_by("id"),
            )
        )
    )


def bom_page_list() -> QuerySet[BOM]:
    """BOMs as a list page reads them: one query with their product's name, their creator's
    username and `locked`; `bom_page` attaches those and the lines.

    The product's name comes from the join the list's default ordering (by product name)
    makes anyway, the creator's from a left join; both as plain columns, not model rows.
    """
    return BOM.objects.annotate(
        locked=Exists(ProductionRecord.objects.filter(bom=OuterRef("pk"))),
        page_product_name=F("product__name"),
        page_created_by=F("created_by__username"),
    )


def bom_page(boms: list[BOM]) -> list[BOM]:
    """A page of `bom_page_list()` rows with their related rows attached as plain rows.

    One query more whatever the page size: the lines with their components' names, read as
    tuples and set as each BOM's prefetched `lines`. The read shape is `bom_list()`'s
    (BOMSerializer reads the same attributes), without its model instances for every line,
    product and creator.
    """
    if not boms:
        return boms
    lines: dict[int, list[Row]] = {bom.pk: [] for bom in boms}
    for pk, bom_id, component_id, quantity, name in (
        BOMLine.objects.filter(bom_id__in=lines)
        .order_by("id")
        .values_list("id", "bom_id", "component_id", "quantity", "component__name")
    ):
        lines[bom_id].append(
            Row(id=pk, component_id=component_id, component=Row(name=name), quantity=quantity)
        )
    for bom in boms:
        cache = bom._state.fields_cache
        cache["product"] = Row(id=bom.product_id, name=bom.page_product_name)
        cache["created_by"] = (
            None
            if bom.created_by_id is None
            else Row(id=bom.created_by_id, username=bom.page_created_by)
        )
        bom._prefetched_objects_cache = {"lines": lines[bom.pk]}
    return boms


def bom_active(*, product: Product) -> BOM | None:
    """The product's active BOM with its lines and their components, or None."""
    return (
        BOM.objects.filter(product=product, status=BOM.Status.ACTIVE)
        .prefetch_related(
            Prefetch(
                "lines",
                # Only the columns the read shape shows: a whole product row a line was ~2/3 of
                # a cold page of 100 BOMs (docs/bench.md).
                queryset=BOMLine.objects.select_related("component")
                .only("id", "bom_id", "component_id", "quantity", "component__name")
                .order_by("id"),
            )
        )
        .first()
    )


def product_requirements(*, product: Product, quantity: int) -> dict:
    """What `quantity` units of the product need from stock now, one level deep (SPEC §13).

    `buildable` is the most units the components in stock allow; null without an active BOM
    (production then consumes nothing, so stock sets no limit).
    """
    bom = bom_active(product=product)
    lines = []
    for line in bom.lines.all() if bom else []:
        required = line.quantity * quantity
        available = line.component.stock
        lines.append(
            {
                "component": line.component_id,
                "component_name": line.component.name,
                "unit": line.component.unit,
                "per_unit": line.quantity,
                "required": required,
                "available": available,
                "shortfall": max(required - available, 0),
            }
        )
    buildable = min((row["available"] // row["per_unit"] for row in lines), default=None)
    return {
        "product": product.pk,
        "bom": bom.pk if bom else None,
        "quantity": quantity,
        "buildable": buildable,
        "lines": lines,
    }
