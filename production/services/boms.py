"""Bills of materials (SPEC §13): create, edit, copy, activate, delete.

Locks: every write that can change what production of a product consumes (activating a BOM,
editing an active one) holds that product's row lock (`stock_lock`), the same lock production
takes before it reads the active BOM. So a production record always sees one settled BOM, and
two activations of one product's BOMs queue: exactly one stays active.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Max

from factory.db import atomic_with_retry
from factory.errors import NotFound
from production.errors import BOMLocked
from production.models import BOM, BOMLine, ProductionRecord
from products.models import Product
from products.serializers import MAX_QUANTITY
from products.services import stock_lock

Lines = Iterable[tuple[Product, int]]


def _lock(bom: BOM, *related: str) -> BOM:
    """The BOM, locked until the transaction ends; NotFound if another request deleted it."""
    locked = BOM.objects.select_for_update().select_related(*related).filter(pk=bom.pk).first()
    if locked is None:
        raise NotFound(f"BOM {bom.pk} no longer exists.")
    return locked


def _lines_check(*, product: Product, lines: Lines) -> list[tuple[Product, int]]:
    """The lines as a list; ValidationError on `lines` for the product itself, a repeat or a bad quantity."""
    lines = list(lines)
    errors, seen = [], set()
    for component, quantity in lines:
        if component.pk == product.pk:
            errors.append(f"{component.name} (id {component.pk}) cannot be a component of itself.")
        elif component.pk in seen:
            errors.append(f"Component {component.pk} is listed more than once.")
        seen.add(component.pk)
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            errors.append(f"The quantity of component {component.pk} must be an integer.")
        elif not 1 <= quantity <= MAX_QUANTITY:
            errors.append(
                f"The quantity of component {component.pk} must be between 1 and {MAX_QUANTITY}."
            )
    if errors:
        raise ValidationError({"lines": errors})
    return lines


def _is_used(bom: BOM) -> bool:
    return ProductionRecord.objects.filter(bom=bom).exists()


def _next_version(product: Product) -> int:
    """Under the product's row lock, so two creates for one product never pick the same number."""
    latest = BOM.objects.filter(product=product).aggregate(v=Max("version"))["v"]
    return (latest or 0) + 1


def _lines_write(bom: BOM, lines: list[tuple[Product, int]]) -> None:
    BOMLine.objects.bulk_create(
        BOMLine(bom=bom, component=component, quantity=quantity) for component, quantity in lines
    )


@atomic_with_retry
def bom_create(*, product: Product, user, lines: Lines = (), notes: str = "") -> BOM:
    """A new draft with the product's next version. ValidationError for bad lines."""
    lines = _lines_check(product=product, lines=lines)
    stock_lock(product_ids=[product.pk])
    bom = BOM.objects.create(
        product=product, version=_next_version(product), notes=notes, created_by=user
    )
    _lines_write(bom, lines)
    return bom


@atomic_with_retry
def bom_copy(*, bom: BOM, user) -> BOM:
    """A new draft of the same product with the next version and the same lines and notes."""
    stock_lock(product_ids=[bom.product_id])
    source = BOM.objects.get(pk=bom.pk)
    copy = BOM.objects.create(
        product_id=source.product_id,
        version=_next_version(source.product),
        notes=source.notes,
        created_by=user,
    )
    BOMLine.objects.bulk_create(
        BOMLine(bom=copy, component_id=line.component_id, quantity=line.quantity)
        for line in source.lines.all()
    )
    return copy


@atomic_with_retry
def bom_update(
    *,
    bom: BOM,
    product: Product | None = None,
    lines: Lines | None = None,
    notes: str | None = None,
) -> BOM:
    """Change a BOM's notes, lines (replaced whole) or product.

    BOMLocked (409) for lines or product of a BOM that production used; ValidationError for
    bad lines, for moving a BOM that is not a draft to another product, and, for an active
    BOM, for lines that are empty or would make a cycle (the activation rules).
    """
    product_ids = {bom.product_id} | ({product.pk} if product else set())
    stock_lock(product_ids=product_ids)
    locked = _lock(bom, "product")
    new_product = product or locked.product
    moves = new_product.pk != locked.product_id
    if lines is not None:
        lines = list(lines)
        current = sorted(locked.lines.values_list("component_id", "quantity"))
        if sorted((component.pk, quantity) for component, quantity in lines) == current:
            lines = None  # the same lines again (a PUT that changes only the notes)
    if (moves or lines is not None) and _is_used(locked):
        raise BOMLocked(
            f"BOM v{locked.version} of {locked.product.name} was used by production and is "
            "locked; copy it instead."
        )
    if moves and locked.status != BOM.Status.DRAFT:
        raise ValidationError({"product": ["Only a draft BOM can move to another product."]})
    if lines is not None or moves:
        current = [
            (line.component, line.quantity) for line in locked.lines.select_related("component")
        ]
        lines = _lines_check(product=new_product, lines=current if lines is None else lines)
        if locked.status == BOM.Status.ACTIVE:
            _activation_check(
                product_id=new_product.pk,
                component_ids=lambda: [component.pk for component, _ in lines],
                locked=product_ids,
            )
    if moves:
        locked.product, locked.version = new_product, _next_version(new_product)
    if notes is not None:
        locked.notes = notes
    locked.full_clean(validate_unique=False, validate_constraints=False)
    locked.save(update_fields=["product", "version", "notes"])
    if lines is not None:
        locked.lines.all().delete()
        _lines_write(locked, lines)
    return locked


@atomic_with_retry
def bom_delete(*, bom: BOM) -> None:
    """Delete a BOM with its lines. BOMLocked (409) if production used it."""
    # The product's lock first: production of it that is reading this BOM finishes, or waits.
    stock_lock(product_ids=[bom.product_id])
    locked = _lock(bom, "product")
    if _is_used(locked):
        raise BOMLocked(
            f"BOM v{locked.version} of {locked.product.name} was used by production and "
            "cannot be deleted."
        )
    locked.delete()


@atomic_with_retry
def bom_activate(*, bom: BOM) -> BOM:
    """Make this the product's one active BOM; the active one before it becomes archived.

    ValidationError for a BOM without lines, or one whose components would make a cycle
    through active BOMs at any depth (the message names the products on it). Activating the
    active BOM changes nothing.
    """
    _activation_check(
        product_id=bom.product_id,
        component_ids=lambda: list(
            BOMLine.objects.filter(bom_id=bom.pk).values_list("component_id", flat=True)
        ),
        locked=set(),
    )
    locked = _lock(bom)
    if locked.status != BOM.Status.ACTIVE:
        # Saved one by one (there is one) rather than by QuerySet.update(): so the change history
        # records the archiving.
        for active in BOM.objects.select_for_update().filter(
            product_id=locked.product_id, status=BOM.Status.ACTIVE
        ):
            active.status = BOM.Status.ARCHIVED
            active.save(update_fields=["status"])
        locked.status = BOM.Status.ACTIVE
        locked.save(update_fields=["status"])
    return locked


def _activation_check(*, product_id: int, component_ids, locked: set[int]) -> None:
    """Refuse (ValidationError) no components, or components that lead back to the product.

    `component_ids()` reads the lines to activate. Locks the product and every product
    reachable from them through active BOMs in primary-key order (the order production and
    orders use) before deciding, then reads again until nothing new is reachable: two
    activations that together would close a cycle both reach each other's product, so they
    queue on it and the later one sees the earlier one's BOM. Holding the product's lock
    also keeps production of it from reading the active BOM while it changes.
    """
    while True:
        components = component_ids()
        if not components:
            raise ValidationError(
                {"lines": ["An empty BOM cannot be activated; add its components first."]}
            )
        parents = _reachable(start=product_id, component_ids=components)
        if product_id in parents:
            raise ValidationError({"lines": [_cycle_message(product_id, parents)]})
        unlocked = ({product_id} | set(parents)) - locked
        if not unlocked:
            return
        stock_lock(product_ids=unlocked)
        locked |= unlocked


def _reachable(*, start: int, component_ids: list[int]) -> dict[int, int]:
    """`{product_id: the product that needs it}` for everything reachable from `start`'s new components.

    Walks the active BOMs one level a query; `start`'s own active BOM is the one being replaced.
    """
    parents = dict.fromkeys(component_ids, start)
    frontier = set(component_ids) - {start}
    while frontier:
        edges = (
            BOMLine.objects.filter(bom__status=BOM.Status.ACTIVE, bom__product_id__in=frontier)
            .exclude(bom__product_id=start)
            .values_list("bom__product_id", "component_id")
        )
        frontier = set()
        for parent, component in edges:
            if component not in parents:
                parents[component] = parent
                if component != start:
                    frontier.add(component)
    return parents


def _cycle_message(start: int, parents: dict[int, int]) -> str:
    path = [start]
    node = parents[start]
    while node != start:
        path.append(node)
        node = parents[node]
    path.append(start)
    path.reverse()
    names = dict(Product.objects.filter(pk__in=path).values_list("pk", "name"))
    chain = " → ".join(f"{names[pk]} (id {pk})" for pk in path)
    return f"These components would make a cycle of bills of materials: {chain}."
