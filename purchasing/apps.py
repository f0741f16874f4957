from django.apps import AppConfig

# The cache namespace of suppliers, purchase orders and their lines (factory.cache).
PURCHASING_CACHE = "purchasing"


class PurchasingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "purchasing"

    def ready(self):
        from factory.cache import invalidate_on_writes
        from products.apps import PRODUCTS_CACHE
        from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier

        invalidate_on_writes(PURCHASING_CACHE, Supplier, PurchaseOrder, PurchaseOrderLine)
        # A product's `on_order` is the outstanding quantity of open purchase orders: every
        # purchase-order write changes what product rows show (products cannot name purchasing).
        invalidate_on_writes(PRODUCTS_CACHE, PurchaseOrder, PurchaseOrderLine)

        from events.payloads import payload_register
        from purchasing.selectors import purchase_order_get
        from purchasing.serializers import PurchaseOrderSerializer

        payload_register(
            PurchaseOrder,
            serializer=PurchaseOrderSerializer,
            read=lambda pk: purchase_order_get(pk=pk),
        )
