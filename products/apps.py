from django.apps import AppConfig

# The cache namespace of product rows, stock included (factory.cache).
PRODUCTS_CACHE = "products"


class ProductsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "products"

    def ready(self):
        from factory.cache import invalidate_on_writes
        from products.models import Product
        from products.signals import stock_changed

        invalidate_on_writes(PRODUCTS_CACHE, Product)
        # Stock changes are UPDATE ... F() statements, which send no post_save.
        invalidate_on_writes(PRODUCTS_CACHE, Product, signals=[stock_changed])

        from events.payloads import payload_register
        from products.alerts import stock_low_record
        from products.selectors import product_get
        from products.serializers import ProductSerializer

        payload_register(Product, serializer=ProductSerializer, read=lambda pk: product_get(pk=pk))
        stock_changed.connect(stock_low_record, dispatch_uid="products.stock_low")
