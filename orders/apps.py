from django.apps import AppConfig

# The cache namespace of order rows and their items (factory.cache).
ORDERS_CACHE = "orders"


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"

    def ready(self):
        from factory.cache import invalidate_on_writes
        from orders.models import Order, OrderItem

        # Every path that writes orders (placing, cancelling, admin) saves or deletes an Order row.
        invalidate_on_writes(ORDERS_CACHE, Order, OrderItem)
