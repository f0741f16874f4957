from rest_framework.routers import SimpleRouter

from purchasing.views import PurchaseOrderViewSet, SupplierViewSet

router = SimpleRouter()
router.register("suppliers", SupplierViewSet)
router.register("purchase-orders", PurchaseOrderViewSet)

urlpatterns = router.urls
