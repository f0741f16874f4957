from django.urls import path
from rest_framework.routers import SimpleRouter

from production.views import BOMViewSet, ProductionViewSet, ProductRequirementsView

router = SimpleRouter()
router.register("production", ProductionViewSet)
router.register("boms", BOMViewSet)

urlpatterns = [
    *router.urls,
    path(
        "products/<int:pk>/requirements/",
        ProductRequirementsView.as_view(),
        name="product-requirements",
    ),
]
