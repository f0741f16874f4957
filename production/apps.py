from django.apps import AppConfig

# The cache namespace of production records (factory.cache).
PRODUCTION_CACHE = "production"


class ProductionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "production"

    def ready(self):
        from factory.cache import invalidate_on_writes
        from production.models import ProductionRecord

        invalidate_on_writes(PRODUCTION_CACHE, ProductionRecord)

        from events.payloads import payload_register
        from production.selectors import production_list
        from production.serializers import ProductionSerializer

        payload_register(
            ProductionRecord,
            serializer=ProductionSerializer,
            read=lambda pk: production_list().get(pk=pk),
        )
