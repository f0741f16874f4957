from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"

    # Every app whose rows a report reads: any write to them invalidates cached reports.
    SOURCES = ("customers", "employees", "products", "production", "orders")

    def ready(self):
        from factory.cache import REPORTS, namespace_bump_on_commit
        from products.signals import stock_changed

        def invalidate(sender, **kwargs):
            namespace_bump_on_commit(REPORTS)

        for app_label in self.SOURCES:
            for model in apps.get_app_config(app_label).get_models():
                post_save.connect(
                    invalidate,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"reports-{model._meta.label}-save",
                )
                post_delete.connect(
                    invalidate,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"reports-{model._meta.label}-delete",
                )
        stock_changed.connect(invalidate, weak=False, dispatch_uid="reports-stock-changed")
