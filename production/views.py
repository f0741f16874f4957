from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status, viewsets
from rest_framework.response import Response

from accounts.selectors import ACCESS_CACHE
from employees.apps import EMPLOYEES_CACHE
from events.payloads import read_shape_data
from factory.api.actions import role_action
from factory.api.caching import CachedListMixin
from factory.api.fastread import FastListMixin
from factory.api.history import HistoryViewMixin
from factory.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from factory.api.pagination import cached_count_pagination
from factory.api.permissions import HasRolePermission
from factory.api.schema import CONFLICT_RESPONSE, ERROR_RESPONSES
from production import selectors, services
from production.apps import PRODUCTION_CACHE
from production.filters import BOMFilter, ProductionFilter
from production.models import BOM
from production.serializers import (
    BOMSerializer,
    ProductionSerializer,
    RequirementsQuerySerializer,
    RequirementsSerializer,
)
from products.apps import PRODUCTS_CACHE
from products.models import Product

CHANGE_MOVES_STOCK = (
    "Changing the quantity or the product moves stock by the difference (a `production_change` "
    "movement); a change that would take stock below zero (the units were sold meanwhile) is a "
    "409 `insufficient_stock` and changes nothing."
)


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER],
        description="Records units made and adds them to the product's stock, with a "
        "`production` ledger movement, in one transaction; 201 with the record. A repeated "
        "`Idempotency-Key` answers the first response again.",
    ),
    update=extend_schema(
        responses={200: ProductionSerializer, 409: CONFLICT_RESPONSE},
        description="Replaces every writable field of the record. " + CHANGE_MOVES_STOCK,
    ),
    partial_update=extend_schema(
        responses={200: ProductionSerializer, 409: CONFLICT_RESPONSE},
        description="Changes only the fields sent. " + CHANGE_MOVES_STOCK,
    ),
    destroy=extend_schema(
        responses={204: None, 409: CONFLICT_RESPONSE},
        description="Deletes the record and takes its units back out of stock (a "
        "`production_delete` movement): 204. When they were sold meanwhile, 409 "
        "`insufficient_stock` and nothing changes.",
    ),
)
class ProductionViewSet(CachedListMixin, viewsets.ModelViewSet):
    """Production records. Creating adds to stock and consumes the active BOM's components;
    changing moves both by the difference; deleting reverses it."""

    queryset = selectors.production_list()
    serializer_class = ProductionSerializer
    pagination_class = cached_count_pagination(PRODUCTION_CACHE)
    # Records show their product's and employee's names and their creator. What they consumed
    # comes from BOMs that never change once used, so it needs no namespace of its own.
    list_cache_namespaces = (PRODUCTION_CACHE, PRODUCTS_CACHE, EMPLOYEES_CACHE, ACCESS_CACHE)
    filterset_class = ProductionFilter
    ordering_fields = ["date", "quantity", "created_at", "id"]
    ordering = ["-date", "-id"]

    # The list reads its pages without prefetches (`paginate_queryset`); made once, so its
    # subqueries are not built again for every request.
    page_queryset = selectors.production_page_list()

    def get_queryset(self):
        return self.page_queryset.all() if self.action == "list" else super().get_queryset()

    def paginate_queryset(self, queryset):
        """The list's page: records with their names in one query, what they consumed in one
        more, attached as plain rows (`selectors.production_page`)."""
        page = super().paginate_queryset(queryset)
        if page is None or self.action != "list":
            return page
        return selectors.production_page(list(page))

    def create(self, request, *args, **kwargs):
        def perform():
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            record = services.production_create(user=request.user, **serializer.validated_data)
            # The record as the list reads it (production.services.records._as_read), rendered
            # by the serializer events keep: the serializer's .data without building its fields.
            return Response(
                read_shape_data(record, context=self.get_serializer_context()),
                status=status.HTTP_201_CREATED,
            )

        return idempotent(request, perform)

    def perform_update(self, serializer):
        record = services.production_update(
            record=serializer.instance, user=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=record.pk)

    def perform_destroy(self, instance):
        services.production_delete(record=instance, user=self.request.user)


BOM_CONFLICT = {409: CONFLICT_RESPONSE}


@extend_schema_view(
    list=extend_schema(
        summary="List bills of materials",
        description="BOMs with their lines, newest version first per product. `?component=` "
        "lists the BOMs that use a product (where-used).",
    ),
    retrieve=extend_schema(
        summary="Get a bill of materials", description="One BOM with its lines."
    ),
    create=extend_schema(
        summary="Create a bill of materials",
        description="A new draft with the product's next version. Each component at most once, "
        "never the product itself; quantities are units of the component per unit of product.",
    ),
    update=extend_schema(
        summary="Replace a bill of materials",
        description="Replaces notes and lines (whole). A BOM that production used is locked: "
        "changing its lines or product is a 409 `bom_locked` (copy it instead).",
        responses={200: BOMSerializer, **BOM_CONFLICT},
    ),
    partial_update=extend_schema(
        summary="Change a bill of materials",
        description="Changes notes, lines (replaced whole) or, for a draft, the product. A BOM "
        "that production used is locked: lines or product → 409 `bom_locked`.",
        responses={200: BOMSerializer, **BOM_CONFLICT},
    ),
    destroy=extend_schema(
        summary="Delete a bill of materials",
        description="Deletes a BOM that no production used; one that was used → 409 `bom_locked`.",
        responses={204: None, **BOM_CONFLICT},
    ),
)
class BOMViewSet(HistoryViewMixin, FastListMixin, viewsets.ModelViewSet):
    """Bills of materials: what one unit of a product is made of, in versions."""

    queryset = selectors.bom_list()
    serializer_class = BOMSerializer
    filterset_class = BOMFilter
    ordering_fields = ["product", "version", "created_at", "id"]
    ordering = ["product", "-version"]
    # The list reads its pages without prefetches (`paginate_queryset`), made once.
    page_queryset = selectors.bom_page_list()

    def get_queryset(self):
        return self.page_queryset.all() if self.action == "list" else super().get_queryset()

    def paginate_queryset(self, queryset):
        """The list's page: BOMs with their names in one query, their lines in one more,
        attached as plain rows (`selectors.bom_page`)."""
        page = super().paginate_queryset(queryset)
        if page is None or self.action != "list":
            return page
        return selectors.bom_page(list(page))

    def _reloaded(self, bom: BOM) -> BOM:
        return self.get_queryset().get(pk=bom.pk)

    def perform_create(self, serializer):
        bom = services.bom_create(user=self.request.user, **serializer.service_arguments())
        serializer.instance = self._reloaded(bom)

    def perform_update(self, serializer):
        bom = services.bom_update(bom=serializer.instance, **serializer.service_arguments())
        serializer.instance = self._reloaded(bom)

    def perform_destroy(self, instance):
        services.bom_delete(bom=instance)

    @extend_schema(
        summary="Activate a bill of materials",
        description="Makes this the product's one active BOM (the active one before it becomes "
        "archived); production of the product then consumes it. An empty BOM, or one whose "
        "components would make a cycle through active BOMs (the message names its products), "
        "is a 400. Needs `production.change_bom`.",
        request=None,
        responses={
            200: BOMSerializer,
            400: OpenApiResponse(
                ERROR_RESPONSES[400].response,
                description='No lines, or a cycle: `{"lines": ["These components would make a '
                'cycle of bills of materials: A (id 1) → B (id 2) → A (id 1)."]}`.',
            ),
        },
    )
    @role_action("production.change_bom", detail=True, methods=["post"])
    def activate(self, request, pk=None):
        bom = services.bom_activate(bom=self.get_object())
        return Response(self.get_serializer(self._reloaded(bom)).data)

    @extend_schema(
        summary="Copy a bill of materials",
        description="A new draft of the same product with the next version and the same lines "
        "and notes: how a locked BOM is changed. Needs `production.add_bom`.",
        request=None,
        responses={201: BOMSerializer},
    )
    @role_action("production.add_bom", detail=True, methods=["post"])
    def copy(self, request, pk=None):
        bom = services.bom_copy(bom=self.get_object(), user=request.user)
        return Response(
            self.get_serializer(self._reloaded(bom)).data, status=status.HTTP_201_CREATED
        )


@extend_schema(
    summary="What producing a product needs",
    description="For `quantity` units (default 1) of the product: each component of its active "
    "BOM with the units required, in stock and short, and `buildable`, the most units the "
    "components in stock allow (one level deep; null without an active BOM).",
    parameters=[
        OpenApiParameter(
            "quantity", int, description="Units to produce, 1 … 1,000,000 (default 1)."
        )
    ],
    responses={200: RequirementsSerializer},
)
class ProductRequirementsView(generics.GenericAPIView):
    """`GET /api/products/{id}/requirements/` (SPEC §13); lives here because BOMs do."""

    queryset = Product.objects.all()
    serializer_class = RequirementsSerializer
    permission_classes = [HasRolePermission.require("production.view_bom")]
    filter_backends = []
    pagination_class = None

    def get(self, request, pk):
        query = RequirementsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = selectors.product_requirements(
            product=self.get_object(), quantity=query.validated_data["quantity"]
        )
        return Response(RequirementsSerializer(data).data)
