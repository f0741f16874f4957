"""Customers in spreadsheets (SPEC §17): the API's serializer checks each row, its services write."""

from customers import services
from customers.models import EMAIL_TAKEN, Customer
from customers.serializers import CustomerSerializer
from factory.imports import ServiceResource, register


@register("customers", "customer")
class CustomerResource(ServiceResource):
    serializer_class = CustomerSerializer
    unique_columns = {"email": EMAIL_TAKEN}
    create_with = services.customer_create
    update_with = services.customer_update

    class Meta(ServiceResource.Meta):
        model = Customer
        fields = tuple(CustomerSerializer.Meta.fields)  # the API's read shape
