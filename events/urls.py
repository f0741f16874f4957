from rest_framework.routers import SimpleRouter

from events.views import DeliveryViewSet, EventViewSet, WebhookViewSet

router = SimpleRouter()
router.register("events", EventViewSet)
router.register("webhooks/deliveries", DeliveryViewSet)
router.register("webhooks", WebhookViewSet)

urlpatterns = router.urls
