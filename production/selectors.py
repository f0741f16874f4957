from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from accounts.models import User
from employees.models import Employee
from production.models import BOM, BOMLine, ProductionRecord
from products.models import Product


def production_list() -> QuerySet[ProductionRecord]:
    """Records with their product's and employee's names, their creator's username and their BOM.

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


def bom_list() -> QuerySet[BOM]:
    """BOMs with their product's name, lines with component names, creator and `locked`.

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
