from django.apps import AppConfig, apps


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"

    # Every app whose rows a report reads: any write to them invalidates cached reports.
    SOURCES = ("customers", "employees", "products", "production", "orders", "purchasing")

    def ready(self):
        from factory.cache import REPORTS, invalidate_on_writes
        from products.models import Product
        from products.signals import stock_changed

        for app_label in self.SOURCES:
            invalidate_on_writes(REPORTS, *apps.get_app_config(app_label).get_models())
        # Stock changes are UPDATE ... F() statements, which send no post_save.
        invalidate_on_writes(REPORTS, Product, signals=[stock_changed])
