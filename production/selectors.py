from django.db.models import QuerySet

from production.models import ProductionRecord


def production_list() -> QuerySet[ProductionRecord]:
    return ProductionRecord.objects.select_related("product", "employee", "created_by")
