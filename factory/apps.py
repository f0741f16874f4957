from django.apps import AppConfig


class FactoryConfig(AppConfig):
    """Project-wide plumbing that needs tables: idempotency records."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "factory"
    verbose_name = "Factory plumbing"

    def ready(self):
        from factory.api import strict

        strict.apply()
