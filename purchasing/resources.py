"""Suppliers in spreadsheets (SPEC §17): the API's serializer checks each row, its services write."""

from factory.imports import ServiceResource, register
from purchasing import services
from purchasing.models import Supplier
from purchasing.serializers import SupplierSerializer


@register("suppliers", "supplier")
class SupplierResource(ServiceResource):
    serializer_class = SupplierSerializer
    unique_columns = {"name": services.NAME_TAKEN}
    create_with = services.supplier_create
    update_with = services.supplier_update

    class Meta(ServiceResource.Meta):
        model = Supplier
        fields = tuple(SupplierSerializer.Meta.fields)  # the API's read shape
