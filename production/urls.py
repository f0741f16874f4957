from rest_framework.routers import SimpleRouter

from production.views import ProductionViewSet

router = SimpleRouter()
router.register("production", ProductionViewSet)

urlpatterns = router.urls
