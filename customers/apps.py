from django.apps import AppConfig

# The cache namespace of customer rows (factory.cache): bumped by every committed write.
CUSTOMERS_CACHE = "customers"


class CustomersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "customers"

    def ready(self):
        from customers.models import Customer
        from factory.cache import invalidate_on_writes

        invalidate_on_writes(CUSTOMERS_CACHE, Customer)
