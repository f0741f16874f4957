from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from accounts.selectors import ACCESS_CACHE
from employees.apps import EMPLOYEES_CACHE
from factory.api.caching import CachedListMixin
from factory.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from factory.api.pagination import cached_count_pagination
from factory.api.schema import CONFLICT_RESPONSE
from production import selectors, services
from production.apps import PRODUCTION_CACHE
from production.filters import ProductionFilter
from production.serializers import ProductionSerializer
from products.apps import PRODUCTS_CACHE

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
    """Production records. Creating adds to stock; changing moves it by the difference; deleting reverses it."""

    queryset = selectors.production_list()
    serializer_class = ProductionSerializer
    pagination_class = cached_count_pagination(PRODUCTION_CACHE)
    # Records show their product's and employee's names and their creator.
    list_cache_namespaces = (PRODUCTION_CACHE, PRODUCTS_CACHE, EMPLOYEES_CACHE, ACCESS_CACHE)
    filterset_class = ProductionFilter
    ordering_fields = ["date", "quantity", "created_at", "id"]
    ordering = ["-date", "-id"]

    def create(self, request, *args, **kwargs):
        def perform():
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            record = services.production_create(user=request.user, **serializer.validated_data)
            return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

        return idempotent(request, perform)

    def perform_update(self, serializer):
        serializer.instance = services.production_update(
            record=serializer.instance, user=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.production_delete(record=instance, user=self.request.user)
