from rest_framework.routers import SimpleRouter

from customers.views import CustomerViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet)

urlpatterns = router.urls
