from rest_framework.routers import SimpleRouter

from orders.views import InvoiceViewSet, OrderViewSet

router = SimpleRouter()
router.register("orders", OrderViewSet)
router.register("invoices", InvoiceViewSet)

urlpatterns = router.urls
