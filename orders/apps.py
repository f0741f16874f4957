from django.apps import AppConfig

# The cache namespace of order rows and their items (factory.cache).
ORDERS_CACHE = "orders"


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"

    def ready(self):
        from factory.cache import invalidate_on_writes
        from orders.models import Invoice, InvoiceLine, Order, OrderItem

        # Every path that writes orders (placing, cancelling, shipping, admin) saves or deletes an
        # Order row; issuing and paying save an Invoice, which the order list shows.
        invalidate_on_writes(ORDERS_CACHE, Order, OrderItem, Invoice, InvoiceLine)

        from events.payloads import payload_register
        from orders.selectors import invoice_get, order_get
        from orders.serializers import InvoiceSerializer, OrderSerializer

        # Events carry the API's read shape (SPEC §18).
        payload_register(Order, serializer=OrderSerializer, read=lambda pk: order_get(pk=pk))
        payload_register(Invoice, serializer=InvoiceSerializer, read=lambda pk: invoice_get(pk=pk))
